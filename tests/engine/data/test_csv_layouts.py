"""CSV files as they come: no header row, columns by 0-based index, latin-1 bytes, numeric
labels as class names; the Sentiment140 layout loads as downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_sentiment140
from seqtui.engine.config import Config
from seqtui.engine.data.checks import check_local
from seqtui.engine.data.dataset import load_external
from seqtui.engine.errors import DataError


def config(dataset: str, **data: object) -> Config:
    c = Config()
    c.data.dataset = dataset
    for key, value in data.items():
        setattr(c.data, key, value)
    return c


def load(c: Config):
    events: list[dict] = []
    return load_external(c, events.append), events


def test_sentiment140_layout_loads_by_column_index(tmp_path: Path) -> None:
    path = write_sentiment140(tmp_path / "s140.csv", 40)
    data, events = load(config(f"csv:{path}", text_column="5", label_column="0"))
    assert data.class_names == ["0", "4"]  # the file's values, not 0 and 1
    texts = data.train_texts + data.test_texts
    assert len(texts) == 40  # the first row is data: nothing lost to a header
    assert any("café" in t for t in texts) and any("naïve" in t for t in texts)
    non_ascii = sum(1 for t in texts if not t.isascii())
    warning = next(e for e in events if e["type"] == "warning")
    assert warning["reason"] == "not_utf8" and warning["count"] == non_ascii > 0
    assert f"{non_ascii:,} texts were not valid UTF-8 (their bytes read as cp1252/latin-1)" \
        in warning["message"]
    labels = data.train_labels + data.test_labels
    for text, y in zip(texts, labels, strict=True):
        assert data.class_names[y] == ("4" if any(w in text for w in ("loved", "great",
                                       "superb", "happy", "wonderful")) else "0")
    progress = [e for e in events if e.get("unit") == "bytes"]
    assert progress and progress[-1]["done"] == progress[-1]["total"] == path.stat().st_size


def test_a_header_file_takes_indexes_too(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("review,stars\n" + "".join(f"text number {i},{i % 3}\n" for i in range(30)))
    data, _ = load(config(f"csv:{path}", text_column="0", label_column="1"))
    assert data.class_names == ["0", "1", "2"]
    assert "text number 0" in data.train_texts + data.test_texts


def test_no_header_keeps_a_first_row_that_looks_like_one(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("good,pos\n" + "".join(f"bad {i},neg\nfine {i},pos\n" for i in range(10)))
    detected, _ = load(config(f"csv:{path}", text_column="0", label_column="1"))
    assert "good" not in detected.train_texts + detected.test_texts  # read as a header
    forced, _ = load(config(f"csv:{path}", text_column="0", label_column="1", no_header=True))
    assert "good" in forced.train_texts + forced.test_texts


@pytest.mark.parametrize("data, words", [
    ({"text_column": "7", "label_column": "0"},
     "--text-column 7 is out of range: the file has 6 columns (0 to 5)"),
    ({"text_column": "5", "label_column": "9"},
     "--label-column 9 is out of range: the file has 6 columns (0 to 5)"),
    ({}, "the file has no header row: give columns as 0-based indexes"),
])
def test_bad_columns_are_caught_before_anything_starts(tmp_path: Path, data, words) -> None:
    path = write_sentiment140(tmp_path / "s140.csv", 10)
    with pytest.raises(DataError) as caught:
        check_local(config(f"csv:{path}", **data))
    assert words in str(caught.value)


def test_a_test_file_is_read_with_the_training_columns(tmp_path: Path) -> None:
    train = write_sentiment140(tmp_path / "train.csv", 30)
    test = write_sentiment140(tmp_path / "test.csv", 10, seed=1)
    data, _ = load(config(f"csv:{train}", text_column="5", label_column="0",
                          test_path=str(test)))
    assert len(data.train_texts) == 30 and len(data.test_texts) == 10
    assert sorted(set(data.test_labels)) == [0, 1]
