"""Training from pretrained vectors: the embedding starts from the file, stays frozen by
default (its weights equal after an epoch) or trains when asked; coverage reaches the events
and the report; bad combinations are one line from the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import TINY_FLAGS, run_seqtui, tiny_config, write_vectors
from seqtui.engine.data.demo import make_demo
from seqtui.engine.runs.events import fan_out, read_events
from seqtui.engine.runs.store import RunRecorder, create_run
from seqtui.engine.training.train import train


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQTUI_CACHE_DIR", str(tmp_path / "cache"))


def demo_words() -> list[str]:
    texts, _ = make_demo(400)
    words = sorted({w.strip(",.!?;:") for t in texts for w in t.lower().split()} - {""})
    return words[::2]  # half of them: some words found, some not


@pytest.mark.parametrize("trainable", [False, True])
def test_pretrained_vectors_start_the_embedding(tmp_path, trainable):
    path = write_vectors(tmp_path / "vectors.txt.gz", demo_words(), dim=6)
    config = tiny_config("lstm", training__epochs=1)
    config.model.embeddings = str(path)
    config.model.embeddings_trainable = trainable
    config.model.embedding_dim = 64  # the default, left alone: the file sets the size
    run_dir = create_run(config, tmp_path / "runs")
    recorder = RunRecorder(run_dir)
    events: list[dict] = []
    result = train(config, run_dir, fan_out(recorder, events.append))
    recorder.close()
    assert result["status"] == "completed"
    layer = result["model"].get_layer("embedding")
    assert layer.trainable == trainable
    coverage = [e for e in events if e.get("stage") == "vectors" and "coverage" in e][-1]
    tokenizer = result["tokenizer"]
    vocabulary = tokenizer.vocabulary()
    from seqtui.engine.data.vectors import embedding_matrix

    start, _ = embedding_matrix(config, vocabulary, tokenizer.vocab_size, lambda e: None)
    weights = layer.get_weights()[0]
    if trainable:
        assert not np.allclose(weights, start)
    else:
        np.testing.assert_array_equal(weights, start)  # frozen: equal after an epoch
    assert weights.shape[1] == 6  # the size is the file's
    assert 0 < coverage["found"] < coverage["words"]
    ready = next(e for e in read_events(run_dir / "events.jsonl") if e.get("stage") == "ready")
    facts = ready["dataset"]["pretrained_vectors"]
    assert f"{coverage['found']:,} of {coverage['words']:,} words found" in facts
    assert ("trained" if trainable else "frozen") in facts
    # The dashboard's Model tab shows summary.txt.
    assert f"Pretrained vectors: {facts}" in (run_dir / "summary.txt").read_text()
    report = (run_dir / "report.md").read_text() if (run_dir / "report.md").exists() else ""
    if not report:
        from seqtui.engine.reports.writer import write_report

        write_report(run_dir)
        # The dashboard's Model tab shows summary.txt.
    assert f"Pretrained vectors: {facts}" in (run_dir / "summary.txt").read_text()
    report = (run_dir / "report.md").read_text()
    assert "pretrained vectors" in report and "words found" in report


def test_bad_vector_settings_are_one_line(tmp_path):
    path = write_vectors(tmp_path / "v.txt", ["good", "bad"], dim=6)
    flags = TINY_FLAGS[:4] + TINY_FLAGS[6:]  # no --embedding-dim: the file sets it
    for extra, words in ((["--embedding-dim", "50"], "--embedding-dim: 50 conflicts with"),
                         (["--tokenizer", "subwords"], "whole-word vectors do not apply"),
                         (["--layers", "embedding(5) lstm(4)"], "embedding(5) conflicts")):
        out = run_seqtui("train", *flags, "--embeddings", str(path), *extra,
                         runs_dir=tmp_path / "runs")
        assert out.returncode == 2, out.stderr
        assert words in out.stderr and len(out.stderr.strip().splitlines()) == 1
    bad = tmp_path / "bad.txt"
    bad.write_text("text,label\n")
    out = run_seqtui("summary", "--embeddings", str(bad))
    assert out.returncode == 2 and "line 1 is not a word and 1 numbers" in out.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_summary_shows_the_frozen_vectors(tmp_path):
    path = write_vectors(tmp_path / "v.txt", ["good", "bad"], dim=7)
    out = run_seqtui("summary", "--embeddings", str(path), "--vocab-size", "100")
    assert out.returncode == 0, out.stderr
    assert "(None, None, 7)" in out.stdout and "Non-trainable params: 700" in out.stdout
