"""The command palette (ctrl+p): every seqtui action of the current screen by name, every run,
then Textual's own commands (theme, keys, screenshot)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class SeqtuiCommands(Provider):
    """Actions come from the screen's own bindings, so the palette and the keys never disagree.

    seqtui's bindings are the ones with an id (the id a keymap remaps); the bindings Textual's
    widgets bring (a table's Cursor up, Page up, an input's Delete character left) have none
    and are left out: the keys still work, but they are no commands. The app lists only this
    provider, so the order is this one: a screen's actions (those on its key bar first), the
    runs, then Textual's system commands.
    """

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = self.screen
        app = screen.app
        found: list[tuple[str, Callable[[], object], str]] = []
        seen: set[str] = set()
        # The keys the key bar shows first, then the others, each in binding order.
        bindings = sorted(screen.active_bindings.values(), key=lambda a: not a.binding.show)
        for active in bindings:
            binding, node = active.binding, active.node
            if not binding.id or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            name = binding.tooltip or binding.description
            keys = app.get_key_display(binding)
            found.append((name, partial(app.call_later, app.run_action, binding.action, node),
                          f"key: {keys}"))
        for run in getattr(app, "runs", []):
            found.append((f"Open run {run.id}", partial(app.open_dashboard, run.path),
                          f"{run.status.replace('_', ' ')} · {run.preset} on {run.dataset}"))
        for command in app.get_system_commands(screen):
            if command.title != "Quit":  # seqtui's own Quit (q) says runs keep training
                found.append((command.title, command.callback, command.help))
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
