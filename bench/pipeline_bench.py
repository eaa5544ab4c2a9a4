"""Input pipeline benchmark: train reviews/s of seqtui's pipeline against the seeds' on the same
model, data and machine, in one run; and the subword vocabulary build time against TFDS's.

    /work/venv/bin/python bench/pipeline_bench.py                 # the figures in bench/README.md
    /work/venv/bin/python bench/pipeline_bench.py --quick         # a minute's smoke run

Data: IMDB-like full-length reviews, generated: review lengths drawn from a log-normal with a
median of 230 words and a tail past 1,000 (IMDB's shape), filled with real sentences of one
label from ../shared/data/rt-polarity when that folder exists, else with seqtui's demo
sentences (so the benchmark runs on a fresh clone too).

Model: the seeds' `bilstm` (Embedding(8185, 64), Bidirectional(LSTM(64)), Dense(64), Dense(1))
on the `subwords` tokenizer, batch 64, Adam. Both pipelines feed the same model with the same
starting weights, from the same token ids held in memory:
- seeds: `shuffle(10000).padded_batch(64)`, each batch padded to its longest review;
- seqtui: `seqtui.engine.data.pipeline.make_split` (length-sorted windows, shuffled batches,
  prefetch).
Each round times one full epoch of each (after a traced warm-up), alternating, and the medians
are reported. Tokens fed per epoch are counted for both: no token is dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "rt-polarity" / "all.jsonl"


def sentences_by_label(source: Path | None) -> tuple[dict[int, list[str]], str]:
    path = source or SHARED
    if path.is_file():
        by: dict[int, list[str]] = {0: [], 1: []}
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            by[int(row["label"])].append(row["text"])
        return by, f"sentences from {path.name} ({path.parent.name})"
    from seqtui.engine.data.demo import make_demo

    texts, labels = make_demo(4000, seed=9)
    by = {0: [], 1: []}
    for text, y in zip(texts, labels, strict=True):
        by[y].append(text)
    return by, "seqtui demo sentences (../shared/data not found)"


def imdb_like(n: int, by: dict[int, list[str]], seed: int = 0) -> tuple[list[str], list[int]]:
    """n reviews, balanced labels, word counts ~ log-normal (median 230, long tail)."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    targets = np.clip(nrng.lognormal(np.log(230), 0.75, n), 10, 2500).astype(int)
    texts, labels = [], []
    for i, target in enumerate(targets):
        y = i % 2
        parts, words = [], 0
        while words < target:
            sentence = rng.choice(by[y])
            parts.append(sentence)
            words += len(sentence.split())
            if rng.random() < 0.08:
                parts.append("<br /><br />")
        texts.append(" ".join(parts))
        labels.append(y)
    return texts, labels


def time_builders(texts: list[str], skip_tfds: bool) -> dict[str, object]:
    from seqtui.engine.data.subwords import learn

    out: dict[str, object] = {"texts": len(texts)}
    started = time.perf_counter()
    tok = learn(texts, 8185, lambda e: None)
    out["seqtui_seconds"] = round(time.perf_counter() - started, 1)
    out["seqtui_vocab"] = tok.get_vocab_size()
    sample = texts[:2000]
    out["seqtui_tokens_per_review"] = round(
        float(np.mean([len(e.ids) for e in tok.encode_batch(sample)])), 1)
    if skip_tfds:
        return out
    import tensorflow_datasets as tfds

    started = time.perf_counter()
    encoder = tfds.deprecated.text.SubwordTextEncoder.build_from_corpus(
        texts, target_vocab_size=2**13)
    out["tfds_seconds"] = round(time.perf_counter() - started, 1)
    out["tfds_vocab"] = encoder.vocab_size
    out["tfds_tokens_per_review"] = round(float(np.mean([len(encoder.encode(t))
                                                         for t in sample[:500]])), 1)
    return out


def seeds_dataset(ids, labels, batch_size: int, seed: int):
    """The seeds' pipeline on the same ids: shuffle(10000) then padded_batch(64)."""
    import tensorflow as tf

    def rows():
        for row, y in zip(ids.to_list(), labels, strict=True):
            yield np.asarray(row, dtype=np.int32), y

    ds = tf.data.Dataset.from_generator(
        rows, output_signature=(tf.TensorSpec([None], tf.int32), tf.TensorSpec([], tf.int32)))
    ds = ds.cache()  # the seeds read TFRecords each epoch; an in-memory cache favours them
    return ds.shuffle(10000, seed=seed).padded_batch(batch_size)


def tokens_fed(ds) -> tuple[int, int, int]:
    """(real tokens, padded steps, batches) of one pass."""
    import tensorflow as tf

    real = padded = batches = 0
    for x, _ in ds:
        real += int(tf.math.count_nonzero(x))
        padded += int(tf.size(x))
        batches += 1
    return real, padded, batches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=2000, help="reviews per timed epoch")
    parser.add_argument("--vocab-texts", type=int, default=25000,
                        help="reviews the subword builders learn from (IMDB train: 25,000)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--skip-tfds-builder", action="store_true")
    parser.add_argument("--source", type=Path, help="a JSONL of {text, label} sentences")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.quick:
        args.train, args.vocab_texts, args.rounds = 300, 2000, 1

    import keras
    import tensorflow as tf

    from seqtui.engine.config import Config
    from seqtui.engine.data.pipeline import make_split
    from seqtui.engine.data.subwords import SubwordTokenizer, learn
    from seqtui.engine.models.keras_builder import build_keras_model

    keras.utils.disable_interactive_logging()
    warnings.filterwarnings("ignore", category=UserWarning)  # the warm-up's take(3) "ran out"
    by, source = sentences_by_label(args.source)
    texts, labels = imdb_like(max(args.vocab_texts, args.train), by)
    words = np.array([len(t.split()) for t in texts])
    print(f"data: {len(texts):,} reviews of {source}; words median {int(np.median(words))}, "
          f"mean {words.mean():.0f}, p95 {int(np.percentile(words, 95))}, max {words.max()}, "
          f"{(words > 1000).mean():.1%} past 1,000", flush=True)
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "tensorflow": tf.__version__, "load_start": os.getloadavg()[0]},
        "data": source}

    print("subword builders ...", flush=True)
    results["builders"] = time_builders(texts[:args.vocab_texts], args.skip_tfds_builder)
    print(json.dumps(results["builders"]), flush=True)

    train_x, train_y = texts[:args.train], labels[:args.train]
    tok = SubwordTokenizer(learn(texts[:args.vocab_texts], 8185, lambda e: None), 8185)
    ids = tok.encode(train_x)
    lengths = ids.row_lengths().numpy()
    print(f"train: {len(train_x):,} reviews, subword tokens median {int(np.median(lengths))}, "
          f"max {lengths.max()}", flush=True)

    config = Config()
    config.tokenizer.kind = "subwords"
    config.model.preset = "bilstm"
    model = build_keras_model(config, 2, tok.vocab_size)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    initial = model.get_weights()
    b = args.batch_size
    pipelines = {
        "seeds": lambda seed: seeds_dataset(ids, train_y, b, seed),
        "seqtui": lambda seed: make_split(ids, train_y, b, None, shuffle=True,
                                          seed=seed).dataset,
    }
    fed = {}
    for name, make in pipelines.items():
        real, padded, batches = tokens_fed(make(0))
        fed[name] = {"real_tokens": real, "padded_steps": padded, "batches": batches,
                     "real_over_padded": round(real / padded, 3)}
        assert real == int(lengths.sum()), f"{name} dropped tokens"
    results["fed_per_epoch"] = fed
    print(json.dumps(fed), flush=True)

    times: dict[str, list[float]] = {name: [] for name in pipelines}
    for r in range(args.rounds):
        for name, make in pipelines.items():
            model.set_weights(initial)
            model.fit(make(100 + r).take(3), epochs=1, verbose=0)  # trace shapes first
            model.set_weights(initial)
            ds = make(r)
            started = time.perf_counter()
            model.fit(ds, epochs=1, verbose=0)
            seconds = time.perf_counter() - started
            times[name].append(seconds)
            print(f"round {r + 1}: {name} {seconds:.1f} s, {len(train_x) / seconds:.1f} "
                  f"reviews/s", flush=True)
    speed = {name: len(train_x) / statistics.median(t) for name, t in times.items()}
    results["reviews_per_second"] = {k: round(v, 1) for k, v in speed.items()}
    results["epoch_seconds"] = {k: [round(x, 1) for x in v] for k, v in times.items()}
    results["speedup"] = round(speed["seqtui"] / speed["seeds"], 2)
    results["machine"]["load_end"] = os.getloadavg()[0]  # type: ignore[index]
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
