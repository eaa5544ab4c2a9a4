"""The runs list's filter language, sort keys and groups (plain Python, no Textual).

A filter is terms separated by spaces, all of which must hold:
  `field:value`     the field contains the value (id, name, status, preset, data, sweep)
  `-field:value`    it does not
  `metric>number`   a run's figure compared (>, >=, <, <=, =): val_acc, val_loss, acc, loss,
                    test_acc, test_loss, params, epochs
  anything else     free text, found in the run's id, status, data or model
A term that cannot mean anything (an unknown field or metric, a number that is not one) is an
error whose message says what would be right; the screen shows it inline and keeps the list.
"""

from __future__ import annotations

import operator
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace

from seqtui.engine.runs.status import RunInfo

FIELDS: dict[str, Callable[[RunInfo], str]] = {
    "id": lambda r: r.id,
    "name": lambda r: str(r.config.get("name") or r.id.split("_", 2)[-1]),
    "status": lambda r: r.status,
    "preset": lambda r: r.preset,
    "data": lambda r: r.dataset,
    "sweep": lambda r: r.sweep or "",
}
FIELD_ALIASES = {"dataset": "data", "model": "preset"}


def _best(metric: str) -> Callable[[RunInfo], float | None]:
    def value(run: RunInfo) -> float | None:
        best = run.best(metric)
        return best[1] if best else None
    return value


def _test(metric: str) -> Callable[[RunInfo], float | None]:
    def value(run: RunInfo) -> float | None:
        return (run.test_metrics or {}).get(metric)
    return value


NUMBERS: dict[str, Callable[[RunInfo], float | None]] = {
    "val_acc": _best("val_accuracy"), "val_loss": _best("val_loss"),
    "acc": _best("accuracy"), "loss": _best("loss"),
    "test_acc": _test("accuracy"), "test_loss": _test("loss"),
    "params": lambda r: r.params, "epochs": lambda r: r.epochs_done,
}
NUMBER_ALIASES = {"val_accuracy": "val_acc", "accuracy": "acc", "test_accuracy": "test_acc"}
OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
             "=": operator.eq}
COMPARISON = re.compile(r"^([A-Za-z_/]+)\s*(>=|<=|>|<|=)\s*(.*)$")


class FilterError(ValueError):
    """A filter term that means nothing; the message says what would be right."""


@dataclass
class RunFilter:
    text: str
    tests: list[Callable[[RunInfo], bool]]

    def __call__(self, run: RunInfo, status: str | None = None) -> bool:
        """Whether the run passes; `status` is the one the list shows (a queued run's log
        says pending), used by status: and free text."""
        shown = replace(run, status=status) if status and status != run.status else run
        return all(test(shown) for test in self.tests)


def free_text(run: RunInfo) -> str:
    return " ".join((run.id, run.status, run.dataset, run.preset, run.sweep or "")).lower()


def parse_filter(text: str) -> RunFilter:
    """The filter for `text`; raises FilterError for a term that means nothing."""
    try:
        terms = shlex.split(text)
    except ValueError:
        raise FilterError("a quote is not closed; close it or remove it") from None
    return RunFilter(text, [_term(term) for term in terms])


def _term(term: str) -> Callable[[RunInfo], bool]:
    match = COMPARISON.match(term)
    if match and ":" not in term:
        name, op, number = match.groups()
        key = NUMBER_ALIASES.get(name.lower(), name.lower())
        if key not in NUMBERS:
            raise FilterError(f"{name!r} is not a figure to compare; try "
                              + ", ".join(NUMBERS) + " (e.g. val_acc>0.85)")
        try:
            bound = float(number)
        except ValueError:
            what = f"{number!r} is not a number" if number else f"a number must follow {op!r}"
            raise FilterError(f"{term!r}: {what} (e.g. {key}{op}0.85)") from None
        figure, compare = NUMBERS[key], OPERATORS[op]

        def test(run: RunInfo) -> bool:
            value = figure(run)
            return value is not None and compare(value, bound)
        return test
    negate = term.startswith("-") and ":" in term
    body = term[1:] if negate else term
    if ":" in body:
        name, _, value = body.partition(":")
        key = FIELD_ALIASES.get(name.lower(), name.lower())
        if key not in FIELDS:
            raise FilterError(f"{name!r} is not a field; fields are "
                              + ", ".join(FIELDS) + " (e.g. preset:bilstm)")
        if not value:
            raise FilterError(f"{term!r} needs a value after the colon (e.g. {key}:"
                              f"{'running' if key == 'status' else 'bilstm'})")
        getter, needle = FIELDS[key], value.lower()

        def test(run: RunInfo) -> bool:
            return (needle in getter(run).lower()) != negate
        return test
    needle = term.lower()
    return lambda run: needle in free_text(run)


# ---- sorting and grouping -------------------------------------------------------------------

# Sort keys by column key of the runs table; a run without the figure goes last either way.
SORT_KEYS: dict[str, Callable[[RunInfo], object]] = {
    "run": lambda r: r.id,
    "status": lambda r: r.status,
    "data": lambda r: r.dataset,
    "model": lambda r: r.preset,
    "params": lambda r: r.params,
    "epochs": lambda r: r.epochs_done,
    "acc": lambda r: NUMBERS["val_acc"](r),  # the best val acc
    "test": lambda r: NUMBERS["test_acc"](r),
    "val_loss": lambda r: NUMBERS["val_loss"](r),
    "speed": lambda r: r.seconds_per_epoch,
}
GROUPS: dict[str, Callable[[RunInfo], str]] = {
    "data": lambda r: r.dataset,
    "preset": lambda r: r.preset,
    "sweep": lambda r: r.sweep or "(no sweep)",
    "status": lambda r: r.status,
}


def sort_runs(runs: list[RunInfo], column: str, reverse: bool) -> list[RunInfo]:
    """Runs by a column's value; runs without it last, whichever the direction."""
    key = SORT_KEYS.get(column, SORT_KEYS["run"])
    known = [r for r in runs if key(r) is not None]
    unknown = [r for r in runs if key(r) is None]
    return sorted(known, key=key, reverse=reverse) + unknown


def group_runs(runs: list[RunInfo], by: str) -> list[tuple[str, list[RunInfo]]]:
    """(group name, its runs) in the order the groups first appear in `runs`."""
    groups: dict[str, list[RunInfo]] = {}
    for run in runs:
        groups.setdefault(GROUPS[by](run), []).append(run)
    return list(groups.items())
