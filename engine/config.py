"""The one typed experiment config: data, tokenizer, model, training, hardware.

Defaults reproduce the seeds (BiLSTM(64), embedding 64, Dense(64) head, Adam, batch 64, 10 epochs).
Validation gives one clear message per field; configs round-trip through TOML and JSON; unknown
keys are errors with a did-you-mean.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seqtui.engine.errors import ConfigError

SCHEMA_VERSION = 1

PRESETS = ("gap", "flatten", "rnn", "lstm", "bilstm", "stacked-bilstm", "bigru", "conv1d",
           "transformer", "cnn-bilstm")
# The label of a model given as a layer stack rather than a preset.
CUSTOM = "custom"
TOKENIZERS = ("words", "subwords")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad", "nadam")
STRATEGIES = ("none", "mirrored", "multi-worker")
MONITORS = ("val_loss", "val_accuracy")
VALIDATIONS = ("split", "test")  # validate on a held-out validation split, or the seeds' way
DATASET_KINDS = ("demo", "imdb", "tfds:", "folder:", "csv:", "jsonl:")

SEEDS_SUBWORDS_VOCAB_SIZE = 8185  # TFDS imdb_reviews/subwords8k: build_from_corpus(target 2**13)

# Units a preset uses when the user gives none: the seeds' figures.
DEFAULT_UNITS = {
    "gap": [],
    "flatten": [],
    "rnn": [64],
    "lstm": [64],
    "bilstm": [64],
    "stacked-bilstm": [64, 32],
    "bigru": [64],
    "conv1d": [128],
    "transformer": [128],  # one encoder block per value: its feed-forward size
    "cnn-bilstm": [128, 64],  # conv filters, then LSTM units
}


@dataclass
class DataConfig:
    dataset: str = "demo"
    subset: float | int | None = None  # a fraction (0, 1] or a count per split
    test_fraction: float = 0.2  # held out from train when the data has no test split
    text_column: str = "text"  # a name, or a 0-based index for csv: ("5")
    label_column: str = "label"
    no_header: bool = False  # csv: the first row is data (default: detected)
    test_path: str | None = None  # a separate test file for csv:/jsonl:
    # Validation chooses the best epoch and stops early: held out of train (stratified, seeded)
    # unless the source has its own; "test" validates on the test split, as the seeds do.
    validation: str = "split"
    validation_fraction: float = 0.1
    validation_path: str | None = None  # a separate validation file for csv:/jsonl:
    data_dir: str | None = None  # TFDS data dir
    demo_size: int = 4000  # demo training examples (the test split is a quarter of it)


@dataclass
class TokenizerConfig:
    kind: str = "words"
    vocab_size: int = 10000
    max_length: int | None = None  # tokens kept per text; None keeps every token
    oov_token: str = "[UNK]"


@dataclass
class ModelConfig:
    preset: str = "bilstm"
    embedding_dim: int = 64
    units: list[int] | None = None  # None: the preset's default (DEFAULT_UNITS)
    dense_units: int = 64
    dropout: float = 0.2
    kernel_size: int = 5  # conv1d only
    # The model as a layer stack ([[model.layers]] tables): everything between the embedding and
    # the output layer. None: the preset's stack. engine.models.kinds checks the tables.
    layers: list[dict[str, Any]] | None = None
    embeddings: str | None = None  # a GloVe/word2vec/fastText text file (or .gz) to start from
    embeddings_trainable: bool = False  # pretrained vectors stay frozen unless asked


@dataclass
class TrainingConfig:
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 0.001
    optimizer: str = "adam"
    early_stopping: int = 2  # patience in epochs; 0 turns it off
    monitor: str = "val_loss"
    seed: int = 42
    tensorboard: bool = False  # also write TensorBoard event files into RUN/tensorboard


@dataclass
class HardwareConfig:
    device: str = "auto"  # auto, cpu, gpu, gpu:N
    mixed_precision: bool = False
    jit_compile: bool = False
    strategy: str = "none"
    devices: list[str] | None = None  # mirrored over these, e.g. ["gpu:0", "gpu:1"]; None: all


@dataclass
class Config:
    name: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    hardware: HardwareConfig = field(default_factory=HardwareConfig)
    schema_version: int = SCHEMA_VERSION

    # ---- conversions -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(_without_none(self.to_dict()))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "config") -> Config:
        """Build a config from nested dicts; unknown keys are errors with a suggestion."""
        return _from_dict(cls, raw, prefix="", source=source)

    @classmethod
    def from_toml_text(cls, text: str, source: str = "config") -> Config:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from None
        return cls.from_dict(raw, source=source)

    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        path = Path(path).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        if path.suffix == ".json":
            try:
                raw = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}: not valid JSON: {exc}") from None
            if not isinstance(raw, dict):
                raise ConfigError(f"{path}: the top level must be an object")
            return cls.from_dict(raw, source=str(path))
        return cls.from_toml_text(text, source=str(path))

    # ---- derived values ----------------------------------------------------------------------

    @property
    def units(self) -> list[int]:
        """The recurrent/conv units actually used: the user's, or the preset's default."""
        if self.model.units is None:
            return list(DEFAULT_UNITS.get(self.model.preset, [64]))
        return list(self.model.units)

    @property
    def planned_vocab_size(self) -> int:
        """The embedding's input_dim before any data is seen. The subwords tokenizer's default
        is the seeds' 8,185-id vocabulary (TFDS imdb_reviews/subwords8k), not the words one."""
        size = self.tokenizer.vocab_size
        if self.tokenizer.kind == "subwords" and size == TokenizerConfig().vocab_size:
            return SEEDS_SUBWORDS_VOCAB_SIZE
        return size

    def resolved(self) -> Config:
        """A copy with preset defaults filled in and the run name set: what config.json holds."""
        copy = Config.from_dict(self.to_dict())
        copy.model.units = self.units or None
        if copy.model.layers is not None and copy.model.preset in PRESETS:
            copy.model.preset = CUSTOM  # the stack is the model, not the preset it replaced
        if not copy.name:
            copy.name = copy.model.preset
        return copy

    def validate(self) -> Config:
        """Raise ConfigError naming the first field that is wrong and what would be right."""
        for error in field_errors(self):
            raise error
        return self


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
        guess = _suggest(d.dataset.split(":")[0], [k.rstrip(":") for k in DATASET_KINDS])
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
            f"{_suggest(d.validation, VALIDATIONS)}; use split (held out of train, or the "
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
        bad("tokenizer.kind", f"unknown tokenizer {t.kind!r}{_suggest(t.kind, TOKENIZERS)}; "
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
        bad("model.preset", f"unknown preset {m.preset!r}{_suggest(m.preset, PRESETS)}; "
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
            f"{_suggest(tr.optimizer, OPTIMIZERS)}; choose one of: {', '.join(OPTIMIZERS)}")
    if isinstance(tr.early_stopping, bool) or not isinstance(tr.early_stopping, int) \
            or tr.early_stopping < 0:
        bad("training.early_stopping", f"early stopping is a patience in epochs (0 for off), "
            f"got {tr.early_stopping!r}")
    if tr.monitor not in MONITORS:
        bad("training.monitor", f"unknown monitor {tr.monitor!r}{_suggest(tr.monitor, MONITORS)};"
            f" choose one of: {', '.join(MONITORS)}")
    if not isinstance(tr.tensorboard, bool):
        bad("training.tensorboard", "tensorboard must be true or false")
    if isinstance(tr.seed, bool) or not isinstance(tr.seed, int) or tr.seed < 0:
        bad("training.seed", f"seed must be a non-negative integer, got {tr.seed!r}")

    if not isinstance(h.device, str) or not re.fullmatch(r"auto|cpu|gpu|gpu:\d+|cpu:\d+",
                                                          h.device):
        bad("hardware.device", f"device must be auto, cpu, gpu or gpu:N, got {h.device!r}")
    if h.strategy not in STRATEGIES:
        bad("hardware.strategy", f"unknown strategy {h.strategy!r}"
            f"{_suggest(h.strategy, STRATEGIES)}; choose one of: {', '.join(STRATEGIES)}")
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


def sanitize_name(name: str) -> str:
    """A run name is a label, never a path: keep letters, digits, dot, dash and underscore."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip(".-_")
    return cleaned[:60] or "run"


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


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _from_dict(cls: type, raw: Any, prefix: str, source: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {prefix.rstrip('.') or 'the top level'} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            raise ConfigError(f"{source}: unknown key {prefix + key!r}{_suggest(key, fields)}",
                              key=f"{prefix}{key}")
        sub_cls = _SECTIONS.get(key) if cls is Config else None
        if sub_cls is not None:
            kwargs[key] = _from_dict(sub_cls, value, f"{prefix}{key}.", source)
        else:
            if key == "units" and isinstance(value, str):
                value = parse_units(value)
            kwargs[key] = value
    return cls(**kwargs)


def parse_units(text: str) -> list[int]:
    """'64,32' -> [64, 32]; raises ConfigError with the field named."""
    try:
        units = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"units must be positive integers separated by commas, got {text!r}",
                          key="model.units") from None
    if not units or any(u <= 0 for u in units):
        raise ConfigError(f"units must be positive integers separated by commas, got {text!r}",
                          key="model.units")
    return units


_SECTIONS = {
    "data": DataConfig,
    "tokenizer": TokenizerConfig,
    "model": ModelConfig,
    "training": TrainingConfig,
    "hardware": HardwareConfig,
}


def _without_none(value: Any) -> Any:
    """TOML has no null: a None means 'the default', so it is left out."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def set_path(config: Config, key: str, value: Any) -> None:
    """Set 'section.field' (or a top-level field) on a config, e.g. from a CLI flag or form."""
    target: Any = config
    *parents, last = key.split(".")
    for part in parents:
        target = getattr(target, part)
    setattr(target, last, value)


def get_path(config: Config, key: str) -> Any:
    target: Any = config
    for part in key.split("."):
        target = getattr(target, part)
    return target


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'model': {'units': [64]}} -> {'model.units': [64]}: dotted keys, as flags and forms name
    them."""
    out: dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def differing_settings(configs: list[dict[str, Any]]) -> list[str]:
    """Dotted keys whose values differ between configs (for comparison tables)."""
    flats = [flatten(c) for c in configs]
    keys = sorted({k for f in flats for k in f} - {"schema_version"})
    return [k for k in keys if len({json.dumps(f.get(k), sort_keys=True) for f in flats}) > 1]
