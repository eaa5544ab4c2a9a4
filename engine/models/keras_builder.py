"""The Keras model for a config, from the same specs as the summary. Imports TensorFlow when
called: only a training (or predicting) process calls it."""

from __future__ import annotations

from typing import Any

from seqtui.engine.config import Config
from seqtui.engine.models.specs import layer_specs


def build_keras_model(config: Config, num_classes: int = 2, vocab_size: int | None = None,
                      mixed_precision: bool = False) -> Any:
    """The Keras model for a config. Imports TensorFlow: call it only in a training process."""
    import keras

    from seqtui.engine.models.layers import MaskedConv1D

    specs = layer_specs(config, num_classes, vocab_size)
    inputs = keras.Input(shape=(config.tokenizer.max_length,), dtype="int32", name="tokens")
    x = inputs
    for spec in specs:
        kind = spec["kind"]
        if kind == "embedding":
            x = keras.layers.Embedding(spec["input_dim"], spec["output_dim"],
                                       mask_zero=spec["mask_zero"], name="embedding")(x)
        elif kind == "global_average_pooling":
            x = keras.layers.GlobalAveragePooling1D()(x)
        elif kind == "flatten":
            x = keras.layers.Flatten()(x)
        elif kind == "recurrent":
            # Default activations and no recurrent dropout: the layer stays cuDNN-eligible.
            layer_cls = getattr(keras.layers, spec["cell"])
            layer = layer_cls(spec["units"], return_sequences=spec["return_sequences"])
            if spec["bidirectional"]:
                layer = keras.layers.Bidirectional(layer)
            x = layer(x)
        elif kind == "conv1d":
            x = MaskedConv1D(spec["filters"], spec["kernel_size"], activation="relu")(x)
        elif kind == "dropout":
            x = keras.layers.Dropout(spec["rate"])(x)
        elif kind == "dense":
            # The output layer computes in float32: mixed precision keeps a stable softmax/sigmoid.
            dtype = "float32" if spec.get("output") and mixed_precision else None
            x = keras.layers.Dense(spec["units"], activation=spec["activation"], dtype=dtype,
                                   name="output" if spec.get("output") else None)(x)
    return keras.Model(inputs, x, name=config.model.preset.replace("-", "_"))
