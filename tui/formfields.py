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
# Where the flag's help (written for --help, beside the flag's name) does not say enough in the
# form's help line, which shows the label instead.
FORM_HELP = {
    "data.demo_size": "texts in the demo's training split, of at least 20 (validation is held "
                      "out of them; the test split is a quarter as many more); default 4000",
    "training.early_stopping": "stop after N epochs without improvement and restore the best "
                               "weights; 0 turns early stopping off",
    "model.units": "recurrent units or conv filters; empty: the preset's default; a comma list "
                   "stacks layers (64,32)",
    "model.layers": "the model as a layer stack instead of the preset's: a add, e edit, d remove, "
                    "shift+↑↓ move, c copy the preset's layers, s save as a preset",
    "name": "run name (letters, digits, . _ -); empty: the preset's name",
}

# Sweep settings, as `seqtui sweep` takes them (the TUI does not import the sweep controller).
SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "hyperband", "none")
SWEEP_HELP = {
    "trials": "trials in all (grid: at most every combination)",
    "parallel": "trials side by side (on GPUs one each, round robin)",
    "sampler": "tpe (seeded by the seed field), random, or grid (lists of values only)",
    "pruner": "median stops a trial behind the median of the others; hyperband; none",
}


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

    @property
    def description(self) -> str:
        """The help line shown while the field has the focus."""
        return FORM_HELP.get(self.key, self.help)

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


LABEL_WIDTH = min(16, max(len(f.label) for f in FIELDS) + 1)


def plain_flags(message: str) -> str:
    """A CLI message in the form's words: `--embedding-dim` becomes `embedding dim`."""
    for form_field in sorted(FIELDS, key=lambda f: -len(f.flag.flag)):
        for flag in (form_field.flag.flag, *form_field.flag.aliases):
            message = message.replace(flag, form_field.label)
    return message


def suggested_search(form_field: FormField, config: Config) -> str:
    """A starting range for a field marked to search, from its current value: a choice field
    lists its choices, a number spans a range around its value."""
    value = get_path(config, form_field.key)
    if form_field.choices:
        others = [c for c in form_field.choices if c != value]
        return ",".join([str(value), *others[:2]] if value else form_field.choices[:3])
    if form_field.kind == "switch":
        return "true,false"
    if form_field.key == "model.units":
        units = config.units
        first = units[0] if units else 64
        return f"{max(first // 2, 1)},{first},{first * 2}"
    if form_field.key == "training.learning_rate" and isinstance(value, float) and value > 0:
        return f"{value / 10:g}:{value * 10:g}:log"
    if form_field.key == "model.dropout":
        return "0:0.5"
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return f"{max(value // 2, 1)}:{max(value * 2, 2)}"
    if isinstance(value, float):
        return f"{value / 2:g}:{value * 2:g}" if value > 0 else "0:0.5"
    return str(value)
