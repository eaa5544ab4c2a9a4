"""Learning quality with the defaults a user gets without flags, on real text: rt-polarity
(10,662 labelled sentences; a 20% test split held out, then 10% of train for validation).

For each preset: best val accuracy, its epoch, and the test accuracy scored once at the end;
then the same with `--validation test` (the seeds' way: the best epoch chosen on the test
split), to show how much choosing on the test set flatters the figure. Real `seqtui train`
processes; run it alone (it uses every core):

    flock /tmp/seqtui-tests.lock .venv/bin/python bench/quality_bench.py [PRESET ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "rt-polarity" / "all.jsonl"
PRESETS = ("gap", "conv1d")


def train(runs_dir: Path, preset: str, extra: list[str]) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "SEQTUI_RUNS_DIR": str(runs_dir)}
    name = f"{preset}-{'test' if extra else 'split'}"
    out = subprocess.run([sys.executable, "-m", "seqtui", "train", "--dataset", f"jsonl:{DATA}",
                          "--preset", preset, "--name", name, *extra], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed: {out.stderr.strip().splitlines()[-1:]}")
    listing = subprocess.run([sys.executable, "-m", "seqtui", "runs", "--json"], env=env,
                             capture_output=True, text=True, check=True)
    return next(r for r in json.loads(listing.stdout) if r["id"].endswith(name))


def main(presets: list[str]) -> None:
    if not DATA.is_file():
        raise SystemExit(f"{DATA} not found")
    print("| preset | validation | best val acc (epoch) | test acc | s/epoch |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for preset in presets:
            for extra in ([], ["--validation", "test"]):
                r = train(Path(tmp), preset, extra)
                print(f"| {preset} | {'test split' if extra else '10% of train'} | "
                      f"{r['best_val_accuracy']:.4f} ({r['best_val_accuracy_epoch']}) | "
                      f"{r['test_accuracy']:.4f} | {r['seconds_per_epoch']:.1f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(PRESETS))
