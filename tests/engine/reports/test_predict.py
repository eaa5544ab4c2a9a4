"""Predict round trip on a small real demo run trained by the real command: known positive and
negative demo sentences get the right labels, from arguments, stdin and --json; a run without
a checkpoint, or no run at all, gets one clear line."""

from __future__ import annotations

import io
import json

import pytest

from helpers import run_seqtui
from seqtui.cli import main
from seqtui.engine.data.demo import ASPECTS, NEGATIVE, POSITIVE
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.store import create_run, list_runs

# Two clauses that agree: the simple kind of demo review, which any trained model gets right.
POSITIVE_TEXT = f"the {ASPECTS[0]} was {POSITIVE[1]} and the {ASPECTS[1]} was {POSITIVE[2]} ."
NEGATIVE_TEXT = f"the {ASPECTS[2]} was {NEGATIVE[1]} and the {ASPECTS[3]} was {NEGATIVE[2]} ."

# Small and quick, yet reliably well above chance: a larger learning rate and a vocabulary
# about the size of the demo's own.
TRAIN_FLAGS = ["--dataset", "demo", "--demo-size", "1000", "--preset", "bilstm",
               "--embedding-dim", "16", "--units", "16", "--vocab-size", "200",
               "--learning-rate", "0.01", "--epochs", "6", "--monitor", "val_accuracy",
               "--early-stopping", "0"]  # all six epochs: the run ends completed


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    runs_dir = tmp_path_factory.mktemp("runs")
    done = run_seqtui("train", *TRAIN_FLAGS, "--runs-dir", str(runs_dir), timeout=300)
    assert done.returncode == 0, done.stderr
    (run,) = list_runs(runs_dir)
    return run


def test_the_trained_run_is_good_enough_to_test_predict_on(trained_run):
    assert trained_run.status == "completed"
    epoch, accuracy = trained_run.best("val_accuracy")
    assert accuracy >= 0.85, f"val_accuracy {accuracy:.3f} at epoch {epoch}: retune TRAIN_FLAGS"


def test_a_run_that_ends_leaves_its_report_and_error_analysis(trained_run):
    path = trained_run.path
    assert "**completed**" in (path / "report.md").read_text()
    assert (path / "report.html").read_text().startswith("<!DOCTYPE html>")
    analysis = json.loads((path / "analysis.json").read_text())
    assert analysis["examples"] == 250 and analysis["checkpoint"] == "best"
    assert "## Error analysis (test split)" in (path / "report.md").read_text()


def test_known_sentences_get_the_right_labels(trained_run):
    from seqtui.engine.reports.predict import Predictor

    predictor = Predictor(trained_run.path)
    assert predictor.checkpoint.name == "best.keras"
    positive, negative = predictor.predict([POSITIVE_TEXT, NEGATIVE_TEXT])
    assert (positive.label, negative.label) == ("positive", "negative")
    for prediction in (positive, negative):
        assert 0.5 < prediction.probability <= 1.0
        assert prediction.scores[prediction.label] == prediction.probability
        assert sum(prediction.scores.values()) == pytest.approx(1.0)


def test_predict_command_with_json_prints_only_the_answers(trained_run, runs_dir):
    done = run_seqtui("predict", str(trained_run.path), "--json", POSITIVE_TEXT, NEGATIVE_TEXT)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # TensorFlow's start-up chatter is not the user's business here
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(a["text"], a["label"]) for a in answers] == [(POSITIVE_TEXT, "positive"),
                                                         (NEGATIVE_TEXT, "negative")]
    assert all(set(a) == {"text", "label", "probability", "scores", "checkpoint",
                          "checkpoint_epoch", "unknown_words"} for a in answers)
    best_epoch = trained_run.best("val_accuracy")[0]
    assert {(a["checkpoint"], a["checkpoint_epoch"]) for a in answers} == {
        ("checkpoints/best.keras", best_epoch)}
    assert [a["unknown_words"] for a in answers] == [[], []]


def test_predict_says_which_checkpoint_answered_and_the_words_it_did_not_know(trained_run):
    done = run_seqtui("predict", str(trained_run.path), "the plot was zxqv but the acting was "
                      "superb, zxqv and blorf")
    assert done.returncode == 0, done.stderr
    epoch = trained_run.best("val_accuracy")[0]
    assert done.stderr.strip() == f"predicting with checkpoints/best.keras (epoch {epoch})"
    [line] = done.stdout.splitlines()
    assert line.split("\t")[3] == "unknown words: zxqv, blorf"


def test_a_run_stopped_inside_its_first_epoch_has_nothing_to_predict_with(runs_dir):
    from helpers import tiny_config
    from seqtui.engine.reports.predict import find_checkpoint
    from seqtui.engine.runs.events import EventLog, make_event

    run_dir = create_run(tiny_config(), runs_dir)
    (run_dir / "checkpoints" / "last.keras").write_bytes(b"the starting weights")
    log = EventLog(run_dir / "events.jsonl")
    log(make_event("checkpoint_saved", path="checkpoints/last.keras", epoch=0))
    log.close()
    with pytest.raises(BadInput, match="has no checkpoint yet"):
        find_checkpoint(run_dir)


def test_predict_reads_stdin_one_text_per_line(trained_run, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{NEGATIVE_TEXT}\n\n{POSITIVE_TEXT}\n"))
    assert main(["predict", str(trained_run.path)]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(label, text) for label, _, text in lines] == [("negative", NEGATIVE_TEXT),
                                                          ("positive", POSITIVE_TEXT)]
    assert all(0.5 < float(probability) <= 1 for _, probability, _ in lines)


def test_a_run_without_a_checkpoint_is_one_clear_line(runs_dir, capsys):
    from helpers import tiny_config

    run_dir = create_run(tiny_config(), runs_dir)
    assert main(["predict", run_dir.name, "a fine film"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no checkpoint yet" in err


def test_no_such_run_or_an_empty_text_is_one_clear_line(runs_dir, capsys):
    runs_dir.mkdir()
    assert main(["predict", "nope", "a fine film"]) == 2
    assert "no run 'nope'" in capsys.readouterr().err
    from helpers import tiny_config

    run_dir = create_run(tiny_config(), runs_dir)
    assert main(["predict", run_dir.name, "good", "  "]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TEXT 2 is empty" in err
