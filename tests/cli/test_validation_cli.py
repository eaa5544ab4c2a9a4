"""Validation and test scores as a user meets them: the flags' bad input (one line, exit 2,
no run directory) and the runs table's val acc and test acc side by side at 80 columns."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import TINY_FLAGS, run_seqtui


def csv_file(path: Path, labels: list[str]) -> Path:
    path.write_text("text,label\n" + "".join(f"a review number {i},{y}\n"
                                             for i, y in enumerate(labels)))
    return path


@pytest.mark.parametrize("extra, words", [
    (["--validation-fraction", "0"], "--validation-fraction: validation fraction must be in "
                                     "(0, 0.5]"),
    (["--validation-fraction", "0.6"], "--validation-fraction: validation fraction must be in"),
    (["--validation-fraction", "x"], "--validation-fraction: expected a number"),
    (["--validation", "dev"], "--validation: unknown validation 'dev'"),
    (["--validation-path", "dev.csv"], "--validation-path: a validation path applies to csv:"),
])
def test_bad_validation_flags_get_one_line_and_exit_2(runs_dir, extra, words):
    out = run_seqtui("train", *TINY_FLAGS, *extra, runs_dir=runs_dir)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], out.stderr
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


def test_a_missing_or_mismatched_validation_file_is_refused_before_any_run(runs_dir, tmp_path):
    train = csv_file(tmp_path / "train.csv", ["pos", "neg"] * 10)
    other = csv_file(tmp_path / "dev.csv", ["pos", "neg", "meh"])
    for path, words in ((tmp_path / "nope.csv", "--validation-path: "
                         f"{tmp_path / 'nope.csv'} does not exist"),
                        (other, "has labels the training file does not have: 'meh'")):
        out = run_seqtui("train", "--dataset", f"csv:{train}", "--validation-path", str(path),
                         runs_dir=runs_dir)
        assert out.returncode == 2 and "Traceback" not in out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], out.stderr
        assert not runs_dir.exists() or not any(runs_dir.iterdir())


def test_runs_shows_val_and_test_accuracy_and_marks_test_validation(runs_dir, tmp_path):
    for extra in ([], ["--validation", "test"]):
        out = run_seqtui("train", *TINY_FLAGS, "--preset", "gap", "--epochs", "1", *extra,
                         runs_dir=runs_dir)
        assert out.returncode == 0, out.stderr
    # A run from before validation splits: its config has no `validation`, its end no `test`.
    old = runs_dir / "2020-01-01_000000_old"
    shutil.copytree(sorted(runs_dir.iterdir())[0], old)
    config = json.loads((old / "config.json").read_text())
    del config["data"]["validation"], config["data"]["validation_fraction"]
    (old / "config.json").write_text(json.dumps(config))
    events = [json.loads(line) for line in (old / "events.jsonl").read_text().splitlines()]
    for event in events:
        for key in ("test", "test_checkpoint", "test_epoch"):
            event.pop(key, None)
    (old / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))

    records = {r["id"]: r for r in json.loads(
        run_seqtui("runs", "--json", runs_dir=runs_dir).stdout)}
    split, seeds = (r for i, r in sorted(records.items()) if i != old.name)
    assert split["validation"] == "split" and seeds["validation"] == "test"
    assert 0 <= split["test_accuracy"] <= 1 and split["test_loss"] > 0
    assert records[old.name]["validation"] == "test"
    assert records[old.name]["test_accuracy"] is None

    table = run_seqtui("runs", runs_dir=runs_dir, env={"COLUMNS": "80"})
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split()[-4:] == ["val", "acc", "test", "acc"]
    row = {line.split()[0]: line for line in lines[1:] if line.strip()}
    assert row[split["id"]].endswith(f"{split['test_accuracy']:.4f}")
    assert f"e{split['best_val_accuracy_epoch']} " in row[split["id"]]
    assert f"e{seeds['best_val_accuracy_epoch']}*" in row[seeds["id"]]
    assert row[old.name].rstrip().endswith("-") and "*" in row[old.name]
    assert "* validated on the test split" in table.stdout
