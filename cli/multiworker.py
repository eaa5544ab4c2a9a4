"""A non-chief worker of a multi-worker run (`--strategy multi-worker`, TF_CONFIG).

Every worker runs the same `seqtui train ...` command; MultiWorkerMirroredStrategy keeps them in
step. Only the chief (TF_CONFIG's chief task, else worker 0) writes the run directory. Any other
worker trains with no run directory at all, so it never needs to know the chief's run id and works
without a shared file system: its events (one JSON object a line, as in events.jsonl, batches
left out) and TensorFlow's output go to RUNS/workers/<time>_<name>_<task>.log on its own machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from seqtui.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from seqtui.engine.config import Config
from seqtui.engine.errors import BadInput
from seqtui.engine.training.devices import ClusterTask, worker_log_path

WORKER_LOG_ENV = "SEQTUI_WORKER_LOG"  # a detached worker's log, chosen by its spawner


def train_worker(config: Config, runs_dir: Path, task: ClusterTask, detach: bool = False) -> int:
    """Train as a non-chief worker; with detach, do it in a background process instead."""
    os.umask(0o077)
    log_path = Path(os.environ.get(WORKER_LOG_ENV) or
                    worker_log_path(runs_dir, config.resolved().name, task))
    if detach:
        return _spawn(config, log_path, task)
    print(f"{task.name} of {task.workers} workers: training in step with the chief, which "
          f"writes the run directory; log: {log_path}", flush=True)
    user_stderr = _stderr_to(log_path)

    from rich.console import Console

    from seqtui.cmd_train import _graceful_stop_on
    from seqtui.engine.runs.events import EventLog, fan_out
    from seqtui.engine.training.callbacks import ControlCallback
    from seqtui.engine.training.train import train
    from seqtui.progress import RichProgress

    log = EventLog(log_path)

    def record(event: dict[str, Any]) -> None:
        if event.get("type") != "batch":
            log(event)

    display = RichProgress(Console(), run_id=task.name)
    listener = fan_out(record, display)
    control = ControlCallback(None, listener)
    _graceful_stop_on(control)
    try:
        result = train(config, None, listener, control=control)
    except BadInput as exc:
        print(f"seqtui: error: {exc}", file=user_stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"seqtui: {task.name} interrupted", file=user_stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the log has the traceback
        print(f"seqtui: {task.name} failed: {exc}; see {log_path}", file=user_stderr)
        import traceback

        traceback.print_exc()  # into the worker's log
        return EXIT_FAILED
    finally:
        display.close()
        log.close()
    print(f"{task.name}: {result['status']}; the chief's run directory has the results")
    return EXIT_OK if result["status"] in ("completed", "stopped", "early_stopped") \
        else EXIT_FAILED


def _spawn(config: Config, log_path: Path, task: ClusterTask) -> int:
    """The worker in its own session (SIGHUP-proof), its output to its log; TF_CONFIG is
    inherited. The config travels as a file beside the log."""
    config_path = log_path.with_suffix(".json")
    config_path.write_text(config.resolved().to_json() + "\n", encoding="utf-8")
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "seqtui", "train", "--config", str(config_path)],
            stdin=subprocess.DEVNULL, stdout=fd, stderr=fd, start_new_session=True,
            close_fds=True, env={**os.environ, WORKER_LOG_ENV: str(log_path)})
    finally:
        os.close(fd)
    print(f"{task.name}: training in the background (pid {process.pid}); log: {log_path}")
    return EXIT_OK


def _stderr_to(path: Path):
    """TensorFlow's chatter goes to the log; return a stream to the user's own stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    user = os.fdopen(saved, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    return user
