"""Epoch times with tf.data's autotune model off (seqtui's pipeline today) against on (before).

With the model on, dropping the previous epoch's iterator at the start of an epoch waited for the
tuner's background thread, a wait that grew with the epoch's length. Each side trains the same
seeded run in a fresh process through `seqtui.engine.training.train.train`, the sides
alternating round by round; the "on" side only undoes `pipeline._without_autotune_model`.
Reported per side: every epoch's seconds (from the run's own epoch_ended events), the median of
the epochs after the first, and their sum. Prints Markdown rows for bench/README.md.

    python bench/epoch_bench.py [--preset bilstm] [--units 128] [--demo-size 4000]
        [--epochs 8] [--rounds 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys


def one_side(args: argparse.Namespace, autotune: bool) -> list[float]:
    """Train once in this process; the seconds of each epoch."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import seqtui.engine.data.pipeline as pipeline
    from seqtui.engine.config import Config
    from seqtui.engine.training.train import train

    if autotune:
        pipeline._without_autotune_model = lambda ds: ds
    config = Config()
    config.data.demo_size = args.demo_size
    config.model.preset = args.preset
    config.model.embedding_dim = 16
    config.model.units = [args.units]
    config.model.dense_units = 16
    config.training.batch_size = 64
    config.training.epochs = args.epochs
    config.training.early_stopping = 0  # every epoch runs, on both sides
    seconds: list[float] = []
    train(config, listener=lambda e: seconds.append(e["seconds"])
          if e.get("type") == "epoch_ended" else None)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="bilstm")
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--demo-size", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--side", choices=["on", "off"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:  # a child process: one training, its epochs on stdout
        print(json.dumps(one_side(args, autotune=args.side == "on")))
        return

    passed = [a for a in sys.argv[1:] if a != "--json"]
    runs: dict[str, list[list[float]]] = {"off": [], "on": []}
    for round_ in range(args.rounds):
        for side in (("off", "on") if round_ % 2 == 0 else ("on", "off")):
            done = subprocess.run([sys.executable, __file__, *passed, "--side", side],
                                  capture_output=True, text=True, check=True)
            runs[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps({side: runs[side][-1]}), file=sys.stderr, flush=True)
    later = {side: [s for run in rs for s in run[1:]] for side, rs in runs.items()}
    summary = {side: {"epochs": rs, "later_median": statistics.median(later[side]),
                      "later_sum": sum(later[side]), "first": [run[0] for run in rs]}
               for side, rs in runs.items()}
    summary["ratio"] = summary["on"]["later_sum"] / summary["off"]["later_sum"]
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    for side, label in (("on", "autotune model on (before)"), ("off", "off (today)")):
        s = summary[side]
        print(f"| {label} | {statistics.median(s['first']):.2f} s | {s['later_median']:.2f} s | "
              f"{s['later_sum']:.1f} s | {max(later[side]):.2f} s |")
    print(f"later epochs, on/off: {summary['ratio']:.2f}x")


if __name__ == "__main__":
    main()
