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

INTRO = ("seqtui trains in a separate process: leaving a screen or quitting never stops a run.\n"
         "ctrl+p opens the command palette (every action by name). Keys can be remapped in "
         "~/.config/seqtui/keymap.toml by binding id, e.g.  \"runs.new\" = \"a\".")


def key_table(title: str, bindings: list[Binding], keymap: dict[str, str]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  padding=(0, 2, 0, 0), show_header=False, expand=True)
    table.add_column("key", style="bold cyan", no_wrap=True, width=14)
    table.add_column("action")
    table.add_column("id", style="dim", no_wrap=True)
    for binding in bindings:
        if not binding.description:
            continue
        keys = keymap.get(binding.id or "", binding.key)
        shown = ", ".join(key_label(k.strip()) for k in keys.split(","))
        table.add_row(shown, binding.tooltip or binding.description, binding.id or "")
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the bindings of each screen class the app has; escape or ? closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]

    def __init__(self, sections: list[tuple[str, list[Binding]]], keymap: dict[str, str]) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text(INTRO), id="help-intro")
            for title, bindings in self.sections:
                yield Static(key_table(title, bindings, self.keymap), classes="help-section")
        yield KeyBar()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
