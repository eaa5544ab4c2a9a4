"""tf.distribute on the CPU, by the commands a user types: a mirrored run over two logical CPU
devices, and a two-worker run of two real `seqtui train` processes talking over 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from helpers import TINY_FLAGS, run_seqtui
from seqtui.engine.runs.events import read_events
from seqtui.engine.runs.status import read_run

TIMEOUT = 300  # seconds for a whole two-worker run; a hang fails the test instead of CI


def run_dirs(runs_dir: Path) -> list[Path]:
    return sorted(p for p in runs_dir.iterdir() if (p / "config.json").is_file())


def of_type(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


def test_mirrored_over_two_logical_cpu_devices(tmp_path):
    runs = tmp_path / "runs"
    out = run_seqtui("train", *TINY_FLAGS, "--preset", "lstm", "--units", "8", "--epochs", "1",
                     "--strategy", "mirrored", "--devices", "cpu:0,cpu:1", runs_dir=runs)
    assert out.returncode == 0, out.stderr
    [run_dir] = run_dirs(runs)
    run = read_run(run_dir)
    assert run.status == "completed"
    events = read_events(run_dir / "events.jsonl")
    [started] = of_type(events, "run_started")
    assert started["replicas"] == 2 and started["strategy"] == "mirrored"
    assert started["hardware"]["devices"] == ["cpu:0", "cpu:1"]
    [ready] = [e for e in of_type(events, "stage") if e["stage"] == "ready"]
    assert ready["global_batch_size"] == 64  # 32 per replica
    assert len(run.epochs) == 1 and (run_dir / "checkpoints" / "last.keras").is_file()


def free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [s.getsockname()[1] for s in sockets]
    for sock in sockets:
        sock.close()
    return ports


def test_two_workers_on_127_0_0_1_finish_one_run_written_by_the_chief(tmp_path):
    runs = tmp_path / "runs"
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    flags = [*TINY_FLAGS, "--preset", "gap", "--epochs", "1", "--strategy", "multi-worker"]
    processes = []
    for index in (1, 0):  # the non-chief first: the chief must wait for it, not the reverse
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "SEQTUI_RUNS_DIR": str(runs),
               "TF_CONFIG": json.dumps({"cluster": cluster,
                                        "task": {"type": "worker", "index": index}})}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "seqtui", "train", *flags], env=env, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=TIMEOUT))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    (worker_out, worker_err), (chief_out, chief_err) = outputs
    assert processes[1].returncode == 0, chief_err
    assert processes[0].returncode == 0, worker_err

    # Exactly one run directory, the chief's, complete.
    [run_dir] = run_dirs(runs)
    assert str(run_dir) in chief_out
    run = read_run(run_dir)
    assert run.status == "completed"
    events = read_events(run_dir / "events.jsonl")
    [started] = of_type(events, "run_started")  # the worker wrote no events here
    assert started["pid"] == processes[1].pid
    assert started["replicas"] == 2
    assert started["hardware"]["workers"] == 2 and started["hardware"]["task"] == "worker0"
    assert (run_dir / "checkpoints" / "last.keras").is_file()

    # The worker logged to its own file, beside the runs, and trained the same epoch.
    [log] = list((runs / "workers").glob("*_worker1.log"))
    assert str(log) in worker_out
    worker_events = read_events(log)  # TensorFlow's own lines in the log are skipped
    [worker_started] = of_type(worker_events, "run_started")
    assert worker_started["pid"] == processes[0].pid
    assert of_type(worker_events, "run_finished")[0]["status"] == "completed"
    # One model trained by both: the epoch's metrics are the cluster's, the same on each worker.
    [chief_epoch] = of_type(events, "epoch_ended")
    [worker_epoch] = of_type(worker_events, "epoch_ended")
    assert worker_epoch["logs"] == chief_epoch["logs"]
