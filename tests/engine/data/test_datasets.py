"""Datasets from outside: aclImdb-layout folders, CSV and JSONL files the tests write (good and
bad), and TFDS's imdb / tfds:NAME through tfds.testing.mock_data. The network is mocked only
at its edge (socket) for the offline case."""

from __future__ import annotations

import contextlib
import json
import socket
from pathlib import Path

import pytest

from seqtui.engine.config import Config
from seqtui.engine.data.checks import check_local
from seqtui.engine.data.common import holdout, label_key
from seqtui.engine.data.dataset import load_dataset, load_external
from seqtui.engine.errors import BadInput, DataError

POS = ["a wonderful film, moving and funny", "great acting and a clever plot",
       "i loved every minute of it", "superb, touching, a delight"]
NEG = ["a dull and tedious mess", "awful script, wooden acting",
       "i was bored from start to finish", "clumsy, lifeless and far too long"]


def config(dataset: str, **data: object) -> Config:
    c = Config()
    c.data.dataset = dataset
    for key, value in data.items():
        setattr(c.data, key, value)
    return c


def load(c: Config) -> tuple[object, list[dict]]:
    events: list[dict] = []
    return load_external(c, events.append), events


def warnings(events: list[dict]) -> dict[str, int]:
    return {e["reason"]: e["count"] for e in events if e["type"] == "warning"}


# ---- folder: (aclImdb layout) -----------------------------------------------------------------


def write_acl(root: Path, with_test: bool = True, n: int = 6) -> Path:
    for split in ("train", "test") if with_test else ("train",):
        for cls, texts in (("pos", POS), ("neg", NEG)):
            d = root / split / cls
            d.mkdir(parents=True)
            for i in range(n):
                (d / f"{i}_{7 + i % 3}.txt").write_text(f"{texts[i % 4]} ({split} {i})",
                                                        encoding="utf-8")
    unsup = root / "train" / "unsup"
    unsup.mkdir()
    (unsup / "0_0.txt").write_text("unlabeled review", encoding="utf-8")
    (root / "train" / "urls_pos.txt").write_text("http://example.com\n", encoding="utf-8")
    (root / "train" / "notes").mkdir()  # a folder with no .txt: not a class
    (root / "train" / "notes" / "readme.md").write_text("x", encoding="utf-8")
    return root


def test_folder_acl_layout_reads_both_splits_and_ignores_unsup(tmp_path: Path) -> None:
    root = write_acl(tmp_path / "aclImdb")
    (root / "train" / "pos" / "99_10.txt").write_bytes(b"caf\xe9 au lait, a fine film")
    (root / "train" / "neg" / "98_1.txt").write_bytes(b"   \n")
    data, events = load(config(f"folder:{root}"))
    assert data.class_names == ["neg", "pos"]
    assert len(data.train_texts) == 13 and len(data.test_texts) == 12
    assert "unlabeled review" not in data.train_texts
    for text, y in zip(data.train_texts, data.train_labels, strict=True):
        assert (any(p in text for p in POS) or "caf" in text) == (y == 1)
    assert "caf\ufffd au lait, a fine film" in data.train_texts
    assert warnings(events) == {"not_utf8": 1, "empty_files": 1}
    assert data.facts["skipped"] == {"not_utf8": 1, "empty_files": 1}
    progress = [e for e in events if e["type"] == "stage" and "done" in e]
    assert progress and progress[-1]["done"] == progress[-1]["total"] == 26


def test_folder_without_test_holds_out_a_stratified_fraction_with_the_seed(tmp_path) -> None:
    root = write_acl(tmp_path / "acl", with_test=False, n=10)
    a, _ = load(config(f"folder:{root}", test_fraction=0.2))
    b, _ = load(config(f"folder:{root}", test_fraction=0.2))
    c = config(f"folder:{root}", test_fraction=0.2)
    c.training.seed = 7
    other, _ = load(c)
    assert len(a.test_texts) == 4 and sorted(a.test_labels) == [0, 0, 1, 1]
    assert len(a.train_texts) == 16
    assert not set(a.test_texts) & set(a.train_texts)
    assert a.test_texts == b.test_texts
    assert set(other.test_texts) != set(a.test_texts)
    assert "held out" in a.facts["test_split"]


def test_folder_with_class_folders_directly_under_path(tmp_path: Path) -> None:
    root = write_acl(tmp_path / "acl", with_test=False) / "train"
    data, _ = load(config(f"folder:{root}"))
    assert data.class_names == ["neg", "pos"] and data.test_texts


@pytest.mark.parametrize("layout, message", [
    ({"train/pos/1.txt": "good"}, "only one class folder ('pos')"),
    ({"train/unsup/1.txt": "x", "other.txt": "y"}, "no class folders with .txt files"),
    ({"train/pos/1.txt": "a", "train/neg/1.txt": "b", "test/meh/1.txt": "c"},
     "test/ has classes that train/ lacks: meh"),
])
def test_folder_bad_layouts_are_one_line_data_errors(tmp_path, layout, message) -> None:
    for rel, text in layout.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        load(config(f"folder:{tmp_path}"))
    assert "\n" not in str(err.value)


# ---- csv: and jsonl: --------------------------------------------------------------------------


def write_csv(path: Path, rows: list[tuple[str, str]], header: str = "review,sentiment") -> Path:
    lines = [header] + [f'"{t.replace(chr(34), chr(34) * 2)}",{y}' for t, y in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_string_labels_custom_columns_and_skipped_rows(tmp_path: Path) -> None:
    rows = [(t, "positive") for t in POS] + [(t, "negative") for t in NEG]
    rows += [("", "positive"), ("no label here", ""), ('line one\nline two, with "quotes"',
                                                      "positive")]
    path = write_csv(tmp_path / "r.csv", rows)
    with path.open("ab") as f:
        f.write(b'"bad \xff byte review",negative\n')
    data, events = load(config(f"csv:{path}", text_column="review", label_column="sentiment",
                               test_fraction=0.25))
    assert data.class_names == ["negative", "positive"]
    texts = data.train_texts + data.test_texts
    labels = data.train_labels + data.test_labels
    assert len(texts) == 10
    assert 'line one\nline two, with "quotes"' in texts
    assert "bad \ufffd byte review" in texts
    assert labels[texts.index(POS[0])] == 1 and labels[texts.index(NEG[0])] == 0
    assert warnings(events) == {"empty": 1, "unlabeled": 1, "not_utf8": 1}
    assert sorted(data.test_labels) == [0, 1]  # a quarter of 5 per class, rounded


def test_csv_default_columns_fall_back_to_common_names(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "imdb.csv", [(t, "positive") for t in POS] +
                     [(t, "negative") for t in NEG])
    data, events = load(config(f"csv:{path}"))
    assert data.facts["text_column"] == "review" and data.facts["label_column"] == "sentiment"
    assert any("using column 'review'" in e.get("message", "") for e in events)


def test_csv_separate_test_file_tab_separated_and_integer_labels(tmp_path: Path) -> None:
    train = tmp_path / "train.tsv"
    train.write_text("label\ttext\n" + "".join(f"{i % 2}\t{(NEG + POS)[i % 8]} {i}\n"
                                               for i in range(12)), encoding="utf-8")
    test = tmp_path / "test.tsv"
    test.write_text("label\ttext\n1\tgreat fun\n0\tdull\n", encoding="utf-8")
    data, _ = load(config(f"csv:{train}", test_path=str(test)))
    assert data.class_names == ["0", "1"]
    assert len(data.train_texts) == 12
    assert data.test_texts == ["great fun", "dull"] and data.test_labels == [1, 0]


def test_csv_long_review_is_read_whole(tmp_path: Path) -> None:
    long = "word " * 60000  # 300 KB: past the csv module's default field limit
    path = write_csv(tmp_path / "long.csv", [(long, "1"), ("short", "0"), ("a", "1"), ("b", "0")],
                     header="text,label")
    data, _ = load(config(f"csv:{path}", test_fraction=0.5))
    assert max(map(len, data.train_texts + data.test_texts)) == len(long)


@pytest.mark.parametrize("content, message", [
    ("review,stars\nnice,5\nbad,1\n", "no text column 'body'.*its columns are 'review', 'stars'"),
    ("body,label\nnice,pos\nfine,pos\n", r"only one class \('pos'\) in column 'label'"),
    ("", "the file is empty"),
    ("body,label\n,pos\n  ,neg\n", "no usable rows"),
])
def test_csv_bad_input_is_one_clear_line(tmp_path, content, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    c = config(f"csv:{path}", text_column="body")
    with pytest.raises(DataError, match=message) as err:
        load(c)
    assert isinstance(err.value, BadInput) and "\n" not in str(err.value)


def test_csv_test_file_with_an_unknown_label(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "a.csv", [("good", "pos"), ("bad", "neg")], "text,label")
    test = write_csv(tmp_path / "b.csv", [("meh", "neutral")], "text,label")
    with pytest.raises(DataError, match="labels the training file does not have: 'neutral'"):
        load(config(f"csv:{train}", test_path=str(test)))


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_jsonl_three_classes_mixed_int_labels_bad_lines_counted(tmp_path: Path) -> None:
    rows: list[object] = []
    for i in range(30):
        rows.append({"text": f"review number {i}", "label": [0, "1", 2.0][i % 3]})
    rows += ["not json", {"text": "no label"}, {"text": None, "label": 1}, [1, 2], ""]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    data, events = load(config(f"jsonl:{path}", test_fraction=0.2))
    assert data.class_names == ["0", "1", "2"] and data.num_classes == 3
    assert len(data.train_texts) + len(data.test_texts) == 30
    assert sorted(set(data.test_labels)) == [0, 1, 2]
    for text, y in zip(data.train_texts, data.train_labels, strict=True):
        assert int(text.split()[-1]) % 3 == y
    assert warnings(events) == {"bad_lines": 2, "unlabeled": 1, "empty": 1}


def test_jsonl_that_is_really_a_json_array(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps([{"text": "a", "label": 1}], indent=2), encoding="utf-8")
    with pytest.raises(DataError, match="line 1 is not valid JSON.*JSON Lines"):
        load(config(f"jsonl:{path}"))


def test_jsonl_non_utf8_text_is_replaced_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"text": "ok \xe9t\xe9", "label": "b"}\n{"text": "fine", "label": "a"}\n'
                     b'{"text": "good", "label": "a"}\n{"text": "x", "label": "b"}\n')
    data, events = load(config(f"jsonl:{path}", test_fraction=0.5))
    assert "ok \ufffdt\ufffd" in data.train_texts + data.test_texts
    assert warnings(events) == {"not_utf8": 1}


def test_label_keys_unify_integers_and_strings() -> None:
    assert [label_key(v) for v in (1, "1", " 1 ", 1.0, "pos", "", None, True, float("nan"))] \
        == [1, 1, 1, 1, "pos", None, None, "true", None]


def test_holdout_keeps_every_class_on_both_sides() -> None:
    texts = [f"t{i}" for i in range(13)]
    labels = [0] * 10 + [1] * 3
    (tr_x, tr_y), (te_x, te_y) = holdout(texts, labels, 0.1, seed=1)
    assert sorted(set(tr_y)) == [0, 1] == sorted(set(te_y))
    assert sorted(tr_x + te_x) == sorted(texts)


def test_check_local_refuses_bad_columns_cheaply(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [("a", "b")], "review,stars")
    with pytest.raises(DataError, match="no label column 'label'.*'review', 'stars'"):
        check_local(config(f"csv:{path}"))
    good = write_jsonl(tmp_path / "y.jsonl", [{"body": "a", "label": 1}])
    check_local(config(f"jsonl:{good}", text_column="body"))
    one = tmp_path / "one"
    (one / "train" / "pos").mkdir(parents=True)
    (one / "train" / "pos" / "1.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="only one class folder"):
        check_local(config(f"folder:{one}"))


def test_test_path_is_refused_for_a_dataset_with_its_own_test_split(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="--test-path applies to csv: and jsonl:"):
        load(config("imdb", test_path=str(tmp_path / "t.csv")))


# ---- TFDS: imdb and tfds:NAME through tfds.testing.mock_data ------------------------------------


def review(i: int) -> tuple[str, int]:
    y = i % 2
    return f"{(POS if y else NEG)[i % 4]} review {i}", y


@contextlib.contextmanager
def mock_tfds(tmp_path: Path, name: str, splits: dict[str, int],
              make=review, text_key: str = "text", extra: dict | None = None):
    """TFDS's own mock, with metadata (the split sizes) written where the builder looks and
    examples whose label can be read back from their text."""
    import tensorflow as tf
    import tensorflow_datasets as tfds

    data_dir = tmp_path / "tfds"
    builder = tfds.builder(name, data_dir=str(data_dir))
    builder.info.set_splits(tfds.core.SplitDict([
        tfds.core.SplitInfo(name=s, shard_lengths=[n], num_bytes=0) for s, n in splits.items()]))
    Path(builder.data_dir).mkdir(parents=True)
    builder.info.write_to_directory(builder.data_dir)

    def as_dataset_fn(self, split, decoders=None, read_config=None, **kwargs):
        n = self.info.splits[split].num_examples
        rows = [make(i) for i in range(n)]
        if split == "test" and name.startswith("glue"):
            rows = [(t, -1) for t, _ in rows]  # GLUE hides its test labels
        columns = {text_key: [t for t, _ in rows], "label": [y for _, y in rows]}
        for key, value in (extra or {}).items():
            columns[key] = [value] * n
        return tf.data.Dataset.from_tensor_slices(columns)

    with tfds.testing.mock_data(data_dir=str(data_dir), as_dataset_fn=as_dataset_fn,
                                policy=tfds.testing.MockPolicy.USE_FILES):
        yield


def test_imdb_reads_train_and_test_with_tfds_class_names(tmp_path: Path) -> None:
    with mock_tfds(tmp_path, "imdb_reviews/plain_text",
                   {"train": 40, "test": 20, "unsupervised": 10}):
        data, _ = load(config("imdb"))
    assert data.class_names == ["neg", "pos"]
    assert len(data.train_texts) == 40 and len(data.test_texts) == 20
    for text, y in zip(data.train_texts, data.train_labels, strict=True):
        assert (text.split(" review ")[0] in POS) == (y == 1)
    assert data.facts["test_split"] == "test"


def test_imdb_subset_is_a_fraction_or_a_count_per_split(tmp_path: Path) -> None:
    with mock_tfds(tmp_path, "imdb_reviews/plain_text", {"train": 40, "test": 20}):
        half = load_dataset(config("imdb", subset=0.5))
        count = load_dataset(config("imdb", subset=8))
    # The subset is taken first; validation is then held out of what is left of train.
    assert (len(half.train_texts) + len(half.val_texts), len(half.test_texts)) == (20, 10)
    assert (len(count.train_texts) + len(count.val_texts), len(count.test_texts)) == (8, 8)


def test_tfds_name_picks_the_text_feature_and_four_classes(tmp_path: Path) -> None:
    def news(i: int) -> tuple[str, int]:
        return f"news story {i}", i % 4

    with mock_tfds(tmp_path, "ag_news_subset", {"train": 40, "test": 12}, make=news,
                   text_key="description", extra={"title": "a headline"}):
        data, events = load(config("tfds:ag_news_subset"))
        titled, _ = load(config("tfds:ag_news_subset", text_column="title"))
        with pytest.raises(DataError, match="no feature 'headline'.*description \\(Text\\)"):
            load(config("tfds:ag_news_subset", text_column="headline"))
    assert data.class_names == ["World", "Sports", "Business", "Sci/Tech"]
    assert data.train_texts[5] == "news story 5" and data.train_labels[5] == 1
    assert any("using feature 'description'" in e.get("message", "") for e in events)
    assert titled.train_texts[0] == "a headline"


def test_tfds_uses_validation_when_test_has_no_labels(tmp_path: Path) -> None:
    with mock_tfds(tmp_path, "glue/sst2", {"train": 30, "validation": 10, "test": 10},
                   text_key="sentence", extra={"idx": 0}):
        data, events = load(config("tfds:glue/sst2"))
    assert data.facts["test_split"] == "validation" and len(data.test_texts) == 10
    assert warnings(events) == {"unlabeled": 10}


def test_tfds_without_test_or_validation_holds_out(tmp_path: Path) -> None:
    with mock_tfds(tmp_path, "imdb_reviews/plain_text", {"train": 40}):
        data, _ = load(config("imdb", test_fraction=0.25))
    assert (len(data.train_texts), len(data.test_texts)) == (30, 10)


def test_tfds_unknown_name_and_non_text_dataset(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown TFDS dataset 'ag_news_subst' "
                                        "\\(did you mean 'ag_news_subset'\\?\\)"):
        load(config("tfds:ag_news_subst", data_dir=str(tmp_path)))
    with pytest.raises(DataError, match="tfds:mnist: no text feature"):
        load(config("tfds:mnist", data_dir=str(tmp_path)))


def test_imdb_offline_fails_fast_naming_the_offline_routes(tmp_path, monkeypatch) -> None:
    """The real TFDS builder and downloader; only name resolution (the network's edge) fails.
    TFDS alone tries 11 times with backoff (~200 s); seqtui gives up after one look-up."""
    attempts: list[object] = []

    def no_network(*args, **kwargs):
        attempts.append(args[:1])
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    events: list[dict] = []
    with pytest.raises(DataError) as err:
        load_external(config("imdb", data_dir=str(tmp_path)), events.append)
    message = str(err.value)
    assert len(attempts) <= 3
    assert "no network" in message and "folder:" in message and "demo" in message
    assert "\n" not in message
    assert any(e["type"] == "stage" and e["stage"] == "downloading" for e in events)


def test_tfds_progress_bars_become_stage_events() -> None:
    from tensorflow_datasets.core.utils import tqdm_utils

    from seqtui.engine.data.tfds import _tfds_watched

    events: list[dict] = []
    with _tfds_watched(events.append, "imdb_reviews"):
        with tqdm_utils.async_tqdm(total=0, desc="Dl Size...", unit=" MiB") as bar:
            bar.update_total(80)
            for _ in range(4):
                bar.update(20)
        for _ in tqdm_utils.tqdm(range(3), desc="Generating train examples...", total=3):
            pass
    stages = [e for e in events if e["type"] == "stage"]
    assert all(e["stage"] == "downloading" for e in stages)
    last_dl = [e for e in stages if e["phase"] == "download"][-1]
    assert (last_dl["done"], last_dl["total"]) == (80, 80) and "MiB" in last_dl["message"]
    prep = [e for e in stages if e["phase"] == "prepare"][-1]
    assert (prep["done"], prep["total"]) == (3, 3)
    assert "generating train examples" in prep["message"]



def test_tfds_validation_split_validates_when_the_set_has_test_and_validation(tmp_path: Path
                                                                              ) -> None:
    with mock_tfds(tmp_path, "imdb_reviews/plain_text",
                   {"train": 40, "validation": 12, "test": 20}):
        own = load_dataset(config("imdb"))
        seeds = load_dataset(config("imdb", validation="test"))
    assert (len(own.train_texts), len(own.val_texts), len(own.test_texts)) == (40, 12, 20)
    assert own.facts["validation_split"] == "the validation split"
    assert seeds.val_texts == seeds.test_texts and len(seeds.train_texts) == 40


def test_tfds_validation_standing_in_for_test_is_not_also_validation(tmp_path: Path) -> None:
    with mock_tfds(tmp_path, "glue/sst2", {"train": 30, "validation": 10, "test": 10},
                   text_key="sentence", extra={"idx": 0}):
        data = load_dataset(config("tfds:glue/sst2"))
    assert data.facts["test_split"] == "validation" and len(data.test_texts) == 10
    # 10% of each class of train held out: 1.5 of 15 rounds to 2.
    assert len(data.val_texts) == 4 and len(data.train_texts) == 26
