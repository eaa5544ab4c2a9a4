"""The layer kinds a stack is made of, and the two ways to write one: a table
(`{"kind": "conv1d", "filters": 128, "kernel": 5}`, as `[[model.layers]]` in TOML) and the
compact form (`conv1d(128,5) maxpool(2) bigru(64)`). Plain Python: the TUI's editor and the
CLI parse and check stacks before TensorFlow loads.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from seqtui.engine.errors import ConfigError

ACTIVATIONS = ("relu", "gelu", "tanh", "sigmoid", "elu", "selu", "swish", "softplus", "linear")


@dataclass(frozen=True)
class Param:
    name: str
    type: type  # int, float, bool or str
    default: Any = None  # None with required=False: the engine picks (see specs)
    required: bool = False
    minimum: float | None = None  # ints and floats: the smallest value allowed
    below: float | None = None  # floats: values must stay under it (rates < 1)
    choices: tuple[str, ...] = ()


def _units() -> Param:
    return Param("units", int, required=True, minimum=1)


def _rate(default: float | None = None) -> Param:
    return Param("rate", float, default=default, required=default is None, minimum=0, below=1)


RECURRENT_PARAMS = (_units(), Param("bidirectional", bool, False),
                    Param("dropout", float, 0.0, minimum=0, below=1),
                    Param("recurrent_dropout", float, 0.0, minimum=0, below=1))

# Canonical kind -> its parameters, positional order first.
KINDS: dict[str, tuple[Param, ...]] = {
    "embedding": (Param("dim", int, minimum=1), Param("trainable", bool, True)),
    "rnn": RECURRENT_PARAMS,
    "lstm": RECURRENT_PARAMS,
    "gru": RECURRENT_PARAMS,
    "conv1d": (Param("filters", int, required=True, minimum=1),
               Param("kernel", int, 5, minimum=1), Param("stride", int, 1, minimum=1),
               Param("dilation", int, 1, minimum=1),
               Param("activation", str, "relu", choices=ACTIVATIONS)),
    "maxpool": (Param("size", int, 2, minimum=1), Param("stride", int, minimum=1)),
    "avgpool": (Param("size", int, 2, minimum=1), Param("stride", int, minimum=1)),
    "globalmax": (),
    "globalavg": (),
    "spatialdropout": (_rate(),),
    "dropout": (_rate(),),
    "dense": (_units(), Param("activation", str, "relu", choices=ACTIVATIONS)),
    "layernorm": (),
    "transformer": (Param("heads", int, 2, minimum=1), Param("key_size", int, minimum=1),
                    Param("ff", int, minimum=1), Param("dropout", float, 0.1, minimum=0, below=1)),
    "flatten": (),
}

# Other names a user types for a kind, with the arguments they imply.
ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "bilstm": ("lstm", {"bidirectional": True}),
    "bigru": ("gru", {"bidirectional": True}),
    "birnn": ("rnn", {"bidirectional": True}),
    "simplernn": ("rnn", {}),
    "conv": ("conv1d", {}),
    "maxpooling": ("maxpool", {}),
    "avgpooling": ("avgpool", {}),
    "averagepool": ("avgpool", {}),
    "globalmaxpool": ("globalmax", {}),
    "globalavgpool": ("globalavg", {}),
    "globalaverage": ("globalavg", {}),
    "gap": ("globalavg", {}),
    "spatialdropout1d": ("spatialdropout", {}),
    "layernormalization": ("layernorm", {}),
    "norm": ("layernorm", {}),
    "encoder": ("transformer", {}),
}

RECURRENT = ("rnn", "lstm", "gru")
# Kinds that take a sequence (batch, steps, features) and cannot follow a pooled vector.
NEEDS_SEQUENCE = RECURRENT + ("conv1d", "maxpool", "avgpool", "globalmax", "globalavg",
                              "spatialdropout", "transformer", "flatten")
# Kinds that turn a sequence into one vector (a recurrent layer does when it is the last one).
POOLS = ("globalmax", "globalavg", "flatten")

Layer = dict[str, Any]


def suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def kind_names() -> list[str]:
    return list(KINDS) + list(ALIASES)


def _canonical_kind(name: Any, where: str) -> tuple[str, dict[str, Any]]:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: every layer needs a kind, e.g. kind = \"lstm\"",
                          key="model.layers")
    key = name.strip().lower().replace("_", "").replace("-", "")
    if key in KINDS:
        return key, {}
    if key in ALIASES:
        kind, implied = ALIASES[key]
        return kind, dict(implied)
    raise ConfigError(f"{where}: unknown layer kind {name!r}{suggest(key, kind_names())}; "
                      f"kinds: {', '.join(KINDS)}", key="model.layers")


def _convert(param: Param, value: Any, where: str) -> Any:
    """A table's value or a compact argument's text, as the parameter's type, range checked."""
    what = f"{where}: {param.name}"
    if isinstance(value, str) and param.type is not str:
        text = value.strip().lower()
        try:
            if param.type is bool:
                if text not in ("true", "false", "yes", "no", "1", "0"):
                    raise ValueError
                value = text in ("true", "yes", "1")
            elif param.type is int:
                value = int(text)
            else:
                value = float(text)
        except ValueError:
            raise ConfigError(f"{what} must be {_type_word(param)}, got {value!r}",
                              key="model.layers") from None
    if param.type is bool:
        ok = isinstance(value, bool)
    elif param.type is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif param.type is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ConfigError(f"{what} must be {_type_word(param)}, got {value!r}",
                          key="model.layers")
    if param.minimum is not None and value < param.minimum or \
            param.below is not None and value >= param.below:
        raise ConfigError(f"{what} must be {_range_word(param)}, got {value!r}",
                          key="model.layers")
    if param.choices and value not in param.choices:
        raise ConfigError(f"{what}: unknown {value!r}{suggest(value, param.choices)}; choose one "
                          f"of: {', '.join(param.choices)}", key="model.layers")
    return value


def _type_word(param: Param) -> str:
    if param.type is bool:
        return "true or false"
    if param.type is str:
        return "a name"
    return _range_word(param)


def _range_word(param: Param) -> str:
    if param.type is int:
        return "a positive integer" if param.minimum == 1 else "an integer"
    if param.below is not None:
        return f"a number in [{param.minimum:g}, {param.below:g})"
    return "a number"


def normalize_layer(raw: Any, index: int) -> Layer:
    """A layer table as the config keeps it: canonical kind, every parameter checked, defaults
    filled in (None defaults left out: TOML has no null, and the engine fills them)."""
    where = f"layer {index + 1}"
    if isinstance(raw, str):
        layers = parse_layers(raw)
        if len(layers) != 1:
            raise ConfigError(f"{where}: {raw!r} is {len(layers)} layers, expected one",
                              key="model.layers")
        return layers[0]
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table with a kind, got {raw!r}", key="model.layers")
    kind, implied = _canonical_kind(raw.get("kind"), where)
    where = f"layer {index + 1} ({kind})"
    params = {p.name: p for p in KINDS[kind]}
    values = dict(implied)
    for key, value in raw.items():
        if key == "kind":
            continue
        if key not in params:
            hint = suggest(key, params) or (f"; {kind} takes {', '.join(params)}" if params
                                            else f"; {kind} takes no arguments")
            raise ConfigError(f"{where}: unknown argument {key!r}{hint}", key="model.layers")
        values[key] = _convert(params[key], value, where)
    return _complete(kind, values, where)


def _complete(kind: str, values: dict[str, Any], where: str) -> Layer:
    layer: Layer = {"kind": kind}
    for param in KINDS[kind]:
        if param.name in values:
            layer[param.name] = values[param.name]
        elif param.required:
            raise ConfigError(f"{where} needs {param.name}, e.g. {example(kind)}",
                              key="model.layers")
        elif param.default is not None:
            layer[param.name] = param.default
    return layer


def example(kind: str) -> str:
    return {"rnn": "rnn(64)", "lstm": "lstm(64)", "gru": "gru(64)", "conv1d": "conv1d(128, 5)",
            "spatialdropout": "spatialdropout(0.2)", "dropout": "dropout(0.3)",
            "dense": "dense(64)"}.get(kind, kind)


_TOKEN = re.compile(r"\s*([A-Za-z][\w-]*)\s*(?:\(([^()]*)\))?\s*,?")


def parse_layers(text: str) -> list[Layer]:
    """The compact form: `conv1d(128,5) maxpool(2) bigru(64) dropout(0.3) dense(64)`.

    Arguments are positional in the kind's order or `name=value`; layers are separated by
    spaces (or commas between them).
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("the layer stack is empty; give at least one layer, e.g. "
                          "\"bilstm(64) dense(64)\"", key="model.layers")
    layers: list[Layer] = []
    pos = 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            rest = text[pos:].strip()
            raise ConfigError(f"layer {len(layers) + 1}: cannot read {rest[:30]!r}; write "
                              "layers as kind(arguments) separated by spaces, e.g. "
                              "\"conv1d(128,5) bigru(64)\"", key="model.layers")
        name, args = match.group(1), match.group(2)
        index = len(layers)
        kind, implied = _canonical_kind(name, f"layer {index + 1}")
        where = f"layer {index + 1} ({_source(name, args)})"
        params = KINDS[kind]
        values = dict(implied)
        positional = [p for p in params if p.name not in implied]
        seen_named = False
        for i, arg in enumerate(a.strip() for a in (args or "").split(",")):
            if not arg:
                if args and args.strip():
                    raise ConfigError(f"{where}: an empty argument", key="model.layers")
                continue
            if "=" in arg:
                key, value = (s.strip() for s in arg.split("=", 1))
                key = key.replace("-", "_")
                by_name = {p.name: p for p in params}
                if key not in by_name:
                    hint = suggest(key, by_name) or (f"; {kind} takes {', '.join(by_name)}"
                                                     if by_name else "")
                    raise ConfigError(f"{where}: unknown argument {key!r}{hint}",
                                      key="model.layers")
                values[key] = _convert(by_name[key], value, where)
                seen_named = True
                continue
            if seen_named:
                raise ConfigError(f"{where}: a positional argument after a named one",
                                  key="model.layers")
            if i >= len(positional):
                takes = ", ".join(p.name for p in positional) or "no arguments"
                raise ConfigError(f"{where}: too many arguments; {kind} takes {takes}",
                                  key="model.layers")
            values[positional[i].name] = _convert(positional[i], arg, where)
        layers.append(_complete(kind, values, where))
        pos = match.end()
    return layers


def _source(name: str, args: str | None) -> str:
    return f"{name}({args})" if args is not None else name


def format_layer(layer: Layer) -> str:
    """The compact form of one layer, its defaults left out: `bilstm(64)`, `conv1d(128, 5)`."""
    kind = layer["kind"]
    params = KINDS[kind]
    name = kind
    skip: set[str] = set()
    if kind in RECURRENT and layer.get("bidirectional"):
        name, skip = "bi" + kind, {"bidirectional"}
    args: list[str] = []
    # The first two arguments go by position (units, filters and kernel, rate); later ones by
    # name, and so does any argument after one left at its default.
    named = False
    for i, param in enumerate(p for p in params if p.name not in skip):
        if param.name not in layer or not param.required and layer[param.name] == param.default:
            named = True
            continue
        text = _format_value(layer[param.name])
        named = named or i >= 2
        args.append(f"{param.name}={text}" if named else text)
    return f"{name}({', '.join(args)})" if args else name


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_layers(layers: list[Layer]) -> str:
    return " ".join(format_layer(layer) for layer in layers)
