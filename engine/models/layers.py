"""Custom Keras layers the presets need. Imports Keras: training and predict processes only."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqtui")
class MaskedConv1D(keras.layers.Conv1D):
    """Conv1D that ignores padding: padded steps are zeroed before the convolution and the mask
    passes through, so a masked GlobalAveragePooling1D after it averages real steps only.

    'same' padding keeps the length, so a text's windows see the same zeros at its end whether
    its batch pads it or not: padding cannot change a prediction. (Keras's own Conv1D drops the
    mask, and the seeds' 'valid' convolution mixes padding into the average.)
    """

    def __init__(self, filters: int, kernel_size: int, **kwargs):
        kwargs["padding"] = "same"
        super().__init__(filters, kernel_size, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = inputs * ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        return super().call(inputs)

    def compute_mask(self, inputs, mask=None):
        return mask
