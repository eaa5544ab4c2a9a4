"""The runs list's filter language, sorting and grouping, on runs read from real run dirs."""

from __future__ import annotations

import json

import pytest

from seqtui.engine.runs.status import read_run
from seqtui.tui.runlist import FilterError, group_runs, parse_filter, sort_runs


@pytest.fixture
def listed(runs):
    a = runs.finished("2026-01-01_000000_gap", preset="gap", params=900,
                      curve=[(1, 0.69, 0.5, 0.68, 0.55), (2, 0.6, 0.6, 0.62, 0.66)])
    b = runs.finished("2026-01-02_000000_bilstm", params=98_000,
                      curve=[(1, 0.6, 0.7, 0.5, 0.8), (2, 0.5, 0.8, 0.45, 0.87)])
    c = runs.finished("2026-01-03_000000_bilstm", status="stopped", params=98_000,
                      curve=[(1, 0.6, 0.7, 0.5, 0.82)])
    (c / "trial.json").write_text(json.dumps({"sweep": "lr-sweep", "trial": 3, "host": "h"}))
    with open(b / "events.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"type": "run_finished", "time": 1, "status": "completed",
                                 "test": {"loss": 0.4, "accuracy": 0.86}}) + "\n")
    return {run.id: run for run in (read_run(p) for p in (a, b, c))}


def ids(listed, text: str) -> list[str]:
    keep = parse_filter(text)
    return sorted(rid.split("_")[0] for rid, run in listed.items() if keep(run))


def test_fields_figures_free_text_and_negation(listed):
    assert ids(listed, "preset:bilstm") == ["2026-01-02", "2026-01-03"]
    assert ids(listed, "preset:bilstm status:completed") == ["2026-01-02"]
    assert ids(listed, "-preset:bilstm") == ["2026-01-01"]
    assert ids(listed, "val_acc>0.85") == ["2026-01-02"]
    assert ids(listed, "val_acc>=0.82 val_loss<=0.5") == ["2026-01-02", "2026-01-03"]
    assert ids(listed, "params<1000") == ["2026-01-01"]
    assert ids(listed, "test_acc>0.8") == ["2026-01-02"]  # the others have no test score
    assert ids(listed, "sweep:lr") == ["2026-01-03"]
    assert ids(listed, "GAP") == ["2026-01-01"]
    assert ids(listed, "dataset:demo model:gap") == ["2026-01-01"]
    assert ids(listed, "") == ["2026-01-01", "2026-01-02", "2026-01-03"]


@pytest.mark.parametrize(("text", "says"), [
    ("colour:red", "'colour' is not a field; fields are id, name, status"),
    ("val_acc>high", "'high' is not a number (e.g. val_acc>0.85)"),
    ("speed>3", "'speed' is not a figure to compare; try val_acc, val_loss"),
    ("preset:", "needs a value after the colon (e.g. preset:bilstm)"),
    ('"unclosed', "a quote is not closed"),
])
def test_a_bad_filter_says_what_is_wrong(text, says):
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    assert says in str(caught.value)


def test_sorting_puts_runs_without_the_figure_last_either_way(listed):
    runs = list(listed.values())
    by_best = [r.id[:10] for r in sort_runs(runs, "acc", reverse=True)]
    assert by_best == ["2026-01-02", "2026-01-03", "2026-01-01"]
    assert [r.id[:10] for r in sort_runs(runs, "acc", reverse=False)] == by_best[::-1]
    by_test = [r.id[:10] for r in sort_runs(runs, "test", reverse=False)]
    assert by_test[0] == "2026-01-02"  # the only one with a test score, first in both orders
    assert sort_runs(runs, "test", reverse=True)[0].id.startswith("2026-01-02")


def test_groups_keep_first_appearance_order(listed):
    runs = sort_runs(list(listed.values()), "run", reverse=False)
    assert [(name, len(members)) for name, members in group_runs(runs, "preset")] == \
        [("gap", 1), ("bilstm", 2)]
    assert [name for name, _ in group_runs(runs, "sweep")] == ["(no sweep)", "lr-sweep"]
