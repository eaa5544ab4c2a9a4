"""A run's attempts: a resumed run has one per `run_started`, and its report says how each
earlier one ended (stopped, failed, died), when, where in training, and when it went on."""

from __future__ import annotations

from typing import Any

from seqtui.engine.reports.formatting import fmt_time
from seqtui.engine.runs.events import Event


def attempts(events: list[Event]) -> list[list[Event]]:
    """The events split at each run_started (events before the first one, if any, go with it)."""
    out: list[list[Event]] = []
    for event in events:
        if event.get("type") == "run_started" or not out:
            out.append([])
        out[-1].append(event)
    return out


def _ending(attempt: list[Event]) -> dict[str, Any]:
    """How an attempt ended: what, when, and the epoch it was inside, if any."""
    last = next((e for e in reversed(attempt)
                 if e.get("type") in ("run_finished", "run_failed")), None)
    if last is None:
        how, when = "died", attempt[-1].get("time")
    elif last["type"] == "run_failed":
        how, when = "failed", last.get("time")
    else:
        how, when = str(last.get("status", "stopped")).replace("_", " "), last.get("time")
    begun = max((i for i, e in enumerate(attempt) if e.get("type") == "epoch_started"),
                default=None)
    if begun is None:
        return {"how": how, "when": when, "epoch": None}
    current = attempt[begun:]
    epoch, steps = current[0].get("epoch"), current[0].get("steps")
    ended = next((e for e in current if e.get("type") == "epoch_ended"), None)
    if ended is not None and not ended.get("partial"):
        return {"how": how, "when": when, "epoch": None}  # between epochs
    if ended is not None:  # stopped: the exact count of batches it trained
        return {"how": how, "when": when, "epoch": epoch, "step": ended.get("steps"),
                "steps": steps, "exact": True}
    # Died or interrupted at once: batch events are throttled, so at least this many.
    batches = [e for e in current if e.get("type") == "batch"]
    return {"how": how, "when": when, "epoch": epoch,
            "step": batches[-1].get("step") if batches else None, "steps": steps,
            "exact": False}


def resume_notes(events: list[Event]) -> list[str]:
    """One sentence per resume: "Stopped at T in epoch 2 (after 5 of 23 steps) and resumed at
    T2 from the end of epoch 1; epoch 2 was trained again from its start." """
    parts = attempts(events)
    notes = []
    for before, after in zip(parts, parts[1:], strict=False):
        end = _ending(before)
        start = after[0]
        initial = int(start.get("initial_epoch") or 0)
        where = ""
        if end["epoch"] is not None:
            where = f" in epoch {end['epoch']}"
            if end.get("step") is not None:
                of = f" of {end['steps']}" if end.get("steps") else ""
                least = "" if end.get("exact") else "at least "
                where += f" (after {least}{end['step']}{of} steps)"
        origin = f"the end of epoch {initial}" if initial else "the starting weights"
        note = (f"{end['how'].capitalize()} at {fmt_time(end['when'])}{where} and resumed at "
                f"{fmt_time(start.get('time'))} from {origin}")
        if end["epoch"] is not None and end["epoch"] == initial + 1:
            note += f"; epoch {end['epoch']} was trained again from its start"
        notes.append(note + ".")
    return notes
