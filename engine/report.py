"""Per-run reports from the run directory alone: report.md (text plots) and report.html (one
self-contained file: inline CSS and SVG, no script, nothing fetched).

Works for any run a directory can hold: completed, stopped, failed, died or still running, with
whatever files exist. Plain Python (no TensorFlow), so the TUI can call it too.
"""

from __future__ import annotations

import html
import json
import math
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from seqtui.engine.analysis import read_analysis
from seqtui.engine.config import DEFAULT_UNITS, Config, flatten
from seqtui.engine.events import Event
from seqtui.engine.runstore import RunInfo, read_run, write_private
from seqtui.engine.textplot import line_plot

METRIC_ORDER = ("loss", "accuracy", "val_loss", "val_accuracy")
# A validation loss this much above its minimum (relative) counts as having turned up; smaller
# wiggles are noise on small validation sets.
TURN_UP_TOLERANCE = 0.01
TEXT_MARKERS = ("braille", "•", "x", "+", "o", "*", "#", "@")  # tell curves apart without colour
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22")


# ---- reading a run -------------------------------------------------------------------------------

def last_event(run: RunInfo, kind: str, **match: Any) -> Event | None:
    for event in reversed(run.events):
        if event.get("type") == kind and all(event.get(k) == v for k, v in match.items()):
            return event
    return None


def metric_keys(epochs: list[dict[str, Any]]) -> list[str]:
    """Metric names in reading order: loss, accuracy, val_loss, val_accuracy, then the rest."""
    keys = {k for e in epochs for k in e["logs"]}
    return [k for k in METRIC_ORDER if k in keys] + sorted(keys - set(METRIC_ORDER))


def monitor_of(run: RunInfo) -> str:
    return str(run.config.get("training", {}).get("monitor", "val_loss"))


def series(epochs: list[dict[str, Any]], key: str) -> list[float | None]:
    return [e["logs"].get(key) for e in epochs]


def epoch_time_stats(epochs: list[dict[str, Any]]) -> dict[str, float | None]:
    """Seconds per epoch and examples/s. The first epoch also traces and compiles the model, so
    `steady` (the mean of the later epochs) is the figure to compare runs by."""
    seconds = [float(e["seconds"]) for e in epochs if e.get("seconds") is not None]
    speeds = [float(e["examples_per_sec"]) for e in epochs if e.get("examples_per_sec")]
    later = seconds[1:] or seconds
    later_speeds = speeds[1:] or speeds
    return {
        "first": seconds[0] if seconds else None,
        "steady": sum(later) / len(later) if later else None,
        "total": sum(seconds) if seconds else None,
        "examples_per_sec": sum(later_speeds) / len(later_speeds) if later_speeds else None,
    }


# ---- the overfitting verdict ---------------------------------------------------------------------

def overfitting_verdict(epochs: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether validation loss turned up while training loss kept falling, with the evidence.

    Returns {"verdict": one of "overfitting", "starting to overfit", "no overfitting",
    "unstable", "not enough epochs", "summary": one sentence, "evidence": [lines],
    "turned_up_epoch": int | None, "best_val_loss_epoch": int | None, "gap": {...}}.
    """
    val = [(e["epoch"], e["logs"].get("val_loss"), e["logs"].get("loss")) for e in epochs]
    val = [(ep, v, t) for ep, v, t in val if v is not None]
    result: dict[str, Any] = {"verdict": "not enough epochs", "turned_up_epoch": None,
                              "best_val_loss_epoch": None, "evidence": [], "gap": gap_of(epochs)}
    if len(val) < 2:
        result["summary"] = ("Not enough epochs to judge overfitting: it takes validation loss "
                             "from two epochs or more.")
        _gap_evidence(result)
        return result
    best_i = min(range(len(val)), key=lambda i: val[i][1])
    best_epoch, best_loss, train_at_best = val[best_i]
    last_epoch, last_loss, train_at_last = val[-1]
    result["best_val_loss_epoch"] = best_epoch
    evidence = result["evidence"]
    if best_i == len(val) - 1:
        first_epoch, first_loss, _ = val[0]
        result["verdict"] = "no overfitting"
        result["summary"] = (f"No overfitting: validation loss was still at its lowest at the "
                             f"last epoch ({last_epoch}); more epochs may still help.")
        evidence.append(f"validation loss fell from {first_loss:.4f} (epoch {first_epoch}) to "
                        f"{last_loss:.4f} (epoch {last_epoch})")
        _gap_evidence(result)
        return result
    turned = next(ep for ep, v, _ in val[best_i + 1:] if v > best_loss)
    result["turned_up_epoch"] = turned
    rise = (last_loss - best_loss) / best_loss if best_loss > 0 else math.inf
    train_fell = train_at_best is not None and train_at_last is not None \
        and train_at_last < train_at_best
    evidence.append(f"validation loss was lowest at epoch {best_epoch} ({best_loss:.4f}), turned "
                    f"up at epoch {turned} and ended at {last_loss:.4f} at epoch {last_epoch} "
                    f"({_pct(rise)} above its minimum)")
    if train_at_best is not None and train_at_last is not None:
        evidence.append(f"training loss went from {train_at_best:.4f} to {train_at_last:.4f} "
                        f"over the same epochs")
    epochs_after = len(val) - 1 - best_i
    if not train_fell:
        result["verdict"] = "unstable"
        result["summary"] = (f"Unstable rather than overfitting: validation loss turned up at "
                             f"epoch {turned} but training loss did not fall either; a lower "
                             f"learning rate may help.")
    elif rise <= TURN_UP_TOLERANCE or (epochs_after == 1 and rise < 0.05):
        result["verdict"] = "starting to overfit"
        result["summary"] = (f"Possibly starting to overfit: validation loss turned up slightly "
                             f"at epoch {turned} while training loss kept falling; the best "
                             f"weights are from epoch {best_epoch}.")
    else:
        result["verdict"] = "overfitting"
        result["summary"] = (f"Overfitting: validation loss turned up at epoch {turned} while "
                             f"training loss kept falling; the best weights are from epoch "
                             f"{best_epoch}, which early stopping (--early-stopping N) would "
                             f"keep.")
    _gap_evidence(result)
    return result


def gap_of(epochs: list[dict[str, Any]]) -> dict[str, Any]:
    """The train/validation gap at the last epoch: accuracy (train minus val), loss (val minus
    train), with the values it comes from."""
    if not epochs:
        return {}
    logs = epochs[-1]["logs"]
    gap: dict[str, Any] = {"epoch": epochs[-1]["epoch"]}
    for metric, sign in (("accuracy", 1), ("loss", -1)):
        train, val = logs.get(metric), logs.get(f"val_{metric}")
        if train is not None and val is not None:
            gap[metric] = sign * (train - val)
            gap[f"train_{metric}"], gap[f"val_{metric}"] = train, val
    return gap


def _gap_evidence(result: dict[str, Any]) -> None:
    gap = result["gap"]
    parts = []
    if "accuracy" in gap:
        train, val = gap["train_accuracy"], gap["val_accuracy"]
        points = abs(gap["accuracy"]) * 100
        parts.append(f"training accuracy {train:.4f} is {points:.1f} points above validation "
                     f"accuracy {val:.4f}" if gap["accuracy"] >= 0 else
                     f"validation accuracy {val:.4f} is {points:.1f} points above training "
                     f"accuracy {train:.4f}")
    if "loss" in gap:
        train, val = gap["train_loss"], gap["val_loss"]
        parts.append(f"validation loss {val:.4f} is {abs(gap['loss']):.4f} "
                     f"{'above' if gap['loss'] >= 0 else 'below'} training loss {train:.4f}")
    if parts:
        result["evidence"].append(f"train/validation gap at epoch {gap['epoch']}: "
                                  + "; ".join(parts))


def _pct(value: float) -> str:
    return "infinitely" if math.isinf(value) else f"{value * 100:.1f}%"


# ---- config against its defaults -----------------------------------------------------------------

def config_rows(config: dict[str, Any]) -> list[tuple[str, Any, Any, bool]]:
    """(setting, value, default, changed) for every setting. A preset's own units and a name that
    is just the preset count as defaults: config.json holds them resolved."""
    defaults = Config().to_dict()
    preset = config.get("model", {}).get("preset", defaults["model"]["preset"])
    defaults["model"]["units"] = list(DEFAULT_UNITS.get(preset, [])) or None
    defaults["name"] = preset
    flat_defaults = flatten(defaults)
    rows = []
    for key, value in flatten(config).items():
        if key == "schema_version":
            continue
        default = flat_defaults.get(key)
        rows.append((key, value, default, key in flat_defaults and value != default))
    return rows


# ---- formatting helpers --------------------------------------------------------------------------

def fmt_num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}" if math.isfinite(value) else str(value)
    return str(value)


def fmt_value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if value else "[]"
    return str(value)


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def fmt_time(stamp: float | None) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S") if stamp else "-"


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


def snippet(text: str, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


# ---- the parts every format shares ---------------------------------------------------------------

STATUS_WORDS = {
    "completed": "completed",
    "early_stopped": "stopped early (no improvement)",
    "stopped": "stopped by request",
    "failed": "failed",
    "died": "died (the training process ended without a last word)",
    "running": "still running",
    "pending": "not started",
}


def headline(run: RunInfo) -> dict[str, Any]:
    """Facts for the top of a report."""
    started = last_event(run, "run_started") or {}
    finished = last_event(run, "run_finished") or last_event(run, "run_failed") or {}
    done, total = run.epochs_done, run.epochs_total
    ended = run.ended if run.finished else None
    duration = (ended - run.started) if (ended and run.started) else None
    notes: list[str] = []
    if run.status == "running":
        notes.append(f"Report written while the run was training: {done} of {total or '?'} "
                     f"epochs done by {fmt_time(time.time())}.")
    elif run.status == "died":
        notes.append(f"The training process ended without a last word (killed, out of memory "
                     f"or power loss) after {done} finished epoch(s). Checkpoints of finished "
                     f"epochs are kept; `seqtui resume {run.id}` continues from the last one.")
    elif run.status == "failed":
        notes.append(f"Failed: {finished.get('message') or run.message or 'no message'}")
    elif run.status == "stopped":
        notes.append(f"Stopped by request after {done} of {total or '?'} epochs"
                     + (f" ({finished['message']})." if finished.get("message") else "."))
    elif run.status == "early_stopped":
        notes.append(f"Early stopping ended the run after {done} of {total or '?'} epochs and "
                     f"restored the best weights.")
    partial = [e for e in run.events if e.get("type") == "epoch_ended" and e.get("partial")]
    if partial and partial[-1]["epoch"] > (run.epochs[-1]["epoch"] if run.epochs else 0):
        steps = partial[-1].get("steps", "?")
        notes.append(f"Epoch {partial[-1]['epoch']} was interrupted after {steps} "
                     f"step{'' if steps == 1 else 's'}; it is not in the table.")
    return {"status": run.status, "status_words": STATUS_WORDS.get(run.status, run.status),
            "started": run.started, "duration": duration, "notes": notes,
            "device": started.get("device"), "params": run.params,
            # A bad input's message says it all; a crash's traceback is the evidence.
            "traceback": finished.get("traceback")
            if run.status == "failed" and not finished.get("bad_input") else None}


def best_summary(run: RunInfo) -> dict[str, Any] | None:
    monitor = monitor_of(run)
    best = run.best(monitor)
    if best is None:
        return None
    epoch = next(e for e in run.epochs if e["epoch"] == best[0])
    return {"monitor": monitor, "epoch": best[0], "value": best[1], "logs": epoch["logs"]}


def dataset_rows(run: RunInfo) -> list[tuple[str, str]]:
    ready = last_event(run, "stage", stage="ready") or {}
    facts = dict(ready.get("dataset") or {})
    rows: list[tuple[str, str]] = [("dataset", run.dataset)]
    if not facts:
        rows.append(("facts", "not known yet (the run did not reach training)"))
        return rows
    if "source" in facts:
        rows.append(("source", str(facts.pop("source"))))
    for split in ("train", "test"):
        if f"{split}_size" in facts:
            rows.append((f"{split} examples", f"{facts.pop(f'{split}_size'):,}"))
    classes = facts.pop("classes", ready.get("class_names")) or []
    counts = facts.pop("train_class_counts", None)
    if classes:
        if counts and len(counts) == len(classes):
            rows.append(("classes", ", ".join(f"{c} ({n:,} train)"
                                              for c, n in zip(classes, counts, strict=True))))
        else:
            rows.append(("classes", ", ".join(map(str, classes))))
    if "tokenizer" in facts:
        rows.append(("tokenizer", str(facts.pop("tokenizer"))))
    if "vocab_size" in facts:
        rows.append(("vocabulary size", f"{facts.pop('vocab_size'):,}"))
    stats = facts.pop("length_stats", None)
    if isinstance(stats, dict):
        rows.append(("tokens per training text", ", ".join(
            f"{k} {fmt_num(stats[k], 1)}" for k in ("min", "median", "mean", "p95", "max")
            if k in stats)))
    for key, value in facts.items():
        rows.append((key.replace("_", " "), fmt_value(value) if not isinstance(value, dict)
                     else json.dumps(value)))
    return rows


def environment_rows(run: RunInfo) -> list[tuple[str, str]]:
    started = last_event(run, "run_started") or {}
    rows: list[tuple[str, str]] = []
    for key, label in (("device", "device"), ("strategy", "strategy"), ("replicas", "replicas"),
                       ("mixed_precision", "mixed precision"), ("jit_compile", "XLA (jit)")):
        if key in started:
            rows.append((label, fmt_value(started[key])))
    for name, version in (started.get("versions") or {}).items():
        rows.append((name, str(version)))
    if (run.path / "tensorboard").is_dir():
        rows.append(("TensorBoard logs", f"tensorboard --logdir {run.path / 'tensorboard'}"))
    build = started.get("build") or {}
    if build.get("is_cuda_build"):
        rows.append(("TensorFlow build", f"CUDA {build.get('cuda_version')}, "
                                         f"cuDNN {build.get('cudnn_version')}"))
    return rows


def epoch_table(run: RunInfo) -> tuple[list[str], list[list[str]]]:
    """The per-epoch table as strings: the numbers of history.csv, rounded to 4 places."""
    keys = metric_keys(run.epochs)
    best = best_summary(run)
    header = ["epoch", *keys, "seconds", "examples/s"]
    rows = []
    for e in run.epochs:
        mark = " *" if best and e["epoch"] == best["epoch"] else ""
        rows.append([f"{e['epoch']}{mark}", *(fmt_num(e["logs"].get(k)) for k in keys),
                     fmt_num(e.get("seconds"), 1),
                     fmt_num(float(e["examples_per_sec"]), 0) if e.get("examples_per_sec")
                     else "-"])
    return header, rows


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# ---- Markdown ------------------------------------------------------------------------------------

def render_markdown(run: RunInfo) -> str:
    head = headline(run)
    best = best_summary(run)
    verdict = overfitting_verdict(run.epochs)
    times = epoch_time_stats(run.epochs)
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
        metrics = ", ".join(f"{k} {fmt_num(best['logs'][k])}" for k in metric_keys(run.epochs)
                            if k in best["logs"])
        out.append(f"Epoch **{best['epoch']}** by {best['monitor']}: {metrics}.")
    else:
        out.append("No finished epoch yet.")

    out += ["", "## Overfitting", "", f"**{verdict['summary']}**"]
    out += [""] + [f"- {line}" for line in verdict["evidence"]] if verdict["evidence"] else []

    if run.epochs:
        out += ["", "## Curves", ""]
        best_x = best["epoch"] if best else None
        for metric in ("loss", "accuracy"):
            curves = {k: series(run.epochs, k) for k in (metric, f"val_{metric}")
                      if any(v is not None for v in series(run.epochs, k))}
            if curves:
                plot = line_plot(curves, title=metric, width=72, height=15, best_x=best_x,
                                 markers=TEXT_MARKERS)
                out += ["```text", plot.rstrip(), "```", ""]

        out += ["", "## Epochs", ""]
        header, rows = epoch_table(run)
        out.append(md_table(header, rows, [True] * len(header)))
        if best:
            out += ["", f"\\* best epoch by {best['monitor']}"]

    out += ["", "## Time", ""]
    out += md_pairs(_time_rows(run, times, head))

    analysis = read_analysis(run.path)
    out += ["", "## Error analysis (test split)", ""]
    out += _analysis_markdown(analysis, run)

    out += ["", "## Dataset", "", *md_pairs(dataset_rows(run))]

    summary = read_text(run.path / "summary.txt")
    out += ["", "## Model", ""]
    out += ["```text", summary.rstrip(), "```"] if summary else ["No model summary yet."]

    out += ["", "## Config", "", "Settings changed from the defaults are in **bold**.", ""]
    rows = []
    for key, value, default, changed in config_rows(run.config):
        shown = f"**{fmt_value(value)}**" if changed else fmt_value(value)
        rows.append([f"**{key}**" if changed else key, shown,
                     fmt_value(default) if changed else ""])
    out.append(md_table(["setting", "value", "default"], rows))

    out += ["", "## Environment", "", *md_pairs(environment_rows(run) or
                                               [("versions", "not known yet")])]
    out += ["", f"_Written by seqtui on {fmt_time(time.time())} from {run.path.name}/._", ""]
    return "\n".join(out)


def _time_rows(run: RunInfo, times: dict[str, float | None],
               head: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [("training time (epochs)", fmt_seconds(times["total"])),
            ("whole run", fmt_seconds(head["duration"]))]
    if times["first"] is not None:
        rows.append(("first epoch (includes tracing)", fmt_seconds(times["first"])))
    if run.epochs_done > 1:
        rows.append(("later epochs, mean", fmt_seconds(times["steady"])))
    if times["examples_per_sec"]:
        rows.append(("training examples/s", f"{times['examples_per_sec']:,.0f}"))
    return rows


def analysis_missing(run: RunInfo) -> str:
    if run.status in ("running", "pending"):
        return "Not available: the analysis runs when training ends."
    if not run.epochs:
        return "Not available: no finished epoch to analyse."
    return "Not available: the run ended before the analysis ran."


def weights_phrase(analysis: dict[str, Any]) -> str:
    kind = "the best checkpoint's weights" if analysis.get("checkpoint") == "best" else \
        "the weights training ended with"
    return f"{kind} (epoch {analysis['epoch']})" if analysis.get("epoch") else kind


def _analysis_markdown(analysis: dict[str, Any] | None, run: RunInfo) -> list[str]:
    if not analysis:
        return [analysis_missing(run)]
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


# ---- SVG charts ----------------------------------------------------------------------------------

def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    span = high - low
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10)),
               key=lambda st: abs(span / st - (count - 1)))
    start = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def svg_chart(curves: dict[str, Sequence[float | None]], title: str = "",
              best_x: int | None = None, width: int = 520, height: int = 280,
              colors: dict[str, str] | None = None, dashed: Sequence[str] = ()) -> str:
    """A line chart as inline SVG: one <path> per curve (gaps for missing values), axes with
    ticks, a legend, and the best epoch as a dashed vertical line. No script, no external refs."""
    drawn = {name: list(values) for name, values in curves.items()
             if any(v is not None and math.isfinite(v) for v in values)}
    esc = html.escape
    if not drawn:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="60" '
                f'role="img" aria-label="{esc(title)}: no data"><text x="10" y="35" '
                f'font-size="13" fill="#555">{esc(title)}: no data yet</text></svg>')
    n = max(len(v) for v in drawn.values())
    values = [v for vs in drawn.values() for v in vs if v is not None and math.isfinite(v)]
    low, high = min(values), max(values)
    if high - low < 1e-12:
        pad = abs(high) * 0.1 or 0.5
        low, high = low - pad, high + pad
    else:
        pad = (high - low) * 0.08
        low, high = low - pad, high + pad
    ticks = [t for t in nice_ticks(low, high) if low <= t <= high]
    left, right, top = 58, 14, 30
    legend_rows = math.ceil(len(drawn) / 3)
    bottom = 40 + 18 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom
    x_low, x_high = (0.5, 1.5) if n == 1 else (1, n)

    def sx(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * plot_w

    def sy(y: float) -> float:
        return top + (high - y) / (high - low) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" '
             f'class="chart">', f"<title>{esc(title)}</title>",
             f'<text x="{left}" y="18" font-size="14" font-weight="bold" fill="#222">'
             f"{esc(title)}</text>",
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
             f'stroke="#bbb"/>']
    decimals = max(0, min(6, -math.floor(math.log10(ticks[1] - ticks[0])) + 1)) \
        if len(ticks) > 1 else 3
    for t in ticks:
        y = sy(t)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                     f'stroke="#e5e5e5"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="#444">{t:.{decimals}f}</text>')
    step = max(1, math.ceil(n / 10))
    for x in range(1, n + 1):
        if (x - 1) % step and x != n:
            continue
        parts.append(f'<line x1="{sx(x):.1f}" y1="{top + plot_h}" x2="{sx(x):.1f}" '
                     f'y2="{top + plot_h + 4}" stroke="#888"/>')
        parts.append(f'<text x="{sx(x):.1f}" y="{top + plot_h + 16}" font-size="11" '
                     f'text-anchor="middle" fill="#444">{x}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 30}" font-size="11" '
                 f'text-anchor="middle" fill="#444">epoch</text>')
    if best_x is not None and 1 <= best_x <= n:
        bx = sx(best_x)
        parts.append(f'<line x1="{bx:.1f}" y1="{top}" x2="{bx:.1f}" y2="{top + plot_h}" '
                     f'stroke="#666" stroke-dasharray="3 3" class="best"/>')
        near_right = bx > left + plot_w - 50
        parts.append(f'<text x="{bx - 3 if near_right else bx + 3:.1f}" y="{top + 11}" '
                     f'font-size="10" fill="#444" '
                     f'text-anchor="{"end" if near_right else "start"}">best {best_x}</text>')
    colors = colors or {}
    for index, (name, vs) in enumerate(drawn.items()):
        color = colors.get(name, PALETTE[index % len(PALETTE)])
        commands, pen_down = [], False
        for x, v in enumerate(vs, start=1):
            if v is None or not math.isfinite(v):
                pen_down = False
                continue
            commands.append(f"{'L' if pen_down else 'M'}{sx(x):.1f} {sy(v):.1f}")
            pen_down = True
        if len(commands) == 1:
            commands.append("l0.01 0")  # a lone point still shows as a round dot
        dash = ' stroke-dasharray="6 4"' if name in dashed else ""
        parts.append(f'<path d="{" ".join(commands)}" fill="none" stroke="{color}" '
                     f'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"{dash}>'
                     f"<title>{esc(name)}</title></path>")
        if n <= 40:
            for x, v in enumerate(vs, start=1):
                if v is not None and math.isfinite(v):
                    parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(v):.1f}" r="2.5" '
                                 f'fill="{color}"><title>{esc(name)} epoch {x}: {v:.4f}'
                                 f"</title></circle>")
        row, col = divmod(index, 3)
        lx, ly = left + col * (plot_w / 3), top + plot_h + 44 + row * 18
        parts.append(f'<line x1="{lx:.1f}" y1="{ly - 4}" x2="{lx + 22:.1f}" y2="{ly - 4}" '
                     f'stroke="{color}" stroke-width="2"{dash}/>')
        label = name if len(name) <= 28 else name[:27] + "…"
        parts.append(f'<text x="{lx + 27:.1f}" y="{ly}" font-size="11" fill="#222">'
                     f"{esc(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)


# ---- HTML ----------------------------------------------------------------------------------------

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


def render_html(run: RunInfo) -> str:
    esc = html.escape
    head = headline(run)
    best = best_summary(run)
    verdict = overfitting_verdict(run.epochs)
    times = epoch_time_stats(run.epochs)
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
             ("parameters", fmt_num(run.params) if run.params else "-", run.preset),
             ("epochs", f"{run.epochs_done}/{run.epochs_total or '?'}", "done/planned"),
             ("s/epoch", fmt_seconds(times["steady"]), "after the first"),
             ("device", str(head["device"] or "-"), "")]
    out.append('<div class="cards">' + "".join(
        f"<div class=\"card\"><b>{esc(v)}</b><span>{esc(label)}"
        f"{(' · ' + esc(sub)) if sub else ''}</span></div>" for label, v, sub in cards) + "</div>")

    kind = {"overfitting": "overfitting", "unstable": "unstable",
            "starting to overfit": "starting"}.get(verdict["verdict"], "")
    out.append("<h2>Overfitting</h2>")
    out.append(f'<div class="verdict {kind}"><p><b>{esc(verdict["summary"])}</b></p>'
               + ("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in verdict["evidence"])
                  + "</ul>" if verdict["evidence"] else "") + "</div>")

    if run.epochs:
        out.append("<h2>Curves</h2><div class=\"charts\">")
        best_x = best["epoch"] if best else None
        for metric in ("loss", "accuracy"):
            curves = {k: series(run.epochs, k) for k in (metric, f"val_{metric}")}
            if any(v is not None for vs in curves.values() for v in vs):
                out.append(svg_chart(curves, title=metric, best_x=best_x,
                                     colors={metric: PALETTE[0], f"val_{metric}": PALETTE[1]},
                                     dashed=(f"val_{metric}",)))
        out.append("</div>")
        header, rows = epoch_table(run)
        out.append("<h2>Epochs</h2>")
        out.append(html_table(header, rows, [True] * len(header),
                              ["best" if r[0].endswith("*") else "" for r in rows]))
        if best:
            out.append(f"<p class=\"meta\">* best epoch by {esc(best['monitor'])}</p>")

    out.append("<h2>Time</h2>")
    out.append(html_pairs(_time_rows(run, times, head)))

    out.append("<h2>Error analysis (test split)</h2>")
    out.append(_analysis_html(read_analysis(run.path), run))

    out.append("<h2>Dataset</h2>" + html_pairs(dataset_rows(run)))
    summary = read_text(run.path / "summary.txt")
    out.append("<h2>Model</h2>" + (f"<pre>{esc(summary.rstrip())}</pre>" if summary
                                   else "<p>No model summary yet.</p>"))
    rows, classes = [], []
    for key, value, default, changed in config_rows(run.config):
        rows.append([key, fmt_value(value), fmt_value(default) if changed else ""])
        classes.append("changed" if changed else "")
    out.append("<h2>Config</h2><p class=\"meta\">Settings changed from the defaults are "
               "highlighted.</p>" + html_table(["setting", "value", "default"], rows,
                                               row_classes=classes))
    out.append("<h2>Environment</h2>" + html_pairs(
        environment_rows(run) or [("versions", "not known yet")]))
    return html_page(f"seqtui report: {run.id}", "\n".join(out))


def _analysis_html(analysis: dict[str, Any] | None, run: RunInfo) -> str:
    esc = html.escape
    if not analysis:
        return f"<p>{html.escape(analysis_missing(run))}</p>"
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


# ---- writing -------------------------------------------------------------------------------------

def write_report(run_dir: Path) -> tuple[Path, Path]:
    """Write run_dir/report.md and run_dir/report.html from what the directory holds."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    md_path, html_path = run_dir / "report.md", run_dir / "report.html"
    write_private(md_path, render_markdown(run))
    write_private(html_path, render_html(run))
    return md_path, html_path
