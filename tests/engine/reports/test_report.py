"""Per-run reports from run directories the tests write: completed, overfitting, stopped, failed,
died, running and never-started runs. Checked for what a reader sees: the table's numbers are
the history's, one SVG path per curve, nothing fetched from anywhere, the verdict's evidence."""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from seqtui.cli import main
from seqtui.engine.config import Config
from seqtui.engine.reports.model import overfitting_verdict
from seqtui.engine.reports.writer import write_report
from seqtui.engine.runs.events import EventLog, make_event
from seqtui.engine.runs.process import write_pid
from seqtui.engine.runs.store import create_run, write_history

SUMMARY = """Layer (type)                    Output Shape                   Param #
======================================================================
embedding (Embedding)           (None, None, 16)                 3,200
bidirectional (Bidirectional)   (None, 32)                       4,224
dense (Dense)                   (None, 64)                       2,112
dense_1 (Dense)                 (None, 1)                           65
----------------------------------------------------------------------
Total params: 9,601
"""

# Validation loss bottoms out at epoch 3 and climbs while training loss keeps falling.
OVERFITTING = [
    {"loss": 0.69, "accuracy": 0.52, "val_loss": 0.66, "val_accuracy": 0.58},
    {"loss": 0.51, "accuracy": 0.77, "val_loss": 0.49, "val_accuracy": 0.78},
    {"loss": 0.33, "accuracy": 0.88, "val_loss": 0.41123, "val_accuracy": 0.83456},
    {"loss": 0.19, "accuracy": 0.94, "val_loss": 0.45, "val_accuracy": 0.82},
    {"loss": 0.08, "accuracy": 0.98, "val_loss": 0.58, "val_accuracy": 0.81},
]
IMPROVING = [
    {"loss": 0.69, "accuracy": 0.52, "val_loss": 0.68, "val_accuracy": 0.55},
    {"loss": 0.55, "accuracy": 0.72, "val_loss": 0.57, "val_accuracy": 0.70},
    {"loss": 0.45, "accuracy": 0.80, "val_loss": 0.50, "val_accuracy": 0.76},
]


def config_for_tests() -> Config:
    config = Config()
    config.data.demo_size = 600
    config.model.embedding_dim = 16
    config.model.units = [16]
    config.training.epochs = 5
    return config


def write_run(runs_dir: Path, epochs: list[dict], ending: str | None = "completed",
              config: Config | None = None, partial: dict | None = None,
              ready: bool = True) -> Path:
    """A run directory as the training process leaves it: config, log, history, summary."""
    config = config or config_for_tests()
    run_dir = create_run(config, runs_dir)
    log = EventLog(run_dir / "events.jsonl")
    resolved = config.resolved()
    log(make_event("run_started", config=resolved.to_dict(), params=9601, device="cpu",
                   strategy="default", replicas=1, epochs=resolved.training.epochs,
                   versions={"seqtui": "0.1.0", "python": "3.11.7", "tensorflow": "2.21.0",
                             "keras": "3.15.1"}, mixed_precision=False, jit_compile=False))
    if ready:
        log(make_event("stage", stage="ready", message="training", params=9601,
                       steps_per_epoch=10, num_classes=2, class_names=["negative", "positive"],
                       dataset={"source": "demo (generated, offline)", "train_size": 600,
                                "test_size": 150, "classes": ["negative", "positive"],
                                "train_class_counts": [300, 300],
                                "length_stats": {"min": 9, "median": 11, "p95": 42,
                                                 "max": 52, "mean": 15.6},
                                "tokenizer": "words", "vocab_size": 200}))
        (run_dir / "summary.txt").write_text(SUMMARY)
    best = None
    for number, logs in enumerate(epochs, start=1):
        log(make_event("epoch_started", epoch=number, epochs=resolved.training.epochs, steps=10))
        if best is None or logs["val_loss"] < best[1]:
            best = (number, logs["val_loss"])
        log(make_event("epoch_ended", epoch=number, logs=logs, seconds=5.0 if number == 1
                       else 0.5 + number / 100, steps=10, examples_per_sec=1200.0 + 2 * number,
                       best_epoch=best[0], best={"val_loss": best[1]}, partial=False))
    if partial:
        log(make_event("epoch_ended", epoch=len(epochs) + 1, logs=partial, seconds=0.2,
                       steps=4, examples_per_sec=900.0, partial=True))
    if ending == "failed":
        log(make_event("run_failed", message="ResourceExhaustedError: OOM when allocating",
                       error="ResourceExhaustedError", bad_input=False,
                       traceback="Traceback (most recent call last):\n  File \"train.py\"\n"
                                 "ResourceExhaustedError: OOM when allocating tensor"))
    elif ending is not None:
        log(make_event("run_finished", status=ending, best_epoch=best[0] if best else None,
                       best={"val_loss": best[1] if best else None}, seconds=9.0))
    log.close()
    write_history(run_dir)
    return run_dir


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data


def parse(html_text: str) -> Tags:
    parser = Tags()
    parser.feed(html_text)
    return parser


def assert_self_contained(html_text: str) -> None:
    tags = parse(html_text)
    names = {tag for tag, _ in tags.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "image", "use"}
    for tag, attrs in tags.tags:
        for key, value in attrs.items():
            assert not key.startswith("on"), f"<{tag} {key}=...>: an event handler is a script"
            if key in ("src", "href", "xlink:href", "action", "srcset"):
                raise AssertionError(f"<{tag} {key}={value!r}> refers to another file")
    assert "@import" not in tags.style and "url(" not in tags.style
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html_text, re.I)
    assert "<script" not in html_text.lower()


def svgs(html_text: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", html_text, re.S)


def md_table_rows(markdown: str, section: str) -> list[list[str]]:
    body = markdown.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in body.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_epoch_table_numbers_are_the_history(runs_dir):
    run_dir = write_run(runs_dir, OVERFITTING)
    md_path, html_path = write_report(run_dir)
    assert (md_path, html_path) == (run_dir / "report.md", run_dir / "report.html")
    markdown = md_path.read_text()

    rows = md_table_rows(markdown, "Epochs")
    header, body = rows[0], rows[2:]
    with open(run_dir / "history.csv") as handle:
        history = list(csv.DictReader(handle))
    assert len(body) == len(history) == 5
    for row, record in zip(body, history, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert int(cells["epoch"].rstrip(" *")) == int(record["epoch"]) + 1
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert cells[key] == f"{float(record[key]):.4f}"
    # The best epoch (lowest val_loss, the monitor) is marked, and its metrics are quoted.
    assert body[2][0] == "3 *"
    assert "Epoch **3** by val_loss" in markdown and "val_accuracy 0.8346" in markdown

    html_text = html_path.read_text()
    for record in history:
        assert f"<td class=\"num\">{float(record['val_loss']):.4f}</td>" in html_text


def test_overfitting_is_called_out_with_its_evidence(runs_dir):
    run_dir = write_run(runs_dir, OVERFITTING)
    verdict = overfitting_verdict([{"epoch": i + 1, "logs": logs}
                                   for i, logs in enumerate(OVERFITTING)])
    assert verdict["verdict"] == "overfitting"
    assert verdict["turned_up_epoch"] == 4 and verdict["best_val_loss_epoch"] == 3
    assert verdict["gap"]["accuracy"] == pytest.approx(0.98 - 0.81)

    md_path, html_path = write_report(run_dir)
    markdown = md_path.read_text()
    section = markdown.split("## Overfitting", 1)[1].split("\n## ", 1)[0]
    assert "Overfitting: validation loss turned up at epoch 4" in section
    assert "lowest at epoch 3 (0.4112)" in section and "ended at 0.5800 at epoch 5" in section
    assert "training loss went from 0.3300 to 0.0800" in section
    assert "training accuracy 0.9800 is 17.0 points above validation accuracy 0.8100" in section
    assert "turned up at epoch 4" in html_path.read_text()


def test_verdicts_for_a_curve_still_improving_and_an_unstable_one():
    improving = [{"epoch": i + 1, "logs": logs} for i, logs in enumerate(IMPROVING)]
    assert overfitting_verdict(improving)["verdict"] == "no overfitting"
    unstable = [{"epoch": i + 1, "logs": {"loss": loss, "val_loss": val}}
                for i, (loss, val) in enumerate([(0.6, 0.6), (0.5, 0.5), (0.9, 0.8)])]
    assert overfitting_verdict(unstable)["verdict"] == "unstable"
    one = [{"epoch": 1, "logs": IMPROVING[0]}]
    assert overfitting_verdict(one)["verdict"] == "not enough epochs"


def test_html_is_one_self_contained_file_with_a_path_per_curve(runs_dir):
    run_dir = write_run(runs_dir, OVERFITTING)
    html_text = write_report(run_dir)[1].read_text()
    assert_self_contained(html_text)
    charts = svgs(html_text)
    assert len(charts) == 2  # loss and accuracy
    for chart, names in zip(charts, (("loss", "val_loss"), ("accuracy", "val_accuracy")),
                            strict=True):
        paths = re.findall(r"<path [^>]*>(?:<title>([^<]*)</title>)?", chart)
        assert sorted(paths) == sorted(names)
        # Each curve passes through its five epochs: five points in its path.
        for d in re.findall(r'<path d="([^"]*)"', chart):
            assert len(re.findall(r"[ML]", d)) == 5
    assert "@media print" in html_text


def test_a_curve_without_validation_gets_a_single_path(runs_dir):
    train_only = [{"loss": 0.7 - i / 10, "accuracy": 0.5 + i / 10} for i in range(3)]
    for logs in train_only:
        logs["val_loss"] = None  # what clean_logs leaves for a NaN
    run_dir = write_run(runs_dir, [dict(logs, val_loss=0.5) for logs in train_only])
    # Rewrite the log without validation metrics at all.
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    for event in events:
        if event["type"] == "epoch_ended":
            event["logs"] = {k: v for k, v in event["logs"].items() if not k.startswith("val_")}
    (run_dir / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    charts = svgs(write_report(run_dir)[1].read_text())
    assert [chart.count("<path ") for chart in charts] == [1, 1]


def test_config_highlights_only_what_differs_from_the_defaults(runs_dir):
    run_dir = write_run(runs_dir, IMPROVING)
    markdown = write_report(run_dir)[0].read_text()
    rows = {row[0]: row for row in md_table_rows(markdown, "Config")[2:]}
    assert rows["**model.embedding_dim**"][1:] == ["**16**", "64"]
    assert rows["**data.demo_size**"][1:] == ["**600**", "4000"]
    assert rows["**training.epochs**"][1:] == ["**5**", "10"]
    # Unchanged settings, and a preset's own defaults resolved into config.json, are plain.
    assert rows["training.batch_size"][1:] == ["64", ""]
    assert rows["name"][1:] == ["bilstm", ""]
    bold = [key for key in rows if key.startswith("**")]
    assert sorted(bold) == ["**data.demo_size**", "**model.embedding_dim**", "**model.units**",
                            "**training.epochs**"]
    html_text = (run_dir / "report.html").read_text()
    assert html_text.count('<tr class="changed">') == 4


def test_dataset_model_time_and_environment_are_reported(runs_dir):
    run_dir = write_run(runs_dir, IMPROVING)
    markdown = write_report(run_dir)[0].read_text()
    for expected in ("- train examples: 600", "- test examples: 150",
                     "- classes: negative (300 train), positive (300 train)",
                     "- tokenizer: words", "- vocabulary size: 200",
                     "- tokens per training text: min 9, median 11, mean 15.6, p95 42, max 52",
                     "bidirectional (Bidirectional)   (None, 32)", "- device: cpu",
                     "- tensorflow: 2.21.0", "- keras: 3.15.1",
                     "- first epoch (includes tracing): 5.0 s",
                     "- training examples/s: 1,205"):
        assert expected in markdown, expected
    # Later epochs (0.52 s and 0.53 s) without the first, which also traces the model.
    assert "- later epochs, mean: 0.5 s" in markdown
    assert "```text" in markdown and "val_loss" in markdown.split("## Curves")[1]


def test_stopped_run_reports_what_it_finished(runs_dir):
    run_dir = write_run(runs_dir, OVERFITTING[:2], ending="stopped",
                        partial={"loss": 0.4, "accuracy": 0.8})
    md_path, html_path = write_report(run_dir)
    markdown = md_path.read_text()
    assert "**stopped by request**" in markdown
    assert "Stopped by request after 2 of 5 epochs." in markdown
    assert "Epoch 3 was interrupted after 4 steps; it is not in the table." in markdown
    assert len(md_table_rows(markdown, "Epochs")) == 2 + 2
    assert_self_contained(html_path.read_text())


def test_failed_run_reports_why_and_what_exists(runs_dir):
    run_dir = write_run(runs_dir, OVERFITTING[:1], ending="failed")
    md_path, html_path = write_report(run_dir)
    markdown = md_path.read_text()
    assert "**failed**" in markdown
    assert "Failed: ResourceExhaustedError: OOM when allocating" in markdown
    assert "ResourceExhaustedError: OOM when allocating tensor" in markdown  # the traceback
    assert "Not enough epochs to judge overfitting" in markdown
    assert len(md_table_rows(markdown, "Epochs")) == 2 + 1
    html_text = html_path.read_text()
    assert_self_contained(html_text)
    assert "<details><summary>Traceback</summary>" in html_text


def test_run_that_failed_before_training_still_gets_a_report(runs_dir):
    run_dir = write_run(runs_dir, [], ending="failed", ready=False)
    markdown = write_report(run_dir)[0].read_text()
    assert "No finished epoch yet." in markdown and "## Epochs" not in markdown
    assert "not known yet (the run did not reach training)" in markdown
    assert "No model summary yet." in markdown


def test_died_and_running_runs_say_so(runs_dir, tmp_path):
    died = write_run(runs_dir, IMPROVING[:2], ending=None)
    markdown = write_report(died)[0].read_text()
    assert "died (the training process ended without a last word)" in markdown
    assert f"seqtui resume {died.name}" in markdown

    running = write_run(runs_dir, IMPROVING[:2], ending=None)
    write_pid(running)  # this test's own process: alive
    markdown = write_report(running)[0].read_text()
    assert "**still running**" in markdown
    assert "2 of 5 epochs done" in markdown
    assert "Not available: the analysis runs when training ends." in markdown

    pending = create_run(config_for_tests(), tmp_path / "other")
    md_path, html_path = write_report(pending)
    assert "No finished epoch yet." in md_path.read_text()
    assert_self_contained(html_path.read_text())


def test_error_analysis_is_in_both_reports(runs_dir):
    run_dir = write_run(runs_dir, IMPROVING)
    analysis = {
        "examples": 150, "classes": ["negative", "positive"], "accuracy": 0.76,
        "macro_f1": 0.7592, "confusion_matrix": [[61, 14], [22, 53]], "errors": 36,
        "per_class": [
            {"class": "negative", "precision": 0.7349, "recall": 0.8133, "f1": 0.7722,
             "support": 75, "predicted": 83},
            {"class": "positive", "precision": 0.7910, "recall": 0.7067, "f1": 0.7465,
             "support": 75, "predicted": 67}],
        "confidently_wrong": [{"index": 7, "true": "positive", "predicted": "negative",
                               "confidence": 0.97,
                               "text": "the plot was dull but the cast was <b>superb</b> ."}],
        "checkpoint": "best", "epoch": 3}
    (run_dir / "analysis.json").write_text(json.dumps(analysis))
    md_path, html_path = write_report(run_dir)
    section = md_path.read_text().split("## Error analysis (test split)", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert "with the best checkpoint's weights (epoch 3): accuracy **0.7600**" in section
    assert "| negative | 61 | 14 |" in section and "| positive | 22 | 53 |" in section
    assert "| positive | 0.7910 | 0.7067 | 0.7465 | 75 |" in section
    assert "| positive | negative | 0.970 | the plot was dull but the cast was" in section
    html_text = html_path.read_text()
    assert "&lt;b&gt;superb&lt;/b&gt;" in html_text  # a review's markup is shown, not obeyed
    assert_self_contained(html_text)


def test_report_command_prints_both_paths(runs_dir, capsys):
    run_dir = write_run(runs_dir, IMPROVING)
    assert main(["report", run_dir.name]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(runs_dir / run_dir.name / "report.md"),
                   str(runs_dir / run_dir.name / "report.html")]
    assert Path(out[1]).read_text().startswith("<!DOCTYPE html>")


def test_report_command_on_a_missing_run_is_one_clear_line(runs_dir, capsys):
    runs_dir.mkdir()
    assert main(["report", "no-such-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no run 'no-such-run'" in err


@pytest.mark.parametrize("module", ["writer", "html", "markdown", "compare", "analysis",
                                    "predict"])
def test_report_modules_load_without_tensorflow(module):
    """The TUI writes reports and reads analyses without paying for TensorFlow."""
    code = (f"import sys, seqtui.engine.reports.{module}; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_a_training_run_that_is_stopped_leaves_its_report(runs_dir):
    """The training process writes the report at every ending, here a stop asked for before
    the first batch ended (as `seqtui stop` would)."""
    from helpers import tiny_config
    from seqtui.cmd_train import train_run_dir
    from seqtui.engine.runs.control import request_stop
    from seqtui.engine.runs.status import read_run

    run_dir = create_run(tiny_config("gap", training__epochs=3), runs_dir)
    request_stop(run_dir)
    assert train_run_dir(run_dir, resume=False, show=False) == 0
    assert read_run(run_dir).status == "stopped"
    markdown = (run_dir / "report.md").read_text()
    assert "**stopped by request**" in markdown and "Stopped by request after 0 of 3" in markdown
    assert "Epoch 1 was interrupted after 1 step;" in markdown
    # A few batches of weights are not worth an error analysis.
    assert "Not available: no finished epoch to analyse." in markdown
    assert_self_contained((run_dir / "report.html").read_text())


def _finish_with_test(run_dir: Path, test: dict | None) -> None:
    log = EventLog(run_dir / "events.jsonl")
    extra = {"test": test, "test_checkpoint": "best", "test_epoch": 3} if test else {}
    log(make_event("run_finished", status="completed", best_epoch=3, best={"val_loss": 0.41},
                   seconds=9.0, **extra))
    log.close()


def test_test_scores_and_where_validation_was_measured_are_in_both_reports(runs_dir):
    run_dir = write_run(runs_dir, OVERFITTING, ending=None)
    _finish_with_test(run_dir, {"loss": 0.43219, "accuracy": 0.81234})
    md_path, html_path = write_report(run_dir)
    markdown, html_text = md_path.read_text(), html_path.read_text()
    sentence = ("Test accuracy 0.8123, loss 0.4322: measured once on the test split, with the "
                "best weights (epoch 3).")
    assert sentence in markdown and html.escape(sentence) in html_text
    assert "Validation figures (val_*) were measured on a split apart from test" in markdown
    assert "## Test" in markdown and "test accuracy" in html_text


def test_validation_on_the_test_split_is_said_in_both_reports(runs_dir):
    config = config_for_tests()
    config.data.validation = "test"
    run_dir = write_run(runs_dir, OVERFITTING, ending=None, config=config)
    _finish_with_test(run_dir, None)
    md_path, html_path = write_report(run_dir)
    for text in (md_path.read_text(), html_path.read_text()):
        assert "were measured on the test split" in text
        assert "so its figures flatter the model" in text
