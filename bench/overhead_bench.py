"""Instrumentation overhead: seqtui's callbacks and run directory against bare fit(verbose=0).

Same model, same data, same pipeline, same process; the two variants alternate so machine drift
hits both. Prints a Markdown table row set for bench/README.md.

    python bench/overhead_bench.py [--preset bilstm] [--demo-size 4000] [--epochs 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from seqtui.engine.config import Config  # noqa: E402
from seqtui.engine.data.dataset import load_dataset  # noqa: E402
from seqtui.engine.data.pipeline import make_split  # noqa: E402
from seqtui.engine.data.tokenizers import build_tokenizer  # noqa: E402
from seqtui.engine.models.keras_builder import build_keras_model  # noqa: E402
from seqtui.engine.runs.store import RunRecorder, create_run  # noqa: E402
from seqtui.engine.training.callbacks import (  # noqa: E402
    CheckpointCallback,
    ControlCallback,
    EventCallback,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="bilstm")
    parser.add_argument("--demo-size", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    config = Config()
    config.model.preset = args.preset
    config.data.demo_size = args.demo_size
    config = config.resolved()
    data = load_dataset(config)
    tokenizer = build_tokenizer(config, data.train_texts, lambda e: None)
    train = make_split(tokenizer.encode(data.train_texts), data.train_labels, 64, None, True, 1)
    test = make_split(tokenizer.encode(data.test_texts), data.test_labels, 64, None, False, 1)

    def fresh_model():
        keras.utils.set_random_seed(1)
        model = build_keras_model(config, 2, tokenizer.vocab_size)
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        return model

    def bare() -> float:
        model = fresh_model()
        start = time.perf_counter()
        model.fit(train.dataset, validation_data=test.dataset, epochs=args.epochs, verbose=0)
        return time.perf_counter() - start

    def instrumented(root: Path) -> float:
        model = fresh_model()
        run_dir = create_run(config, root)
        recorder = RunRecorder(run_dir)
        events = EventCallback(recorder, train.steps, 64, "val_loss")
        callbacks = [events, ControlCallback(run_dir, recorder),
                     CheckpointCallback(run_dir, events, recorder)]
        start = time.perf_counter()
        model.fit(train.dataset, validation_data=test.dataset, epochs=args.epochs, verbose=0,
                  callbacks=callbacks)
        elapsed = time.perf_counter() - start
        recorder.close()
        return elapsed

    bare()  # warm up: tracing and the first pass through the pipeline
    times: dict[str, list[float]] = {"bare fit(verbose=0)": [], "seqtui callbacks + run dir": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            times["bare fit(verbose=0)"].append(bare())
            times["seqtui callbacks + run dir"].append(instrumented(Path(tmp)))
    base = statistics.median(times["bare fit(verbose=0)"])
    print(f"{args.preset}, demo {args.demo_size} reviews, {train.steps} steps/epoch, "
          f"{args.epochs} epochs, {args.rounds} alternating rounds (median)")
    print("| variant | seconds | ratio |\n| --- | --- | --- |")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.2f} | {median / base:.3f} |")


if __name__ == "__main__":
    main()
