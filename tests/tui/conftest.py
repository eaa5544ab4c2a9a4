"""Run directories written by the tests (fixed ids and times), and an app factory.

A run is "running" when its pid file names a live process: these helpers use the pytest process
itself, so a test can append events and watch the TUI follow them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from seqtui.engine.config import Config
from seqtui.engine.runs.process import write_pid

T0 = 1_790_000_000.0  # a fixed clock: nothing in a screen depends on when the test runs


def tiny(preset: str = "bilstm", **training: Any) -> Config:
    config = Config()
    config.name = preset
    config.data.demo_size = 200
    config.model.preset = preset
    config.model.embedding_dim = 8
    config.model.units = None if preset in ("gap", "flatten") else [8]
    config.training.epochs = training.pop("epochs", 4)
    for key, value in training.items():
        setattr(config.training, key, value)
    return config.resolved()


def epoch_event(epoch: int, loss: float, acc: float, val_loss: float, val_acc: float,
                best_epoch: int, seconds: float = 2.0) -> dict[str, Any]:
    return {"type": "epoch_ended", "time": T0 + 10 * epoch, "epoch": epoch,
            "logs": {"loss": loss, "accuracy": acc, "val_loss": val_loss,
                     "val_accuracy": val_acc},
            "seconds": seconds, "steps": 7, "examples_per_sec": 100.0,
            "best_epoch": best_epoch, "best": {"val_loss": val_loss}, "partial": False}


def start_events(config: Config, params: int = 1234) -> list[dict[str, Any]]:
    return [
        {"type": "run_started", "time": T0, "config": config.to_dict(), "params": params,
         "device": "cpu", "epochs": config.training.epochs, "pid": 1},
        {"type": "stage", "time": T0 + 1, "stage": "ready", "message": "training",
         "params": params, "steps_per_epoch": 7, "class_names": ["neg", "pos"],
         "dataset": {"train": 200, "test": 50}},
    ]


# Loss falls, then val_loss turns up from epoch 3 while loss keeps falling: overfitting.
OVERFIT_CURVE = [(1, 0.69, 0.55, 0.66, 0.62), (2, 0.60, 0.70, 0.58, 0.71),
                 (3, 0.45, 0.80, 0.60, 0.72), (4, 0.30, 0.90, 0.66, 0.70)]


class RunWriter:
    """Writes run directories under a runs dir, the way a training process would."""

    T0 = T0
    OVERFIT_CURVE = OVERFIT_CURVE
    tiny = staticmethod(tiny)
    epoch_event = staticmethod(epoch_event)
    start_events = staticmethod(start_events)

    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = runs_dir
        runs_dir.mkdir(parents=True, exist_ok=True)

    def create(self, run_id: str, config: Config | None = None,
               events: list[dict[str, Any]] | None = None, alive: bool = False) -> Path:
        config = config or tiny()
        path = self.runs_dir / run_id
        for sub in ("", "checkpoints", "assets", "control"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        (path / "config.json").write_text(config.to_json())
        self.append(path, events or [])
        if alive:
            write_pid(path, os.getpid())
        return path

    def append(self, path: Path, events: list[dict[str, Any]]) -> None:
        with open(path / "events.jsonl", "a", encoding="utf-8") as handle:
            for event in events:
                handle.write(json.dumps(event) + "\n")

    def finished(self, run_id: str, preset: str = "bilstm", curve=OVERFIT_CURVE,
                 status: str = "completed", params: int = 1234,
                 test: dict[str, float] | None = None, validation: str = "split",
                 **training: Any) -> Path:
        config = tiny(preset, epochs=len(curve), **training)
        config.data.validation = validation
        best = min(curve, key=lambda c: c[3])[0]
        events = start_events(config, params)
        events += [epoch_event(*c, best_epoch=best) for c in curve]
        events.append({"type": "run_finished", "time": T0 + 100, "status": status,
                       "best_epoch": best, "best": {"val_loss": min(c[3] for c in curve)},
                       **({"test": test} if test else {})})
        return self.create(run_id, config, events)


    def stopped_mid_epoch(self, with_checkpoint: bool = True) -> Path:
        """A 4-epoch bilstm stopped at step 4 of 7 of epoch 3: two epochs kept, one partial."""
        config = tiny("bilstm", epochs=4)
        events = start_events(config)
        for curve in OVERFIT_CURVE[:2]:
            events.append({"type": "epoch_started", "time": T0 + 10 * curve[0] - 5,
                           "epoch": curve[0], "epochs": 4, "steps": 7})
            events.append(epoch_event(*curve, best_epoch=curve[0]))
        events += [
            {"type": "epoch_started", "time": T0 + 25, "epoch": 3, "epochs": 4, "steps": 7},
            {"type": "batch", "time": T0 + 27, "step": 4, "steps": 7,
             "logs": {"loss": 0.4812, "accuracy": 0.77}, "examples_per_sec": 222.0,
             "elapsed": 2.0},
            {"type": "epoch_ended", "time": T0 + 28, "epoch": 3, "partial": True,
             "logs": {"loss": 0.4812, "accuracy": 0.77}, "seconds": 2.5, "best_epoch": 2},
            {"type": "run_finished", "time": T0 + 29, "status": "stopped", "best_epoch": 2}]
        path = self.create("2026-01-01_000000_bilstm", config, events)
        if with_checkpoint:
            (path / "checkpoints" / "last.keras").write_bytes(b"not a real model")
        return path


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunWriter:
    """A RunWriter on ./runs in a fresh working directory (screens show the path as 'runs')."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEQTUI_RUNS_DIR", "runs")
    monkeypatch.setenv("SEQTUI_KEYMAP", str(tmp_path / "no-keymap.toml"))
    return RunWriter(Path("runs"))


@pytest.fixture
def make_app(runs: RunWriter) -> Callable[..., Any]:
    from seqtui.tui.app import SeqtuiApp

    def factory(**kwargs: Any) -> SeqtuiApp:
        kwargs.setdefault("keymap", {})
        kwargs.setdefault("first_scan_in_thread", False)  # the runs are listed from the start
        return SeqtuiApp(runs.runs_dir, **kwargs)

    return factory


def render_plain(widget: Any) -> str:
    """What a Static shows, as plain text (markup and styles dropped)."""
    from rich.console import Console
    from rich.text import Text

    content = widget.content
    if isinstance(content, str):
        return Text.from_markup(content).plain
    console = Console(width=max(widget.size.width, 40), record=True, color_system=None,
                      file=open(os.devnull, "w"))  # noqa: SIM115 - closed with the console
    console.print(content)
    text = console.export_text()
    console.file.close()
    return text


@pytest.fixture
def shown() -> Callable[[Any], str]:
    return render_plain
