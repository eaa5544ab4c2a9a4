"""Shown instead of the app while the terminal is smaller than 80x24."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24


class TooSmallScreen(Screen):
    """Goes away by itself when the terminal grows; q still quits (a run keeps training)."""

    BINDINGS = [Binding("q", "app.quit", "Quit", id="small.quit")]

    def __init__(self, size: tuple[int, int]) -> None:
        super().__init__()
        self.terminal_size = size

    def compose(self) -> ComposeResult:
        yield Static(id="too-small-message")

    def on_mount(self) -> None:
        self.describe(self.terminal_size)

    def describe(self, size: tuple[int, int]) -> None:
        width, height = size
        self.query_one("#too-small-message", Static).update(
            f"seqtui needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is "
            f"{width}x{height}.\nMake the window larger (training goes on meanwhile), or press q "
            "to quit.")
