"""Keeping the TUI quick to answer a key: work-arounds for Textual behaviour with their upstream
cause, and the garbage collector's full passes moved to moments when nobody is waiting.

The work-arounds are guarded: if a later Textual changes what they work around, they do nothing.
"""

from __future__ import annotations

import gc
import importlib
import threading
import time
from typing import Any


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
    COLLECT_IDLE_SECONDS, or, once one has been put off for too long (memory stays bounded
    even for someone pressing keys without a pause), as soon as the last key has had its
    screen (ANSWERED_SECONDS after it). Young generations are collected as usual.

    A full pass walks every object the app keeps (50 to 100 ms here with a few screens kept,
    more under load) and frees a few thousand, so it waits for a real pause: started after a
    quarter of a second without a key, it was under way when the next key of someone moving
    between screens came (a third of a second apart), and that key waited for all of it.
    """

    IDLE_SECONDS = 0.25  # idle enough for a short step of work (RestyleWhenStale)
    COLLECT_IDLE_SECONDS = 1.0
    ANSWERED_SECONDS = 0.1
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
        if (pending >= self.DUE and self.idle(self.COLLECT_IDLE_SECONDS)) or (
                pending >= self.OVERDUE and self.idle(self.ANSWERED_SECONDS)):
            gc.collect()
            self.full_passes += 1



class RestyleWhenStale:
    """For a screen that is kept (installed) and shown again and again: restyle its nodes on
    showing only when something its styles depend on may have changed while it was hidden.

    Textual restyles every node of a screen each time it is pushed (`Screen._on_screen_resume`
    -> `update_node_styles`; since Textualize/textual#6314 a pop no longer does). For the New
    experiment form that was two thirds of the time `n` took. A class or focus change on a node
    restyles the nodes it concerns at once, shown or not; what Textual does not restyle a
    hidden screen for is the theme or CSS variables
    (`App._css_update_count`, which Textual's own mode switching compares the same way, and the
    variables themselves), CSS added, changed or re-read (the stylesheet's sources), the app's
    pseudo classes (focus, dark, ansi...) and the terminal size (breakpoints). The styles are
    refreshed when one of these differs from the last time the screen was styled, as before.

    One change is let through: the default CSS of a widget class mounted for the first time
    elsewhere (opening the first dashboard adds a dozen). Textual scopes it to its class, so it
    matches only nodes of that class and their descendants, and this screen has none of them
    (its own classes' CSS was added when they were mounted, before they were styled).

    Mix in before Screen: Textual calls each class's `_on_screen_resume` in MRO order, so this
    one runs first and can clear `refresh_styles` before Screen's handler reads it. A Textual
    without the attributes read here gets Textual's behaviour: always restyled.
    """

    _styled_with: tuple | None = None
    _hidden_styled = False

    def _style_inputs(self) -> tuple | None:
        app = self.app  # type: ignore[attr-defined]
        count = getattr(app, "_css_update_count", None)
        sheet = app.stylesheet
        source = getattr(sheet, "source", None)
        variables = getattr(sheet, "_variables", None)
        if count is None or not isinstance(source, dict) or not isinstance(variables, dict):
            return None
        return (count, dict(variables), app.size, frozenset(app.get_pseudo_classes()),
                dict(source))

    def _styles_still_hold(self, before: tuple, now: tuple) -> bool:
        if before[:4] != now[:4]:
            return False
        old_sources, new_sources = before[4], now[4]
        if any(new_sources.get(where) != source for where, source in old_sources.items()):
            return False
        added = [source for where, source in new_sources.items() if where not in old_sources]
        if not added:
            return True
        if not all(getattr(source, "is_defaults", False) and getattr(source, "scope", "")
                   for source in added):
            return False
        types: set[str] = set()
        for node in self.walk_children(with_self=True):  # type: ignore[attr-defined]
            types.update(getattr(node, "_css_type_names", ()))
        return not any(source.scope in types for source in added)

    def _on_mount(self, event) -> None:  # noqa: ANN001 - Textual's events.Mount
        self.call_after_refresh(self._lay_out_hidden)  # type: ignore[attr-defined]

    def _ready_to_lay_out(self) -> bool:
        """False while the screen is still being built (it calls _lay_out_hidden when done)."""
        return True

    def _hidden_step(self, step, *args) -> bool:  # noqa: ANN001 - a bound method
        """Whether to do a step of the hidden preparation now. Each step is one piece of work
        (tens of milliseconds, a few hundred for a big form on a loaded machine) and a key
        waits for the one under way, so a step is put off while keys are coming; and the
        preparation stops once the screen is shown, which does what is left itself."""
        app = self.app  # type: ignore[attr-defined]
        if self.is_current or not app.size:  # type: ignore[attr-defined]
            return False
        collector = getattr(app, "collector", None)
        if collector is not None and not collector.idle():
            self.set_timer(collector.IDLE_SECONDS,  # type: ignore[attr-defined]
                           lambda: step(*args))
            return False
        return True

    def _lay_out_hidden(self, rounds: int = 4) -> None:
        """Lay out a screen built off screen, so that its first showing does not. Textual lays
        a screen out when it is first shown, then again for the Resize that layout sends it,
        and the widgets' first resizes (their virtual sizes, scroll bars) ask for more; for
        the New form that was three full layouts, hundreds of milliseconds, in the key that
        opened it. Here they happen while the user is idle and out of sight: a hidden screen
        ignores its Resize, and the layouts its widgets ask for, which Textual would put off
        until it is shown, are made until none is asked for (at most `rounds`), each in a
        step of its own."""
        refresh_layout = getattr(self, "_refresh_layout", None)
        if not callable(refresh_layout) or not self._ready_to_lay_out():
            return
        if not self._hidden_step(self._lay_out_hidden, rounds):
            return
        if self._needs_hidden_style():
            self._style_hidden()
            self.call_after_refresh(self._lay_out_hidden, rounds)  # type: ignore
            return
        refresh_layout(self.app.size)  # type: ignore[attr-defined]
        self._layout_required = False
        self.call_after_refresh(self._settle_hidden, rounds - 1)  # type: ignore

    def _needs_hidden_style(self) -> bool:
        """Not styled whole yet, or (built in pieces) CSS came with a later piece's widgets
        that the earlier styling did not see."""
        now = self._style_inputs()
        if now is None or self._styled_with is None:
            return not self._hidden_styled
        return not self._styles_still_hold(self._styled_with, now)

    def _style_hidden(self) -> None:
        """Style the screen whole once, out of sight: styling node by node as they are
        mounted is not the same (a focus set while its row was being mounted leaves the row's
        label without its :focus-within style), and the first showing then need not restyle."""
        self.update_node_styles(animate=False)  # type: ignore[attr-defined]
        self._styled_with = self._style_inputs()
        self._hidden_styled = True
        # Shown, the screen's toast rack is set to show the app's toasts; with none it goes
        # from displayed to not, which asks for a layout of the whole screen in the key that
        # showed it. Hidden now, it asks again only when there are toasts.
        for rack in self.query("ToastRack"):  # type: ignore[attr-defined]
            rack.display = False

    def _settle_hidden(self, rounds: int, waits: int = 20) -> None:
        # The layouts a layout leads to are asked for by the widgets as they take in their
        # new sizes: wait until every widget has taken in its messages to know if one is.
        if waits and any(getattr(node, "_message_queue", None) is not None
                         and not node._message_queue.empty()
                         for node in self.walk_children(with_self=True)):  # type: ignore[attr-defined]
            self.call_after_refresh(self._settle_hidden, rounds, waits - 1)  # type: ignore
        elif getattr(self, "_layout_required", False) and rounds > 0:
            self._lay_out_hidden(rounds)
        else:
            self._render_hidden()

    def _render_hidden(self) -> None:
        """Paint the laid out screen once where nobody sees it (the result is dropped). Each
        widget keeps the lines it rendered, so the first showing paints from them: rendering
        the form's visible widgets for the first time was most of its first showing (80 ms
        here), Help's likewise."""
        compositor = getattr(self, "_compositor", None)
        render = getattr(compositor, "render_update", None)
        if not callable(render) or not self._hidden_step(self._render_hidden):
            return
        render(full=True)

    def _on_screen_resume(self, event) -> None:  # noqa: ANN001 - Textual's events.ScreenResume
        if not getattr(event, "refresh_styles", False):
            return
        now = self._style_inputs()
        before = self._styled_with
        if now is not None and before is not None and self._styles_still_hold(before, now):
            event.refresh_styles = False
        self._styled_with = now


def screens_ahead_busy(app: Any) -> bool:
    """Whether a screen installed but not shown (built ahead) still has messages to handle, or
    a worker that will post one (a dashboard's first read of its run): Textual would tear it
    down under its own handlers when the app quits."""
    from textual.screen import Screen

    nodes = {node for screen in app._installed_screens.values()
             if isinstance(screen, Screen) and screen not in app.screen_stack
             for node in screen.walk_children(with_self=True)}
    return any(node.message_queue_size for node in nodes) or any(
        worker.node in nodes and not worker.is_finished for worker in app.workers)
