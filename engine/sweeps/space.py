"""The search space: which config fields a sweep varies and over what, from `--search` flags or a
TOML `[space]` table, checked against the config schema before anything starts.

Optuna-free on purpose: the CLI validates a space (and the TUI reads one) without loading it.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seqtui.engine.config import (
    Config,
    DataConfig,
    HardwareConfig,
    ModelConfig,
    TokenizerConfig,
    TrainingConfig,
    parse_units,
    set_path,
)
from seqtui.engine.config_rules import field_errors
from seqtui.engine.errors import BadInput

# Fields a sweep cannot vary: they name or place the run, or change what the sweep measures.
_NOT_SEARCHABLE = {"name", "schema_version", "training.monitor", "hardware.strategy",
                   "hardware.devices"}
_SECTIONS = {"data": DataConfig, "tokenizer": TokenizerConfig, "model": ModelConfig,
             "training": TrainingConfig, "hardware": HardwareConfig}
GRID_LIMIT = 10_000  # combinations; a grid beyond this is a typo, not a plan


@dataclass(frozen=True)
class Param:
    """One searched field: a range (`low`..`high`, optionally log-scaled) or a list of choices."""

    name: str  # the dotted config path, e.g. model.dropout
    kind: str  # "float", "int" or "categorical"
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "categorical":
            return {"name": self.name, "kind": self.kind, "choices": list(self.choices)}
        return {"name": self.name, "kind": self.kind, "low": self.low, "high": self.high,
                "log": self.log}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Param:
        return cls(name=raw["name"], kind=raw["kind"], low=raw.get("low"), high=raw.get("high"),
                   log=bool(raw.get("log", False)), choices=tuple(raw.get("choices", ())))

    def describe(self) -> str:
        if self.kind == "categorical":
            return f"{self.name} in {{{', '.join(map(str, self.choices))}}}"
        return f"{self.name} in [{self.low}, {self.high}]{' log' if self.log else ''}"


def field_types() -> dict[str, str]:
    """Every searchable config field and its kind: float, int, units, str, bool."""
    out: dict[str, str] = {}
    for section, cls in _SECTIONS.items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            key = f"{section}.{f.name}"
            if key in _NOT_SEARCHABLE:
                continue
            hint = str(hints[f.name])
            if "list[int]" in hint:
                out[key] = "units"
            elif hint.startswith("<class 'bool'>") or hint == "bool":
                out[key] = "bool"
            elif "float" in hint:
                out[key] = "float"
            elif "int" in hint:
                out[key] = "int"
            else:
                out[key] = "str"
    return out


def encode_value(key: str, value: Any) -> Any:
    """A value as Optuna stores it (str, int, float, bool): a units list becomes '64,32'."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value


def decode_value(key: str, value: Any) -> Any:
    """A value Optuna suggested, as the config field wants it."""
    if field_types().get(key) == "units":
        return parse_units(str(value))
    return value


def apply_params(base: Config, params: dict[str, Any]) -> Config:
    """The base config with a trial's values set on it."""
    config = Config.from_dict(base.to_dict())
    for key, value in params.items():
        set_path(config, key, decode_value(key, value))
    return config


def parse_search(text: str, types: dict[str, str] | None = None) -> Param:
    """`FIELD=LOW:HIGH`, `FIELD=LOW:HIGH:log` or `FIELD=A,B,C` -> a Param (field not yet checked
    against the base config's values)."""
    types = types or field_types()
    if "=" not in text:
        raise BadInput(f"--search {text!r}: expected FIELD=LOW:HIGH, FIELD=LOW:HIGH:log or "
                       "FIELD=A,B,C, e.g. model.dropout=0:0.5")
    key, spec = (part.strip() for part in text.split("=", 1))
    kind = _field_kind(key, types)
    if not spec:
        raise BadInput(f"--search {key}: no values after '='; give LOW:HIGH or A,B,C")
    if ":" in spec and "," not in spec:
        parts = spec.split(":")
        log = False
        if len(parts) == 3 and parts[2].strip().lower() == "log":
            log, parts = True, parts[:2]
        if len(parts) != 2:
            raise BadInput(f"--search {key}={spec}: a range is LOW:HIGH or LOW:HIGH:log")
        return _range(key, kind, parts[0].strip(), parts[1].strip(), log, where="--search")
    choices = [c.strip() for c in spec.split(",")]
    if not any(choices):
        raise BadInput(f"--search {key}: the list of choices is empty; give A,B,C")
    if any(not c for c in choices):
        raise BadInput(f"--search {key}={spec}: an empty choice between commas")
    return _choices(key, kind, [_parse_scalar(key, kind, c, "--search") for c in choices],
                    where="--search")


def read_space_file(path: str | Path, types: dict[str, str] | None = None) -> list[Param]:
    """A TOML file with a `[space]` table: `"model.dropout" = {low = 0, high = 0.5}`,
    `{low = 1e-4, high = 1e-2, log = true}` or `{choices = [...]}`; or nested tables
    (`[space.model] dropout = {...}`)."""
    types = types or field_types()
    path = Path(path).expanduser()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"--space: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"--space: cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"--space {path}: not valid TOML: {exc}") from None
    space = raw.get("space")
    if not isinstance(space, dict) or not space:
        raise BadInput(f"--space {path}: no [space] table; write e.g. [space] "
                       '"model.dropout" = {low = 0, high = 0.5}')
    params = []
    for key, spec in _flatten_space(space).items():
        where = f"{path.name}: {key}"
        kind = _field_kind(key, types, where=path.name)
        if not isinstance(spec, dict):
            raise BadInput(f"{where}: expected {{low, high}} or {{choices = [...]}}, got {spec!r}")
        unknown = set(spec) - {"low", "high", "log", "choices"}
        if unknown:
            raise BadInput(f"{where}: unknown key {sorted(unknown)[0]!r}; use low, high, log "
                           "or choices")
        if "choices" in spec:
            if not isinstance(spec["choices"], list) or not spec["choices"]:
                raise BadInput(f"{where}: choices must be a non-empty list")
            params.append(_choices(key, kind, [_typed(key, kind, c, where)
                                               for c in spec["choices"]], where))
        elif "low" in spec and "high" in spec:
            log = spec.get("log", False)
            if not isinstance(log, bool):
                raise BadInput(f"{where}: log must be true or false")
            params.append(_range(key, kind, spec["low"], spec["high"], log, where))
        else:
            raise BadInput(f"{where}: give both low and high, or choices")
    return params


def check_space(params: list[Param], base: Config, sampler: str) -> list[Param]:
    """Every bound and choice set on the base config must pass that field's own validation; no
    field twice; a grid needs choices. Raises BadInput naming the field."""
    if not params:
        raise BadInput("nothing to search: give --search FIELD=LOW:HIGH (or A,B,C) or --space "
                       "FILE")
    seen: set[str] = set()
    for p in params:
        if p.name in seen:
            raise BadInput(f"--search {p.name}: given twice; one range or list per field")
        seen.add(p.name)
        values = list(p.choices) if p.kind == "categorical" else [p.low, p.high]
        for value in values:
            trial = Config.from_dict(base.to_dict())
            set_path(trial, p.name, decode_value(p.name, value))
            for error in field_errors(trial):
                if error.key == p.name:
                    raise BadInput(f"--search {p.name}: {value!r} is not a valid value: {error}")
        if sampler == "grid" and p.kind == "float":
            raise BadInput(f"--search {p.name}: the grid sampler needs a list of values, not the "
                           f"continuous range {p.low}:{p.high}; give A,B,C (or use tpe/random)")
    if sampler == "grid" and len(grid(params)) > GRID_LIMIT:
        raise BadInput(f"the grid has {len(grid(params)):,} combinations (at most {GRID_LIMIT:,})")
    return params


def grid(params: list[Param]) -> list[dict[str, Any]]:
    """Every combination, in the order the user listed the values (the first varies slowest)."""
    axes = []
    for p in params:
        if p.kind == "categorical":
            axes.append([(p.name, v) for v in p.choices])
        else:  # an integer range: every integer in it
            axes.append([(p.name, v) for v in range(int(p.low), int(p.high) + 1)])
    return [dict(combo) for combo in itertools.product(*axes)]


# ---- helpers ---------------------------------------------------------------------------------

def _field_kind(key: str, types: dict[str, str], where: str = "--search") -> str:
    if key in types:
        return types[key]
    if key in _NOT_SEARCHABLE:
        raise BadInput(f"{where}: {key} cannot be searched (a sweep keeps it fixed)")
    known = list(types)
    by_tail = [k for k in known if k.split(".")[-1] == key.split(".")[-1]]
    close = by_tail or difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise BadInput(f"{where}: unknown config field {key!r}{hint}; fields are section.name, as "
                   "in `seqtui train --save-config`")


def _flatten_space(space: dict[str, Any]) -> dict[str, Any]:
    """`{"model.dropout": {...}}` and `{"model": {"dropout": {...}}}` both name model.dropout."""
    out: dict[str, Any] = {}
    for key, value in space.items():
        spec_keys = {"low", "high", "log", "choices"}
        if isinstance(value, dict) and value and not set(value) & spec_keys \
                and all(isinstance(v, dict) for v in value.values()):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def _parse_scalar(key: str, kind: str, text: str, where: str) -> Any:
    try:
        if kind in ("int", "units"):
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError:
        word = "an integer" if kind in ("int", "units") else "a number"
        raise BadInput(f"{where} {key}: {text!r} is not {word} ({key} is "
                       f"{'an integer' if kind != 'float' else 'a number'} field)") from None
    if kind == "bool":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise BadInput(f"{where} {key}: {text!r} is not true or false")
    return text


def _typed(key: str, kind: str, value: Any, where: str) -> Any:
    """A TOML value checked against the field's type (units may also be a list: a stack)."""
    if isinstance(value, str):
        return _parse_scalar(key, kind, value, where) if kind != "str" else value
    if kind == "units" and isinstance(value, list):
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return ",".join(map(str, value))
    elif kind in ("int", "units") and isinstance(value, int) and not isinstance(value, bool):
        return value
    elif kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    elif kind == "bool" and isinstance(value, bool):
        return value
    want = {"int": "an integer", "units": "an integer or a list of integers",
            "float": "a number", "bool": "true or false", "str": "a string"}[kind]
    raise BadInput(f"{where}: {value!r} is not {want}")


def _range(key: str, kind: str, low: Any, high: Any, log: bool, where: str) -> Param:
    if kind in ("str", "bool"):
        raise BadInput(f"{where} {key}: a {'text' if kind == 'str' else 'true/false'} field "
                       "takes a list of choices (A,B,C), not a range")
    low_v, high_v = (_typed(key, kind, v, where) if not isinstance(v, str)
                     else _parse_scalar(key, kind, v, where) for v in (low, high))
    if isinstance(low_v, str) or isinstance(high_v, str):
        raise BadInput(f"{where} {key}: a range's bounds are numbers")
    if not (math.isfinite(low_v) and math.isfinite(high_v)):
        raise BadInput(f"{where} {key}: the bounds must be finite numbers")
    if low_v >= high_v:
        raise BadInput(f"{where} {key}: low ({low_v}) must be below high ({high_v})")
    if log and low_v <= 0:
        raise BadInput(f"{where} {key}: a log range needs low > 0, got {low_v}")
    return Param(name=key, kind="float" if kind == "float" else "int", low=low_v, high=high_v,
                 log=log)


def _choices(key: str, kind: str, values: list[Any], where: str) -> Param:
    if not values:
        raise BadInput(f"{where} {key}: the list of choices is empty")
    unique = list(dict.fromkeys(values))
    if len(unique) != len(values):
        raise BadInput(f"{where} {key}: a choice is listed twice")
    return Param(name=key, kind="categorical", choices=tuple(unique))
