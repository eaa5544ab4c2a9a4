"""A loss that becomes NaN ends the run at that batch: failed, one line that names the epoch,
the batch and the learning rate and what to try, the finished epochs' checkpoints kept."""

from __future__ import annotations

import re

from helpers import TINY_FLAGS, run_seqtui
from seqtui.engine.runs.events import read_events
from seqtui.engine.runs.status import read_run


def test_a_diverged_run_fails_at_that_batch_and_keeps_its_good_epochs(runs_dir):
    # SGD at 30 on the tiny demo model: epoch 1 ends finite, the loss is NaN early in epoch 2.
    out = run_seqtui("train", *TINY_FLAGS, "--preset", "gap", "--epochs", "4",
                     "--optimizer", "sgd", "--learning-rate", "30", runs_dir=runs_dir)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    found = re.search(r"the loss became NaN at epoch (\d+), batch (\d+) \(learning rate 30, "
                      r"sgd\): training diverged; try a smaller learning rate "
                      r"\(--learning-rate 3\) or --optimizer adam", lines[0])
    assert found, lines[0]
    epoch, batch = int(found[1]), int(found[2])
    assert epoch >= 2, "this setting used to diverge in epoch 2; the test needs a good epoch"
    assert f"epochs 1-{epoch - 1} and their checkpoints are kept" in lines[0]

    [run_dir] = list(runs_dir.iterdir())
    info = read_run(run_dir)
    assert info.status == "failed" and info.message.startswith("the loss became NaN")
    assert info.epochs_done == epoch - 1
    events = read_events(run_dir / "events.jsonl")
    saved = [e for e in events if e["type"] == "checkpoint_saved"]
    assert saved and max(e["epoch"] for e in saved) == epoch - 1  # none after the NaN
    assert not [e for e in events if e["type"] == "epoch_ended" and e["epoch"] == epoch]
    last_start = max(i for i, e in enumerate(events) if e["type"] == "epoch_started")
    assert all(e["step"] < batch for e in events[last_start:] if e["type"] == "batch")

    predicted = run_seqtui("predict", run_dir.name, "a fine film", "--json", runs_dir=runs_dir)
    assert predicted.returncode == 0, predicted.stderr
    assert "NaN" not in predicted.stdout and "nan" not in predicted.stdout
