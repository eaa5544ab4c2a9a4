"""The field rules of the experiment config: what each value may be, as one-line errors.

field_errors lists every problem, one ConfigError per field, so the CLI can stop at the first and
the New form can show each beside its field. The schema and its loading are in config.
"""

from __future__ import annotations

import math
import re
from typing import Any

from seqtui.engine.config import (
    CLASS_WEIGHTS,
    CUSTOM,
    DATASET_KINDS,
    EXTRA_METRICS,
    LR_SCHEDULES,
    MONITORS,
    OPTIMIZERS,
    PRESETS,
    STRATEGIES,
    TOKENIZERS,
    VALIDATIONS,
    Config,
    sanitize_name,
    suggest,
)
from seqtui.engine.errors import ConfigError


def field_errors(config: Config) -> list[ConfigError]:
    """Every problem with the config, one ConfigError per field (the TUI shows them inline)."""
    errors: list[ConfigError] = []

    def bad(key: str, message: str) -> None:
        errors.append(ConfigError(message, key=key))

    d, t, m, tr, h = config.data, config.tokenizer, config.model, config.training, config.hardware
    if not isinstance(d.dataset, str) or not d.dataset.strip():
        bad("data.dataset", "dataset is empty; use demo, imdb, tfds:NAME, folder:PATH, csv:PATH "
            "or jsonl:PATH")
    elif not any(d.dataset == k or (k.endswith(":") and d.dataset.startswith(k))
                 for k in DATASET_KINDS):
        guess = suggest(d.dataset.split(":")[0], [k.rstrip(":") for k in DATASET_KINDS])
        bad("data.dataset", f"unknown dataset {d.dataset!r}{guess}; use demo, imdb, tfds:NAME, "
            "folder:PATH, csv:PATH or jsonl:PATH")
    elif ":" in d.dataset and not d.dataset.split(":", 1)[1].strip():
        bad("data.dataset", f"{d.dataset!r} needs a name or path after the colon")
    if d.subset is not None and (
            isinstance(d.subset, bool) or not isinstance(d.subset, int | float) or d.subset <= 0
            or (isinstance(d.subset, float) and d.subset > 1 and not d.subset.is_integer())):
            bad("data.subset", f"subset must be a fraction in (0, 1] or a positive count, "
                f"got {d.subset!r}")
    if not _is_number(d.test_fraction) or not 0 < d.test_fraction < 1:
        bad("data.test_fraction", f"test fraction must be between 0 and 1, got {d.test_fraction!r}")
    if d.validation not in VALIDATIONS:
        bad("data.validation", f"unknown validation {d.validation!r}"
            f"{suggest(d.validation, VALIDATIONS)}; use split (held out of train, or the "
            "source's own) or test (the seeds' way: the test split validates)")
    if not _is_number(d.validation_fraction) or not 0 < d.validation_fraction <= 0.5:
        bad("data.validation_fraction", "validation fraction must be in (0, 0.5] (the share "
            f"of train held out for validation), got {d.validation_fraction!r}")
    if d.validation_path is not None and (not isinstance(d.validation_path, str)
                                          or not d.validation_path.strip()):
        bad("data.validation_path", "validation path must be a file path")
    elif d.validation_path and isinstance(d.dataset, str) \
            and not d.dataset.startswith(("csv:", "jsonl:")):
        bad("data.validation_path", "a validation path applies to csv: and jsonl: datasets "
            "only (folders use val/, TFDS sets their validation split)")
    elif d.validation_path and d.validation == "test":
        bad("data.validation_path", "a validation path and validation = test contradict each "
            "other: choose one")
    for key in ("text_column", "label_column"):
        value = getattr(d, key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            setattr(d, key, str(value))  # TOML's text_column = 5: an index, as --text-column 5
        elif not isinstance(value, str) or not value:
            bad(f"data.{key}", f"{key.replace('_', ' ')} must be a non-empty name or a 0-based "
                "index")
    if not isinstance(d.no_header, bool):
        bad("data.no_header", "no header must be true or false")
    if not _is_pos_int(d.demo_size) or d.demo_size < 20:
        bad("data.demo_size", f"demo size must be an integer of at least 20, got {d.demo_size!r}")

    if t.kind not in TOKENIZERS:
        bad("tokenizer.kind", f"unknown tokenizer {t.kind!r}{suggest(t.kind, TOKENIZERS)}; "
            f"choose one of: {', '.join(TOKENIZERS)}")
    if not _is_pos_int(t.vocab_size) or t.vocab_size < 3:
        bad("tokenizer.vocab_size",
            f"vocabulary size must be an integer of at least 3, got {t.vocab_size!r}")
    if t.max_length is not None and not _is_pos_int(t.max_length):
        bad("tokenizer.max_length", f"max length must be a positive integer, got {t.max_length!r}")
    if not isinstance(t.oov_token, str) or not t.oov_token:
        bad("tokenizer.oov_token", "the OOV token must be a non-empty string")

    if m.layers is not None:
        if not isinstance(m.layers, list) or not m.layers:
            bad("model.layers", "the layer stack is empty; give at least one layer, e.g. "
                "\"bilstm(64) dense(64)\"")
        elif not isinstance(m.preset, str) or sanitize_name(m.preset) != m.preset:
            bad("model.preset", f"a preset name is a label: use letters, digits, '.', '_' or '-',"
                f" got {m.preset!r}")
    elif m.preset == CUSTOM:
        bad("model.preset", "preset custom needs a layer stack: give --layers or "
            "[[model.layers]] tables")
    elif m.preset not in PRESETS:
        bad("model.preset", f"unknown preset {m.preset!r}{suggest(m.preset, PRESETS)}; "
            f"choose one of: {', '.join(PRESETS)}")
    if not _is_pos_int(m.embedding_dim):
        bad("model.embedding_dim",
            f"embedding dim must be a positive integer, got {m.embedding_dim!r}")
    if m.units is not None:
        if not isinstance(m.units, list) or not m.units or not all(_is_pos_int(u) for u in m.units):
            bad("model.units", f"units must be positive integers (a comma list for stacked "
                f"layers), got {m.units!r}")
        elif m.preset in PRESETS and m.layers is None:
            want = _units_wanted(m.preset)
            if want is not None and len(m.units) not in want:
                bad("model.units", f"preset {m.preset} takes {_plural_units(want)}, "
                    f"got {len(m.units)}: {','.join(map(str, m.units))}")
    if m.embeddings is not None and (not isinstance(m.embeddings, str) or
                                     not m.embeddings.strip()):
        bad("model.embeddings", "embeddings must be the path of a vectors file")
    if not isinstance(m.embeddings_trainable, bool):
        bad("model.embeddings_trainable", "embeddings trainable must be true or false")
    if not _is_pos_int(m.dense_units):
        bad("model.dense_units", f"dense units must be a positive integer, got {m.dense_units!r}")
    if not _is_number(m.dropout) or not 0 <= m.dropout < 1:
        bad("model.dropout", f"dropout must be in [0, 1), got {m.dropout!r}")
    if not _is_pos_int(m.kernel_size):
        bad("model.kernel_size", f"kernel size must be a positive integer, got {m.kernel_size!r}")
    if m.preset in ("flatten", "transformer") and m.layers is None and t.max_length is None:
        bad("tokenizer.max_length", f"preset {m.preset} needs a fixed length: set max length "
            "(the seeds use 120)")

    if not _is_pos_int(tr.epochs):
        bad("training.epochs", f"epochs must be a positive integer, got {tr.epochs!r}")
    if not _is_pos_int(tr.batch_size):
        bad("training.batch_size", f"batch size must be a positive integer, got {tr.batch_size!r}")
    if not _is_number(tr.learning_rate) or not tr.learning_rate > 0 \
            or not math.isfinite(tr.learning_rate):
        bad("training.learning_rate",
            f"learning rate must be a positive number, got {tr.learning_rate!r}")
    if tr.optimizer not in OPTIMIZERS:
        bad("training.optimizer", f"unknown optimizer {tr.optimizer!r}"
            f"{suggest(tr.optimizer, OPTIMIZERS)}; choose one of: {', '.join(OPTIMIZERS)}")
    if isinstance(tr.early_stopping, bool) or not isinstance(tr.early_stopping, int) \
            or tr.early_stopping < 0:
        bad("training.early_stopping", f"early stopping is a patience in epochs (0 for off), "
            f"got {tr.early_stopping!r}")
    if tr.monitor not in MONITORS:
        bad("training.monitor", f"unknown monitor {tr.monitor!r}{suggest(tr.monitor, MONITORS)};"
            f" choose one of: {', '.join(MONITORS)}")
    if not isinstance(tr.tensorboard, bool):
        bad("training.tensorboard", "tensorboard must be true or false")
    if isinstance(tr.seed, bool) or not isinstance(tr.seed, int) or tr.seed < 0:
        bad("training.seed", f"seed must be a non-negative integer, got {tr.seed!r}")
    _training_options(tr, bad)

    if not isinstance(h.device, str) or not re.fullmatch(r"auto|cpu|gpu|gpu:\d+|cpu:\d+",
                                                          h.device):
        bad("hardware.device", f"device must be auto, cpu, gpu or gpu:N, got {h.device!r}")
    if h.strategy not in STRATEGIES:
        bad("hardware.strategy", f"unknown strategy {h.strategy!r}"
            f"{suggest(h.strategy, STRATEGIES)}; choose one of: {', '.join(STRATEGIES)}")
    for key in ("mixed_precision", "jit_compile"):
        if not isinstance(getattr(h, key), bool):
            bad(f"hardware.{key}", f"{key.replace('_', ' ')} must be true or false")
    if h.devices is not None and (
            not isinstance(h.devices, list) or not h.devices or not all(
                isinstance(d, str) and re.fullmatch(r"(cpu|gpu):\d+", d) for d in h.devices)):
        bad("hardware.devices", f"devices must be a list like gpu:0,gpu:1, got {h.devices!r}")
    if not isinstance(config.name, str):
        bad("name", "name must be a string")
    elif config.name and sanitize_name(config.name) != config.name:
        bad("name", f"a run name is a label, not a path: use letters, digits, '.', '_' or '-' "
            f"(did you mean {sanitize_name(config.name)!r}?)")
    return errors


def _units_wanted(preset: str) -> tuple[int, ...] | None:
    """How many units values a preset takes; None: one or more (one layer each, stacked)."""
    if preset in ("gap", "flatten"):
        return (0,)
    return (1, 2) if preset == "cnn-bilstm" else None


def _plural_units(want: tuple[int, ...]) -> str:
    if want == (1, 2):
        return "one or two units values (conv filters, then LSTM units)"
    return "no units (it has no recurrent or conv layer; leave units empty)"


def _is_pos_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _training_options(tr: Any, bad: Any) -> None:
    """The rate schedule, min_delta, class weights and extra metrics."""
    if not _is_finite(tr.min_delta) or tr.min_delta < 0:
        bad("training.min_delta", "min delta is the smallest change that counts as an "
            f"improvement: a number of at least 0, got {tr.min_delta!r}")
    if tr.lr_schedule not in LR_SCHEDULES:
        bad("training.lr_schedule", f"unknown learning-rate schedule {tr.lr_schedule!r}"
            f"{suggest(tr.lr_schedule, LR_SCHEDULES)}; choose one of: {', '.join(LR_SCHEDULES)}")
    if not _is_finite(tr.lr_factor) or not 0 < tr.lr_factor < 1:
        bad("training.lr_factor", "lr factor multiplies the rate on a plateau: a number "
            f"between 0 and 1, got {tr.lr_factor!r}")
    if isinstance(tr.lr_patience, bool) or not isinstance(tr.lr_patience, int) \
            or tr.lr_patience < 0:
        bad("training.lr_patience", "lr patience is the epochs without improvement before the "
            f"rate is lowered: an integer of at least 0, got {tr.lr_patience!r}")
    if not _is_finite(tr.lr_min) or tr.lr_min < 0:
        bad("training.lr_min", f"lr min must be a number of at least 0, got {tr.lr_min!r}")
    elif tr.lr_schedule != "constant" and _is_finite(tr.learning_rate) \
            and tr.lr_min >= tr.learning_rate:
        bad("training.lr_min", f"lr min ({tr.lr_min:g}) must be below the learning rate "
            f"({tr.learning_rate:g}), or the {tr.lr_schedule} schedule has nowhere to go")
    if tr.class_weight not in CLASS_WEIGHTS:
        bad("training.class_weight", f"unknown class weight {tr.class_weight!r}"
            f"{suggest(tr.class_weight, CLASS_WEIGHTS)}; choose none or balanced (weights "
            "from the training split's label counts)")
    if tr.metrics is not None:
        if not isinstance(tr.metrics, list) or not all(isinstance(m, str) for m in tr.metrics):
            bad("training.metrics", f"metrics must be a list of names, e.g. precision,recall,auc"
                f"; got {tr.metrics!r}")
        else:
            unknown = [m for m in tr.metrics if m not in EXTRA_METRICS]
            if unknown:
                bad("training.metrics", f"unknown metric {unknown[0]!r}"
                    f"{suggest(unknown[0], EXTRA_METRICS)}; choose from: "
                    f"{', '.join(EXTRA_METRICS)}")
            elif len(set(tr.metrics)) != len(tr.metrics):
                bad("training.metrics", f"metrics lists a name twice: {','.join(tr.metrics)}")


def _is_finite(value: Any) -> bool:
    return _is_number(value) and math.isfinite(value)
