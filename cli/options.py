"""Config fields as command-line flags: one table, shared by `train`, `sweep` and `summary`.

Values are converted here rather than by argparse so that a bad value names its flag and says
what would be right, in one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seqtui.engine.config import (
    CLASS_WEIGHTS,
    EXTRA_METRICS,
    LR_SCHEDULES,
    MONITORS,
    OPTIMIZERS,
    PRESETS,
    STRATEGIES,
    TOKENIZERS,
    Config,
    parse_units,
    set_path,
)
from seqtui.engine.config_rules import field_errors
from seqtui.engine.errors import BadInput, ConfigError


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"expected an integer, got {text!r}") from None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None


def _subset(text: str) -> float | int:
    """'0.1' is a fraction of each split, '4000' a count."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a fraction like 0.1 or a count like 4000, got {text!r}") \
            from None
    return value if value <= 1 else int(value) if value.is_integer() else value


def _units(text: str) -> list[int]:
    try:
        return parse_units(text)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


def _layers(text: str) -> list[dict[str, Any]]:
    from seqtui.engine.models.kinds import parse_layers

    try:
        return parse_layers(text)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


def _metrics(text: str) -> list[str] | None:
    """'precision,recall,auc' -> the list; 'none' asks for no extra metrics."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    return None if names in ([], ["none"]) else names


def _devices(text: str) -> list[str]:
    from seqtui.engine.training.devices import parse_device_list

    return parse_device_list(text)


@dataclass(frozen=True)
class Flag:
    flag: str
    key: str  # dotted config path
    convert: Callable[[str], Any] | None  # None: a switch (store_true)
    help: str
    metavar: str | None = None
    aliases: tuple[str, ...] = ()


DATA_FLAGS = (
    Flag("--dataset", "data.dataset", str, "demo (default, offline), imdb, tfds:NAME, "
         "folder:PATH, csv:PATH or jsonl:PATH", "SOURCE"),
    Flag("--subset", "data.subset", _subset, "a fraction (0.1) or a count (4000) of each split",
         "N"),
    Flag("--test-fraction", "data.test_fraction", _float,
         "held out for testing when the data has no test split (default 0.2)", "F"),
    Flag("--validation", "data.validation", str,
         "split (default: held out of train, or the source's own validation data) or test "
         "(the seeds' way: validate on the test split)", "FROM"),
    Flag("--validation-fraction", "data.validation_fraction", _float,
         "share of train held out for validation when the data has none, in (0, 0.5] "
         "(default 0.1)", "F"),
    Flag("--validation-path", "data.validation_path", str,
         "a separate validation file for csv:/jsonl:", "PATH"),
    Flag("--text-column", "data.text_column", str,
         "text column or key (csv/jsonl/tfds); csv also takes a 0-based index", "NAME",
         ("--text-key",)),
    Flag("--label-column", "data.label_column", str,
         "label column or key (csv/jsonl/tfds); csv also takes a 0-based index", "NAME",
         ("--label-key",)),
    Flag("--no-header", "data.no_header", None,
         "csv: the first row is data, not a header (default: detected)"),
    Flag("--test-path", "data.test_path", str, "a separate test file for csv:/jsonl:", "PATH"),
    Flag("--data-dir", "data.data_dir", str, "TensorFlow Datasets' data dir", "DIR"),
    Flag("--demo-size", "data.demo_size", _int, "demo training examples (default 4000)", "N"),
)
TOKENIZER_FLAGS = (
    Flag("--tokenizer", "tokenizer.kind", str, f"{' or '.join(TOKENIZERS)} (default words)",
         "KIND"),
    Flag("--vocab-size", "tokenizer.vocab_size", _int,
         "vocabulary size (default 10000 words; subwords: 8185, the seeds' subwords8k)", "N"),
    Flag("--max-length", "tokenizer.max_length", _int,
         "tokens kept per text (default: all of them)", "N"),
    Flag("--oov-token", "tokenizer.oov_token", str, "name of the out-of-vocabulary token", "TOK"),
)
MODEL_FLAGS = (
    Flag("--preset", "model.preset", str, f"architecture: {', '.join(PRESETS)} (default bilstm)",
         "NAME"),
    Flag("--layers", "model.layers", _layers,
         "the model as a layer stack, e.g. \"conv1d(128,5) maxpool(2) bigru(64) dense(64)\" "
         "(embedding implied, output layer added; `seqtui presets` shows the kinds)", "STACK"),
    Flag("--embedding-dim", "model.embedding_dim", _int, "embedding size (default 64)", "N"),
    Flag("--embeddings", "model.embeddings", str, "start the embedding from pretrained "
         "vectors: a GloVe, word2vec or fastText text file, or .gz (its size sets the "
         "embedding's)", "FILE"),
    Flag("--embeddings-trainable", "model.embeddings_trainable", None,
         "train the pretrained vectors too (default: frozen)"),
    Flag("--units", "model.units", _units,
         "recurrent units or conv filters; a comma list stacks layers (e.g. 64,32)", "N[,N]"),
    Flag("--dense-units", "model.dense_units", _int, "units of the Dense head (default 64)", "N"),
    Flag("--dropout", "model.dropout", _float,
         "dropout rate in [0, 1) after the body and the head (default 0.2)", "P"),
    Flag("--kernel-size", "model.kernel_size", _int, "conv1d kernel size (default 5)", "N"),
)
TRAINING_FLAGS = (
    Flag("--epochs", "training.epochs", _int, "epochs (default 10)", "N"),
    Flag("--batch-size", "training.batch_size", _int, "batch size per replica (default 64)", "N"),
    Flag("--learning-rate", "training.learning_rate", _float, "learning rate (default 0.001)",
         "LR"),
    Flag("--optimizer", "training.optimizer", str, f"{', '.join(OPTIMIZERS)} (default adam)",
         "NAME"),
    Flag("--early-stopping", "training.early_stopping", _int,
         "stop after N epochs without improvement and restore the best weights (default 2; "
         "0: off)", "N"),
    Flag("--monitor", "training.monitor", str, f"{' or '.join(MONITORS)} for best/early stopping",
         "METRIC"),
    Flag("--min-delta", "training.min_delta", _float,
         "a change of the monitored metric smaller than this is no improvement, for early "
         "stopping and the plateau schedule (default 0)", "D"),
    Flag("--lr-schedule", "training.lr_schedule", str,
         f"{', '.join(LR_SCHEDULES)} (default constant): plateau lowers the rate when the "
         "monitor stalls (ReduceLROnPlateau), cosine decays it over every step (CosineDecay)",
         "NAME"),
    Flag("--lr-factor", "training.lr_factor", _float,
         "plateau: multiply the rate by this, in (0, 1) (default 0.1)", "F"),
    Flag("--lr-patience", "training.lr_patience", _int,
         "plateau: epochs without improvement before the rate is lowered (default 2)", "N"),
    Flag("--lr-min", "training.lr_min", _float,
         "plateau: the lowest rate; cosine: the rate it ends at (default 0)", "LR"),
    Flag("--class-weight", "training.class_weight", str,
         f"{' or '.join(CLASS_WEIGHTS)} (default none); balanced weighs each class by "
         "n / (classes x its count in the training split), for unbalanced data", "HOW"),
    Flag("--metrics", "training.metrics", _metrics,
         f"extra metrics each epoch: a comma list of {', '.join(EXTRA_METRICS)} (macro-averaged "
         "over classes when there are more than two)", "LIST"),
    Flag("--seed", "training.seed", _int, "random seed (default 42)", "N"),
    Flag("--tensorboard", "training.tensorboard", None,
         "also write TensorBoard event files into RUN/tensorboard"),
)
HARDWARE_FLAGS = (
    Flag("--device", "hardware.device", str, "auto (default), cpu, gpu or gpu:N", "DEV"),
    Flag("--mixed-precision", "hardware.mixed_precision", None,
         "mixed_float16 compute (GPU), float32 output"),
    Flag("--jit-compile", "hardware.jit_compile", None, "compile with XLA"),
    Flag("--strategy", "hardware.strategy", str, f"{', '.join(STRATEGIES)} (default none)",
         "NAME"),
    Flag("--devices", "hardware.devices", _devices,
         "mirror over these local devices, e.g. gpu:0,gpu:1 (default: every GPU)", "DEV,DEV"),
)
NAME_FLAG = (Flag("--name", "name", str, "run name (letters, digits, . _ -)", "NAME"),)
ALL_FLAGS = DATA_FLAGS + TOKENIZER_FLAGS + MODEL_FLAGS + TRAINING_FLAGS + HARDWARE_FLAGS + NAME_FLAG
FLAG_FOR_KEY = {f.key: f.flag for f in ALL_FLAGS}


def dest(flag: Flag) -> str:
    return "opt_" + flag.key.replace(".", "__")


def add_flags(parser: argparse.ArgumentParser, groups: dict[str, tuple[Flag, ...]]) -> None:
    for title, flags in groups.items():
        group = parser.add_argument_group(title)
        for flag in flags:
            if flag.convert is None:
                group.add_argument(flag.flag, *flag.aliases, dest=dest(flag), action="store_true",
                                   default=None, help=flag.help)
            else:
                group.add_argument(flag.flag, *flag.aliases, dest=dest(flag), default=None,
                                   metavar=flag.metavar, help=flag.help)


def add_config_flags(parser: argparse.ArgumentParser, config_help: str) -> None:
    """What makes a run's config from the command line: --config FILE, then a flag per config
    field, grouped by section. `train` and `sweep` (whose flags set the base config) share it."""
    parser.add_argument("--config", metavar="FILE", help=config_help)
    add_flags(parser, {"data": DATA_FLAGS, "tokenizer": TOKENIZER_FLAGS, "model": MODEL_FLAGS,
                       "training": TRAINING_FLAGS, "hardware": HARDWARE_FLAGS, "run": NAME_FLAG})


def config_from_args(args: argparse.Namespace) -> Config:
    """The config file (or the defaults) with every flag given set on it, checked."""
    config = Config.from_file(args.config) if args.config else Config()
    return check(apply_flags(config, args, ALL_FLAGS))


def apply_flags(config: Config, args: argparse.Namespace, flags: tuple[Flag, ...]) -> Config:
    """Set every flag the user gave on the config; a value that does not parse names its flag."""
    for flag in flags:
        raw = getattr(args, dest(flag), None)
        if raw is None:
            continue
        if flag.convert is None:
            set_path(config, flag.key, True)
            continue
        try:
            set_path(config, flag.key, flag.convert(raw))
        except ValueError as exc:
            raise BadInput(f"{flag.flag}: {exc}") from None
    return config


def check(config: Config) -> Config:
    """Validate; the first problem becomes one line that names the flag to change."""
    from seqtui.engine.models.specs import stack_errors, stack_of
    from seqtui.engine.models.userpresets import apply_saved_preset

    try:
        apply_saved_preset(config)
    except ConfigError as exc:
        raise BadInput(f"--preset: {exc}") from None
    for error in field_errors(config) or stack_errors(config):
        flag = FLAG_FOR_KEY.get(error.key or "")
        raise BadInput(f"{flag}: {error}" if flag else str(error))
    if config.model.layers is not None:  # tables as the config keeps them: kinds canonical
        config.model.layers = stack_of(config)
    if config.model.embeddings:
        from seqtui.engine.data.vectors import check_vectors_config

        check_vectors_config(config)
    return config
