"""Keeping the TUI quick to answer a key: work-arounds for Textual behaviour with their upstream
cause, and the garbage collector's full passes moved to moments when nobody is waiting.

The work-arounds are guarded: if a later Textual changes what they work around, they do nothing.
"""

from __future__ import annotations

import gc
import importlib
import threading
import time


def keep_typed_keys_in_order() -> None:
    """Apply an Input's own key bindings (backspace, arrows, home, ctrl+k...) when the key
    reaches the Input, as it already does for the characters typed.

    Textual inserts a typed character in `Input._on_key`, but runs a bound key's action only
    after the key has bubbled up through every ancestor's message queue to the app
    (Textualize/textual#6605; the same change is proposed upstream in Textualize/textual#6631).
    When a bound key and characters arrive in one read from the terminal (a slow SSH link, a
    paste without bracketed paste, tmux send-keys), the characters are inserted while the
    bound key is still on its way: `abc`, then `\x7f12` in one write, gave `abc1`, not `ab12`.
    The parser (and so seqtui's driver) delivers the keys in order; the reordering is in the
    routing, so it is fixed there. Only the focused Input's own non-priority bindings run
    early, and they are the first the app would have tried: priority bindings were checked
    before the key reached the Input, and seqtui's screens handle no key an Input binds.
    The same routing sends the characters after a screen binding that focuses an input (`/`
    then `abc` in one read) to the old focus; SeqtuiApp._on_key hands them to the input.
    """
    from textual.widgets import Input

    original = Input.__dict__.get("_on_key")
    if original is None or getattr(original, "runs_own_bindings", False):
        return

    async def _on_key(self: Input, event) -> None:  # noqa: ANN001 - Textual's events.Key
        if not event.is_printable and self.screen.focused is self:
            chain = self.screen._modal_binding_chain
            if chain and chain[0][0] is self:
                for binding in chain[0][1].key_to_bindings.get(event.key, ()):
                    if not binding.priority and await self.app.run_action(binding.action,
                                                                          self):
                        self._restart_blink()
                        event.stop()
                        event.prevent_default()
                        return
        await original(self, event)

    _on_key.runs_own_bindings = True  # type: ignore[attr-defined]
    Input._on_key = _on_key  # type: ignore[method-assign]


def release_closed_widgets() -> None:
    """Let the widgets of closed screens be freed.

    Textual memoizes `StylesCache.get_inner_outer` with `functools.lru_cache` on an instance
    method, so the cache's keys hold up to 1,024 widgets' StylesCache objects, each with the
    rendered lines of its widget, long after the widget is gone (Textualize/textual#6665).
    Every dashboard opened and closed left its render caches behind; the garbage collector's
    full passes walked them all and grew to 100 ms pauses. The cache only maps two colours to
    two styles, so emptying it costs a few recomputations.
    """
    from textual import _styles_cache

    method = getattr(_styles_cache.StylesCache, "get_inner_outer", None)
    cache_clear = getattr(method, "cache_clear", None)
    if cache_clear is not None:
        cache_clear()


# Modules the screens after the first one need (plotext alone takes tens of milliseconds).
WARM_MODULES = ("seqtui.tui.screens.dashboard", "seqtui.tui.screens.new",
                "seqtui.tui.screens.help", "seqtui.tui.screens.compare",
                "seqtui.tui.screens.confirm", "seqtui.tui.screens.predict")


def warm_imports() -> None:
    """Import what the other screens need in a background thread once the first frame is up,
    so the first press of enter or n does not wait for imports. (Importing stays lazy for the
    first frame: start-up is what a user waits for first.)"""

    def load() -> None:
        for name in WARM_MODULES:
            importlib.import_module(name)

    threading.Thread(target=load, name="seqtui-warm-imports", daemon=True).start()


class IdleCollector:
    """Full garbage collections while the user is idle, instead of in the middle of a key.

    Textual makes and drops many objects for every screen it draws, so the collector's full
    pass (every generation, tens of milliseconds with a few screens kept) used to fall in the
    middle of a screen switch: a slow key. Once the app is up (before its first screen), the
    objects alive are frozen (modules, styles: they live as long as the app; gc.freeze is
    meant for this, and a frozen object is never freed, so no screen is), automatic full
    passes are turned off, and `tick` runs one when a full pass is due and no key came for
    IDLE_SECONDS, or at once if one has been put off for too long (memory stays bounded even
    for someone typing without a pause). Young generations are collected as usual.
    """

    IDLE_SECONDS = 0.25
    # Python runs a full pass after 10 collections of the middle generation; run one when
    # that is due and the user is idle, and regardless once it is ten times overdue.
    DUE = 10
    OVERDUE = 100

    def __init__(self) -> None:
        self.last_input = time.monotonic()
        self.full_passes = 0
        self._thresholds: tuple[int, int, int] | None = None

    def start(self) -> None:
        gc.collect()
        gc.freeze()
        self._thresholds = gc.get_threshold()
        young, middle, _full = self._thresholds
        gc.set_threshold(young, middle, 1_000_000_000)

    def stop(self) -> None:
        """Back to Python's own schedule (an app run in a longer process, as in tests, must
        not leave its objects frozen)."""
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            gc.unfreeze()
            self._thresholds = None

    def input_seen(self) -> None:
        self.last_input = time.monotonic()

    def idle(self, seconds: float | None = None) -> bool:
        """No key (or click) for `seconds` (IDLE_SECONDS by default)."""
        return time.monotonic() - self.last_input >= (seconds or self.IDLE_SECONDS)

    def tick(self) -> None:
        if self._thresholds is None:
            return
        pending = gc.get_count()[2]
        if (pending >= self.DUE and self.idle()) or pending >= self.OVERDUE:
            gc.collect()
            self.full_passes += 1
