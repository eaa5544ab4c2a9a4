"""Comparison reports for two or more run directories the tests write: best values with their
epoch, only the settings that differ, one overlaid SVG curve per run, nothing external."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from seqtui.cli import main
from seqtui.engine.errors import BadInput
from seqtui.engine.reports.compare import write_comparison

# The run-directory writer and HTML checks of the report tests (tests are not a package).
_spec = importlib.util.spec_from_file_location(
    "report_tests", Path(__file__).with_name("test_report.py"))
report_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report_tests)
write_run, config_for_tests = report_tests.write_run, report_tests.config_for_tests
OVERFITTING, IMPROVING = report_tests.OVERFITTING, report_tests.IMPROVING


@pytest.fixture
def three_runs(runs_dir):
    gru = config_for_tests()
    gru.model.preset = "bigru"
    gru.training.learning_rate = 0.01
    return [write_run(runs_dir, OVERFITTING), write_run(runs_dir, IMPROVING, config=gru),
            write_run(runs_dir, IMPROVING[:2], ending="stopped")]


def table(markdown: str, section: str) -> list[list[str]]:
    body = markdown.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return [[c.strip() for c in line.strip("|").split("|")] for line in body.splitlines()
            if line.startswith("|")][2:]


def test_markdown_has_best_values_and_only_the_settings_that_differ(three_runs, tmp_path):
    out = write_comparison(three_runs, tmp_path / "cmp.md")
    markdown = out.read_text()
    best = table(markdown, "Best values")
    assert [row[1] for row in best] == ["completed", "completed", "stopped"]
    assert [row[2] for row in best] == ["bilstm", "bigru", "bilstm"]
    # best val_accuracy (epoch), then best val_loss (epoch): the highest and the lowest.
    assert best[0][5:7] == ["0.8346 (3)", "0.4112 (3)"]
    assert best[1][5:7] == ["0.7600 (3)", "0.5000 (3)"]
    assert best[2][5:7] == ["0.7000 (2)", "0.5700 (2)"]
    assert best[0][4] == "5/5" and best[2][4] == "2/5"

    settings = table(markdown, "Settings that differ")
    assert {row[0]: row[1:] for row in settings} == {
        "model.preset": ["bilstm", "bigru", "bilstm"],
        "training.learning_rate": ["0.001", "0.01", "0.001"],
    }
    curves = markdown.split("## Curves", 1)[1]
    for metric in ("val_accuracy", "val_loss", "accuracy", "loss"):
        assert f" {metric} " in curves


def test_html_overlays_one_curve_per_run_and_is_self_contained(three_runs, tmp_path):
    html_text = write_comparison(three_runs, tmp_path / "cmp.html").read_text()
    report_tests.assert_self_contained(html_text)
    charts = report_tests.svgs(html_text)
    assert len(charts) == 4
    for chart in charts:
        assert chart.count("<path ") == 3
    ids = [path.name for path in three_runs]
    for run_id in ids:
        assert run_id in html_text
    # The stopped run's curve has its two epochs, the others theirs.
    first = charts[0]
    points = [len(re.findall(r"[ML]", d)) for d in re.findall(r'<path d="([^"]*)"', first)]
    assert points == [5, 3, 2]


def test_runs_that_share_every_setting_say_so(runs_dir, tmp_path):
    runs = [write_run(runs_dir, IMPROVING), write_run(runs_dir, OVERFITTING)]
    markdown = write_comparison(runs, tmp_path / "cmp.md").read_text()
    assert "None: the runs share every setting but their name." in markdown


def test_bad_comparisons_are_refused(three_runs, tmp_path):
    with pytest.raises(BadInput, match="two or more runs"):
        write_comparison(three_runs[:1], tmp_path / "cmp.md")
    with pytest.raises(BadInput, match="given twice"):
        write_comparison([three_runs[0], three_runs[0]], tmp_path / "cmp.md")
    with pytest.raises(BadInput, match="must end in .html or .md"):
        write_comparison(three_runs, tmp_path / "cmp.pdf")
    with pytest.raises(BadInput, match="does not exist"):
        write_comparison(three_runs, tmp_path / "nowhere" / "cmp.html")


def test_compare_command_writes_the_file_or_prints_markdown(three_runs, runs_dir, tmp_path,
                                                             capsys):
    out = tmp_path / "cmp.html"
    assert main(["compare", three_runs[0].name, three_runs[1].name, "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.read_text().startswith("<!DOCTYPE html>")

    assert main(["compare", *(p.name for p in three_runs)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("# Comparison of 3 runs") and "## Settings that differ" in printed

    assert main(["compare", three_runs[0].name]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "two or more runs" in err


def test_test_accuracy_sits_beside_the_best_values_and_test_validation_is_marked(
        runs_dir, tmp_path):
    seeds = config_for_tests()
    seeds.data.validation = "test"
    scored = write_run(runs_dir, OVERFITTING, ending=None)
    report_tests._finish_with_test(scored, {"loss": 0.4, "accuracy": 0.80125})
    marked = write_run(runs_dir, IMPROVING, config=seeds)
    markdown = write_comparison([scored, marked], tmp_path / "cmp.md").read_text()
    header = [c.strip() for c in markdown.split("## Best values\n", 1)[1].splitlines()[1]
              .strip("|").split("|")]
    best = table(markdown, "Best values")
    column = header.index("test accuracy")
    assert [row[column] for row in best] == ["0.8013", "-"]
    assert best[0][5] == "0.8346 (3)" and best[1][5] == "0.7600 (3)*"
    assert "* validated on the test split" in markdown
