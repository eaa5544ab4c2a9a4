"""Pretrained vectors: GloVe, word2vec and fastText text formats, gzipped too; coverage,
seeded random rows for missing words, the cache, and a file that is not vectors."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import write_vectors
from seqtui.engine.config import Config
from seqtui.engine.data.vectors import check_vectors_config, embedding_matrix, read_header
from seqtui.engine.errors import DataError

VOCAB = ["", "[UNK]", "good", "bad", "film", "paris", "unseen"]
FILE_WORDS = ["the", "good", "film", "Paris", "bad", "elsewhere"]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQTUI_CACHE_DIR", str(tmp_path / "cache"))


def config_for(path, seed: int = 42) -> Config:
    c = Config()
    c.model.embeddings = str(path)
    c.training.seed = seed
    return c


def file_vectors(path) -> dict[str, np.ndarray]:
    import gzip

    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode()
    rows = [line.split() for line in text.splitlines()]
    return {r[0]: np.array(r[1:], dtype="float32") for r in rows if len(r) > 2}


@pytest.mark.parametrize("name, header", [("glove.6d.txt", False), ("w2v.txt", True),
                                          ("cc.en.vec", True), ("glove.6d.txt.gz", False),
                                          ("cc.en.vec.gz", True)])
def test_every_format_gives_the_expected_coverage(tmp_path, name, header):
    path = write_vectors(tmp_path / name, FILE_WORDS, dim=6, header=header)
    assert read_header(path).dim == 6
    events: list[dict] = []
    matrix, coverage = embedding_matrix(config_for(path), VOCAB, 10, events.append)
    assert (coverage.found, coverage.total) == (4, 5)  # good, bad, film, Paris for paris
    assert coverage.sentence() == "4 of 5 words found, 80.0%"
    vectors = file_vectors(path)
    for word, source in (("good", "good"), ("bad", "bad"), ("film", "film"), ("paris", "Paris")):
        np.testing.assert_allclose(matrix[VOCAB.index(word)], vectors[source], rtol=1e-6)
    assert matrix.shape == (10, 6) and matrix.dtype == np.float32
    assert not matrix[0].any()  # padding stays zero
    assert np.abs(matrix[VOCAB.index("unseen")]).max() <= 0.05
    done = [e for e in events if e["type"] == "stage" and e["stage"] == "vectors"][-1]
    assert done["message"].endswith("4 of 5 words found, 80.0%")
    assert done["done"] == done["total"] == path.stat().st_size
    assert done["coverage"] == 0.8


def test_missing_words_are_seeded_random(tmp_path):
    path = write_vectors(tmp_path / "v.txt", FILE_WORDS)
    a, _ = embedding_matrix(config_for(path, seed=1), VOCAB, 8, lambda e: None)
    b, _ = embedding_matrix(config_for(path, seed=2), VOCAB, 8, lambda e: None)
    again, _ = embedding_matrix(config_for(path, seed=1), VOCAB, 8, lambda e: None)
    unseen = VOCAB.index("unseen")
    assert not np.allclose(a[unseen], b[unseen])
    np.testing.assert_array_equal(a, again)


def test_the_matrix_is_cached_per_file_and_vocabulary(tmp_path):
    path = write_vectors(tmp_path / "v.txt", FILE_WORDS)
    first: list[dict] = []
    matrix, _ = embedding_matrix(config_for(path), VOCAB, 8, first.append)
    second: list[dict] = []
    cached, coverage = embedding_matrix(config_for(path), VOCAB, 8, second.append)
    np.testing.assert_array_equal(matrix, cached)
    assert [e.get("cached") for e in second if e["type"] == "stage"] == [True]
    assert coverage.found == 4
    other: list[dict] = []
    embedding_matrix(config_for(path), VOCAB + ["the"], 9, other.append)
    assert not any(e.get("cached") for e in other)  # another vocabulary: read again
    write_vectors(path, FILE_WORDS[:2])  # the file changed
    changed: list[dict] = []
    _, coverage = embedding_matrix(config_for(path), VOCAB, 8, changed.append)
    assert coverage.found == 1 and not any(e.get("cached") for e in changed)


@pytest.mark.parametrize("content, words", [
    (b"text,label\ngood film,1\n", "line 1 is not a word and 1 numbers"),
    (b"good 0.1 0.2 0.3\nbad 0.1 0.2\nfilm 0.3 0.2 0.1\n", "line 2 is not a word and 3 numbers"),
    (b"2 3\ngood 0.1 x 0.3\n", "line 2 is not a word and 3 numbers"),
    (b"good 0.1 0.2 0.3\nbad 0.1 zz 0.3\n", "line 2 is not a word and 3 numbers"),
    (b"", "line 1 is empty"),
])
def test_a_file_that_is_not_vectors_names_its_first_bad_line(tmp_path, content, words):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        embedding_matrix(config_for(path), VOCAB, 8, lambda e: None)
    assert words in str(caught.value)


def test_the_size_comes_from_the_file(tmp_path):
    path = write_vectors(tmp_path / "v.txt", FILE_WORDS, dim=5)
    c = config_for(path)
    assert check_vectors_config(c) == 5 and c.model.embedding_dim == 5
    c = config_for(path)
    c.model.embedding_dim = 100
    with pytest.raises(DataError, match="--embedding-dim: 100 conflicts with .* 5 dimensions"):
        check_vectors_config(c)
    c = config_for(path)
    c.tokenizer.kind = "subwords"
    with pytest.raises(DataError, match="whole-word vectors do not apply to the subwords"):
        check_vectors_config(c)
