"""The Keras model for a config, from the same specs as the summary. Imports TensorFlow when
called: only a training (or predicting) process calls it."""

from __future__ import annotations

from typing import Any

from seqtui.engine.config import Config
from seqtui.engine.models.specs import Spec, input_length, layer_specs

_CELLS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def build_keras_model(config: Config, num_classes: int = 2, vocab_size: int | None = None,
                      mixed_precision: bool = False, embedding_matrix: Any = None) -> Any:
    """The Keras model for a config. Imports TensorFlow: call it only in a training process.

    `embedding_matrix` (vocabulary x dim) starts the embedding from pretrained vectors.
    """
    import keras

    specs = layer_specs(config, num_classes, vocab_size)
    inputs = keras.Input(shape=(input_length(config, specs),), dtype="int32", name="tokens")
    x = inputs
    for spec in specs:
        x = _layer(keras, spec, mixed_precision)(x)
    model = keras.Model(inputs, x, name=config.model.preset.replace("-", "_"))
    if embedding_matrix is not None:
        # Set, not an initializer: a Constant initializer would copy the whole matrix into
        # the model's saved config.
        model.get_layer("embedding").set_weights([embedding_matrix])
    return model


def _layer(keras: Any, spec: Spec, mixed_precision: bool) -> Any:
    from seqtui.engine.models import layers as custom

    kind = spec["kind"]
    if kind == "embedding":
        return keras.layers.Embedding(spec["input_dim"], spec["output_dim"],
                                      mask_zero=spec["mask_zero"], trainable=spec["trainable"],
                                      name="embedding")
    if kind in _CELLS:
        # Default activations keep LSTM/GRU cuDNN-eligible; recurrent dropout loses it, and
        # the run's hardware warnings say so.
        layer = getattr(keras.layers, _CELLS[kind])(
            spec["units"], return_sequences=spec["return_sequences"], dropout=spec["dropout"],
            recurrent_dropout=spec["recurrent_dropout"])
        return keras.layers.Bidirectional(layer) if spec["bidirectional"] else layer
    if kind == "conv1d":
        return custom.MaskedConv1D(spec["filters"], spec["kernel"], strides=spec["stride"],
                                   dilation_rate=spec["dilation"],
                                   activation=spec["activation"])
    if kind in ("maxpool", "avgpool"):
        return custom.MaskedPooling1D(spec["size"], spec["stride"], mode=kind[:3])
    if kind == "globalavg":
        return keras.layers.GlobalAveragePooling1D()
    if kind == "globalmax":
        return custom.MaskedGlobalMaxPooling1D()
    if kind == "flatten":
        return keras.layers.Flatten()
    if kind == "spatialdropout":
        return keras.layers.SpatialDropout1D(spec["rate"])
    if kind == "dropout":
        return keras.layers.Dropout(spec["rate"])
    if kind == "layernorm":
        return keras.layers.LayerNormalization()
    if kind == "positions":
        return custom.PositionEmbedding(spec["length"])
    if kind == "transformer":
        return custom.TransformerEncoder(spec["heads"], spec["key_size"], spec["ff"],
                                         spec["dropout"])
    if kind == "dense":
        # The output layer computes in float32: mixed precision keeps a stable softmax/sigmoid.
        dtype = "float32" if spec.get("output") and mixed_precision else None
        return keras.layers.Dense(spec["units"], activation=spec["activation"], dtype=dtype,
                                  name="output" if spec.get("output") else None)
    raise ValueError(f"unknown layer kind {kind!r}")
