"""The key bar at the bottom of each screen: the keys that work here, as bound now.

One Static redrawn when the screen's bindings change. Textual's Footer rebuilds a widget per key
on every focus or screen change, which costs tens of milliseconds on a busy machine; this does
the same job in one text line.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    """Shows `key Description` for every shown binding of the screen, and ctrl+p."""

    DEFAULT_CLASSES = "key-bar"

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.draw()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.draw()

    def draw(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            text.append(f" {self.app.get_key_display(binding)} ", style="bold reverse")
            text.append(f" {binding.description}  ", style="dim" if not active.enabled else "")
        text.append(" ^p ", style="bold reverse")
        text.append(" palette")
        self.update(text)
