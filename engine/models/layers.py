"""Custom Keras layers the stacks need, each keeping padding out of the prediction. Imports
Keras: training and predict processes only.

Every layer here sees right-padded sequences with a mask and computes the real steps of a text
exactly as it would unpadded: windows start at fixed offsets from the first token, and padded
steps never reach a real one's value.
"""

from __future__ import annotations

import keras
from keras import ops

# Every checkpoint loader imports this module for the custom layers: it registers the extra
# metrics a checkpoint may have been compiled with as well.
import seqtui.engine.models.metrics  # noqa: F401


def _window_mask(mask, stride: int):
    """A right-padded mask after a window of this stride: step i is real when i*stride is."""
    return None if mask is None else mask[:, ::stride]


@keras.saving.register_keras_serializable(package="seqtui")
class MaskedConv1D(keras.layers.Conv1D):
    """Conv1D that ignores padding: padded steps are zeroed before the convolution and the mask
    passes through, so a masked GlobalAveragePooling1D after it averages real steps only.

    The padding is Keras's 'same' for a stride of 1, put in by hand so a stride above 1 keeps
    it too: (reach - 1) // 2 zeros before the first token, whatever the text's length, so a
    text's windows see the same values whether its batch pads it or not. (Keras's own Conv1D
    drops the mask, and its 'same' padding with a stride shifts with the length.)
    """

    def __init__(self, filters: int, kernel_size: int, **kwargs):
        kwargs["padding"] = "same"
        super().__init__(filters, kernel_size, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = inputs * ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        reach = self.dilation_rate[0] * (self.kernel_size[0] - 1) + 1
        before = (reach - 1) // 2
        x = ops.pad(inputs, [[0, 0], [before, reach - 1 - before], [0, 0]])
        out = ops.conv(x, self.kernel, strides=self.strides, padding="valid",
                       dilation_rate=self.dilation_rate, data_format=self.data_format)
        if self.use_bias:
            out = out + ops.reshape(self.bias, (1, 1, -1))
        return self.activation(out) if self.activation is not None else out

    def compute_mask(self, inputs, mask=None):
        return _window_mask(mask, self.strides[0])


@keras.saving.register_keras_serializable(package="seqtui")
class MaskedPooling1D(keras.layers.Layer):
    """Max or average pooling over windows from the first token on, padded steps left out.

    The sequence is padded on the right to ceil(steps / stride) windows (a text's last, partial
    window counts, as it does when the batch pads it), and the mask is pooled with it.
    """

    def __init__(self, pool_size: int = 2, strides: int | None = None, mode: str = "max",
                 **kwargs):
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.mode = pool_size, strides or pool_size, mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        size, stride = self.pool_size, self.strides
        pad = [[0, 0], [0, size - 1], [0, 0]]
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], dtype="bool")
        weights = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        if self.mode == "max":
            lowest = ops.convert_to_tensor(-1e9 if inputs.dtype != "float16" else -6e4,
                                           inputs.dtype)
            x = ops.where(weights > 0, inputs, lowest)
            out = ops.max_pool(ops.pad(x, pad, constant_values=-1e9 if inputs.dtype != "float16"
                                       else -6e4), size, stride, padding="valid")
        else:
            total = ops.average_pool(ops.pad(inputs * weights, pad), size, stride, "valid")
            count = ops.average_pool(ops.pad(weights, pad), size, stride, "valid")
            out = total / ops.maximum(count, 1e-9)
        real = ops.cast(_window_mask(mask, stride), out.dtype)
        return out * ops.expand_dims(real, -1)  # windows of padding only: zeros, not -1e9

    def compute_mask(self, inputs, mask=None):
        return _window_mask(mask, self.strides)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else -(-steps // self.strides),
                input_shape[2])

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "mode": self.mode}


@keras.saving.register_keras_serializable(package="seqtui")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """The largest value of each feature over the real steps (Keras's own ignores the mask)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            lowest = ops.convert_to_tensor(-6e4 if inputs.dtype == "float16" else -1e9,
                                           inputs.dtype)
            inputs = ops.where(ops.expand_dims(mask, -1), inputs, lowest)
        return ops.max(inputs, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="seqtui")
class PositionEmbedding(keras.layers.Layer):
    """Learned position embeddings added to the token embeddings, for up to `length` steps."""

    def __init__(self, length: int, **kwargs):
        super().__init__(**kwargs)
        self.length = length
        self.supports_masking = True

    def build(self, input_shape):
        self.positions = self.add_weight(shape=(self.length, input_shape[-1]),
                                         initializer="uniform", name="positions")

    def call(self, inputs, mask=None):
        steps = ops.shape(inputs)[1]
        return inputs + ops.cast(self.positions[:steps], inputs.dtype)

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        return {**super().get_config(), "length": self.length}


@keras.saving.register_keras_serializable(package="seqtui")
class TransformerEncoder(keras.layers.Layer):
    """A post-norm Transformer encoder block: self-attention over the real steps, then a
    feed-forward network, each with dropout, a residual and layer normalisation."""

    def __init__(self, heads: int, key_size: int, ff: int, dropout: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.heads, self.key_size, self.ff, self.rate = heads, key_size, ff, dropout
        self.supports_masking = True

    def build(self, input_shape):
        dim = input_shape[-1]
        self.attention = keras.layers.MultiHeadAttention(self.heads, self.key_size,
                                                         dropout=self.rate)
        self.attention.build(input_shape, input_shape)
        self.hidden = keras.layers.Dense(self.ff, activation="relu")
        self.hidden.build(input_shape)
        self.project = keras.layers.Dense(dim)
        self.project.build((*input_shape[:-1], self.ff))
        self.norm1 = keras.layers.LayerNormalization()
        self.norm1.build(input_shape)
        self.norm2 = keras.layers.LayerNormalization()
        self.norm2.build(input_shape)
        self.drop1 = keras.layers.Dropout(self.rate)
        self.drop2 = keras.layers.Dropout(self.rate)

    def call(self, inputs, mask=None, training=None):
        attention_mask = None
        if mask is not None:  # every step attends to the real steps only
            attention_mask = ops.expand_dims(mask, 1)
        attended = self.attention(inputs, inputs, attention_mask=attention_mask,
                                  training=training)
        x = self.norm1(inputs + self.drop1(attended, training=training))
        out = self.project(self.hidden(x))
        return self.norm2(x + self.drop2(out, training=training))

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "heads": self.heads, "key_size": self.key_size,
                "ff": self.ff, "dropout": self.rate}
