"""`seqtui train` on each dataset route, as real processes on tiny data: exit 0 and a finished
run for good data; exit 2 and one line on stderr (no traceback) for bad data, with no run
directory left behind when the check is cheap. TFDS is mocked (tfds.testing.mock_data) and the
network broken at its edge (socket) through a sitecustomize the child process loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_seqtui

SMALL = ["--embedding-dim", "8", "--dense-units", "8", "--units", "8", "--batch-size", "32",
         "--epochs", "1"]
POS = ["a wonderful film, moving and funny", "great acting and a clever plot",
       "i loved every minute of it", "superb, touching, a delight"]
NEG = ["a dull and tedious mess", "awful script, wooden acting",
       "i was bored from start to finish", "clumsy, lifeless and far too long"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"SEQTUI_CACHE_DIR": str(tmp_path / "cache")}


def events_of(runs_dir: Path) -> list[dict]:
    [run] = list(runs_dir.iterdir())
    return [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]


def ready(runs_dir: Path) -> dict:
    return next(e for e in events_of(runs_dir) if e.get("stage") == "ready")


def one_error_line(out) -> str:
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("seqtui: error:"), out.stderr
    return lines[0]


def no_run_left(runs_dir: Path) -> bool:
    return not runs_dir.exists() or not any(runs_dir.iterdir())


def test_folder_route_trains(tmp_path, runs_dir, env) -> None:
    root = tmp_path / "aclImdb"
    for split in ("train", "test"):
        for cls, texts in (("pos", POS), ("neg", NEG)):
            (root / split / cls).mkdir(parents=True)
            for i in range(12):
                (root / split / cls / f"{i}_1.txt").write_text(f"{texts[i % 4]} {i}")
    (root / "train" / "unsup").mkdir()
    (root / "train" / "unsup" / "0_0.txt").write_text("unlabeled")
    out = run_seqtui("train", "--dataset", f"folder:{root}", "--tokenizer", "words",
                     "--max-length", "120", "--preset", "lstm", *SMALL, runs_dir=runs_dir,
                     env=env)
    assert out.returncode == 0, out.stderr
    facts = ready(runs_dir)["dataset"]
    # 24 training texts: a stratified 10% (one per class) is held out for validation.
    assert facts["classes"] == ["neg", "pos"] and facts["train_size"] == 22
    assert facts["validation_size"] == 2 and facts["test_size"] == 24


def test_csv_route_with_named_columns_and_subwords(tmp_path, runs_dir, env) -> None:
    path = tmp_path / "reviews.csv"
    rows = [f'"{(POS if i % 2 else NEG)[i % 4]} {i}",{"positive" if i % 2 else "negative"}'
            for i in range(40)]
    path.write_text("review,sentiment\n" + "\n".join(rows) + "\n")
    out = run_seqtui("train", "--dataset", f"csv:{path}", "--text-column", "review",
                     "--label-column", "sentiment", "--tokenizer", "subwords",
                     "--vocab-size", "300", "--preset", "gap", "--embedding-dim", "8",
                     "--dense-units", "8", "--batch-size", "32", "--epochs", "1",
                     runs_dir=runs_dir, env=env)
    assert out.returncode == 0, out.stderr
    [run] = list(runs_dir.iterdir())
    assert json.loads((run / "assets" / "tokenizer.json").read_text())["kind"] == "subwords"
    assert ready(runs_dir)["dataset"]["classes"] == ["negative", "positive"]
    assert list((tmp_path / "cache" / "subwords").glob("*.json"))


def test_jsonl_route_three_classes_held_out(tmp_path, runs_dir, env) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps({"text": f"text {i} " + "word " * (i % 7),
                                        "label": ["a", "b", "c"][i % 3]}) + "\n"
                            for i in range(60)))
    out = run_seqtui("train", "--dataset", f"jsonl:{path}", "--test-fraction", "0.2",
                     "--preset", "gap", "--embedding-dim", "8", "--dense-units", "8",
                     "--batch-size", "32", "--epochs", "1", runs_dir=runs_dir, env=env)
    assert out.returncode == 0, out.stderr
    info = ready(runs_dir)
    assert info["num_classes"] == 3 and info["dataset"]["test_size"] == 12


MOCK_SITE = '''
import os
import tensorflow as tf
import tensorflow_datasets as tfds

POS, NEG = {pos!r}, {neg!r}


def as_dataset_fn(self, split, decoders=None, read_config=None, **kwargs):
    n = self.info.splits[split].num_examples
    texts = [(POS if i % 2 else NEG)[i % 4] + " " + str(i) for i in range(n)]
    return tf.data.Dataset.from_tensor_slices({{"text": texts, "label": [i % 2 for i in range(n)]}})


# Kept in a global: a context manager collected after __enter__ would undo the mock.
MOCK = tfds.testing.mock_data(data_dir={data_dir!r}, as_dataset_fn=as_dataset_fn,
                              policy=tfds.testing.MockPolicy.USE_FILES)
MOCK.__enter__()
'''


def test_imdb_route_trains_on_mocked_tfds(tmp_path, runs_dir, env) -> None:
    import tensorflow_datasets as tfds

    data_dir = tmp_path / "tfds"
    builder = tfds.builder("imdb_reviews/plain_text", data_dir=str(data_dir))
    builder.info.set_splits(tfds.core.SplitDict([
        tfds.core.SplitInfo(name=s, shard_lengths=[n], num_bytes=0)
        for s, n in (("train", 48), ("test", 16))]))
    Path(builder.data_dir).mkdir(parents=True)
    builder.info.write_to_directory(builder.data_dir)
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(MOCK_SITE.format(pos=POS, neg=NEG,
                                                            data_dir=str(data_dir)))
    out = run_seqtui("train", "--dataset", "imdb", "--subset", "0.5", "--preset", "gap",
                     "--embedding-dim", "8", "--dense-units", "8", "--batch-size", "32",
                     "--epochs", "1", runs_dir=runs_dir, env={**env, "PYTHONPATH": str(site)})
    assert out.returncode == 0, out.stderr[-2000:]
    facts = ready(runs_dir)["dataset"]
    assert facts["classes"] == ["neg", "pos"]
    # --subset 0.5 of 48 training texts, 10% of those held out for validation.
    assert (facts["train_size"], facts["validation_size"], facts["test_size"]) == (22, 2, 8)


OFFLINE_SITE = '''
import socket


def _no_network(*args, **kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


socket.getaddrinfo = _no_network
socket.create_connection = _no_network
'''


def test_imdb_offline_is_one_line_naming_offline_routes(tmp_path, runs_dir, env) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(OFFLINE_SITE)
    out = run_seqtui("train", "--dataset", "imdb", "--data-dir", str(tmp_path / "tfds"),
                     *SMALL, runs_dir=runs_dir, env={**env, "PYTHONPATH": str(site)})
    line = one_error_line(out)
    assert "no network" in line and "folder:" in line and "demo" in line
    events = events_of(runs_dir)
    assert events[-1]["type"] == "run_failed" and events[-1]["bad_input"] is True


def test_unknown_tfds_name_suggests_the_close_one(tmp_path, runs_dir, env) -> None:
    out = run_seqtui("train", "--dataset", "tfds:ag_news_subst", "--data-dir",
                     str(tmp_path / "tfds"), *SMALL, runs_dir=runs_dir, env=env)
    assert "did you mean 'ag_news_subset'" in one_error_line(out)


def test_csv_missing_column_fails_before_a_run_directory(tmp_path, runs_dir, env) -> None:
    path = tmp_path / "r.csv"
    path.write_text("words,stars\nnice,5\nbad,1\n")
    out = run_seqtui("train", "--dataset", f"csv:{path}", *SMALL, runs_dir=runs_dir, env=env)
    line = one_error_line(out)
    assert "no text column 'text'" in line and "'words', 'stars'" in line
    assert no_run_left(runs_dir)


def test_folder_with_one_class_fails_before_a_run_directory(tmp_path, runs_dir, env) -> None:
    (tmp_path / "d" / "train" / "pos").mkdir(parents=True)
    (tmp_path / "d" / "train" / "pos" / "1.txt").write_text("good")
    out = run_seqtui("train", "--dataset", f"folder:{tmp_path / 'd'}", *SMALL,
                     runs_dir=runs_dir, env=env)
    assert "only one class folder ('pos')" in one_error_line(out)
    assert no_run_left(runs_dir)


def test_empty_and_one_class_files(tmp_path, runs_dir, env) -> None:
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    assert "empty" in one_error_line(run_seqtui("train", "--dataset", f"jsonl:{empty}",
                                                *SMALL, runs_dir=runs_dir, env=env))
    assert no_run_left(runs_dir)
    one = tmp_path / "one.jsonl"
    one.write_text("".join(json.dumps({"text": f"t {i}", "label": "pos"}) + "\n"
                           for i in range(10)))
    out = run_seqtui("train", "--dataset", f"jsonl:{one}", *SMALL, runs_dir=runs_dir, env=env)
    assert "only one class ('pos')" in one_error_line(out)
