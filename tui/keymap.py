"""A user's key remapping: binding id -> keys, from a TOML file (XDG config dir, or an env var).

    # ~/.config/seqtui/keymap.toml
    "runs.new" = "a"
    "dash.stop" = "ctrl+x"
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from textual.keys import format_key

KEYMAP_ENV = "SEQTUI_KEYMAP"


def keymap_path() -> Path:
    if os.environ.get(KEYMAP_ENV):
        return Path(os.environ[KEYMAP_ENV]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "seqtui" / "keymap.toml"


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], str | None]:
    """The keymap and, when the file is unusable, one line saying why (shown as a toast)."""
    path = path or keymap_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, f"keymap {path} ignored: {exc}"
    keymap = {str(k): v for k, v in raw.items() if isinstance(v, str)}
    bad = sorted(str(k) for k, v in raw.items() if not isinstance(v, str))
    return keymap, (f"keymap {path}: values must be key strings: {', '.join(bad)}"
                    if bad else None)


def key_label(key: str) -> str:
    """A bound key as a user types it: `?` and `/`, not question_mark and slash; modifiers
    stay words (ctrl+s), as a help table reads best."""
    modifiers, _, main = key.rpartition("+")
    label = "space" if main == "space" else format_key(main)
    return f"{modifiers}+{label}" if modifiers else label
