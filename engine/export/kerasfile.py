"""The Keras 3 file export: one functional model from raw strings to class probabilities and
labels, loadable with Keras on TensorFlow and no seqtui.

A .keras file holds configs and weights, not code, so everything in it must be something Keras
rebuilds by itself:
- the run's standardisation is a `Lambda` holding a Python lambda (bytecode, loaded only with
  `safe_mode=False`) that calls TensorFlow's string ops with the run's own patterns;
- then a TextVectorization with the run's vocabulary, and what `seqtui predict` does to ids
  (cut to the max length, a text without tokens read as one unknown word, padding) as keras.ops;
- seqtui's masked layers are rebuilt from Keras's own layers and ops doing the same arithmetic
  on the same weights, with the mask carried as an explicit tensor (Keras's own layers drop it);
- the class names are a StringLookup that turns the most probable class into its name.
A layer this module has no exact rebuild for is refused, never approximated. Imports TensorFlow.
"""

from __future__ import annotations

import inspect
import json
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from seqtui.engine.export.checks import KERAS_BUILT_IN, KERAS_REBUILT, export_problem
from seqtui.engine.export.savedmodel import OOV_ID, checkpoint_epoch, load_trained, put_in_place

INFO_FILE = "seqtui.json"  # inside the .keras zip, beside Keras's own files; Keras ignores it


def export_keras_file(run_dir: Path, output: Path, checkpoint: str = "best",
                      force: bool = False) -> dict[str, Any]:
    """Write the .keras file to `output` (under a temporary name, renamed at the end: a failure
    leaves nothing half-written) and return what it recorded."""
    run_dir, output = Path(run_dir), Path(output)
    path = export_problem(run_dir, output, "keras", checkpoint, force)
    trained, tokenizer, names, config = load_trained(run_dir, path)
    import keras

    from seqtui.engine.data.tokenizers import LINE_BREAK, PUNCTUATION

    max_length = config.get("tokenizer", {}).get("max_length")
    count = len(names)
    model = _text_model(keras, trained, tokenizer.vocabulary(), names, max_length,
                        LINE_BREAK, PUNCTUATION)

    info = {"run": run_dir.name, "checkpoint": f"checkpoints/{path.name}",
            "epoch": checkpoint_epoch(run_dir, path.name), "class_names": names,
            "tokenizer": "words", "max_length": max_length,
            "load": "keras.saving.load_model(PATH, safe_mode=False)",
            "input": "a batch of strings, shape [None]",
            "outputs": {"probabilities": f"float32 [None, {count}], in class_names order",
                        "label": "string [None], the most probable class name"},
            "python": f"{sys.version_info.major}.{sys.version_info.minor}",
            "keras": keras.__version__,
            "exported": time.strftime("%Y-%m-%d %H:%M:%S")}
    tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
    try:
        target = tmp / "model.keras"  # Keras saves only to a name ending in .keras
        model.save(target)
        with zipfile.ZipFile(target, "a") as archive:
            archive.writestr(INFO_FILE, json.dumps(info, indent=2) + "\n")
        put_in_place(target, output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return info


def _text_model(keras: Any, trained: Any, vocabulary: list[str], names: list[str],
                max_length: int | None, line_break: str, punctuation: str) -> Any:
    from keras import ops

    text = keras.Input(shape=(), dtype="string", name="text")
    # The lambda's globals at load are Keras's (python_utils), not this module's: it imports
    # TensorFlow by itself, and the patterns travel in its closure as plain strings.
    standardized = keras.layers.Lambda(
        lambda texts: __import__("tensorflow").strings.regex_replace(
            __import__("tensorflow").strings.regex_replace(
                __import__("tensorflow").strings.lower(texts), line_break, " "),
            punctuation, " "),
        output_shape=(), dtype="string", name="standardize")(text)
    # Ids 0 and 1 are the padding '' and the OOV token, which TextVectorization adds itself.
    vectorize = keras.layers.TextVectorization(
        standardize=None, split="whitespace", output_mode="int", vocabulary=vocabulary[2:],
        output_sequence_length=max_length, name="vectorize")
    ids = ops.cast(vectorize(standardized), "int32")
    if max_length is None:
        # A step of padding more than the batch's longest text (masked, so no score moves): a
        # batch of empty texts still has a time axis.
        ids = ops.pad(ids, [[0, 0], [0, 1]])
    # A text without tokens ("!!!") is one unknown word, as in training and predict; padding is
    # on the right, so only such a text has padding first.
    first = ids[:, :1]
    ids = ops.concatenate([ops.where(ops.equal(first, 0), OOV_ID, first), ids[:, 1:]], axis=1)

    x, mask = ids, None
    for layer in trained.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if kind not in KERAS_BUILT_IN + KERAS_REBUILT:  # export_problem refused it already
            raise ValueError(f"no rebuild for layer {layer.name} ({kind})")
        if kind in KERAS_REBUILT:
            x, mask = _REBUILDS[kind](keras, layer, x, mask)
            continue
        takes_mask = "mask" in inspect.signature(layer.call).parameters
        out = layer(x, mask=mask) if takes_mask and mask is not None else layer(x)
        if kind == "Embedding":
            mask = ops.not_equal(x, 0) if layer.mask_zero else None
        elif not layer.supports_masking or mask is None:
            mask = None
        else:
            mask = layer.compute_mask(x, mask)
        x = out
    scores = ops.cast(x, "float32")
    if scores.shape[-1] == 1:  # a sigmoid output: P(class 1)
        scores = ops.concatenate([1.0 - scores, scores], axis=1)
    label = keras.layers.StringLookup(vocabulary=names, invert=True, num_oov_indices=0,
                                      name="label")(ops.argmax(scores, axis=1))
    return keras.Model(text, {"probabilities": scores, "label": label},
                       name=f"{trained.name}_text")


def _lowest(x: Any) -> float:
    """What seqtui's layers put at padded steps before a max: below any real value."""
    return -6e4 if x.dtype == "float16" else -1e9


def _weights(mask: Any, x: Any) -> Any:
    from keras import ops

    return ops.expand_dims(ops.cast(mask, x.dtype), -1)


def _copy(keras: Any, cls: Any, source: Any, config: dict[str, Any], shape: Any,
          weights: list[Any]) -> Any:
    """A Keras layer built for `shape` holding `weights`, in the source layer's dtype policy."""
    layer = cls(**config, dtype=source.dtype_policy, name=source.name)
    layer.build(shape)
    layer.set_weights(weights)
    return layer


def _conv(keras: Any, layer: Any, x: Any, mask: Any) -> tuple[Any, Any]:
    """MaskedConv1D: padded steps zeroed, its fixed padding, a valid convolution."""
    from keras import ops

    if mask is not None:
        x = x * _weights(mask, x)
    reach = layer.dilation_rate[0] * (layer.kernel_size[0] - 1) + 1
    before = (reach - 1) // 2
    x = ops.pad(x, [[0, 0], [before, reach - 1 - before], [0, 0]])
    conv = _copy(keras, keras.layers.Conv1D, layer, {
        "filters": layer.filters, "kernel_size": layer.kernel_size, "strides": layer.strides,
        "padding": "valid", "dilation_rate": layer.dilation_rate,
        "activation": layer.activation, "use_bias": layer.use_bias}, x.shape,
        layer.get_weights())
    stride = layer.strides[0]
    return conv(x), None if mask is None else mask[:, ::stride]


def _pooling(keras: Any, layer: Any, x: Any, mask: Any) -> tuple[Any, Any]:
    """MaskedPooling1D: windows from the first token, the last partial one kept, padding out."""
    from keras import ops

    size, stride = layer.pool_size, layer.strides
    pad = [[0, 0], [0, size - 1], [0, 0]]
    if layer.mode == "max":
        if mask is not None:
            x = ops.where(_weights(mask, x) > 0, x, ops.convert_to_tensor(_lowest(x), x.dtype))
        out = keras.layers.MaxPooling1D(size, stride, "valid", dtype=layer.dtype_policy,
                                        name=layer.name)(
            ops.pad(x, pad, constant_values=_lowest(x)))
    else:
        weights = _weights(mask, x) if mask is not None else ops.ones_like(x[:, :, :1])
        total = keras.layers.AveragePooling1D(size, stride, "valid", dtype=layer.dtype_policy,
                                              name=layer.name)(ops.pad(x * weights, pad))
        count = keras.layers.AveragePooling1D(size, stride, "valid", dtype=layer.dtype_policy,
                                              name=f"{layer.name}_count")(ops.pad(weights, pad))
        out = total / ops.maximum(count, 1e-9)
    if mask is None:
        return out, None
    real = mask[:, ::stride]
    return out * _weights(real, out), real  # windows of padding only: zeros


def _global_max(keras: Any, layer: Any, x: Any, mask: Any) -> tuple[Any, Any]:
    """MaskedGlobalMaxPooling1D: the largest value over the real steps."""
    from keras import ops

    if mask is not None:
        x = ops.where(ops.expand_dims(mask, -1), x, ops.convert_to_tensor(_lowest(x), x.dtype))
    return ops.max(x, axis=1), None


def _positions(keras: Any, layer: Any, x: Any, mask: Any) -> tuple[Any, Any]:
    """PositionEmbedding: the learned row of each step's position added to it."""
    from keras import ops

    steps = ops.cumsum(ops.ones_like(ops.cast(x[:, :, 0], "int32")), axis=1) - 1
    table = _copy(keras, keras.layers.Embedding, layer, {
        "input_dim": layer.length, "output_dim": int(layer.positions.shape[-1])},
        (None, None), [layer.positions.numpy()])
    return x + ops.cast(table(steps), x.dtype), mask


def _encoder(keras: Any, layer: Any, x: Any, mask: Any) -> tuple[Any, Any]:
    """TransformerEncoder at inference (its dropouts pass everything): attention over the real
    steps, a residual and normalisation, the feed-forward network, another of each."""
    from keras import ops

    def copy(sub: Any, *shapes: Any) -> Any:
        # Named after the block: the sublayers' own names may repeat the model's layers'.
        config = {**sub.get_config(), "name": f"{layer.name}_{sub.name}",
                  "dtype": sub.dtype_policy}
        new = type(sub)(**config)
        new.build(*shapes)
        new.set_weights(sub.get_weights())
        return new

    shape = x.shape
    attention = copy(layer.attention, shape, shape)
    attention_mask = None if mask is None else ops.expand_dims(mask, 1)
    attended = attention(x, x, attention_mask=attention_mask)
    x = copy(layer.norm1, shape)(x + attended)
    hidden = copy(layer.hidden, shape)
    out = copy(layer.project, (*shape[:-1], layer.ff))(hidden(x))
    return copy(layer.norm2, shape)(x + out), mask


_REBUILDS = {"MaskedConv1D": _conv, "MaskedPooling1D": _pooling,
             "MaskedGlobalMaxPooling1D": _global_max, "PositionEmbedding": _positions,
             "TransformerEncoder": _encoder}
