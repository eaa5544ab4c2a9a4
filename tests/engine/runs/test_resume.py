"""prepare_resume: what may continue, and a refusal that changes nothing on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seqtui.engine.config import Config
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.resume import prepare_resume


def write_run(path: Path, epochs_done: int, epochs: int, status: str,
              checkpoint: bool = True) -> Path:
    config = Config()
    config.training.epochs = epochs
    (path / "checkpoints").mkdir(parents=True)
    (path / "control").mkdir()
    (path / "config.json").write_text(config.to_json())
    events = [{"type": "run_started", "time": 1.0, "config": config.to_dict(), "params": 10,
               "device": "cpu", "epochs": epochs, "pid": 1}]
    events += [{"type": "epoch_ended", "time": 2.0 + e, "epoch": e, "partial": False,
                "logs": {"loss": 0.5, "val_loss": 0.6}, "seconds": 1.0, "best_epoch": e}
               for e in range(1, epochs_done + 1)]
    events.append({"type": "run_finished", "time": 20.0, "status": status,
                   "best_epoch": epochs_done or None})
    (path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    if checkpoint:
        (path / "checkpoints" / "last.keras").write_bytes(b"weights")
    return path


def snapshot(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


def test_a_stopped_run_resumes_and_loses_its_stale_requests(tmp_path):
    run = write_run(tmp_path / "r1", epochs_done=2, epochs=4, status="stopped")
    for name in ("stop", "stop-epoch", "pause"):
        (run / "control" / name).write_text("stop\n")
    info = prepare_resume(run)
    assert (info.epochs_done, info.epochs_total) == (2, 4)
    assert list((run / "control").iterdir()) == []
    assert Config.from_file(run / "config.json").training.epochs == 4


def test_more_epochs_train_a_finished_run_further(tmp_path):
    run = write_run(tmp_path / "r1", epochs_done=3, epochs=3, status="completed")
    info = prepare_resume(run, epochs=7)
    assert info.epochs_total == 7
    assert Config.from_file(run / "config.json").training.epochs == 7


@pytest.mark.parametrize(("done", "total", "status", "checkpoint", "epochs", "says"), [
    (3, 3, "completed", True, None, "already finished all 3 epochs; `seqtui resume r1 --epochs 8`"),
    (3, 6, "stopped", True, 2, "--epochs 2: run r1 has done 3 epochs already"),
    (3, 6, "stopped", True, 3, "has done 3 epochs already; give more, e.g. --epochs 8"),
    (0, 4, "stopped", False, None, "no checkpoint to resume from (no epoch finished); start it "
                                   "again: from the runs list"),
])
def test_a_refusal_says_why_and_changes_nothing(tmp_path, done, total, status, checkpoint,
                                                 epochs, says):
    run = write_run(tmp_path / "r1", done, total, status, checkpoint)
    (run / "control" / "stop").write_text("stop\n")
    before = snapshot(run)
    with pytest.raises(BadInput) as refused:
        prepare_resume(run, epochs, start_again="from the runs list (n)")
    assert says in str(refused.value)
    assert snapshot(run) == before
