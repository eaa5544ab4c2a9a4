"""Test helpers for every test: `from helpers import ...` (pytest puts tests/ on the path)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from seqtui.engine.config import Config


def tiny_config(preset: str = "gap", **overrides) -> Config:
    """A config that trains in a second or two on the CPU."""
    config = Config()
    config.data.demo_size = 200
    config.model.preset = preset
    config.model.embedding_dim = 8
    config.model.dense_units = 8
    config.model.units = None if preset in ("gap", "flatten") else [8]
    config.training.epochs = 1
    config.training.batch_size = 32
    # Tests say how many epochs they train and what they expect of a tiny model: early stopping
    # on 20 validation texts, or dropout on 8 units, would change both behind their backs.
    config.training.early_stopping = 0
    config.model.dropout = 0.0
    if preset == "flatten":
        config.tokenizer.max_length = 20
    for key, value in overrides.items():
        section, name = key.split("__") if "__" in key else (None, key)
        setattr(getattr(config, section) if section else config, name, value)
    return config


TINY_FLAGS = ["--dataset", "demo", "--demo-size", "200", "--embedding-dim", "8",
              "--dense-units", "8", "--batch-size", "32", "--early-stopping", "0",
              "--dropout", "0"]  # as tiny_config


def run_seqtui(*args: str, runs_dir: Path | None = None, cwd: Path | None = None,
               input: str | None = None, timeout: float = 180,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real command, as a user runs it."""
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "COLUMNS": "120", **(env or {})}
    if runs_dir is not None:
        full_env["SEQTUI_RUNS_DIR"] = str(runs_dir)
    return subprocess.run([sys.executable, "-m", "seqtui", *args], capture_output=True,
                          text=True, cwd=cwd, input=input, timeout=timeout, env=full_env)


async def wait_until(pilot, condition, timeout: float = 20.0) -> None:
    """Let a running Textual app work until `condition()` holds (it reads files, threads)."""
    for _ in range(int(timeout / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not met in time")


def wait_for(predicate, timeout: float = 120, what: str = "condition"):
    """Poll `predicate` (a real process, real files) until it gives a true value; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def write_sentiment140(path: Path, rows: int, seed: int = 0) -> Path:
    """A file laid out as Sentiment140's training CSV: no header, latin-1 bytes, six quoted
    columns (target 0 or 4, id, date, query, user, text), word order deciding the label."""
    import random

    rng = random.Random(seed)
    good = ["loved the café today", "great day with friends", "what a superb film",
            "such a happy morning", "this song is wonderful"]
    bad = ["hated the traffic again", "awful day at work", "so bored and tired",
           "the service was terrible", "my phone broke, what a mess"]
    lines = []
    for i in range(rows):
        positive = i % 2 == 0
        text = rng.choice(good if positive else bad) + rng.choice(["", " !", " naïve me", " lol"])
        lines.append(f'"{4 if positive else 0}","{1467810369 + i}","Mon Apr 06 22:19:45 PDT '
                     f'2009","NO_QUERY","user{i}","{text}"')
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    return path


def write_vectors(path: Path, words: list[str], dim: int = 6, header: bool = False,
                  seed: int = 0) -> Path:
    """A small vectors file: GloVe text format, or word2vec/fastText's with `header` (a
    "COUNT DIM" first line); gzipped when the name ends in .gz."""
    import gzip
    import random

    rng = random.Random(seed)
    lines = [f"{len(words)} {dim}"] if header else []
    lines += [word + " " + " ".join(f"{rng.uniform(-1, 1):.5f}" for _ in range(dim))
              for word in words]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path
