"""The validation split: a stratified, seeded share of train by default, the source's own
when it has one (val/ folders, --validation-path), or the test split the seeds' way."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from seqtui.engine.config import Config
from seqtui.engine.data.checks import check_local
from seqtui.engine.data.dataset import load_dataset
from seqtui.engine.errors import DataError

POS = ["a wonderful film", "great acting", "i loved it", "superb and touching"]
NEG = ["a dull mess", "awful script", "bored from start to finish", "lifeless and long"]


def demo(**data: object) -> Config:
    c = Config()
    c.data.demo_size = 200
    for key, value in data.items():
        setattr(c.data, key, value)
    return c


def test_default_holds_out_a_stratified_tenth_of_train() -> None:
    whole = load_dataset(demo(validation="test"))
    data = load_dataset(demo())
    assert len(data.val_texts) == 20 and len(data.train_texts) == 180
    assert data.test_texts == whole.test_texts  # the test split is untouched
    assert sorted(data.train_texts + data.val_texts) == sorted(whole.train_texts)
    assert not set(data.val_texts) & set(data.train_texts)
    train_share = Counter(whole.train_labels)
    val_share = Counter(data.val_labels)
    for label, n in train_share.items():  # every class in its share, to within one row
        assert abs(val_share[label] - n * 0.1) <= 1
    assert data.facts["validation_split"] == "a stratified 10% of train"


def test_the_split_is_seeded() -> None:
    a, b = load_dataset(demo()), load_dataset(demo())
    other = demo()
    other.training.seed = 7
    c = load_dataset(other)
    assert a.val_texts == b.val_texts and a.train_texts == b.train_texts
    assert c.val_texts != a.val_texts


def test_validation_fraction_sets_the_share() -> None:
    assert len(load_dataset(demo(validation_fraction=0.5)).val_texts) == 100
    assert len(load_dataset(demo(validation_fraction=0.25)).val_texts) == 50


def test_validation_test_is_the_seeds_way() -> None:
    data = load_dataset(demo(validation="test"))
    assert data.val_texts == data.test_texts and len(data.train_texts) == 200
    assert "seeds" in data.facts["validation_split"]


def write_folder(root: Path, splits: dict[str, int], val_name: str | None = None,
                 val_classes: tuple[str, ...] = ("neg", "pos")) -> None:
    for split, n in splits.items():
        classes = val_classes if split == val_name else ("neg", "pos")
        for cls in classes:
            d = root / split / cls
            d.mkdir(parents=True)
            texts = POS if cls == "pos" else NEG
            for i in range(n):
                (d / f"{i}.txt").write_text(f"{texts[i % 4]} {split} {i}")


@pytest.mark.parametrize("name", ["val", "valid", "dev"])
def test_a_validation_folder_beside_train_and_test_validates(tmp_path: Path, name: str) -> None:
    write_folder(tmp_path, {"train": 10, "test": 4, name: 3})
    data = load_dataset(demo(dataset=f"folder:{tmp_path}"))
    assert (len(data.train_texts), len(data.val_texts), len(data.test_texts)) == (20, 6, 8)
    assert all(f" {name} " in t for t in data.val_texts)
    assert data.facts["validation_split"] == f"the {name}/ folder"


def test_a_folder_without_one_holds_out_of_train(tmp_path: Path) -> None:
    write_folder(tmp_path, {"train": 10, "test": 4})
    data = load_dataset(demo(dataset=f"folder:{tmp_path}"))
    assert (len(data.train_texts), len(data.val_texts)) == (18, 2)
    assert all(" train " in t for t in data.val_texts)


def test_a_validation_folder_with_other_classes_is_refused(tmp_path: Path) -> None:
    write_folder(tmp_path, {"train": 5, "test": 2, "val": 2}, val_name="val",
                 val_classes=("neg", "meh"))
    with pytest.raises(DataError, match="val/ has classes that train/ lacks: meh"):
        load_dataset(demo(dataset=f"folder:{tmp_path}"))


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in rows))
    return path


def rows(n: int, tag: str) -> list[tuple[str, str]]:
    return [(f"{(POS if i % 2 else NEG)[i % 4]} {tag} {i}", "pos" if i % 2 else "neg")
            for i in range(n)]


def test_csv_validation_path_validates(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "train.csv", rows(30, "train"))
    dev = write_csv(tmp_path / "dev.csv", rows(8, "dev"))
    test = write_csv(tmp_path / "test.csv", rows(10, "test"))
    c = demo(dataset=f"csv:{train}", validation_path=str(dev), test_path=str(test))
    check_local(c)
    data = load_dataset(c)
    assert (len(data.train_texts), len(data.val_texts), len(data.test_texts)) == (30, 8, 10)
    assert all(" dev " in t for t in data.val_texts)
    assert data.class_names == ["neg", "pos"]


def test_jsonl_validation_path_validates(tmp_path: Path) -> None:
    import json

    def jsonl(path: Path, items: list[tuple[str, str]]) -> Path:
        path.write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in items))
        return path

    train = jsonl(tmp_path / "train.jsonl", rows(30, "train"))
    dev = jsonl(tmp_path / "dev.jsonl", rows(6, "dev"))
    data = load_dataset(demo(dataset=f"jsonl:{train}", validation_path=str(dev)))
    assert len(data.val_texts) == 6 and all(" dev " in t for t in data.val_texts)
    assert len(data.train_texts) + len(data.test_texts) == 30  # test held out of train


def test_validation_labels_train_lacks_are_refused_before_anything_runs(tmp_path: Path
                                                                        ) -> None:
    train = write_csv(tmp_path / "train.csv", rows(30, "train"))
    dev = write_csv(tmp_path / "dev.csv", rows(4, "dev") + [("so so", "meh")])
    c = demo(dataset=f"csv:{train}", validation_path=str(dev))
    with pytest.raises(DataError, match="--validation-path: .* labels the training file does "
                                        "not have: 'meh'"):
        check_local(c)
    with pytest.raises(DataError, match="validation labels the training file does not have"):
        load_dataset(c)
