"""Saved presets: a user's own layer stacks, one TOML file each in the user's config dir
($SEQTUI_PRESETS_DIR, else $XDG_CONFIG_HOME/seqtui/presets, else ~/.config/seqtui/presets).
They appear beside the built-in presets and load by name (`--preset NAME`). Plain Python."""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from seqtui.engine.config import CUSTOM, PRESETS, Config
from seqtui.engine.errors import ConfigError
from seqtui.engine.models.kinds import Layer, format_layers, normalize_layer

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")


@dataclass
class SavedPreset:
    name: str
    layers: list[Layer]
    description: str
    path: Path

    @property
    def compact(self) -> str:
        return format_layers(self.layers)


def presets_dir() -> Path:
    if os.environ.get("SEQTUI_PRESETS_DIR"):
        return Path(os.environ["SEQTUI_PRESETS_DIR"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base).expanduser() / "seqtui" / "presets"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(f"a preset name is letters, digits, '.', '_' or '-' (up to 60), got "
                          f"{name!r}", key="model.preset")
    if name in PRESETS or name == CUSTOM:
        raise ConfigError(f"{name!r} is a built-in preset; choose another name",
                          key="model.preset")
    return name


def save_preset(name: str, layers: list[Layer], description: str = "",
                overwrite: bool = False) -> Path:
    """Write NAME.toml atomically; an existing preset is kept unless `overwrite`."""
    import tomli_w

    check_name(name)
    if not layers:
        raise ConfigError("the layer stack is empty; a preset needs at least one layer",
                          key="model.layers")
    layers = [normalize_layer(layer, i) for i, layer in enumerate(layers)]
    target = presets_dir() / f"{name}.toml"
    if target.exists() and not overwrite:
        raise ConfigError(f"a preset named {name!r} exists already ({target}); choose another "
                          "name or replace it", key="model.preset")
    target.parent.mkdir(parents=True, exist_ok=True)
    text = tomli_w.dumps({"description": description, "layers": layers})
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".toml.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, target)
    return target


def _read(path: Path) -> SavedPreset:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        layers = [normalize_layer(layer, i) for i, layer in enumerate(raw.get("layers") or [])]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ConfigError) as exc:
        raise ConfigError(f"saved preset {path}: {exc}", key="model.preset") from None
    if not layers:
        raise ConfigError(f"saved preset {path}: no layers", key="model.preset")
    return SavedPreset(path.stem, layers, str(raw.get("description") or ""), path)


def saved_presets() -> list[SavedPreset]:
    """Every readable saved preset, by name; a broken file is skipped (`load_preset` says
    why when it is asked for)."""
    folder = presets_dir()
    found = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            found.append(_read(path))
        except ConfigError:
            continue
    return found


def load_preset(name: str) -> SavedPreset | None:
    path = presets_dir() / f"{name}.toml"
    return _read(path) if _NAME.fullmatch(name) and path.is_file() else None


def apply_saved_preset(config: Config) -> Config:
    """A preset that is not built in is a saved one: its stack becomes the model's."""
    m = config.model
    if m.layers is None and m.preset not in PRESETS and m.preset != CUSTOM:
        saved = load_preset(m.preset)
        if saved is not None:
            m.layers = saved.layers
    return config
