"""A comparison report for two or more runs: overlaid curves per metric, a table of best values
with their epoch, parameters and time per epoch, and only the settings that differ.

Markdown (text plots) or one self-contained HTML file (inline SVG). Plain Python, no TensorFlow.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

from seqtui.engine.config import differing_settings
from seqtui.engine.errors import BadInput
from seqtui.engine.reports.formatting import fmt_num, fmt_seconds, fmt_time, fmt_value
from seqtui.engine.reports.html import html_page, html_table
from seqtui.engine.reports.markdown import TEXT_MARKERS, md_table
from seqtui.engine.reports.model import STATUS_WORDS, epoch_time_stats, metric_keys, series
from seqtui.engine.reports.svg import PALETTE, svg_chart
from seqtui.engine.reports.textplot import line_plot
from seqtui.engine.runs.files import write_private
from seqtui.engine.runs.status import STEADY_NOTE, RunInfo, read_run

TEST_NOTE = "Test accuracy is measured once, at the end, with the best weights."
ON_TEST_NOTE = (" * validated on the test split (--validation test, or a run from before "
                "validation splits): those best values were chosen on the test split.")


def run_labels(runs: list[RunInfo]) -> list[str]:
    """Short names for legends: the run ids without their date when that keeps them unique."""
    short = [r.id.split("_", 1)[1] if "_" in r.id else r.id for r in runs]
    return short if len(set(short)) == len(short) else [r.id for r in runs]


def comparison_metrics(runs: list[RunInfo]) -> list[str]:
    keys = set()
    for run in runs:
        keys.update(metric_keys(run.epochs))
    ordered = [k for k in ("val_accuracy", "val_loss", "accuracy", "loss") if k in keys]
    return ordered + sorted(keys - set(ordered))


def _best(run: RunInfo, metric: str) -> tuple[int, float] | None:
    return run.best(metric)


def best_rows(runs: list[RunInfo], labels: list[str]) -> tuple[list[str], list[list[str]]]:
    """One row per run: status, preset, params, epochs, best values with their epoch, time."""
    val_metrics = [m for m in comparison_metrics(runs) if m.startswith("val_")]
    header = ["run", "status", "preset", "params", "epochs",
              *(f"best {m} (epoch)" for m in val_metrics), "test accuracy", "s/epoch",
              "examples/s"]
    rows = []
    for run, label in zip(runs, labels, strict=True):
        times = epoch_time_stats(run.epochs)
        cells = [label, run.status, run.preset, fmt_num(run.params) if run.params else "-",
                 f"{run.epochs_done}/{run.epochs_total or '?'}"]
        for metric in val_metrics:
            best = _best(run, metric)
            # * marks figures measured on the test split (the seeds' way of validating).
            mark = "*" if run.validated_on_test else ""
            cells.append(f"{best[1]:.4f} ({best[0]}){mark}" if best else "-")
        test = (run.test_metrics or {}).get("accuracy")
        cells.append(f"{test:.4f}" if test is not None else "-")
        cells.append(fmt_seconds(times["steady"]))
        cells.append(f"{times['examples_per_sec']:,.0f}" if times["examples_per_sec"] else "-")
        rows.append(cells)
    return header, rows


def settings_rows(runs: list[RunInfo], labels: list[str]) -> list[list[str]]:
    """Only the settings that differ (a run's name always does, so it is left out)."""
    configs = [r.config for r in runs]
    keys = [k for k in differing_settings(configs) if k != "name"]
    rows = []
    for key in keys:
        values = []
        for config in configs:
            target: Any = config
            for part in key.split("."):
                target = target.get(part) if isinstance(target, dict) else None
            values.append(fmt_value(target))
        rows.append([key, *values])
    return rows


def load_runs(run_dirs: list[Path]) -> list[RunInfo]:
    if len(run_dirs) < 2:
        raise BadInput("compare takes two or more runs")
    resolved = [Path(d).resolve() for d in run_dirs]
    for i, path in enumerate(resolved):
        if path in resolved[:i]:
            raise BadInput(f"run {path.name} is given twice")
    return [read_run(Path(d)) for d in run_dirs]


def render_markdown(runs: list[RunInfo]) -> str:
    labels = run_labels(runs)
    out = [f"# Comparison of {len(runs)} runs", ""]
    out += [f"- **{label}**: `{run.id}`, {STATUS_WORDS.get(run.status, run.status)}, "
            f"{run.preset} on {run.dataset}" for run, label in zip(runs, labels, strict=True)]
    header, rows = best_rows(runs, labels)
    out += ["", "## Best values", "", md_table(header, rows, [False] * 3 + [True] * (len(header)
                                                                            - 3))]
    out += ["", STEADY_NOTE + ". "
            + TEST_NOTE + (ON_TEST_NOTE if any(r.validated_on_test for r in runs) else "")]
    settings = settings_rows(runs, labels)
    out += ["", "## Settings that differ", ""]
    out.append(md_table(["setting", *labels], settings) if settings
               else "None: the runs share every setting but their name.")
    out += ["", "## Curves", ""]
    for metric in comparison_metrics(runs):
        curves = {label: series(run.epochs, metric) for run, label in zip(runs, labels,
                                                                         strict=True)}
        if any(v is not None for vs in curves.values() for v in vs):
            plot = line_plot(curves, title=metric, width=76, height=16, markers=TEXT_MARKERS)
            out += ["```text", plot.rstrip(), "```", ""]
    out += [f"_Written by seqtui on {fmt_time(time.time())}._", ""]
    return "\n".join(out)


def render_html(runs: list[RunInfo]) -> str:
    esc = html.escape
    labels = run_labels(runs)
    colors = {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}
    out = [f"<h1>Comparison of {len(runs)} runs</h1><ul>"]
    for run, label in zip(runs, labels, strict=True):
        out.append(f'<li><b style="color:{colors[label]}">{esc(label)}</b>: '
                   f"<code>{esc(run.id)}</code>, <span class=\"s-{esc(run.status)}\">"
                   f"{esc(STATUS_WORDS.get(run.status, run.status))}</span>, "
                   f"{esc(run.preset)} on {esc(run.dataset)}</li>")
    out.append("</ul>")
    header, rows = best_rows(runs, labels)
    out.append("<h2>Best values</h2>" + html_table(header, rows, [False] * 3 + [True] *
                                                   (len(header) - 3)))
    out.append('<p class="meta">' + esc(STEADY_NOTE + ". " + TEST_NOTE + (
        ON_TEST_NOTE if any(r.validated_on_test for r in runs) else "")) + "</p>")
    settings = settings_rows(runs, labels)
    out.append("<h2>Settings that differ</h2>")
    out.append(html_table(["setting", *labels], settings) if settings else
               "<p>None: the runs share every setting but their name.</p>")
    out.append('<h2>Curves</h2><div class="charts">')
    for metric in comparison_metrics(runs):
        curves = {label: series(run.epochs, metric) for run, label in zip(runs, labels,
                                                                         strict=True)}
        if any(v is not None for vs in curves.values() for v in vs):
            out.append(svg_chart(curves, title=metric, colors=colors))
    out.append("</div>")
    return html_page(f"seqtui comparison: {', '.join(labels)}", "\n".join(out))


def write_comparison(run_dirs: list[Path], output: Path) -> Path:
    """Write a comparison of the runs to `output`: .html or .md by its suffix."""
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".md", ".markdown"):
        raise BadInput(f"-o {output}: the file name must end in .html or .md")
    runs = load_runs(run_dirs)
    text = render_html(runs) if suffix in (".html", ".htm") else render_markdown(runs)
    if output.parent and not output.parent.is_dir():
        raise BadInput(f"-o {output}: folder {output.parent} does not exist")
    write_private(output, text)
    return output
