"""The New experiment form as data: which config fields it shows, how text becomes a value.

Plain Python (no Textual): the fields and their parsing come from the CLI's flag table
(seqtui.options), so a value the form accepts is exactly what `seqtui train --flag` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seqtui.engine.config import (
    CLASS_WEIGHTS,
    LR_SCHEDULES,
    MONITORS,
    OPTIMIZERS,
    PRESETS,
    STRATEGIES,
    TOKENIZERS,
    VALIDATIONS,
    Config,
    get_path,
    set_path,
)
from seqtui.options import ALL_FLAGS, Flag

CHOICES: dict[str, tuple[str, ...]] = {
    "model.preset": PRESETS,
    "tokenizer.kind": TOKENIZERS,
    "training.optimizer": OPTIMIZERS,
    "training.monitor": MONITORS,
    "hardware.strategy": STRATEGIES,
    "data.validation": VALIDATIONS,
    "training.lr_schedule": LR_SCHEDULES,
    "training.class_weight": CLASS_WEIGHTS,
}
# Fields that may be left empty: empty means "the default" (None in the config).
OPTIONAL = ("data.subset", "tokenizer.max_length", "model.units", "model.layers",
            "data.test_path", "data.validation_path", "data.data_dir", "name",
            "hardware.devices", "training.metrics")
SECTIONS = (("Run", ("name",)),
            ("Data", ("data.",)),
            ("Model", ("model.",)),
            ("Tokenizer", ("tokenizer.",)),
            ("Training", ("training.",)),
            ("Hardware", ("hardware.",)))
DATASET_SUGGESTIONS = ("demo", "imdb", "tfds:ag_news_subset", "tfds:yelp_polarity_reviews",
                       "tfds:glue/sst2", "folder:", "csv:", "jsonl:")


@dataclass(frozen=True)
class FormField:
    key: str  # dotted config path; the widget's id is derived from it
    label: str
    kind: str  # text, choice, switch
    help: str
    flag: Flag

    @property
    def widget_id(self) -> str:
        return "field-" + self.key.replace(".", "-").replace("_", "-")

    @property
    def choices(self) -> tuple[str, ...]:
        return CHOICES.get(self.key, ())

    def text_of(self, config: Config) -> str:
        """The config's value as the text the form shows."""
        value = get_path(config, self.key)
        if value is None:
            return ""
        if self.key == "model.layers":
            from seqtui.engine.models.kinds import format_layers

            return format_layers(value) if isinstance(value, list) else str(value)
        if isinstance(value, list):
            return ",".join(str(v) for v in value)
        return str(value)

    def apply(self, config: Config, raw: Any) -> None:
        """Set the field on the config from the widget's value; ValueError says what is wrong."""
        if self.kind == "switch":
            set_path(config, self.key, bool(raw))
            return
        text = str(raw).strip()
        if not text:
            if self.key in OPTIONAL:
                set_path(config, self.key, "" if self.key == "name" else None)
                return
            raise ValueError("required")
        set_path(config, self.key, self.flag.convert(text) if self.flag.convert else text)


# Labels that would not fit the form's label column (or, cut, would read as another field's).
SHORT_LABELS = {"data.validation_fraction": "val fraction", "data.validation_path": "val path",
                "model.embeddings_trainable": "train vectors", "model.embeddings": "vectors file"}


def _label(flag: Flag) -> str:
    return SHORT_LABELS.get(flag.key) or flag.flag.removeprefix("--").replace("-", " ")


def _kind(flag: Flag) -> str:
    if flag.convert is None:
        return "switch"
    return "choice" if flag.key in CHOICES else "text"


FIELDS: tuple[FormField, ...] = tuple(
    FormField(f.key, _label(f), _kind(f), f.help, f) for f in ALL_FLAGS)


def sections() -> list[tuple[str, list[FormField]]]:
    """Fields grouped for display, in the order a user fills them in."""
    return [(title, [f for f in FIELDS if f.key.startswith(prefixes)])
            for title, prefixes in SECTIONS]


def field_for(key: str) -> FormField | None:
    return next((f for f in FIELDS if f.key == key), None)
