"""The subwords tokenizer: learned once from the training texts, cached on disk (the cache is
pointed at tmp_path), the same ids after save and load, nothing truncated, 0 never a token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seqtui.engine.config import Config
from seqtui.engine.data.subwords import (
    SEEDS_VOCAB_SIZE,
    SubwordTokenizer,
    build_subword_tokenizer,
    cache_dir,
    learn,
    subword_vocab_size,
)
from seqtui.engine.data.tokenizers import build_tokenizer, load_tokenizer
from seqtui.engine.models.summary import summarize

WORDS = ("the film was wonderful and moving but the ending felt unbelievably tedious to me "
         "acting performances script direction remarkable forgettable predictable").split()


def corpus(n: int = 300, seed: int = 0) -> list[str]:
    import random

    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))) + " !<br />ok"
            for _ in range(n)]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("SEQTUI_CACHE_DIR", str(path))
    return path


def subwords_config(vocab_size: int | None = None) -> Config:
    c = Config()
    c.tokenizer.kind = "subwords"
    if vocab_size is not None:
        c.tokenizer.vocab_size = vocab_size
    return c


def test_default_size_is_the_seeds_8185_and_the_preview_matches_their_params() -> None:
    c = subwords_config()
    assert subword_vocab_size(c) == SEEDS_VOCAB_SIZE == 8185
    assert subword_vocab_size(subwords_config(500)) == 500
    # The seeds' bilstm on subwords8k (embedding 64): 598,209 parameters.
    assert summarize(c).total_params == 598_209


def test_encodes_every_token_with_ids_in_range_and_no_padding_id() -> None:
    events: list[dict] = []
    tok = build_subword_tokenizer(subwords_config(300), corpus(), events.append)
    assert tok.kind == "subwords" and tok.vocab_size == 300
    assert 2 < tok.learned_size <= 300
    long_text = " ".join(["wonderful"] * 3000)
    ids = tok.encode(["The film was WONDERFUL<br />moving", long_text, ""])
    assert ids.dtype.name == "int32"
    rows = ids.to_list()
    assert rows[0] == tok.encode(["the film was wonderful moving"]).to_list()[0]  # <br />, case
    assert len(rows[1]) >= 3000  # nothing truncated
    assert rows[2] == []
    flat = [i for row in rows for i in row]
    assert 0 not in flat and max(flat) < tok.vocab_size
    assert tok.tokens("unbelievably") and "".join(
        t.removeprefix("##") for t in tok.tokens("unbelievably")) == "unbelievably"
    assert tok.encode(["\u4e2d"]).to_list() == [[1]]  # never seen: [UNK], not padding
    progress = [e for e in events if e["type"] == "stage" and e["stage"] == "vocabulary"]
    assert progress[0]["done"] == 0 and progress[-1]["done"] == progress[-1]["total"] == 300


def test_built_once_then_read_from_the_cache(cache: Path) -> None:
    texts = corpus()
    first: list[dict] = []
    a = build_subword_tokenizer(subwords_config(300), texts, first.append)
    assert cache_dir() == cache and len(list((cache / "subwords").glob("*.json"))) == 1
    again: list[dict] = []
    b = build_subword_tokenizer(subwords_config(300), texts, again.append)
    assert [e.get("cached") for e in first if "cached" in e] == [False]
    assert [e.get("cached") for e in again if "cached" in e] == [True]
    sample = texts[:20]
    assert a.encode(sample).to_list() == b.encode(sample).to_list()
    # Other texts or other settings learn a new vocabulary.
    build_subword_tokenizer(subwords_config(300), texts[:200], lambda e: None)
    build_subword_tokenizer(subwords_config(250), texts, lambda e: None)
    assert len(list((cache / "subwords").glob("*.json"))) == 3


def test_a_damaged_cache_entry_is_learned_again(cache: Path) -> None:
    texts = corpus()
    build_subword_tokenizer(subwords_config(300), texts, lambda e: None)
    entry = next((cache / "subwords").glob("*.json"))
    entry.write_text("{ not json", encoding="utf-8")
    events: list[dict] = []
    tok = build_subword_tokenizer(subwords_config(300), texts, events.append)
    assert tok.learned_size > 2 and [e["cached"] for e in events if "cached" in e] == [False]


def test_ids_are_numbered_canonically() -> None:
    """The trainer numbers subwords in hash-map order; seqtui renumbers them (specials, then
    sorted), so the same subwords always get the same ids."""
    vocab = learn(corpus(400, seed=3), 300, lambda e: None).get_vocab()
    by_id = [t for t, _ in sorted(vocab.items(), key=lambda item: item[1])]
    assert by_id[:2] == ["[PAD]", "[UNK]"] and by_id[2:] == sorted(by_id[2:])
    assert sorted(vocab.values()) == list(range(len(vocab)))


def test_saved_in_assets_and_loaded_for_predict_with_the_same_ids(tmp_path: Path) -> None:
    tok = build_tokenizer(subwords_config(300), corpus(), lambda e: None)
    assert isinstance(tok, SubwordTokenizer)
    assets = tmp_path / "assets"
    assets.mkdir()
    tok.save(assets)
    settings = json.loads((assets / "tokenizer.json").read_text(encoding="utf-8"))
    assert settings["kind"] == "subwords" and settings["vocab_size"] == 300
    vocab = (assets / settings["vocab_file"]).read_text(encoding="utf-8").splitlines()
    assert vocab[:2] == ["[PAD]", "[UNK]"] and len(vocab) == tok.learned_size
    loaded = load_tokenizer(assets)
    assert loaded.kind == "subwords" and loaded.vocab_size == 300
    sample = ["a wonderful, moving film!", "the ending felt tedious <br /> to me"]
    assert loaded.encode(sample).to_list() == tok.encode(sample).to_list()


def test_an_unwritable_cache_still_trains(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("SEQTUI_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot mkdir
    events: list[dict] = []
    tok = build_subword_tokenizer(subwords_config(300), corpus(), events.append)
    assert tok.learned_size > 2
    assert any(e["type"] == "warning" and "could not cache" in e["message"] for e in events)
