"""TUI benchmark: cold start to the first frame of the Runs screen, resident memory while
following a training run, and key-to-screen latency (p50/p95) while a run trains on every core.

The TUI runs as a user runs it: `python -m seqtui` in a pseudo-terminal (80x24). Frames are the
bytes it writes; a key's latency is the time from writing the key to the pty until the screen it
opens has been written back.

    python bench/tui_bench.py [--runs N] [--keys N] [--trainers N] [--listed N] [--system]
                              [--json]

--listed sets how many finished runs the list holds (default 20); --system opens the followed
run's System tab first, so every dashboard the key loop opens shows the system panel sampling
/proc (and NVML, when installed) once a second.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

# What tells the Runs screen is drawn: a word of its key bar that no screen the bench opens
# shows (a column header can be cut or dropped at 80 columns).
RUNS_SCREEN = b"Compare"


class PtyApp:
    """`python -m seqtui ARGS` in a pty of a fixed size; output is read as it comes."""

    def __init__(self, args: list[str], env: dict[str, str], size=(80, 24)) -> None:
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe(sys.executable, [sys.executable, "-m", "seqtui", *args], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.buffer = b""

    def read_until(self, needle: bytes, timeout: float = 30.0) -> float:
        """The time at which `needle` has been written (perf_counter clock)."""
        start = time.perf_counter()
        if needle in self.buffer:
            self.buffer = self.buffer[self.buffer.index(needle) + len(needle):]
            return start
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.buffer += os.read(self.fd, 65536)
                except OSError:
                    break
                if needle in self.buffer:
                    # Keep what follows the match: the next needle may be in the same write.
                    self.buffer = self.buffer[self.buffer.index(needle) + len(needle):]
                    return time.perf_counter()
        raise TimeoutError(f"{needle!r} not written within {timeout}s")

    def drain(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    os.read(self.fd, 65536)
                except OSError:
                    return
        self.buffer = b""

    def press(self, key: bytes) -> float:
        self.buffer = b""
        os.write(self.fd, key)
        return time.perf_counter()

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def maps_tensorflow(self) -> bool:
        maps = Path(f"/proc/{self.pid}/maps").read_text()
        return "tensorflow" in maps or "_pywrap" in maps

    def quit(self) -> None:
        try:
            os.write(self.fd, b"q")
            self.drain(1.0)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
            os.close(self.fd)


def environment(runs_dir: Path) -> dict[str, str]:
    return {**os.environ, "SEQTUI_RUNS_DIR": str(runs_dir), "TERM": "xterm-256color",
            "TF_CPP_MIN_LOG_LEVEL": "3", "SEQTUI_KEYMAP": "/nonexistent"}


def seed_runs(runs_dir: Path, count: int) -> None:
    """Finished runs to list, with realistic logs (epochs and throttled batch events)."""
    from seqtui.engine.config import Config
    from seqtui.engine.runs.store import create_run

    for index in range(count):
        config = Config()
        config.name = f"seed{index}"
        config.training.epochs = 10
        run_dir = create_run(config, runs_dir)
        with open(run_dir / "events.jsonl", "w") as log:
            now = time.time()
            log.write(json.dumps({"type": "run_started", "time": now, "params": 714369,
                                  "epochs": 10, "config": config.to_dict()}) + "\n")
            for epoch in range(1, 11):
                for step in range(1, 400, 10):
                    log.write(json.dumps({"type": "batch", "time": now, "step": step,
                                          "steps": 400, "logs": {"loss": 0.5}}) + "\n")
                log.write(json.dumps({"type": "epoch_ended", "time": now, "epoch": epoch,
                                      "logs": {"loss": 0.5, "val_loss": 0.5,
                                               "accuracy": 0.8, "val_accuracy": 0.8},
                                      "seconds": 30.0, "best_epoch": epoch}) + "\n")
            log.write(json.dumps({"type": "run_finished", "time": now,
                                  "status": "completed"}) + "\n")


def cold_start(runs_dir: Path, repeats: int, newest: bytes) -> tuple[list[float], list[float]]:
    """Seconds from exec to the first frame of the Runs screen, and to the runs listed in it."""
    frames, listed = [], []
    for _ in range(repeats):
        app = PtyApp([], environment(runs_dir))
        frames.append(app.read_until(RUNS_SCREEN) - app.started)
        listed.append(app.read_until(newest) - app.started)
        app.quit()
    return frames, listed


def start_training(runs_dir: Path, name: str) -> Path:
    """A real run (demo data, BiLSTM) that trains for the whole benchmark."""
    done = subprocess.run([sys.executable, "-m", "seqtui", "train", "--detach", "--dataset",
                           "demo", "--demo-size", "4000", "--preset", "bilstm", "--epochs", "50",
                           "--name", name, "--runs-dir", str(runs_dir)],
                          capture_output=True, text=True, env=environment(runs_dir), check=True)
    run_id = done.stdout.split(":")[0].strip()
    return runs_dir / run_id


def wait_for_batches(run_dir: Path, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        log = run_dir / "events.jsonl"
        if log.exists() and b'"batch"' in log.read_bytes():
            return
        time.sleep(0.5)
    raise TimeoutError("the training run never reached its first batch")


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def measure_keys(app: PtyApp, count: int) -> dict[str, float]:
    """Each key opens a screen from the Runs screen (n: New experiment, enter: the newest run's
    dashboard, ?: help); escape goes back. Latency: from the key written to the pty to the new
    screen's text written back. Escape includes up to 100 ms that Textual's input loop waits
    to tell a lone escape from an escape sequence."""
    interactions = [(b"n", b"Model preview"), (b"\r", b"Curves"), (b"?", b"runs.new")]
    latencies: dict[str, list[float]] = {}
    for index in range(count // 2):
        key, shows = interactions[index % len(interactions)]
        sent = app.press(key)
        latencies.setdefault(key.decode().replace("\r", "enter"), []).append(
            (app.read_until(shows) - sent) * 1000)
        app.drain(0.3)
        sent = app.press(b"\x1b")
        latencies.setdefault("escape", []).append((app.read_until(RUNS_SCREEN) - sent) * 1000)
        app.drain(0.3)
    opening = [v for name, values in latencies.items() if name != "escape" for v in values]
    everything = opening + latencies["escape"]
    return {"p50": percentile(everything, 50), "p95": percentile(everything, 95),
            "opening_p50": percentile(opening, 50), "opening_p95": percentile(opening, 95),
            "escape_p50": percentile(latencies["escape"], 50),
            **{f"{name}_p50": percentile(values, 50) for name, values in latencies.items()},
            **{f"{name}_max": max(values) for name, values in latencies.items()},
            # The first of each: in the idle phase the first n comes about 1 s after the runs
            # are listed, while the TUI may still be building the New form at idle.
            **{f"{name}_first": values[0] for name, values in latencies.items()},
            "n": len(everything)}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts to time")
    parser.add_argument("--keys", type=int, default=40, help="key presses to time")
    parser.add_argument("--trainers", type=int, default=2,
                        help="training runs at once while keys are timed")
    parser.add_argument("--listed", type=int, default=20, help="finished runs in the list")
    parser.add_argument("--system", action="store_true",
                        help="show the System tab on the dashboards the keys open")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    results: dict[str, object] = {"cpus": os.cpu_count(), "listed": args.listed,
                                  "system_panel": args.system}
    newest = f"_seed{args.listed - 1}".encode()
    with tempfile.TemporaryDirectory() as tmp:
        runs_dir = Path(tmp) / "runs"
        seed_runs(runs_dir, args.listed)
        frames, listed = cold_start(runs_dir, args.runs, newest)
        results["cold_start_first_frame_s"] = summary(frames)
        results["cold_start_runs_listed_s"] = summary(listed)
        import_tf = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter();"
                                    "import tensorflow; print(time.perf_counter()-t)"],
                                   capture_output=True, text=True, env=environment(runs_dir))
        results["import_tensorflow_s"] = float(import_tf.stdout.strip() or "nan")

        idle = PtyApp([], environment(runs_dir))
        idle.read_until(newest)
        idle.drain(1.0)
        results["key_to_screen_ms_idle"] = measure_keys(idle, args.keys)
        idle.quit()

        # One BiLSTM run keeps about 1.4 of 2 cores busy here (its recurrent steps are
        # sequential), so by default two runs train at once: every core is taken.
        run_dirs = [start_training(runs_dir, f"bench{n + 1}") for n in range(args.trainers)]
        try:
            for run_dir in run_dirs:
                wait_for_batches(run_dir)
            app = PtyApp(["attach", run_dirs[-1].name], environment(runs_dir))
            app.read_until(b"bench")
            if args.system:
                app.press(b"6")
                app.read_until(b"machine cpu")
            app.drain(10.0)  # follow the run for a while before measuring memory
            results["rss_following_mb"] = app.rss_mb()
            results["tensorflow_mapped_in_tui"] = app.maps_tensorflow()
            app.press(b"\x1b")  # back to the Runs screen
            app.read_until(RUNS_SCREEN)
            app.drain(0.5)
            trainers = [json.loads((d / "pid").read_text())["pid"] for d in run_dirs]
            cpu_before, wall_before = sum(map(cpu_seconds, trainers)), time.monotonic()
            results["key_to_screen_ms_training"] = measure_keys(app, args.keys)
            # How busy training kept the machine while the keys were timed (2.0 = two cores).
            results["training_cores_busy"] = round(
                (sum(map(cpu_seconds, trainers)) - cpu_before) / (time.monotonic() - wall_before),
                2)
            results["rss_after_keys_mb"] = app.rss_mb()
            app.quit()
            results["load_average_1m"] = os.getloadavg()[0]
        finally:
            from seqtui.engine.runs.control import request_stop
            from seqtui.engine.runs.process import process_alive

            for run_dir in run_dirs:
                request_stop(run_dir)
            deadline = time.time() + 120  # let them stop before their directories are deleted
            while any(map(process_alive, run_dirs)) and time.time() < deadline:
                time.sleep(0.5)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
