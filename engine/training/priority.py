"""A detached training run yields the CPU to interactive programs (the TUI, a shell, an editor).

Training started from the TUI or with `--detach` is background work: when the cores are all
busy, a key pressed in the TUI should not wait behind TensorFlow's threads. The run lowers its
own priority (plain Python, no privilege needed), which costs it nothing while nobody else wants
the CPU. On Linux a process in its own session also has its own scheduling group (autogroup),
within which a process's nice value means nothing to other sessions, so the group's nice is
lowered too. A foreground `seqtui train` keeps the priority its user gave it.

SEQTUI_BACKGROUND_NICE sets the nice value (0 to 19; default 10); 0 leaves the priority alone.
"""

from __future__ import annotations

import os

ENV = "SEQTUI_BACKGROUND_NICE"
DEFAULT_NICE = 10
AUTOGROUP = "/proc/self/autogroup"


def background_nice() -> int:
    """The nice value asked for, from SEQTUI_BACKGROUND_NICE; raises ValueError when bad."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return DEFAULT_NICE
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{ENV}={text!r} is not a whole number; use 0 (normal priority) "
                         "to 19 (lowest)") from None
    if not 0 <= value <= 19:
        raise ValueError(f"{ENV}={value} is out of range; use 0 (normal priority) to 19 (lowest)")
    return value


def lower_priority(nice: int) -> str:
    """Lower this process's CPU priority (call it before TensorFlow starts its threads: they
    inherit it). Returns what was done, for the worker log."""
    if nice <= 0:
        return "normal priority (SEQTUI_BACKGROUND_NICE=0)"
    done = []
    current = os.nice(0)
    if current < nice:
        os.nice(nice - current)
    done.append(f"nice {os.nice(0)}")
    # The scheduler's hint for CPU-bound work: it is mildly disfavoured when others wake up.
    if hasattr(os, "SCHED_BATCH"):
        try:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
            done.append("SCHED_BATCH")
        except OSError:
            pass
    # Only a session leader owns its autogroup: from inside a user's terminal session this would
    # lower the whole session, shell included.
    if os.path.exists(AUTOGROUP) and os.getsid(0) == os.getpid():
        try:
            with open(AUTOGROUP, "w") as handle:
                handle.write(str(nice))
            done.append(f"autogroup nice {nice}")
        except OSError:
            pass
    return "background priority: " + ", ".join(done)
