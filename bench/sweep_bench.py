"""Sweeps: the median pruner against none, --parallel 2 against 1, and the controller's overhead.

Every figure comes from real `seqtui sweep` / `seqtui train` processes on demo data, read back
from the run and sweep directories. The two sides of each comparison alternate so machine drift
hits both. Prints Markdown rows for bench/README.md.

The pruning search uses trials whose epochs dominate (more data, more epochs), because epochs
are all a pruner can save: a trial's process start, data loading and test scoring are paid
whether it is pruned or not. Both figures are reported: wall seconds, and training seconds
(the sum of every trial's epoch seconds, what the issue's 2x target is about).

    python bench/sweep_bench.py [--trials 16] [--epochs 8] [--parallel-trials 6] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = ["--dataset", "demo", "--demo-size", "800", "--preset", "lstm", "--embedding-dim", "16",
        "--units", "16", "--dense-units", "16", "--batch-size", "32"]
SPACE = ["--search", "training.learning_rate=1e-4:1e-1:log", "--search", "model.dropout=0:0.5"]
# The pruning search: enough demo data that an epoch takes a couple of seconds on 2 cores.
PRUNING_BASE = ["--dataset", "demo", "--demo-size", "6000", "--preset", "lstm",
                "--embedding-dim", "16", "--units", "16", "--dense-units", "16",
                "--batch-size", "64"]


def seqtui(*args: str, runs_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "SEQTUI_RUNS_DIR": str(runs_dir)}
    done = subprocess.run([sys.executable, "-m", "seqtui", *args], capture_output=True,
                          text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"seqtui {' '.join(args)} failed: {done.stderr.strip()}")
    return done


def _events(run: Path) -> list[dict]:
    log = run / "events.jsonl"
    if not log.exists():
        return []
    out = []
    for line in log.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:  # a torn last line
            continue
    return out


def trial_seconds(runs_dir: Path) -> tuple[float, float]:
    """(epoch seconds, process seconds) summed over every trial: the epochs alone (what a pruner
    can save), and each training process from run_started to its last word (data, model build,
    epochs, test scoring; not the interpreter's start and TensorFlow's import)."""
    epochs = process = 0.0
    for run in runs_dir.iterdir():
        if not (run / "config.json").exists():
            continue  # the sweep's own directory: its log spans the whole search
        events = _events(run)
        epochs += sum(float(e.get("seconds") or 0) for e in events
                      if e.get("type") == "epoch_ended" and not e.get("partial"))
        times = [e["time"] for e in events if "time" in e]
        if times:
            process += max(times) - min(times)
    return epochs, process


def sweep_once(extra: list[str], trials: int, epochs: int, space: list[str] = SPACE,
               base: list[str] = BASE) -> dict:
    with tempfile.TemporaryDirectory(prefix="seqtui-bench-") as tmp:
        runs_dir = Path(tmp)
        started = time.perf_counter()
        seqtui("sweep", *base, *space, "--epochs", str(epochs), "--trials", str(trials),
               *extra, runs_dir=runs_dir)
        wall = time.perf_counter() - started
        [sweep] = json.loads(seqtui("sweeps", "--json", runs_dir=runs_dir).stdout)
        epoch_seconds, process_seconds = trial_seconds(runs_dir)
        epochs_run = sum(r["epochs_done"] for r in json.loads(
            seqtui("runs", "--json", runs_dir=runs_dir).stdout))
        return {"wall": wall, "training": epoch_seconds, "process": process_seconds,
                "epochs_run": epochs_run, "best": sweep["best_value"],
                "pruned": sweep["pruned"], "done": sweep["done"], "failed": sweep["failed"]}


def train_once(epochs: int) -> float:
    with tempfile.TemporaryDirectory(prefix="seqtui-bench-") as tmp:
        started = time.perf_counter()
        seqtui("train", *BASE, "--epochs", str(epochs), runs_dir=Path(tmp))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=5,
                        help="epochs per trial of the parallel and overhead sections")
    parser.add_argument("--pruning-epochs", type=int, default=8)
    parser.add_argument("--pruner-startup", type=int, default=4)
    parser.add_argument("--pruner-warmup", type=int, default=2)
    parser.add_argument("--parallel-trials", type=int, default=6)
    parser.add_argument("--overhead-rounds", type=int, default=2)
    parser.add_argument("--skip", action="append", default=[],
                        choices=["pruning", "parallel", "overhead"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict = {}

    if "pruning" not in args.skip:
        # The same seeded TPE search; the median pruner lets the first trials run to the end
        # (its reference), then judges each trial from the epoch after the warm-up.
        pruned = sweep_once(["--pruner", "median", "--pruner-startup", str(args.pruner_startup),
                             "--pruner-warmup", str(args.pruner_warmup)], args.trials,
                            args.pruning_epochs, base=PRUNING_BASE)
        print(json.dumps({"median": pruned}), file=sys.stderr, flush=True)
        unpruned = sweep_once(["--pruner", "none"], args.trials, args.pruning_epochs,
                              base=PRUNING_BASE)
        results["pruning"] = partial = {"median": pruned, "none": unpruned,
                              "training_ratio": unpruned["training"] / pruned["training"],
                              "wall_ratio": unpruned["wall"] / pruned["wall"],
                              "best_gap": pruned["best"] - unpruned["best"]}
        print(json.dumps({"pruning": partial}), file=sys.stderr, flush=True)

    if "parallel" not in args.skip:
        one = sweep_once(["--pruner", "none", "--parallel", "1"], args.parallel_trials,
                         args.epochs)
        two = sweep_once(["--pruner", "none", "--parallel", "2"], args.parallel_trials,
                         args.epochs)
        per_hour = {k: args.parallel_trials / r["wall"] * 3600 for k, r in (("1", one),
                                                                             ("2", two))}
        results["parallel"] = partial = {"1": one, "2": two, "trials_per_hour": per_hour,
                               "ratio": per_hour["2"] / per_hour["1"]}
        print(json.dumps({"parallel": partial}), file=sys.stderr, flush=True)

    if "overhead" not in args.skip:
        sweep_walls, train_walls = [], []
        for _ in range(args.overhead_rounds):
            train_walls.append(train_once(args.epochs))
            sweep_walls.append(sweep_once(["--pruner", "none", "--sampler", "grid",
                                           ], 1, args.epochs,
                                          space=["--search", "model.dropout=0.1"])["wall"])
        results["overhead"] = partial = {"train": train_walls, "sweep": sweep_walls,
                               "extra_seconds": (sum(sweep_walls) - sum(train_walls))
                               / len(train_walls)}

    if args.json:
        print(json.dumps(results, indent=2))
        return
    if "pruning" in results:
        r = results["pruning"]
        for name in ("median", "none"):
            x = r[name]
            print(f"| {name} | {x['training']:.0f} s | {x['epochs_run']} | {x['wall']:.0f} s | "
                  f"{x['best']:.4f} | {x['pruned']} |")
        print(f"training seconds none/median: {r['training_ratio']:.2f}x; wall: "
              f"{r['wall_ratio']:.2f}x; best value gap: {r['best_gap']:+.4f}")
    if "parallel" in results:
        r = results["parallel"]
        print(f"| --parallel 1 | {r['1']['wall']:.0f} s | {r['trials_per_hour']['1']:.0f} |")
        print(f"| --parallel 2 | {r['2']['wall']:.0f} s | {r['trials_per_hour']['2']:.0f} |")
        print(f"ratio: {r['ratio']:.2f}x")
    if "overhead" in results:
        r = results["overhead"]
        print(f"train alone: {r['train']}; sweep of one trial: {r['sweep']}; "
              f"extra: {r['extra_seconds']:.1f} s")


if __name__ == "__main__":
    main()
