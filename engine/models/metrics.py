"""The extra metrics a run can log each epoch: precision, recall and AUC, named as Keras logs
them. Imports Keras: training and predict processes only.

Two classes have a single sigmoid output and use Keras's own metrics. More classes have a softmax
over integer labels, which Keras's Precision, Recall and AUC do not take: precision and recall
are then macro-averaged over the classes (as sklearn's average='macro'), AUC is one-vs-rest per
class, averaged. They are registered so a checkpoint that was compiled with them loads.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqtui")
class MacroPrecisionRecall(keras.metrics.Metric):
    """Macro-averaged precision or recall of a softmax over integer labels, from a confusion
    matrix gathered over the epoch. A class never predicted (precision) or never seen (recall)
    counts 0, as sklearn's zero_division=0."""

    def __init__(self, num_classes: int, kind: str = "precision", name: str | None = None,
                 **kwargs) -> None:
        super().__init__(name=name or kind, **kwargs)
        self.num_classes, self.kind = int(num_classes), kind
        self._direction = "up"
        self.matrix = self.add_variable(shape=(self.num_classes, self.num_classes),
                                        initializer="zeros", name="confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        true = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), self.num_classes)
        predicted = ops.one_hot(ops.argmax(ops.reshape(y_pred, (-1, self.num_classes)), axis=-1),
                                self.num_classes)
        if sample_weight is not None:
            true = true * ops.reshape(ops.cast(sample_weight, true.dtype), (-1, 1))
        self.matrix.assign_add(ops.matmul(ops.transpose(true), predicted))

    def result(self):
        hits = ops.diagonal(self.matrix)
        totals = ops.sum(self.matrix, axis=0 if self.kind == "precision" else 1)
        return ops.mean(ops.divide_no_nan(hits, totals))

    def reset_state(self):
        self.matrix.assign(ops.zeros_like(self.matrix))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "kind": self.kind}


@keras.saving.register_keras_serializable(package="seqtui")
class OneVsRestAUC(keras.metrics.AUC):
    """ROC AUC of each class against the rest, averaged: Keras's multi-label AUC over the
    one-hot form of integer labels."""

    def __init__(self, num_classes: int, name: str = "auc", **kwargs) -> None:
        for key in ("multi_label", "num_labels"):
            kwargs.pop(key, None)  # a saved config holds them; they follow from num_classes
        super().__init__(name=name, multi_label=True, num_labels=int(num_classes), **kwargs)
        self.num_classes = int(num_classes)

    def update_state(self, y_true, y_pred, sample_weight=None):
        true = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), self.num_classes)
        return super().update_state(true, ops.reshape(y_pred, (-1, self.num_classes)),
                                    sample_weight)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def extra_metrics(names: list[str] | None, num_classes: int) -> list[keras.metrics.Metric]:
    """The metric objects for config.training.metrics, for a model with this many classes."""
    out: list[keras.metrics.Metric] = []
    for name in names or []:
        if num_classes <= 2:
            out.append({"precision": keras.metrics.Precision, "recall": keras.metrics.Recall,
                        "auc": keras.metrics.AUC}[name](name=name))
        elif name == "auc":
            out.append(OneVsRestAUC(num_classes))
        else:
            out.append(MacroPrecisionRecall(num_classes, kind=name))
    return out
