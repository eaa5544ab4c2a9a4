"""Stopping a real run in the middle of an epoch and resuming it gives the uninterrupted curve:
the interrupted epoch is trained again from the weights, optimizer state, dropout masks and
learning-rate schedule it began with."""

from __future__ import annotations

import pytest

from helpers import tiny_config
from seqtui.engine.runs.control import request_stop
from seqtui.engine.runs.events import read_events
from seqtui.engine.runs.status import read_run
from seqtui.engine.runs.store import RunRecorder, create_run
from seqtui.engine.training.callbacks import ControlCallback
from seqtui.engine.training.train import train


class StopAtBatch(ControlCallback):
    """Writes the real stop request (control/stop) as batch `step` of `epoch` begins, as
    `seqtui stop RUN` would from another terminal at that moment."""

    def __init__(self, run_dir, emit, epoch: int, step: int) -> None:
        super().__init__(run_dir, emit)
        self.run_dir, self.at = run_dir, (epoch, step)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch + 1) == self.at:
            request_stop(self.run_dir)


def _config():
    # 16 a batch gives enough batches to stop inside. Dropout draws its masks from Keras's
    # SeedGenerator states, which a resumed run must pick up where they were. The plateau
    # schedule with a large min_delta lowers the rate after epoch 2 (val_loss falls by less than
    # 0.05), so epoch 3's rate comes from the schedule's state across two resumes.
    return tiny_config("lstm", training__epochs=3, training__batch_size=16,
                       data__demo_size=400, training__learning_rate=0.01, model__dropout=0.3,
                       training__lr_schedule="plateau", training__lr_patience=0,
                       training__min_delta=0.05)


def _run(run_dir, config, resume=False, stop=None):
    recorder = RunRecorder(run_dir)
    control = StopAtBatch(run_dir, recorder, *stop) if stop else None
    try:
        return train(config, run_dir, recorder, resume=resume, control=control)
    finally:
        recorder.close()


def _losses(run_dir):
    return {e["epoch"]: (e["logs"]["loss"], e["logs"]["val_loss"], e["logs"]["learning_rate"])
            for e in read_run(run_dir).epochs}


def test_stops_at_several_batches_then_resumes_match_an_uninterrupted_run(runs_dir):
    config = _config()
    reference = create_run(config, runs_dir)
    _run(reference, config)
    steps = next(e for e in read_events(reference / "events.jsonl")
                 if e.get("stage") == "ready")["steps_per_epoch"]
    assert steps >= 6

    run_dir = create_run(config, runs_dir)
    # Inside epoch 1 (no epoch finished yet), in the middle of epoch 2, one batch before the end
    # of epoch 3.
    stops = [(1, 2), (2, steps // 2), (3, steps - 1)]
    for n, stop in enumerate(stops):
        result = _run(run_dir, config, resume=n > 0, stop=stop)
        assert result["status"] == "stopped", stop
        (run_dir / "control" / "stop").unlink()
    result = _run(run_dir, config, resume=True)
    assert result["status"] == "completed"

    ours, ref = _losses(run_dir), _losses(reference)
    assert sorted(ours) == [1, 2, 3]
    for epoch in (1, 2, 3):
        assert ours[epoch] == pytest.approx(ref[epoch], rel=5e-4, abs=1e-5), epoch
    # The schedule did act: epochs 1 and 2 at the configured rate, epoch 3 at a tenth of it.
    assert [ref[e][2] for e in (1, 2, 3)] == pytest.approx([0.01, 0.01, 0.001], rel=1e-6)

    starts = [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "run_started"]
    assert [s["initial_epoch"] for s in starts] == [0, 0, 1, 2]

    # The report tells the story: each stop, where it was, and when the run went on.
    from seqtui.engine.reports.writer import write_report

    md_path, _ = write_report(run_dir)
    markdown = md_path.read_text()
    assert "and resumed at" in markdown and "from the starting weights" in markdown
    assert f"in epoch 2 (after {steps // 2} of {steps} steps) and resumed at" in markdown
    assert "from the end of epoch 1; epoch 2 was trained again from its start." in markdown
    assert f"in epoch 3 (after {steps - 1} of {steps} steps)" in markdown
