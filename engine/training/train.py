"""Train a model from a config and report through a listener (DESIGN §3).

`train` is a plain function: it loads and tokenizes the data, builds the model from its specs,
and runs `model.fit(verbose=0)` with the engine's callbacks. It never prints; the CLI, the run
store and tests are listeners. Imports TensorFlow: call it in a training process only.
"""

from __future__ import annotations

import contextlib
import os
import platform
import time
import traceback
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from seqtui import __version__  # noqa: E402
from seqtui.engine.config import Config  # noqa: E402
from seqtui.engine.data.dataset import load_dataset  # noqa: E402
from seqtui.engine.data.pipeline import make_split, truncate  # noqa: E402
from seqtui.engine.data.textdata import dataset_facts  # noqa: E402
from seqtui.engine.data.tokenizers import build_tokenizer  # noqa: E402
from seqtui.engine.data.vectors import check_vectors_config, embedding_matrix  # noqa: E402
from seqtui.engine.errors import BadInput  # noqa: E402
from seqtui.engine.models.keras_builder import (  # noqa: E402
    build_compiled_state,
    build_keras_model,
)
from seqtui.engine.models.metrics import extra_metrics  # noqa: E402
from seqtui.engine.models.specs import fixed_length  # noqa: E402
from seqtui.engine.models.summary import summarize  # noqa: E402
from seqtui.engine.runs.events import Listener, make_event, read_events  # noqa: E402
from seqtui.engine.runs.files import write_private  # noqa: E402
from seqtui.engine.runs.status import epoch_records  # noqa: E402
from seqtui.engine.training.callbacks import (  # noqa: E402
    CheckpointCallback,
    ControlCallback,
    Diverged,
    DivergenceCallback,
    EventCallback,
    restore_seed_states,
)
from seqtui.engine.training.distribution import cluster_callbacks, local_model
from seqtui.engine.training.hardware import hardware_warnings, memory_probe, setup_hardware
from seqtui.engine.training.schedules import (
    LearningRateCallback,
    ResumableEarlyStopping,
    balanced_class_weights,
    learning_rate_for,
)

keras.utils.disable_interactive_logging()  # seqtui draws progress; Keras prints nothing


def versions() -> dict[str, str]:
    return {"seqtui": __version__, "python": platform.python_version(),
            "tensorflow": tf.__version__, "keras": keras.__version__}


def make_optimizer(name: str, learning_rate: Any) -> keras.optimizers.Optimizer:
    classes = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
               "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop,
               "adagrad": keras.optimizers.Adagrad, "nadam": keras.optimizers.Nadam}
    return classes[name](learning_rate=learning_rate)


class TrainingResult(dict):
    """status, best_epoch, best (metrics of the best epoch), epochs_run."""


def train(config: Config, run_dir: Path | None = None, listener: Listener | None = None,
          resume: bool = False, control: ControlCallback | None = None) -> TrainingResult:
    """Train from a config. With a run_dir, checkpoints and the vocabulary are written there.

    Returns the outcome; raises BadInput for unusable input and re-raises any other failure after
    sending a run_failed event.
    """
    emit = listener or (lambda event: None)
    config = config.resolved().validate()
    run_dir = Path(run_dir) if run_dir else None
    started = time.time()
    try:
        return _train(config, run_dir, emit, resume, control, started)
    except BaseException as exc:  # noqa: BLE001 - every ending gets a last word in the log
        if isinstance(exc, KeyboardInterrupt):
            last_word = make_event("run_finished", status="stopped", message="interrupted",
                                   seconds=round(time.time() - started, 3))
        else:
            last_word = make_event("run_failed", message=_one_line(exc),
                                   error=type(exc).__name__, bad_input=isinstance(exc, BadInput),
                                   traceback=traceback.format_exc())
        # A full or vanished disk may refuse even this line: the run then reads as died, and
        # the real cause is what propagates.
        with contextlib.suppress(OSError):
            emit(last_word)
        raise


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    plain = isinstance(exc, BadInput | Diverged)  # their message is the whole story
    return f"{type(exc).__name__}: {text[0]}" if text and not plain else \
        (text[0] if text else type(exc).__name__)


def _train(config: Config, run_dir: Path | None, emit: Listener, resume: bool,
           control: ControlCallback | None, started: float) -> TrainingResult:
    hw = setup_hardware(config.hardware)
    if not hw.is_chief:  # only the chief writes the run directory; workers train in step
        run_dir = None
    tr = config.training
    keras.utils.set_random_seed(tr.seed)
    previous = _previous_epochs(run_dir) if resume else []
    initial_epoch = len(previous)
    if config.model.embeddings:
        check_vectors_config(config)  # the embedding's size is the vectors file's
    planned = summarize(config)
    begun = make_event(
        "run_started", config=config.to_dict(), params=planned.total_params, device=hw.device,
        strategy=hw.strategy_name, replicas=hw.replicas, epochs=tr.epochs, steps_per_epoch=None,
        versions=versions(), build=hw.build, pid=os.getpid(), resumed=resume,
        initial_epoch=initial_epoch, mixed_precision=config.hardware.mixed_precision,
        jit_compile=config.hardware.jit_compile, hardware=hw.record(),
    )
    emit(begun)

    data = load_dataset(config, emit)
    if len(set(data.train_labels)) < 2:
        raise BadInput(f"the training split has only one class ({data.class_names}); "
                       "a classifier needs two or more")
    tokenizer = build_tokenizer(config, data.train_texts, emit)
    if run_dir:
        tokenizer.save(run_dir / "assets")
        record_effective_config(run_dir, config, tokenizer.vocab_size)
    emit(make_event("stage", stage="tokenizing",
                    message=f"tokenizing {len(data.train_texts) + len(data.val_texts):,} texts"))
    max_length = config.tokenizer.max_length
    train_ids = truncate(tokenizer.encode(data.train_texts), max_length)
    val_ids = truncate(tokenizer.encode(data.val_texts), max_length)
    lengths = train_ids.row_lengths().numpy().tolist()
    fixed = max_length if fixed_length(config) else None
    global_batch = tr.batch_size * hw.replicas
    train_split = make_split(train_ids, data.train_labels, global_batch, fixed, shuffle=True,
                             seed=tr.seed)
    # The test split is not even tokenized until training ends: nothing chosen during training
    # (best epoch, early stopping, checkpoints) can have seen it.
    val_split = make_split(val_ids, data.val_labels, global_batch, fixed, shuffle=False,
                           seed=tr.seed)

    vectors, vector_facts = None, None
    resuming = bool(resume and run_dir and (run_dir / "checkpoints" / "last.keras").exists())
    if config.model.embeddings and not resuming:  # a checkpoint holds the vectors already
        vectors, coverage = embedding_matrix(config, tokenizer.vocabulary(),
                                             tokenizer.vocab_size, emit)
        vector_facts = (f"{Path(config.model.embeddings).name}: {coverage.sentence()} "
                        f"({'trained' if config.model.embeddings_trainable else 'frozen'})")
    emit(make_event("stage", stage="building", message="building the model"))
    num_classes = data.num_classes
    with hw.strategy.scope():
        model = build_keras_model(config, num_classes, tokenizer.vocab_size,
                                  mixed_precision=config.hardware.mixed_precision,
                                  embedding_matrix=vectors)
        if resume and run_dir and (run_dir / "checkpoints" / "last.keras").exists():
            import seqtui.engine.models.layers  # noqa: F401 - registers MaskedConv1D for loading

            model = keras.models.load_model(run_dir / "checkpoints" / "last.keras",
                                            safe_mode=True)
            restore_seed_states(model, run_dir / "checkpoints" / "last.keras")
        else:
            loss = "binary_crossentropy" if num_classes <= 2 else \
                "sparse_categorical_crossentropy"
            optimizer = make_optimizer(tr.optimizer, learning_rate_for(tr, train_split.steps))
            model.compile(optimizer=optimizer, loss=loss,
                          metrics=["accuracy", *extra_metrics(tr.metrics, num_classes)],
                          jit_compile=config.hardware.jit_compile)
    for message in hardware_warnings(config, hw, model):
        emit(make_event("warning", message=message, source="hardware"))
    params = int(model.count_params())
    summary = summarize(config, num_classes, tokenizer.vocab_size)
    if run_dir:
        vectors_line = f"Pretrained vectors: {vector_facts}\n" if vector_facts else ""
        (run_dir / "summary.txt").write_text(summary.table() + "\n" + vectors_line,
                                             encoding="utf-8")
    class_weight = balanced_class_weights(data.train_labels, num_classes) \
        if tr.class_weight == "balanced" else None
    facts = dataset_facts(data, lengths)
    facts.update(tokenizer=config.tokenizer.kind, vocab_size=tokenizer.vocab_size)
    if vector_facts:
        facts["pretrained_vectors"] = vector_facts
    emit(make_event("stage", stage="ready", message="training", params=params,
                    steps_per_epoch=train_split.steps, validation_steps=val_split.steps,
                    validation=config.data.validation,
                    num_classes=num_classes, class_names=data.class_names, dataset=facts,
                    global_batch_size=global_batch,
                    **({"class_weights": {str(data.class_names[c]): round(w, 6)
                                          for c, w in class_weight.items()}}
                       if class_weight else {})))

    # Fast-forward the shuffle so a resumed run sees the data order the original run would have:
    # one pass per finished epoch. That holds because fit gets steps_per_epoch: Keras then makes
    # one iterator (one reshuffle) per epoch; without it, it makes two, and a resumed run would
    # see the data of another epoch.
    for _ in range(initial_epoch):
        for _batch in train_split.dataset:
            pass

    best = _best_of(previous, tr.monitor)
    monitored = [e["logs"].get(tr.monitor) for e in previous]
    control = control or ControlCallback(run_dir, emit)
    events_cb = EventCallback(emit, train_split.steps, global_batch, tr.monitor,
                              first_epoch=initial_epoch, best=best, memory=memory_probe(hw),
                              clock=control.training_clock)
    # The rate goes into the logs first, so every callback after it (events, history.csv,
    # TensorBoard) sees it.
    schedule = [LearningRateCallback(tr, train_split.steps, monitored)] \
        if tr.lr_schedule != "constant" else []
    callbacks: list[keras.callbacks.Callback] = [
        *schedule, DivergenceCallback(tr.optimizer, tr.learning_rate), events_cb, control,
        *cluster_callbacks(hw, control)]
    early = None
    if tr.early_stopping:
        best_saved = (run_dir / "checkpoints" / "best.keras", best[0]) \
            if run_dir and best else None
        early = ResumableEarlyStopping(tr, monitored, best_saved)
        callbacks.append(early)
    if run_dir and hw.is_chief:
        callbacks.append(CheckpointCallback(run_dir, events_cb, emit))
        if tr.tensorboard:
            callbacks.append(keras.callbacks.TensorBoard(log_dir=str(run_dir / "tensorboard")))

    if initial_epoch < tr.epochs:
        build_compiled_state(model, train_split.dataset.element_spec)
        model.fit(train_split.dataset, validation_data=val_split.dataset, epochs=tr.epochs,
                  initial_epoch=initial_epoch, steps_per_epoch=train_split.steps,
                  callbacks=callbacks, verbose=0, class_weight=class_weight,
                  shuffle=False)  # the pipeline shuffles, with the run's seed

    if control.stop_requested:
        status = "pruned" if control.pruned else "stopped"
    elif early is not None and early.stopped_epoch > 0:
        status = "early_stopped"
    else:
        status = "completed"
    result = TrainingResult(status=status, best_epoch=events_cb.best_epoch,
                            best={tr.monitor: events_cb.best_value}, params=params,
                            paused_seconds=round(control.paused_seconds, 3))
    # The test split is scored once, with the weights predict would use.
    if hw.is_chief:
        from seqtui.engine.training.evaluate import finish_run

        result.update(finish_run(run_dir, local_model(model, hw), data, tokenizer, config,
                                 global_batch, events_cb.epochs_finished > 0, emit))
    # runs.status.run_duration's definition, so the CLI's last line and every screen agree.
    result["seconds"] = round(time.time() - begun["time"] - control.paused_seconds, 3)
    emit(make_event("run_finished", **result))
    result["model"] = model
    result["data"] = data
    result["tokenizer"] = tokenizer
    return result


def record_effective_config(run_dir: Path, config: Config, vocab_size: int) -> None:
    """config.json holds what ran, not what was asked: the vocabulary the tokenizer built (the
    subwords default of 10,000 asks for the seeds' 8,185 ids), so `seqtui train --config
    RUN/config.json` trains the same model and a reader never needs to know the defaults."""
    effective = config.resolved()
    effective.tokenizer.vocab_size = int(vocab_size)
    write_private(run_dir / "config.json", effective.to_json() + "\n")


def _previous_epochs(run_dir: Path | None) -> list[dict[str, Any]]:
    if run_dir is None:
        return []
    return epoch_records(read_events(run_dir / "events.jsonl"))


def _best_of(epochs: list[dict[str, Any]], monitor: str) -> tuple[int, float] | None:
    values = [(e["epoch"], e["logs"][monitor]) for e in epochs
              if e["logs"].get(monitor) is not None]
    if not values:
        return None
    return (min if "loss" in monitor else max)(values, key=lambda item: item[1])
