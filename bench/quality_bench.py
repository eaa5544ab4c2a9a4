"""Learning quality on real text, to choose the defaults from: rt-polarity (10,662 labelled
sentences; a 20% test split held out, then a stratified 10% of train for validation).

Every row is a real `seqtui train` process with no flags but the dataset, the preset, the
variant's own flags and a cap of 10 epochs. For each: the epochs run, the checkpoint's epoch (best
val_loss, the default monitor: what predict, export and the test score use), the best val accuracy,
the test accuracy scored once at the end, and the seconds per epoch. From each 10-epoch history the
bench also reads which checkpoint early stopping with patience 1, 2 or 3 would have kept (the
first epochs of a seeded run do not depend on when it will stop), so the ES rows that are run for
real check that reading.

Grids (`--grid`, several allowed):
- `defaults`: each preset with the defaults (given explicitly, so the bench measures the same
  thing whatever the defaults are today), on the held-out split and with `--validation test`
  (the seeds' way: the best epoch chosen on the test split, which flatters the test figure);
- `variants`: on the representative presets, dropout 0.2 and 0.5, and early stopping 1, 2, 3;
- `dropout`: on the representative presets, dropout 0, 0.2 and 0.5 (with `--seed`, a second
  seed for the variant that decides the most);
- `chosen`: each preset with no flags at all: whatever the defaults are now.

`--seed N` adds `--seed N` to every row (default: none, the default seed 42); `--extra FLAGS`
adds those flags to every row.

    nice -n 19 .venv/bin/python bench/quality_bench.py --grid defaults --grid variants \\
        --jsonl /tmp/quality.jsonl
    .venv/bin/python bench/quality_bench.py --table /tmp/quality.jsonl   # the tables again
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "rt-polarity" / "all.jsonl"
# Every preset that trains without flags (flatten and transformer need --max-length).
PRESETS = ("gap", "conv1d", "rnn", "lstm", "bilstm", "bigru", "cnn-bilstm", "stacked-bilstm")
REPRESENTATIVE = ("gap", "conv1d", "bilstm")
# The settings the defaults are chosen among, given explicitly in the `defaults` grid.
BASE = ["--epochs", "10", "--early-stopping", "0", "--dropout", "0"]
PATIENCES = (1, 2, 3)


def grid(name: str, presets: list[str]) -> list[tuple[str, str, list[str]]]:
    """(preset, variant label, flags) rows of one grid."""
    if name == "defaults":
        return [row for p in presets for row in (
            (p, "10 epochs, no ES, dropout 0", BASE),
            (p, "same, --validation test", [*BASE, "--validation", "test"]))]
    if name == "variants":
        rows = []
        for p in (p for p in presets if p in REPRESENTATIVE):
            for rate in ("0.2", "0.5"):
                rows.append((p, f"dropout {rate}", [*BASE[:4], "--dropout", rate]))
            for patience in PATIENCES:
                rows.append((p, f"early stopping {patience}",
                             ["--epochs", "10", "--early-stopping", str(patience),
                              "--dropout", "0"]))
        return rows
    if name == "dropout":  # the dropout rows again, for a second seed (--seed)
        return [(p, f"dropout {rate}", [*BASE[:4], "--dropout", rate])
                for p in presets if p in REPRESENTATIVE for rate in ("0", "0.2", "0.5")]
    if name == "chosen":
        return [(p, "no flags (the defaults now)", []) for p in presets]
    raise SystemExit(f"unknown grid {name!r}; use defaults, variants, dropout or chosen")


def train(runs_dir: Path, index: int, preset: str, flags: list[str]) -> dict[str, Any]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "SEQTUI_RUNS_DIR": str(runs_dir)}
    name = f"q{index}-{preset}"
    out = subprocess.run([sys.executable, "-m", "seqtui", "train", "--dataset", f"jsonl:{DATA}",
                          "--preset", preset, "--name", name, *flags], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{name} {flags} failed: {out.stderr.strip().splitlines()[-1:]}")
    listing = subprocess.run([sys.executable, "-m", "seqtui", "runs", "--json"], env=env,
                             capture_output=True, text=True, check=True)
    run = next(r for r in json.loads(listing.stdout) if r["id"].endswith(name))
    with open(Path(run["path"]) / "history.csv", newline="") as f:
        history = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
    val_loss = [h["val_loss"] for h in history]
    return {
        "preset": preset, "flags": flags, "epochs_run": len(history),
        "checkpoint_epoch": checkpoint_epoch(val_loss, len(val_loss)),
        "best_val_accuracy": run["best_val_accuracy"],
        "best_val_accuracy_epoch": run["best_val_accuracy_epoch"],
        "test_accuracy": run["test_accuracy"], "status": run["status"],
        "seconds_per_epoch": run["seconds_per_epoch"], "seconds": run["seconds"],
        "val_loss": val_loss, "val_accuracy": [h["val_accuracy"] for h in history],
        # Which epoch's weights early stopping with each patience would have kept.
        "es_checkpoint": {p: checkpoint_epoch(val_loss, early_stop_epoch(val_loss, p))
                          for p in PATIENCES},
    }


def early_stop_epoch(val_loss: list[float], patience: int) -> int:
    """The epoch (1-based) after which keras.callbacks.EarlyStopping(patience) stops: `patience`
    epochs in a row without a strictly lower val_loss."""
    best, wait = float("inf"), 0
    for epoch, value in enumerate(val_loss, 1):
        if value < best:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return len(val_loss)


def checkpoint_epoch(val_loss: list[float], last: int) -> int:
    """The best.keras epoch (1-based) of the first `last` epochs: the lowest val_loss."""
    return min(range(last), key=lambda i: val_loss[i]) + 1


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| preset | variant | epochs run | checkpoint epoch | best val acc (epoch) | "
             "test acc | s/epoch | ES 1/2/3 would keep epoch |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        es = "/".join(str(r["es_checkpoint"][p]) for p in PATIENCES) \
            if r["epochs_run"] == 10 else ""
        lines.append(f"| {r['preset']} | {r['variant']} | {r['epochs_run']} | "
                     f"{r['checkpoint_epoch']} | {r['best_val_accuracy']:.4f} "
                     f"({r['best_val_accuracy_epoch']}) | {r['test_accuracy']:.4f} | "
                     f"{r['seconds_per_epoch']:.1f} | {es} |")
    return "\n".join(lines)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for r in rows:  # JSON keys are strings
        r["es_checkpoint"] = {int(k): v for k, v in r["es_checkpoint"].items()}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grid", action="append",
                        choices=("defaults", "variants", "dropout", "chosen"))
    parser.add_argument("--seed", type=int, help="add --seed N to every row")
    parser.add_argument("--extra", default="", metavar="FLAGS",
                        help='more train flags for every row, e.g. "--dropout 0.2"')
    parser.add_argument("--presets", default=",".join(PRESETS), help="comma list")
    parser.add_argument("--jsonl", type=Path, help="append each row here as it finishes")
    parser.add_argument("--table", type=Path, metavar="JSONL", help="print the table of a "
                        "previous --jsonl and exit")
    args = parser.parse_args()
    if args.table:
        print(table(read_jsonl(args.table)))
        return
    if not DATA.is_file():
        raise SystemExit(f"{DATA} not found")
    presets = [p for p in args.presets.split(",") if p]
    seed = [] if args.seed is None else ["--seed", str(args.seed)]
    seed += args.extra.split()
    label = ", ".join(filter(None, [f"seed {args.seed}" if args.seed is not None else "",
                                    args.extra]))
    plan = [(preset, variant + (f", {label}" if label else ""), [*flags, *seed])
            for g in (args.grid or ["defaults"]) for preset, variant, flags in grid(g, presets)]
    done: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, (preset, variant, flags) in enumerate(plan):
            row = {"variant": variant, **train(Path(tmp), index, preset, flags)}
            done.append(row)
            if args.jsonl:
                with args.jsonl.open("a") as f:
                    f.write(json.dumps(row) + "\n")
            print(table([row]).splitlines()[-1], flush=True)
    print(table(done))
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"CPU of the training processes: {(used.ru_utime + used.ru_stime) / 60:.1f} min")


if __name__ == "__main__":
    main()
