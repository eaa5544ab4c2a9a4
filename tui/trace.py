"""Timestamps of a key's way through the TUI, for finding where a slow key's time goes.

Off unless SEQTUI_TRACE names a file: then every line appended to it is
`MONOTONIC_SECONDS THREAD_ID TAG DETAIL`, written at once (O_APPEND, one write per line, so
other processes, such as bench/tui_bench.py, can log to the same file on the same clock:
time.monotonic is CLOCK_MONOTONIC in every process). What is logged: the input thread's reads
of an ESC byte, its wake after the escape wait and the Key it sends; the app receiving a key
and popping a screen; every frame the compositor renders and the writer thread's write of it;
garbage collections; the runs scan and the System panel's sampling (in their threads); and
every event-loop callback or message on the UI thread that took more than SLOW_MS.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import os
import threading
import time
from collections.abc import Callable
from typing import Any

SLOW_MS = 2.0

_fd: int | None = None
ON = False


def event(tag: str, detail: str = "") -> None:
    """Log one line (a no-op when tracing is off)."""
    if _fd is not None:
        os.write(_fd, f"{time.monotonic():.6f} {threading.get_native_id()} {tag} "
                      f"{detail}\n".encode())


def thread_schedstat() -> str:
    """This thread's CPU time and time spent waiting on a run queue (ns, from the kernel)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            ran, waited, _ = f.read().split()
        return f"ran={ran} rq={waited}"
    except (OSError, ValueError):
        return ""


def _timed(function: Callable, tag: str, always: bool = True) -> Callable:
    """`function` logging `TAG.start` / `TAG.end ms=...` around each call (only calls slower
    than SLOW_MS, as one `TAG ms=...` line, unless `always`)."""
    if inspect.iscoroutinefunction(function):
        @functools.wraps(function)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            start = _began(tag, always)
            try:
                return await function(*args, **kwargs)
            finally:
                _ended(tag, start, always)
        return timed_async

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = _began(tag, always)
        try:
            return function(*args, **kwargs)
        finally:
            _ended(tag, start, always)
    return timed


def _began(tag: str, always: bool) -> float:
    if always:
        event(f"{tag}.start")
    return time.monotonic()


def _ended(tag: str, start: float, always: bool) -> None:
    took = (time.monotonic() - start) * 1000
    if always:
        event(f"{tag}.end", f"ms={took:.2f}")
    elif took > SLOW_MS:
        event(tag, f"ms={took:.2f} start={start:.6f}")


def _patch(owner: Any, name: str, tag: str, always: bool = True) -> None:
    original = owner.__dict__.get(name)
    if original is not None and not getattr(original, "_traced", False):
        wrapped = _timed(original, tag, always)
        wrapped._traced = True  # type: ignore[attr-defined]
        setattr(owner, name, wrapped)


def census() -> None:
    """Log what a full collection walks: the objects of the collected generations by type
    (slow; only with SEQTUI_TRACE_CENSUS=N, at every Nth full pass)."""
    from collections import Counter

    start = time.monotonic()
    objects = gc.get_objects()
    by_type = Counter(type(o).__qualname__ for o in objects)
    top = " ".join(f"{name}:{count}" for name, count in by_type.most_common(30))
    event("census", f"objects={len(objects)} frozen={gc.get_freeze_count()} "
                    f"ms={(time.monotonic() - start) * 1000:.1f} {top}")
    del objects


def install() -> None:
    """Start tracing if SEQTUI_TRACE is set (once per process)."""
    global _fd, ON
    path = os.environ.get("SEQTUI_TRACE")
    if not path or _fd is not None:
        return
    _fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    ON = True
    event("trace.start", f"pid={os.getpid()}")

    from textual.app import App
    from textual.drivers import _writer_thread
    from textual.message_pump import MessagePump
    from textual.screen import Screen

    from seqtui.engine.training.system_stats import SystemSampler
    from seqtui.tui.runindex import RunIndex

    _patch(RunIndex, "scan", "scan")
    from textual.widgets import DataTable

    from seqtui.tui.widgets.runs_table import RunsTable

    _patch(RunsTable, "show", "table.show", always=False)
    original_update_cell = DataTable.update_cell

    def update_cell(self: DataTable, row_key: Any, column_key: Any, value: Any,
                    **kwargs: Any) -> None:
        event("cell", f"{row_key} {column_key}")
        original_update_cell(self, row_key, column_key, value, **kwargs)

    DataTable.update_cell = update_cell  # type: ignore[method-assign]
    _patch(SystemSampler, "sample", "sysread")

    original_display = App._display

    def display(self: App, screen: Screen, renderable: Any) -> None:
        start = time.monotonic()
        original_display(self, screen, renderable)
        if renderable is not None:
            event("frame", f"screen={type(screen).__name__} start={start:.6f} "
                           f"ms={(time.monotonic() - start) * 1000:.2f}")

    App._display = display  # type: ignore[method-assign]

    original_update = Screen._on_timer_update

    def on_timer_update(self: Screen) -> None:
        start = time.monotonic()
        layout = self._layout_required
        original_update(self)
        event("update", f"screen={type(self).__name__} layout={int(layout)} "
                        f"start={start:.6f} ms={(time.monotonic() - start) * 1000:.2f}")

    Screen._on_timer_update = on_timer_update  # type: ignore[method-assign]

    original_dispatch = MessagePump._dispatch_message

    async def dispatch(self: MessagePump, message: Any) -> None:
        start = time.monotonic()
        try:
            await original_dispatch(self, message)
        finally:
            took = (time.monotonic() - start) * 1000
            if took > SLOW_MS:
                event("message", f"{type(message).__name__} to={type(self).__name__} "
                                 f"start={start:.6f} ms={took:.2f}")

    MessagePump._dispatch_message = dispatch  # type: ignore[method-assign]

    original_run = asyncio.events.Handle._run

    def run_handle(self: asyncio.events.Handle) -> None:
        start = time.monotonic()
        original_run(self)
        took = (time.monotonic() - start) * 1000
        if took > SLOW_MS:
            event("callback", f"start={start:.6f} ms={took:.2f} {repr(self._callback)[:100]!r}")

    asyncio.events.Handle._run = run_handle  # type: ignore[method-assign]

    def writer_run(self: _writer_thread.WriterThread) -> None:
        # Textual's WriterThread.run, with each write timed.
        write, flush = self._file.write, self._file.flush
        get, qsize = self._queue.get, self._queue.qsize
        while True:
            text = get()
            if text is None:
                break
            start = time.monotonic()
            write(text)
            if qsize() == 0:
                flush()
            event("written", f"chars={len(text)} start={start:.6f} "
                             f"ms={(time.monotonic() - start) * 1000:.2f} "
                             f"runs={int('Sweeps' in text)} {thread_schedstat()}")
        flush()

    _writer_thread.WriterThread.run = writer_run  # type: ignore[method-assign]

    from textual.widget import Widget

    original_render_lines = Widget.render_lines

    def render_lines(self: Widget, crop: Any) -> Any:
        start = time.monotonic()
        lines = original_render_lines(self, crop)
        took = (time.monotonic() - start) * 1000
        if took > SLOW_MS:
            event("render", f"{type(self).__name__}#{self.id} start={start:.6f} ms={took:.2f}")
        return lines

    Widget.render_lines = render_lines  # type: ignore[method-assign]

    collecting: dict[int, float] = {}
    census_every = int(os.environ.get("SEQTUI_TRACE_CENSUS", "0"))
    passes = [0]

    def on_gc(phase: str, info: dict) -> None:
        thread = threading.get_native_id()
        if phase == "start":
            collecting[thread] = time.monotonic()
        elif thread in collecting:
            start = collecting.pop(thread)
            took = (time.monotonic() - start) * 1000
            if info.get("generation", 0) > 0 or took > 1.0:
                event("gc", f"gen={info.get('generation')} start={start:.6f} ms={took:.2f} "
                            f"collected={info.get('collected')}")
            if info.get("generation") == 2 and census_every:
                passes[0] += 1
                if passes[0] % census_every == 0:
                    census()

    gc.callbacks.append(on_gc)
