"""The one typed experiment config: data, tokenizer, model, training, hardware.

Defaults reproduce the seeds (BiLSTM(64), embedding 64, Dense(64) head, Adam, batch 64, 10 epochs).
Configs round-trip through TOML and JSON; unknown keys are errors with a did-you-mean. What each
field may hold (one clear message per field) is in config_rules.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
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
# Keras's two ways to lower the rate: ReduceLROnPlateau, and CosineDecay over every step.
LR_SCHEDULES = ("constant", "plateau", "cosine")
CLASS_WEIGHTS = ("none", "balanced")  # balanced: sklearn's n / (classes * count of the class)
EXTRA_METRICS = ("precision", "recall", "auc")  # named as Keras logs them (val_auc, ...)
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
    # A change of the monitored metric smaller than this is no improvement (early stopping and
    # the plateau schedule), as Keras's min_delta.
    min_delta: float = 0.0
    lr_schedule: str = "constant"
    lr_factor: float = 0.1  # plateau: the rate is multiplied by this when the monitor stalls
    lr_patience: int = 2  # plateau: epochs without improvement before the rate is lowered
    lr_min: float = 0.0  # plateau: the lowest rate; cosine: the rate it decays to
    class_weight: str = "none"
    metrics: list[str] | None = None  # extra metrics each epoch (EXTRA_METRICS); None: none


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
        from seqtui.engine.config_rules import field_errors

        for error in field_errors(self):
            raise error
        return self


def sanitize_name(name: str) -> str:
    """A run name is a label, never a path: keep letters, digits, dot, dash and underscore."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip(".-_")
    return cleaned[:60] or "run"


def suggest(word: str, choices: Any) -> str:
    """A did-you-mean suffix naming the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _from_dict(cls: type, raw: Any, prefix: str, source: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {prefix.rstrip('.') or 'the top level'} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            raise ConfigError(f"{source}: unknown key {prefix + key!r}{suggest(key, fields)}",
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
