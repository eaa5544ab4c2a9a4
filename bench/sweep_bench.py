"""Sweeps: the median pruner against none, --parallel 2 against 1, and the controller's overhead.

Every figure comes from real `seqtui sweep` / `seqtui train` processes on demo data, read back
from the run and sweep directories. The two sides of each comparison alternate so machine drift
hits both. Prints Markdown rows for bench/README.md.

The pruning search uses trials whose epochs dominate (more data, more epochs), because epochs
are all a pruner can save: a trial's process start, data loading and test scoring are paid
whether it is pruned or not. Reported: wall seconds, training seconds (the sum of every trial's
epoch seconds, the epochs a stop cut short included: what the issue's 2x target is about),
epochs run (finished epochs: the same measure without the machine's load) and the trials'
statuses. The pruned side takes seqtui's default pruner settings unless --pruner-flags says
otherwise; --sides runs one side alone (the unpruned search does not depend on them).

    python bench/sweep_bench.py [--trials 16] [--pruning-epochs 12] [--pruning-space issue]
        [--pruner-flags '--pruner-startup 2'] [--sides median,none] [--keep DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = ["--dataset", "demo", "--demo-size", "800", "--preset", "lstm", "--embedding-dim", "16",
        "--units", "16", "--dense-units", "16", "--batch-size", "32"]
SPACE = ["--search", "training.learning_rate=1e-4:1e-1:log", "--search", "model.dropout=0:0.5"]
# The pruning searches. "issue": the space of the issue's own example (its units scaled down
# to these 2 cores); "wide": a learning rate up to 1e-1, which diverges often.
PRUNING_SPACES = {
    "issue": ["--search", "training.learning_rate=1e-4:1e-2:log",
              "--search", "model.dropout=0:0.5", "--search", "model.units=16,32,64"],
    "wide": SPACE,
}


def pruning_base(demo_size: int, dataset: str | None = None) -> list[str]:
    """Enough demo data that an epoch takes a couple of seconds on 2 cores, or another
    dataset (real text, e.g. jsonl:../shared/data/rt-polarity/all.jsonl) in its place."""
    data = ["--dataset", dataset] if dataset else \
        ["--dataset", "demo", "--demo-size", str(demo_size)]
    return [*data, "--preset", "lstm", "--embedding-dim", "16", "--units", "16",
            "--dense-units", "16", "--batch-size", "64"]


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


def trial_seconds(runs_dir: Path) -> tuple[float, float, float]:
    """(epoch seconds, partial-epoch seconds, process seconds) summed over every trial: the
    epochs (what a pruner can save), of them the epochs a stop cut short (a pruned trial's
    last: its first batches and, as Keras validates after a stop, a whole validation pass),
    and each training process from run_started to its last word (data, model build, epochs,
    test scoring; not the interpreter's start and TensorFlow's import)."""
    epochs = partial = process = 0.0
    for run in runs_dir.iterdir():
        if not (run / "config.json").exists():
            continue  # the sweep's own directory: its log spans the whole search
        events = _events(run)
        for e in events:
            if e.get("type") == "epoch_ended":
                epochs += float(e.get("seconds") or 0)
                partial += float(e.get("seconds") or 0) if e.get("partial") else 0.0
        times = [e["time"] for e in events if "time" in e]
        if times:
            process += max(times) - min(times)
    return epochs, partial, process


def sweep_once(extra: list[str], trials: int, epochs: int, space: list[str] = SPACE,
               base: list[str] = BASE, keep: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="seqtui-bench-") as tmp:
        runs_dir = Path(tmp)
        if keep is not None:  # the runs stay there, to look into afterwards
            runs_dir = keep
            runs_dir.mkdir(parents=True)
        started = time.perf_counter()
        seqtui("sweep", *base, *space, "--epochs", str(epochs), "--trials", str(trials),
               *extra, runs_dir=runs_dir)
        wall = time.perf_counter() - started
        [sweep] = json.loads(seqtui("sweeps", "--json", runs_dir=runs_dir).stdout)
        epoch_seconds, partial_seconds, process_seconds = trial_seconds(runs_dir)
        runs = json.loads(seqtui("runs", "--json", runs_dir=runs_dir).stdout)
        epochs_run = sum(r["epochs_done"] for r in runs)
        # Each trial's status and epochs, in trial order: where the epochs went.
        by_trial = sorted(runs, key=lambda r: r["trial"] if r["trial"] is not None else -1)
        return {"wall": wall, "training": epoch_seconds, "partial": partial_seconds,
                "process": process_seconds,
                "epochs_run": epochs_run, "best": sweep["best_value"],
                "pruned": sweep["pruned"], "done": sweep["done"], "failed": sweep["failed"],
                "trials": [f"{r['trial']}:{r['status']}:{r['epochs_done']}"
                           for r in by_trial]}


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
    parser.add_argument("--pruning-epochs", type=int, default=12)
    parser.add_argument("--pruning-demo-size", type=int, default=4000)
    parser.add_argument("--pruning-dataset", metavar="SPEC",
                        help="search on this dataset instead of demo data")
    parser.add_argument("--pruning-space", choices=sorted(PRUNING_SPACES), default="issue")
    parser.add_argument("--pruner-flags", default="",
                        help="the median side's pruner flags, e.g. '--pruner-startup 4 "
                             "--pruner-warmup 2' (default none: seqtui's defaults)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep each pruning side's runs in DIR/SIDE (a new directory)")
    parser.add_argument("--sides", default="median,none",
                        help="which pruning sides to run, in this order (alternate them "
                             "between repeats)")
    parser.add_argument("--parallel-trials", type=int, default=6)
    parser.add_argument("--overhead-rounds", type=int, default=2)
    parser.add_argument("--skip", action="append", default=[],
                        choices=["pruning", "parallel", "overhead"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict = {}

    if "pruning" not in args.skip:
        # The same seeded TPE search, pruned (with the given flags, or seqtui's defaults) and
        # not; the sides run one after the other in the order given.
        base = pruning_base(args.pruning_demo_size, args.pruning_dataset)
        space = PRUNING_SPACES[args.pruning_space]
        extra = {"median": ["--pruner", "median", *shlex.split(args.pruner_flags)],
                 "none": ["--pruner", "none"]}
        partial = results["pruning"] = {"median_flags": extra["median"]}
        for side in args.sides.split(","):
            partial[side] = sweep_once(extra[side], args.trials, args.pruning_epochs,
                                       space=space, base=base,
                                       keep=args.keep / side if args.keep else None)
            print(json.dumps({side: partial[side]}), file=sys.stderr, flush=True)
        if "median" in partial and "none" in partial:
            pruned, unpruned = partial["median"], partial["none"]
            partial.update(training_ratio=unpruned["training"] / pruned["training"],
                           epochs_ratio=unpruned["epochs_run"] / pruned["epochs_run"],
                           wall_ratio=unpruned["wall"] / pruned["wall"],
                           best_gap=pruned["best"] - unpruned["best"])
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
        for name in [n for n in ("median", "none") if n in r]:
            x = r[name]
            print(f"| {name} | {x['training']:.0f} s | {x['epochs_run']} | {x['wall']:.0f} s | "
                  f"{x['best']:.4f} | {x['pruned']} |")
        if "training_ratio" in r:
            print(f"training seconds none/median: {r['training_ratio']:.2f}x; epochs: "
                  f"{r['epochs_ratio']:.2f}x; wall: {r['wall_ratio']:.2f}x; best value gap: "
                  f"{r['best_gap']:+.4f}")
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
