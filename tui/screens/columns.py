"""Which columns the runs list shows: a checklist (space toggles, enter or escape closes), and
which of the chosen ones the terminal is too narrow for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static


class ColumnsScreen(ModalScreen[set[str]]):
    """Dismisses with the set of hidden column keys."""

    # enter would toggle the highlighted option in the list; here it closes, as the title says.
    BINDINGS = [Binding("escape,enter", "done", "Done", id="columns.done", priority=True)]

    def __init__(self, columns: list[tuple[str, str]], hidden: set[str],
                 squeezed: set[str] | frozenset = frozenset()) -> None:
        """`squeezed`: keys of chosen columns left out because the terminal is too narrow."""
        super().__init__()
        self.columns = columns
        self.hidden = set(hidden)
        self.squeezed = squeezed

    def compose(self) -> ComposeResult:
        with Vertical(id="columns-box"):
            yield Static("Columns shown (space toggles, enter closes)", id="columns-title")
            yield SelectionList[str](*[(label, key, key not in self.hidden)
                                       for key, label in self.columns], id="columns-list")
            left_out = [label for key, label in self.columns if key in self.squeezed]
            if left_out:
                yield Static(f"No room at this width for: {', '.join(left_out)}",
                             id="columns-squeezed")

    def action_done(self) -> None:
        shown = set(self.query_one(SelectionList).selected)
        self.dismiss({key for key, _ in self.columns if key not in shown})
