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


def build_compiled_state(model: Any, element_spec: Any) -> None:
    """Create a compiled model's optimizer, loss and metric variables before fit or evaluate
    traces its step.

    Under the default strategy Keras creates them inside that first trace, and a tf.function
    that creates variables is traced twice (once creating them, once more without): for an
    LSTM a second or more of every run's first epoch, which a sweep pays once per trial. Only
    shapes and dtypes are used, so no batch is drawn and the shuffle order is untouched.
    """
    symbolic_build = getattr(model, "_symbolic_build", None)  # what Keras runs under a strategy
    with model.distribute_strategy.scope():
        if symbolic_build is not None:
            x, y = element_spec[:2]
            symbolic_build(data_batch=(x, y))  # builds the optimizer too
        elif model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
