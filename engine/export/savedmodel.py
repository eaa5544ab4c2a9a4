"""The SavedModel export: raw strings in, class probabilities and labels out. The run's tokenizer
is in the graph (words: its vocabulary and standardisation in a TextVectorization layer;
subwords: the WordPiece pipeline rebuilt id for id by `wordpiece`, which needs tensorflow-text
to load), followed by what `seqtui predict` does to ids (cut to the max length, a text without
tokens read as one unknown token, padding the model masks), so the export scores exactly as
predict. Imports TensorFlow."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from seqtui.engine.errors import BadInput
from seqtui.engine.export.checks import export_problem
from seqtui.engine.runs.events import read_events

OOV_ID = 1  # the vocabulary's out-of-vocabulary id (0 is padding)
SIGNATURE = "serving_default"
INFO_FILE = "assets.extra/seqtui.json"  # SavedModel's place for files TensorFlow ignores


def export_run(run_dir: Path, output: Path, fmt: str = "savedmodel", checkpoint: str = "best",
               force: bool = False) -> dict[str, Any]:
    """Write the export to `output` (under a temporary name, renamed at the end: a failure
    leaves nothing half-written) and return what it recorded."""
    if fmt == "keras":
        from seqtui.engine.export.kerasfile import export_keras_file

        return export_keras_file(run_dir, output, checkpoint, force)
    run_dir, output = Path(run_dir), Path(output)
    path = export_problem(run_dir, output, fmt, checkpoint, force)
    settings = json.loads((run_dir / "assets" / "tokenizer.json").read_text(encoding="utf-8"))
    if settings.get("kind") == "subwords":
        _import_tensorflow_text(run_dir.name)  # before TensorFlow: a broken one fails at once
    model, tokenizer, names, config = load_trained(run_dir, path)
    import tensorflow as tf

    max_length = config.get("tokenizer", {}).get("max_length")
    fixed = max_length if config.get("model", {}).get("preset") == "flatten" else None
    vectorize, extra = _vectorizer(tokenizer, run_dir.name)
    count = len(names)
    module = _serving_module(tf, model, vectorize, names, max_length, fixed)

    info = {"run": run_dir.name, "checkpoint": f"checkpoints/{path.name}",
            "epoch": checkpoint_epoch(run_dir, path.name), "class_names": names,
            "tokenizer": tokenizer.kind, **extra, "max_length": max_length,
            "signature": SIGNATURE,
            "input": "text: a batch of strings, shape [None]",
            "outputs": {"probabilities": f"float32 [None, {count}], in class_names order",
                        "label": "string [None], the most probable class name"},
            "exported": time.strftime("%Y-%m-%d %H:%M:%S")}
    tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
    try:
        target = tmp / "model"
        tf.saved_model.save(module, str(target), signatures={
            SIGNATURE: module.serve.get_concrete_function()})
        (target / "assets.extra").mkdir(exist_ok=True)
        (target / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        put_in_place(target, output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return info


def _vectorizer(tokenizer: Any, run: str) -> tuple[Any, dict[str, Any]]:
    """Texts to ragged ids in the graph, and what the export records about loading it."""
    if tokenizer.kind != "subwords":
        return tokenizer.layer, {}
    from seqtui.engine.export import wordpiece

    try:
        encode = wordpiece.make_encoder(tokenizer.hf)
    except ValueError as exc:
        raise BadInput(f"run {run}: {exc}; the export cannot rebuild it exactly in the graph") \
            from None
    return encode, {"requires": ["tensorflow_text"], "loading": wordpiece.LOADING_NOTE}


def _import_tensorflow_text(run: str) -> None:
    from seqtui.engine.export.wordpiece import INSTALL

    try:
        import tensorflow_text  # noqa: F401 - present and built for this TensorFlow
    except Exception as exc:  # noqa: BLE001 - a wheel for another TensorFlow fails to load
        first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise BadInput(f"run {run} uses the subwords tokenizer, whose export needs "
                       f"tensorflow-text built for this TensorFlow ({first}): {INSTALL}") \
            from None


def _serving_module(tf: Any, model: Any, vectorize: Any, names: list[str],
                    max_length: int | None, fixed: int | None) -> Any:
    class Serving(tf.Module):
        def __init__(self) -> None:
            super().__init__(name="seqtui_export")
            self.model = model
            self.vectorize = vectorize
            self.class_names = tf.Variable(names, dtype=tf.string, trainable=False,
                                           name="class_names")

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def serve(self, text: Any) -> dict[str, Any]:
            ids = tf.cast(self.vectorize(text), tf.int32)
            if max_length is not None:
                ids = ids[:, :max_length]
            empty = ids.row_lengths() == 0
            if fixed is not None:
                dense = ids.to_tensor(default_value=0, shape=[None, fixed])
            else:
                dense = ids.to_tensor(default_value=0)
                # An all-empty batch still needs one time step.
                dense = tf.pad(dense, [[0, 0], [0, 1 - tf.minimum(tf.shape(dense)[1], 1)]])
            # A text without tokens ("!!!") is one unknown word, as in training and predict.
            first = tf.where(empty, tf.constant(OOV_ID, tf.int32), dense[:, 0])
            dense = tf.concat([first[:, None], dense[:, 1:]], axis=1)
            scores = tf.cast(self.model(dense, training=False), tf.float32)
            if scores.shape[-1] == 1:  # a sigmoid output: P(class 1)
                scores = tf.concat([1.0 - scores, scores], axis=1)
            return {"probabilities": scores,
                    "label": tf.gather(self.class_names, tf.argmax(scores, axis=1))}

    return Serving()


def load_trained(run_dir: Path, checkpoint: Path) -> tuple[Any, Any, list[str], dict]:
    """What both export formats start from: the checkpoint's model, the run's tokenizer, its
    class names (one per class the model scores, numbered when the run recorded none) and its
    config. Imports TensorFlow."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    import seqtui.engine.models.layers  # noqa: F401 - registers seqtui's layers for loading
    from seqtui.engine.data.tokenizers import load_tokenizer
    from seqtui.engine.reports.predict import class_names_of

    keras.utils.disable_interactive_logging()
    config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    model = keras.models.load_model(checkpoint, safe_mode=True)
    tokenizer = load_tokenizer(run_dir / "assets")
    outputs = int(model.output_shape[-1])
    count = 2 if outputs == 1 else outputs  # a sigmoid output scores two classes
    names = class_names_of(run_dir) or []
    names = names if len(names) == count else [str(i) for i in range(count)]
    return model, tokenizer, names, config


def checkpoint_epoch(run_dir: Path, name: str) -> int | None:
    saved = [e for e in read_events(run_dir / "events.jsonl")
             if e.get("type") == "checkpoint_saved" and e.get("path") == f"checkpoints/{name}"]
    return saved[-1].get("epoch") if saved else None


def put_in_place(new: Path, output: Path) -> None:
    """Move the finished export into place; an earlier one (--force) goes only once the new one
    is complete."""
    if output.exists() or output.is_symlink():
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.replace(output, old)
        try:
            os.replace(new, output)
        except OSError:
            os.replace(old, output)
            raise
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
        return
    os.replace(new, output)
