"""The run report as Markdown (report.md): text plots for curves, tables for the rest."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from seqtui.engine.reports.formatting import (
    fmt_metric,
    fmt_num,
    fmt_seconds,
    fmt_time,
    fmt_value,
    snippet,
)
from seqtui.engine.reports.held_out import test_sentence
from seqtui.engine.reports.model import RunReport, weights_phrase
from seqtui.engine.reports.textplot import line_plot

TEXT_MARKERS = ("braille", "•", "x", "+", "o", "*", "#", "@")  # tell curves apart without colour


def md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]],
             right: Sequence[bool] | None = None) -> str:
    right = right or [False] * len(header)
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |",
             "| " + " | ".join("---:" if r else "---" for r in right) + " |"]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def md_pairs(rows: Sequence[tuple[str, str]]) -> list[str]:
    return [f"- {label}: {md_cell(value)}" for label, value in rows]


# ---- Markdown ------------------------------------------------------------------------------------

def render_markdown(report: RunReport) -> str:
    run, head, best, verdict = report.run, report.head, report.best, report.verdict
    out: list[str] = [f"# Run {run.id}", ""]
    out.append(f"**{head['status_words']}** · {run.preset} on {run.dataset} · "
               f"{fmt_num(run.params) if run.params else '?'} parameters · "
               f"{run.epochs_done}/{run.epochs_total or '?'} epochs · "
               f"device {head['device'] or '?'}")
    out.append("")
    out.append(f"Started {fmt_time(head['started'])}"
               + (f", took {fmt_seconds(head['duration'])}." if head["duration"] else "."))
    for note in head["notes"]:
        out += ["", f"> {note}"]
    if head["traceback"]:
        lines = head["traceback"].rstrip().splitlines()[-12:]
        out += ["", "```", *lines, "```"]

    out += ["", "## Best epoch", ""]
    if best:
        metrics = ", ".join(f"{k} {fmt_metric(k, best['logs'][k])}" for k in report.metrics
                            if k in best["logs"])
        out.append(f"Epoch **{best['epoch']}** by {best['monitor']}: {metrics}.")
    else:
        out.append("No finished epoch yet.")
    out += ["", report.validation_note]
    out += ["", "## Test", "", test_sentence(report.test, run)]

    out += ["", "## Overfitting", "", f"**{verdict['summary']}**"]
    out += [""] + [f"- {line}" for line in verdict["evidence"]] if verdict["evidence"] else []

    if run.epochs:
        out += ["", "## Curves", ""]
        best_x = best["epoch"] if best else None
        for metric, curves in report.curves.items():
            plot = line_plot(curves, title=metric, width=72, height=15, best_x=best_x,
                             markers=TEXT_MARKERS)
            out += ["```text", plot.rstrip(), "```", ""]

        out += ["", "## Epochs", ""]
        header = report.epoch_header
        out.append(md_table(header, report.epoch_rows, [True] * len(header)))
        if best:
            out += ["", f"\\* best epoch by {best['monitor']}"]

    out += ["", "## Time", ""]
    out += md_pairs(report.time_rows)

    out += ["", "## Error analysis (test split)", ""]
    out += _analysis_markdown(report)

    out += ["", "## Dataset", "", *md_pairs(report.dataset_rows)]

    summary = report.summary
    out += ["", "## Model", ""]
    out += ["```text", summary.rstrip(), "```"] if summary else ["No model summary yet."]

    out += ["", "## Config", "", "Settings changed from the defaults are in **bold**.", ""]
    rows = []
    for key, value, default, changed in report.config_rows:
        shown = f"**{fmt_value(value)}**" if changed else fmt_value(value)
        rows.append([f"**{key}**" if changed else key, shown,
                     fmt_value(default) if changed else ""])
    out.append(md_table(["setting", "value", "default"], rows))

    out += ["", "## Environment", "", *md_pairs(report.environment_rows)]
    out += ["", f"_Written by seqtui on {fmt_time(time.time())} from {run.path.name}/._", ""]
    return "\n".join(out)


def _analysis_markdown(report: RunReport) -> list[str]:
    analysis = report.analysis
    if not analysis:
        return [report.analysis_missing]
    classes = analysis["classes"]
    out = [f"On {analysis['examples']:,} test examples with {weights_phrase(analysis)}: accuracy "
           f"**{analysis['accuracy']:.4f}**, macro F1 {analysis['macro_f1']:.4f}.", "",
           "Confusion matrix (rows: true class, columns: predicted):", ""]
    header = ["true \\ predicted", *classes]
    rows = [[classes[i], *(f"{n:,}" for n in row)]
            for i, row in enumerate(analysis["confusion_matrix"])]
    out.append(md_table(header, rows, [False] + [True] * len(classes)))
    out += ["", md_table(["class", "precision", "recall", "F1", "support"],
                         [[c["class"], fmt_num(c["precision"]), fmt_num(c["recall"]),
                           fmt_num(c["f1"]), f"{c['support']:,}"]
                          for c in analysis["per_class"]], [False, True, True, True, True])]
    wrong = analysis.get("confidently_wrong") or []
    out += ["", "Most confidently wrong:", ""]
    if wrong:
        out.append(md_table(["true", "predicted", "confidence", "text"],
                            [[w["true"], w["predicted"], f"{w['confidence']:.3f}",
                              snippet(w["text"])] for w in wrong],
                            [False, False, True, False]))
    else:
        out.append("None: every test example was classified correctly.")
    return out
