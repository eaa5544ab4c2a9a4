"""The report's data model: everything a run report says, derived once from the run directory,
so the Markdown and HTML renderers read the same facts and never disagree."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seqtui.engine.config import DEFAULT_UNITS, Config, flatten
from seqtui.engine.reports.attempts import resume_notes
from seqtui.engine.reports.formatting import (
    fmt_metric,
    fmt_num,
    fmt_seconds,
    fmt_time,
    fmt_value,
)
from seqtui.engine.reports.held_out import test_summary, validation_note
from seqtui.engine.runs.events import Event
from seqtui.engine.runs.status import RunInfo, steady_mean

METRIC_ORDER = ("loss", "accuracy", "val_loss", "val_accuracy")
# Curves the report draws, each with its validation twin where there is one; learning_rate is
# logged only under a schedule, the others only when asked for (training.metrics).
CURVE_METRICS = ("loss", "accuracy", "precision", "recall", "auc", "learning_rate")
# A validation loss this much above its minimum (relative) counts as having turned up; smaller
# wiggles are noise on small validation sets.
TURN_UP_TOLERANCE = 0.01


# ---- reading a run -------------------------------------------------------------------------------

def last_event(run: RunInfo, kind: str, **match: Any) -> Event | None:
    for event in reversed(run.events):
        if event.get("type") == kind and all(event.get(k) == v for k, v in match.items()):
            return event
    return None


def metric_keys(epochs: list[dict[str, Any]]) -> list[str]:
    """Metric names in reading order: loss, accuracy, val_loss, val_accuracy, then the rest,
    each beside its val_ twin, and the learning rate last."""
    keys = {k for e in epochs for k in e["logs"]}
    rest = sorted(keys - set(METRIC_ORDER), key=lambda k: (
        k == "learning_rate", k.removeprefix("val_"), k.startswith("val_")))
    return [k for k in METRIC_ORDER if k in keys] + rest


def monitor_of(run: RunInfo) -> str:
    return str(run.config.get("training", {}).get("monitor", "val_loss"))


def series(epochs: list[dict[str, Any]], key: str) -> list[float | None]:
    return [e["logs"].get(key) for e in epochs]


def epoch_time_stats(epochs: list[dict[str, Any]]) -> dict[str, float | None]:
    """Seconds per epoch and examples/s. The first epoch of each training process also traces
    and compiles the model, so `steady` (runs.status.steady_mean, the figure every screen
    gives) is the one to compare runs by."""
    seconds = [float(e["seconds"]) for e in epochs if e.get("seconds") is not None]
    return {
        "first": seconds[0] if seconds else None,
        "steady": steady_mean(epochs, "seconds"),
        "total": sum(seconds) if seconds else None,
        "examples_per_sec": steady_mean(epochs, "examples_per_sec"),
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
    duration = run.duration if run.finished else None
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
    notes.extend(resume_notes(run.events))
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
    for split in ("train", "validation", "test"):
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
    weights = ready.get("class_weights")
    if isinstance(weights, dict) and weights:
        rows.append(("class weights (balanced)", ", ".join(
            f"{name} {fmt_num(float(w), 3)}" for name, w in weights.items())))
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
        rows.append([f"{e['epoch']}{mark}", *(fmt_metric(k, e["logs"].get(k)) for k in keys),
                     fmt_num(e.get("seconds"), 1),
                     fmt_num(float(e["examples_per_sec"]), 0) if e.get("examples_per_sec")
                     else "-"])
    return header, rows


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


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


# ---- the report as one object --------------------------------------------------------------------

@dataclass
class RunReport:
    """Every fact a run report shows, derived once; report.md and report.html render this."""

    run: RunInfo
    head: dict[str, Any]
    best: dict[str, Any] | None
    verdict: dict[str, Any]
    times: dict[str, float | None]
    metrics: list[str]
    curves: dict[str, dict[str, list[float | None]]]  # "loss" -> {"loss": [...], "val_loss": ...}
    epoch_header: list[str]
    epoch_rows: list[list[str]]
    time_rows: list[tuple[str, str]]
    analysis: dict[str, Any] | None
    analysis_missing: str
    dataset_rows: list[tuple[str, str]]
    environment_rows: list[tuple[str, str]]
    config_rows: list[tuple[str, Any, Any, bool]]
    summary: str | None
    test: dict[str, Any] | None = None  # test_summary(): scored once at the end
    validation_note: str = ""


def build_report(run: RunInfo) -> RunReport:
    from seqtui.engine.reports.analysis import read_analysis

    head = headline(run)
    times = epoch_time_stats(run.epochs)
    curves: dict[str, dict[str, list[float | None]]] = {}
    for metric in CURVE_METRICS:
        pair = {k: series(run.epochs, k) for k in (metric, f"val_{metric}")
                if any(v is not None for v in series(run.epochs, k))}
        if pair:
            curves[metric] = pair
    header, rows = epoch_table(run)
    return RunReport(
        run=run, head=head, best=best_summary(run), verdict=overfitting_verdict(run.epochs),
        times=times, metrics=metric_keys(run.epochs), curves=curves, epoch_header=header,
        epoch_rows=rows, time_rows=_time_rows(run, times, head),
        analysis=read_analysis(run.path), analysis_missing=analysis_missing(run),
        dataset_rows=dataset_rows(run),
        environment_rows=environment_rows(run) or [("versions", "not known yet")],
        config_rows=config_rows(run.config), summary=read_text(run.path / "summary.txt"),
        test=test_summary(run), validation_note=validation_note(run))
