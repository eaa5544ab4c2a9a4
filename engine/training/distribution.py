"""Plumbing for tf.distribute: callbacks every worker of a cluster needs, the model as one
device sees it, and the patch that lets Keras 3 train under a strategy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from seqtui.engine.training.inventory import _tf

if TYPE_CHECKING:
    from seqtui.engine.training.hardware import Hardware


def cluster_callbacks(hw: Hardware, control: Any) -> list[Any]:
    """Callbacks that keep the workers of a multi-worker run in step (none for one process);
    they go after the ControlCallback.

    A stop reaches one process: the chief sees `seqtui stop` (its run directory's control file)
    and any worker can get a SIGTERM. A worker that stops alone leaves the others waiting in a
    collective step that never comes, and the whole run fails. So after every batch, and at the
    end of every epoch, the workers agree (a one-number all-reduce) whether anyone wants to
    stop, and all stop after the same batch.
    """
    if hw.workers <= 1:
        return []
    import keras

    tf = _tf()
    strategy = hw.strategy

    def anyone(wants: bool) -> bool:
        flag = tf.constant(1.0 if wants else 0.0)
        votes = strategy.experimental_distribute_values_from_function(lambda ctx: flag)
        return float(strategy.reduce("SUM", votes, axis=None)) > 0

    class AgreeToStop(keras.callbacks.Callback):
        def _agree(self) -> None:
            if anyone(bool(control.stop_requested)):
                control.stop_requested = True
                self.model.stop_training = True

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self._agree()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self._agree()

    return [AgreeToStop()]


def local_model(model: Any, hw: Hardware) -> Any:
    """The trained model, usable by this process alone. Under multi-worker training the model's
    predict() is a collective step that would wait for the other workers, so work only the chief
    does (the end-of-run analysis) gets a copy outside the strategy with the same weights."""
    if hw.workers <= 1:
        return model
    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.compile(loss=model.loss, metrics=["accuracy"])
    return copy


def _patch_keras_for_distribution() -> None:
    """Make Keras 3's fit() work under tf.distribute with seqtui's bucketed batches.

    Keras 3 (checked with 3.15; keras-team/keras#20585) fails twice. Before training it
    all-reduces the first batch across replicas only to learn its shapes: a bucketed batch split
    over replicas has halves of different sizes (13 examples: 7 and 6) and cannot be summed, and
    across workers a nested batch is not reducible at all. Under MultiWorkerMirroredStrategy it
    also averages each step's scalar logs with axis=0, which fails on scalars. Both are replaced:
    shapes come from this replica's own batch, and the logs are averaged over all replicas of all
    workers. Applied once, when a distributed run starts; skipped if Keras's internals move.
    """
    try:
        from keras.src import tree
        from keras.src.backend.tensorflow import trainer as tf_trainer
    except ImportError:
        return
    multi = getattr(tf_trainer, "_collective_all_reduce_multi_worker", None)
    trainer_cls = getattr(tf_trainer, "TensorFlowTrainer", None)
    if getattr(tf_trainer, "_seqtui_patched", False) or multi is None or trainer_cls is None \
            or not hasattr(tf_trainer, "reduce_per_replica") \
            or not hasattr(trainer_cls, "_maybe_symbolic_build"):
        return
    tf = _tf()
    distributed = tf.distribute.DistributedValues
    original_reduce = tf_trainer.reduce_per_replica
    original_build = trainer_cls._maybe_symbolic_build

    def reduce_per_replica(values: Any, strategy: Any, reduction: str) -> Any:
        if reduction in ("auto", "mean") and multi(strategy):
            return tree.map_structure(lambda v: _mean_over_workers(strategy, v), values)
        return original_reduce(values, strategy, reduction)

    def _mean_over_workers(strategy: Any, value: Any) -> Any:
        # A step's logs come back as this worker's own running metrics (Keras sees them as
        # mirrored, identical everywhere, and would not reduce them): average them over every
        # replica of every worker, so each worker's progress shows the same global figures.
        local = strategy.experimental_local_results(value) \
            if isinstance(value, distributed) else (value,)
        per_replica = strategy.experimental_distribute_values_from_function(
            lambda ctx: local[ctx.replica_id_in_sync_group % len(local)])
        return strategy.reduce("MEAN", per_replica, axis=None)

    def maybe_symbolic_build(self: Any, iterator: Any = None, data_batch: Any = None) -> None:
        strategy = self._distribute_strategy
        if strategy is None or iterator is None:
            return original_build(self, iterator=iterator, data_batch=data_batch)
        for _, _, batches in iterator:
            batch = next(batches)
            break
        local = tree.map_structure(
            lambda v: strategy.experimental_local_results(v)[0]
            if isinstance(v, distributed) else v, batch)
        with strategy.scope():
            self._symbolic_build(data_batch=local)

    tf_trainer.reduce_per_replica = reduce_per_replica
    trainer_cls._maybe_symbolic_build = maybe_symbolic_build
    tf_trainer._seqtui_patched = True
