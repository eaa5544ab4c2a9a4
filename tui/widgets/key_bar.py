"""The key bar at the bottom of each screen: the keys that work here, as bound now.

One Static redrawn when the screen's bindings change. Textual's Footer rebuilds a widget per key
on every focus or screen change, which costs tens of milliseconds on a busy machine; this does
the same job in one text line (or a few).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

# Kept when the bar is too narrow for every key: with these a user finds the rest (help lists
# every key, the palette every action, and escape goes back).
KEPT_ACTIONS = {"app.help", "app.quit", "back", "cancel", "dismiss"}
PALETTE = (" ^p ", " palette")


class KeyBar(Static):
    """Shows `key Description` for every shown binding of the screen, and ctrl+p, in at most
    `lines` lines. A key is never cut: when they do not all fit, keys go from the right, those
    that lead to the others (help, quit, back) last."""

    DEFAULT_CLASSES = "key-bar"

    def __init__(self, lines: int = 1) -> None:
        super().__init__()
        self.lines = lines
        self._drawn: Text | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.draw()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self.draw()

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.draw()

    def keys(self) -> list[tuple[str, str, bool, bool]]:
        """(key, description, enabled, kept) for each binding shown, in binding order."""
        found = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            found.append((self.app.get_key_display(binding), binding.description, active.enabled,
                          binding.action in KEPT_ACTIONS))
        return found

    def draw(self) -> None:
        width = self.size.width or self.app.size.width
        items = [(f" {key} ", f" {description}  ", "" if enabled else "dim", kept)
                 for key, description, enabled, kept in self.keys()]
        items.append((*PALETTE, "", True))
        lines = self.pack(items, width)
        while len(lines) > self.lines:
            droppable = [i for i, item in enumerate(items) if not item[3]]
            if not droppable:
                break
            del items[droppable[-1]]
            lines = self.pack(items, width)
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, line in enumerate(lines):
            if number:
                text.append("\n")
            for key, description, style, _kept in line:
                text.append(key, style="bold reverse")
                text.append(description, style=style)
        # The bar is redrawn on every focus and screen change, mostly to the same keys. A
        # layout is a reflow of the whole screen (every field of the New form), so it is asked
        # for only when the bar's height changes; the same text is not drawn again.
        if text == self._drawn and len(lines) == self.styles.height.value:
            return
        resized = self.styles.height is None or len(lines) != self.styles.height.value
        self._drawn = text
        self.styles.height = len(lines)
        self.update(text, layout=resized)

    @staticmethod
    def pack(items: list[tuple[str, str, str, bool]], width: int) -> list[list]:
        """Items into lines of at most `width` cells, in order (a description's trailing
        spaces may pass the edge)."""
        lines: list[list] = [[]]
        used = 0
        for item in items:
            size = cell_len(item[0]) + cell_len(item[1].rstrip())
            if lines[-1] and used + size > width:
                lines.append([])
                used = 0
            lines[-1].append(item)
            used += cell_len(item[0]) + cell_len(item[1])
        return lines
