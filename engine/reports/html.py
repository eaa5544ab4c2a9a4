"""The run report as one self-contained HTML file (report.html): inline CSS and SVG charts."""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from typing import Any

from seqtui.engine.reports.formatting import fmt_num, fmt_seconds, fmt_time, fmt_value, snippet
from seqtui.engine.reports.held_out import test_sentence
from seqtui.engine.reports.model import RunReport, weights_phrase
from seqtui.engine.reports.svg import PALETTE, svg_chart

CSS = """
body { font: 15px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d1d1f; max-width: 1100px; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; word-break: break-all; }
h2 { font-size: 1.15em; border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 1.6em; }
.meta { color: #444; }
.badge { display: inline-block; padding: .05em .5em; border-radius: .6em; font-weight: 600;
  border: 1px solid currentColor; }
.s-completed, .s-early_stopped { color: #1a7f37; } .s-stopped { color: #9a6700; }
.s-failed, .s-died { color: #cf222e; } .s-running, .s-pending { color: #0969da; }
.note { border-left: 4px solid #9a6700; background: #fff8e6; padding: .4em .8em; margin: .6em 0; }
.verdict { border-left: 4px solid #0969da; background: #f0f6ff; padding: .5em .9em; }
.verdict.overfitting, .verdict.unstable { border-color: #cf222e; background: #fff1f0; }
.verdict.starting { border-color: #9a6700; background: #fff8e6; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5em .9em; min-width: 9em; }
.card b { display: block; font-size: 1.25em; }
.card span { color: #555; font-size: .85em; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
.chart { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .6em; vertical-align: top; }
th { background: #f6f8fa; text-align: left; }
table.pairs th { font-weight: normal; color: #444; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #eaf5ea; font-weight: 600; }
tr.changed td { background: #fff8c5; } tr.changed td:nth-child(2) { font-weight: 700; }
td.text { max-width: 40em; }
pre { background: #f6f8fa; padding: .7em; overflow-x: auto; font-size: 13px; }
details summary { cursor: pointer; color: #444; }
footer { color: #777; font-size: .85em; margin-top: 2em; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  h2 { break-after: avoid; } svg, pre, .verdict, .cards, .keep, tr { break-inside: avoid; }
  pre { white-space: pre-wrap; }
  details > *:not(summary) { display: block; }
}
"""


def html_pairs(rows: Sequence[tuple[str, str]]) -> str:
    """A two-column table of label and value, without a header row."""
    esc = html.escape
    body = "".join(f'<tr><th scope="row">{esc(label)}</th><td>{esc(str(value))}</td></tr>'
                   for label, value in rows)
    return f'<table class="pairs"><tbody>{body}</tbody></table>'


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] = (),
               row_classes: Sequence[str] = ()) -> str:
    esc = html.escape
    numeric = list(numeric) or [False] * len(header)
    head = "".join(f'<th class="num">{esc(str(h))}</th>' if numeric[i] else
                   f"<th>{esc(str(h))}</th>" for i, h in enumerate(header))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if r < len(row_classes) and row_classes[r] else ""
        cells = "".join(f'<td class="num">{esc(str(c))}</td>' if i < len(numeric) and numeric[i]
                        else f"<td>{esc(str(c))}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def html_page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n"
            f"{body}\n<footer>Written by seqtui on {fmt_time(time.time())}. This file is "
            f"self-contained: it needs no network and no JavaScript.</footer>\n</body></html>\n")


def render_html(report: RunReport) -> str:
    esc = html.escape
    run, head, best, verdict = report.run, report.head, report.best, report.verdict
    times = report.times
    out: list[str] = [f"<h1>Run {esc(run.id)}</h1>"]
    out.append(f'<p class="meta"><span class="badge s-{esc(run.status)}">'
               f"{esc(head['status_words'])}</span> &nbsp;{esc(run.preset)} on "
               f"{esc(run.dataset)} · started {esc(fmt_time(head['started']))}"
               + (f" · took {esc(fmt_seconds(head['duration']))}" if head["duration"] else "")
               + "</p>")
    for note in head["notes"]:
        out.append(f'<p class="note">{esc(note)}</p>')
    if head["traceback"]:
        out.append(f"<details><summary>Traceback</summary><pre>{esc(head['traceback'])}</pre>"
                   "</details>")
    cards = [("best epoch", str(best["epoch"]) if best else "-",
              f"by {best['monitor']}" if best else "no finished epoch"),
             ("val accuracy", fmt_num(best["logs"].get("val_accuracy")) if best else "-",
              "at the best epoch"),
             ("val loss", fmt_num(best["logs"].get("val_loss")) if best else "-",
              "at the best epoch"),
             ("test accuracy", fmt_num(report.test["metrics"].get("accuracy"))
              if report.test else "-", "once, at the end"),
             ("parameters", fmt_num(run.params) if run.params else "-", run.preset),
             ("epochs", f"{run.epochs_done}/{run.epochs_total or '?'}", "done/planned"),
             ("s/epoch", fmt_seconds(times["steady"]), "after the first"),
             ("device", str(head["device"] or "-"), "")]
    out.append('<div class="cards">' + "".join(
        f"<div class=\"card\"><b>{esc(v)}</b><span>{esc(label)}"
        f"{(' · ' + esc(sub)) if sub else ''}</span></div>" for label, v, sub in cards) + "</div>")
    out.append(f'<p class="note">{esc(report.validation_note)} '
               f"{esc(test_sentence(report.test, run))}</p>")

    kind = {"overfitting": "overfitting", "unstable": "unstable",
            "starting to overfit": "starting"}.get(verdict["verdict"], "")
    out.append("<h2>Overfitting</h2>")
    out.append(f'<div class="verdict {kind}"><p><b>{esc(verdict["summary"])}</b></p>'
               + ("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in verdict["evidence"])
                  + "</ul>" if verdict["evidence"] else "") + "</div>")

    if run.epochs:
        out.append("<h2>Curves</h2><div class=\"charts\">")
        best_x = best["epoch"] if best else None
        for metric, curves in report.curves.items():
            out.append(svg_chart(curves, title=metric, best_x=best_x,
                                 colors={metric: PALETTE[0], f"val_{metric}": PALETTE[1]},
                                 dashed=(f"val_{metric}",)))
        out.append("</div>")
        header, rows = report.epoch_header, report.epoch_rows
        out.append("<h2>Epochs</h2>")
        out.append(html_table(header, rows, [True] * len(header),
                              ["best" if r[0].endswith("*") else "" for r in rows]))
        if best:
            out.append(f"<p class=\"meta\">* best epoch by {esc(best['monitor'])}</p>")

    out.append("<h2>Time</h2>")
    out.append(html_pairs(report.time_rows))

    out.append("<h2>Error analysis (test split)</h2>")
    out.append(_analysis_html(report))

    out.append("<h2>Dataset</h2>" + html_pairs(report.dataset_rows))
    summary = report.summary
    out.append("<h2>Model</h2>" + (f"<pre>{esc(summary.rstrip())}</pre>" if summary
                                   else "<p>No model summary yet.</p>"))
    rows, classes = [], []
    for key, value, default, changed in report.config_rows:
        rows.append([key, fmt_value(value), fmt_value(default) if changed else ""])
        classes.append("changed" if changed else "")
    out.append("<h2>Config</h2><p class=\"meta\">Settings changed from the defaults are "
               "highlighted.</p>" + html_table(["setting", "value", "default"], rows,
                                               row_classes=classes))
    out.append("<h2>Environment</h2>" + html_pairs(
        report.environment_rows))
    return html_page(f"seqtui report: {run.id}", "\n".join(out))


def _analysis_html(report: RunReport) -> str:
    esc = html.escape
    analysis = report.analysis
    if not analysis:
        return f"<p>{esc(report.analysis_missing)}</p>"
    classes = analysis["classes"]
    out = ['<div class="keep">', f"<p>On {analysis['examples']:,} test examples with "
           f"{esc(weights_phrase(analysis))}: accuracy "
           f"<b>{analysis['accuracy']:.4f}</b>, macro F1 {analysis['macro_f1']:.4f}.</p>",
           "<p class=\"meta\">Confusion matrix (rows: true class, columns: predicted)</p>",
           html_table(["true \\ predicted", *classes],
                      [[classes[i], *(f"{n:,}" for n in row)]
                       for i, row in enumerate(analysis["confusion_matrix"])],
                      [False] + [True] * len(classes)),
           html_table(["class", "precision", "recall", "F1", "support"],
                      [[c["class"], fmt_num(c["precision"]), fmt_num(c["recall"]),
                        fmt_num(c["f1"]), f"{c['support']:,}"] for c in analysis["per_class"]],
                      [False, True, True, True, True]), "</div>"]
    wrong = analysis.get("confidently_wrong") or []
    out.append("<p class=\"meta\">Most confidently wrong</p>")
    if wrong:
        rows = "".join(
            f"<tr><td>{esc(w['true'])}</td><td>{esc(w['predicted'])}</td>"
            f"<td class=\"num\">{w['confidence']:.3f}</td>"
            f"<td class=\"text\">{esc(snippet(w['text'], 300))}</td></tr>" for w in wrong)
        out.append("<table><thead><tr><th>true</th><th>predicted</th><th class=\"num\">"
                   f"confidence</th><th>text</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        out.append("<p>None: every test example was classified correctly.</p>")
    return "\n".join(out)
