"""Help: every key of every screen, as bound now (a user's keymap included)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from seqtui.tui.keymap import key_label
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.workarounds import RestyleWhenStale

KEY_WIDTH = 14  # at least; wider when a user's keymap binds longer keys
INTRO = ("seqtui trains in a separate process: leaving a screen or quitting never stops a run.\n"
         "ctrl+p opens the command palette (every action by name). Keys can be remapped in "
         "~/.config/seqtui/keymap.toml by binding id, e.g.  \"runs.new\" = \"a\".")


def key_rows(bindings: list[Binding], keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(keys as typed, what they do, binding id) for each binding with a description."""
    rows = []
    for binding in bindings:
        if not binding.description:
            continue
        keys = keymap.get(binding.id or "", binding.key)
        shown = ", ".join(key_label(k.strip()) for k in keys.split(","))
        rows.append((shown, binding.tooltip or binding.description, binding.id or ""))
    return rows


def key_table(title: str, rows: list[tuple[str, str, str]], key_width: int,
              id_width: int) -> Table:
    """One section; every section gets the same key and id widths, so their columns line up."""
    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  padding=(0, 2, 0, 0), show_header=False, expand=True)
    table.add_column("key", style="bold cyan", no_wrap=True, width=key_width)
    table.add_column("action", ratio=1)
    table.add_column("id", style="dim", no_wrap=True, width=id_width)
    for row in rows:
        table.add_row(*row)
    return table


class HelpScreen(RestyleWhenStale, ModalScreen[None]):
    """Lists the bindings of each screen class the app has; escape or ? closes it. Built once
    and kept by the app (the bindings and the keymap do not change while it runs)."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]

    def __init__(self, sections: list[tuple[str, list[Binding]]], keymap: dict[str, str]) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text(INTRO), id="help-intro")
            sections = [(title, key_rows(bindings, self.keymap))
                        for title, bindings in self.sections]
            every = [row for _, rows in sections for row in rows]
            key_width = max([len(row[0]) for row in every] + [KEY_WIDTH])
            id_width = max([len(row[2]) for row in every] + [1])
            for title, rows in sections:
                yield Static(key_table(title, rows, key_width, id_width),
                             classes="help-section")
        yield KeyBar()

    def on_mount(self) -> None:
        # Focused now, while the screen is built out of sight: focused by Textual when first
        # shown, the scroller's focus style asked for a layout of the whole screen in that key.
        self.query_one("#help-body").focus()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
