"""TUI benchmark: cold start to the first frame of the Runs screen, resident memory while
following a training run, and key-to-screen latency (p50/p95) while a run trains on every core.

The TUI runs as a user runs it: `python -m seqtui` in a pseudo-terminal (80x24). Frames are the
bytes it writes; a key's latency is the time from writing the key to the pty until the screen it
opens has been written back.

    python bench/tui_bench.py [--runs N] [--keys N] [--trainers N] [--listed N] [--system]
                              [--json] [--trace FILE]

--listed sets how many finished runs the list holds (default 20); --system opens the followed
run's System tab first, so every dashboard the key loop opens shows the system panel sampling
/proc (and NVML, when installed) once a second. --trace FILE has the two timed TUI processes
log their timestamps to FILE (seqtui.tui.trace), the script its own writes of keys and reads of
screens, and prints where each escape's time went (`--analyse FILE` prints it again).
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
RUNS_SCREEN = b"Sweeps"


TRACE_FD: int | None = None


def trace(tag: str, detail: str = "") -> None:
    """A line of the --trace file, on the TUI's clock (CLOCK_MONOTONIC in both processes)."""
    if TRACE_FD is not None:
        os.write(TRACE_FD, f"{time.monotonic():.6f} {os.getpid()} {tag} {detail}\n".encode())


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
        name = key.decode().replace("\r", "enter")
        trace("bench.write", name)
        sent = app.press(key)
        latencies.setdefault(name, []).append((app.read_until(shows) - sent) * 1000)
        trace("bench.read", f"{name} ms={latencies[name][-1]:.2f}")
        app.drain(0.3)
        trace("bench.write", "escape")
        sent = app.press(b"\x1b")
        latencies.setdefault("escape", []).append((app.read_until(RUNS_SCREEN) - sent) * 1000)
        trace("bench.read", f"escape ms={latencies['escape'][-1]:.2f}")
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


# read_to_key is the escape wait (50 ms) and how late the input thread woke after it;
# frame_to_written ends when the writer thread starts writing the frame to the pty.
ESCAPE_STEPS = ("pty_to_read", "read_to_key", "key_to_app", "app_to_pop", "pop_to_frame",
                "frame", "frame_to_written", "written_to_bench")
# Escapes slower than this have what else ran meanwhile listed.
SLOW_ESCAPE_MS = 90.0


def parse_trace(path: Path) -> list[tuple[float, str, str, dict[str, str], str]]:
    """(time, thread, tag, key=value fields, the rest) for each line of a --trace file."""
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 3:
            continue
        detail = parts[3] if len(parts) > 3 else ""
        fields = dict(word.split("=", 1) for word in detail.split() if "=" in word)
        lines.append((float(parts[0]), parts[1], parts[2], fields, detail))
    lines.sort(key=lambda line: line[0])
    return lines


def analyse(path: Path) -> dict[str, object]:
    """Each escape's time split at the traced points: the script's write of ESC, the input
    thread's read of it, the escape key sent after the wait, the app's first look at it, the
    screen popped, the Runs screen's frame rendered, written to the pty, and read here."""
    lines = parse_trace(path)
    phases: dict[str, object] = {}
    phase, presses = None, []
    for index, (_at, _thread, tag, _fields, detail) in enumerate(lines):
        if tag == "bench.keys":
            phase, presses = detail, []
        elif tag == "bench.keys_done" and phase is not None:
            phases[phase] = summarise_escapes(lines, presses)
            phase = None
        elif phase is not None and tag == "bench.write" and detail == "escape":
            presses.append(index)
    return phases


def summarise_escapes(lines: list, presses: list[int]) -> dict[str, object]:
    steps: dict[str, list[float]] = {name: [] for name in ESCAPE_STEPS}
    total, rq_waits, slow = [], [], []
    for first in presses:
        window, after = [], []
        for line in lines[first:]:
            if after or (window and window[-1][2] == "bench.read"):
                # The writer thread logs its write once done, which can be after the read.
                if line[0] - window[-1][0] > 0.1:
                    break
                after.append(line)
            else:
                window.append(line)
        marks = trace_marks(window, after)
        if marks is None:
            continue
        t = marks["times"]
        took = (t[-1] - t[0]) * 1000
        total.append(took)
        split = {name: round((t[i + 1] - t[i]) * 1000, 2) for i, name in enumerate(ESCAPE_STEPS)}
        for name, value in split.items():
            steps[name].append(value)
        rq_waits.append(marks["input_rq_ms"])
        if took > SLOW_ESCAPE_MS:
            slow.append({"ms": round(took, 1), "steps": split, "late_wake_ms": marks["late"],
                         "input_thread_runqueue_ms": marks["input_rq_ms"],
                         "meanwhile": meanwhile(window, t[0])})
    return {"n": len(total), "untraced": len(presses) - len(total),
            "total_p50": percentile(total, 50) if total else None,
            "total_max": max(total, default=None),
            **{f"{name}_p50": percentile(v, 50) for name, v in steps.items() if v},
            **{f"{name}_max": max(v) for name, v in steps.items() if v},
            "input_thread_runqueue_ms_max": max(rq_waits, default=None), "slow": slow}


def trace_marks(window: list, after: list) -> dict[str, object] | None:
    def find(tag: str, after: float, test=lambda fields, detail: True) -> tuple | None:
        return next((line for line in window if line[2] == tag and line[0] >= after
                     and test(line[3], line[4])), None)

    start = window[0][0]
    read = find("in.read", start)
    wake = find("in.wake", start)
    key = find("in.key", start, lambda f, d: d.startswith("escape"))
    app = key and find("app.key", key[0], lambda f, d: d == "escape")
    popped = app and find("app.popped", app[0])
    written = popped and next((line for line in window + after if line[2] == "written"
                               and line[3].get("runs") == "1"
                               and float(line[3]["start"]) >= popped[0]), None)
    done = window[-1] if window[-1][2] == "bench.read" else None
    if not (read and key and popped and written and done) or done[0] < popped[0]:
        return None  # (read before the pop: the needle was in the screen left)
    write_start = float(written[3]["start"])
    frames = [line for line in window + after if line[2] == "frame"
              and popped[0] <= line[0] <= write_start]
    frame = frames[-1] if frames else None
    frame_start = float(frame[3]["start"]) if frame else popped[0]
    frame_end = frame[0] if frame else popped[0]
    rq = [int(line[3]["rq"]) for line in (read, key) if "rq" in line[3]]
    return {"times": [start, read[0], key[0], app[0], popped[0], frame_start, frame_end,
                      write_start, done[0]],
            "late": float(wake[3].get("late_ms", "nan")) if wake else None,
            "input_rq_ms": round((rq[1] - rq[0]) / 1e6, 2) if len(rq) == 2 else None}


def meanwhile(window: list, start: float) -> list[str]:
    """What else the TUI logged during a slow escape: collections, slow callbacks and
    messages, scans, samples, layouts and frames of other screens."""
    path = {"bench.write", "bench.read", "in.read", "in.key", "in.wake", "app.key",
            "app.popped", "trace.start"}
    return [f"+{(line[0] - start) * 1000:.1f} ms [{line[1]}] {line[2]} {line[4][:110]}"
            for line in window if line[2] not in path and not line[2].endswith(".start")]


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
    parser.add_argument("--trace", type=Path, metavar="FILE",
                        help="log timestamps of the timed TUIs and of this script to FILE")
    parser.add_argument("--analyse", type=Path, metavar="FILE",
                        help="only print where the escapes of a --trace FILE spent their time")
    args = parser.parse_args()
    if args.analyse:
        print(json.dumps(analyse(args.analyse), indent=2))
        return 0
    global TRACE_FD
    if args.trace:
        TRACE_FD = os.open(args.trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC,
                           0o644)
    traced = {"SEQTUI_TRACE": str(args.trace)} if args.trace else {}

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

        trace("bench.phase", "idle")
        idle = PtyApp([], {**environment(runs_dir), **traced})
        idle.read_until(newest)
        idle.drain(1.0)
        trace("bench.keys", "idle")
        results["key_to_screen_ms_idle"] = measure_keys(idle, args.keys)
        trace("bench.keys_done", "idle")
        idle.quit()

        # One BiLSTM run keeps about 1.4 of 2 cores busy here (its recurrent steps are
        # sequential), so by default two runs train at once: every core is taken.
        run_dirs = [start_training(runs_dir, f"bench{n + 1}") for n in range(args.trainers)]
        try:
            for run_dir in run_dirs:
                wait_for_batches(run_dir)
            trace("bench.phase", "training")
            app = PtyApp(["attach", run_dirs[-1].name], {**environment(runs_dir), **traced})
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
            trace("bench.keys", "training")
            results["key_to_screen_ms_training"] = measure_keys(app, args.keys)
            trace("bench.keys_done", "training")
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
    if args.trace:
        os.close(TRACE_FD)
        results["escapes_traced"] = analyse(args.trace)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
