"""The command palette (ctrl+p): every action of the current screen by name, and every run."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class SeqtuiCommands(Provider):
    """Actions come from the screen's own bindings, so the palette and the keys never disagree."""

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = self.screen
        app = screen.app
        found: list[tuple[str, Callable[[], object], str]] = []
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding, node = active.binding, active.node
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            name = binding.tooltip or binding.description
            keys = app.get_key_display(binding)
            found.append((name, partial(app.call_later, app.run_action, binding.action, node),
                          f"key: {keys}"))
        for run in getattr(app, "runs", []):
            found.append((f"Open run {run.id}", partial(app.open_dashboard, run.path),
                          f"{run.status.replace('_', ' ')} · {run.preset} on {run.dataset}"))
        return found

    async def discover(self) -> Hits:
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
