"""The terminal driver: Textual's Linux/macOS driver, with a lone escape key delivered on time.

A terminal sends the escape key as the byte ESC, which also starts every arrow and function key
sequence, so an input parser must wait a moment to tell them apart. Textual's parser waits
ESCDELAY milliseconds (100 by default), but its input thread only looks at the clock when its
`select` wakes up, every 0.1 s: a lone escape took 100 to 200 ms to arrive whatever ESCDELAY
said, and escape is the key a seqtui user presses most (back, cancel). This driver wakes its
input thread when the parser's wait is over.

seqtui waits 50 ms rather than 100 (Neovim's default `ttimeoutlen`; tmux 3.5 waits 10 ms):
terminals and SSH send an arrow key's sequence in one write. On a link that splits them, set
ESCDELAY (milliseconds) higher; seqtui keeps a value the user set. (Textual reads ESCDELAY when
it is first imported, so seqtui.tui's package init sets the default.)
"""

from __future__ import annotations

import contextlib
import os
import selectors
import time
from codecs import getincrementaldecoder

from textual import constants
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from seqtui.tui import trace

# How long the input thread sleeps when nothing is pending, as in Textual's own driver: it
# still notices the app exiting.
IDLE_WAKE_SECONDS = 0.1


class PromptEscapeDriver(LinuxDriver):
    """LinuxDriver whose input thread wakes when the wait after an ESC byte runs out."""

    def run_input_thread(self) -> None:
        """Textual's input loop (read, parse, post), with the select timeout cut short while
        the parser waits to tell a lone escape from the start of a sequence."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        escape_deadline: float | None = None

        def process(ready: list, final: bool = False) -> None:
            nonlocal escape_deadline
            for _key, mask in ready:
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(self.fileno, 4096), final=final)
                    if not data:
                        break
                    if trace.ON and "\x1b" in data:
                        trace.event("in.read", f"{data!r} {trace.thread_schedstat()}")
                    for event in parser.feed(data):
                        self.process_message(event)
                    if "\x1b" in data:
                        # Set after feeding, so it is never before the parser's own deadline.
                        escape_deadline = time.monotonic() + constants.ESCAPE_DELAY
            for event in parser.tick():
                if trace.ON:
                    trace.event("in.key", f"{getattr(event, 'key', event)} "
                                          f"{trace.thread_schedstat()}")
                self.process_message(event)
            if escape_deadline is not None and time.monotonic() >= escape_deadline:
                if trace.ON:
                    trace.event("in.wake", f"late_ms="
                                f"{(time.monotonic() - escape_deadline) * 1000:.2f}")
                escape_deadline = None  # the tick above has sent the lone escape, if it was one

        try:
            while not self.exit_event.is_set():
                timeout = IDLE_WAKE_SECONDS
                if escape_deadline is not None:
                    timeout = min(timeout, max(0.0, escape_deadline - time.monotonic()) + 0.001)
                process(selector.select(timeout))
            selector.unregister(self.fileno)
            process(selector.select(IDLE_WAKE_SECONDS), final=True)
        finally:
            selector.close()
            with contextlib.suppress(EOFError, ParseError):
                for _event in parser.feed(""):
                    pass
