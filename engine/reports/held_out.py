"""What the reports say about the held-out splits: where validation was measured, and the test
split's scores, measured once when training ended."""

from __future__ import annotations

from typing import Any

from seqtui.engine.reports.formatting import fmt_num
from seqtui.engine.runs.status import RunInfo


def _last(run: RunInfo, kind: str, **match: Any) -> dict[str, Any]:
    for event in reversed(run.events):
        if event.get("type") == kind and all(event.get(k) == v for k, v in match.items()):
            return event
    return {}


def test_summary(run: RunInfo) -> dict[str, Any] | None:
    """The test split's scores, measured once at the end: metrics, checkpoint and its epoch."""
    if not run.test_metrics:
        return None
    finished = _last(run, "run_finished")
    return {"metrics": run.test_metrics, "checkpoint": finished.get("test_checkpoint"),
            "epoch": finished.get("test_epoch")}


def validation_note(run: RunInfo) -> str:
    """Where the val_* figures come from, in one sentence a reader can trust."""
    if run.validated_on_test:
        return ("Validation figures (val_*) were measured on the test split (--validation "
                "test, the seeds' way, or a run from before validation splits): the best epoch "
                "was chosen on the test split, so its figures flatter the model.")
    ready = _last(run, "stage", stage="ready")
    where = (ready.get("dataset") or {}).get("validation_split", "a split apart from test")
    return (f"Validation figures (val_*) were measured on {where}; the test split was scored "
            "once, at the end.")


def test_sentence(report_test: dict[str, Any] | None, run: RunInfo) -> str:
    """One line for the reports: the test scores and the weights they were measured with."""
    if report_test is None:
        return ("Not scored on the test split (a run from before test scoring, one stopped "
                "inside its first epoch, or one still running)." if run.finished
                else "Scored once when training ends.")
    metrics = report_test["metrics"]
    parts = [f"{k} {fmt_num(v)}" for k, v in sorted(metrics.items(),
                                                      key=lambda kv: kv[0] != "accuracy")]
    weights = "the best weights" if report_test["checkpoint"] == "best" else "the final weights"
    if report_test.get("epoch"):
        weights += f" (epoch {report_test['epoch']})"
    return f"Test {', '.join(parts)}: measured once on the test split, with {weights}."
