"""What the dashboard writes about a run, as text: its header line, the note on an epoch a stop
cut short, the training process's last words, the error analysis. Plain functions of the run's
data, apart from the screen that shows them."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from seqtui.tui.counts import compact_count


def title_line(run_id: str, preset: str, dataset: str, params: int | None, device: str,
               test: float | None, width: int) -> Text:
    """The run, its test score, preset, data, parameters and device in one line of `width`:
    the longest wording that fits, then shorter ones (a compact count, no GPU model, "test" for
    "test acc", then no dataset: rewording before dropping), the run id cut last. The test
    score comes right after the id (the curves' legend says when validation was the test
    split)."""
    parts = {"test": f" · test acc {test:.4f}" if test is not None else "",
             "model": f" · {preset} on {dataset}",
             "params": f" · {params:,} params" if params is not None else "",
             "device": f" · {device}" if device else ""}
    # Each shortening keeps the ones before it, until the line fits.
    count = compact_count(params, significant=3)
    shorter = [("params", f" · {count} params" if params is not None else ""),
               ("device", f" · {device.split(' (')[0]}" if device else ""),
               ("test", f" · test {test:.4f}" if test is not None else ""),
               ("model", f" · {preset}")]
    rest = "".join(parts.values())
    for key, text in shorter:
        if len(run_id) + len(rest) <= width:
            break
        parts[key] = text
        rest = "".join(parts.values())
    line = Text(run_id, style="bold")
    room = max(8, width - len(rest))
    if len(run_id) > room:
        line = Text(run_id[:room - 1] + "…", style="bold")
    return line + Text(rest)


def interrupted_note(cut: dict, status: str) -> str:
    """What became of the epoch the last process left unfinished."""
    steps = f" of {cut['steps']}" if cut.get("steps") else ""
    how = {"stopped": "was stopped", "failed": "failed", "died": "was cut short (the process "
           "died)"}.get(status, "did not finish")
    return (f"Epoch {cut['epoch']} {how} at step {cut['step']}{steps}: it is not kept, and "
            f"resuming (r) trains it again from its start.")


def worker_log_tail(run_dir: Path, lines: int = 15) -> str:
    """The end of the training process's stderr: why a run died, when its log does not say."""
    try:
        with open(Path(run_dir) / "worker.log", "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 8192))
            data = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def format_analysis(analysis: dict) -> str:
    """The error analysis as plain text: summary, per-class precision/recall, confusion matrix,
    and the mistakes the model was surest of."""
    from seqtui.engine.reports.analysis import summary_line

    classes = [str(c) for c in analysis.get("classes", [])]
    width = max([len(c) for c in classes] + [9])
    lines = [summary_line(analysis), "", f"{'class':<{width}}  precision  recall  support"]
    for row in analysis.get("per_class", []):
        lines.append(f"{row['class']:<{width}}  {row['precision']:>9.3f}  {row['recall']:>6.3f}"
                     f"  {row['support']:>7,}")
    lines += ["", "confusion (rows: true, columns: predicted)",
              " " * width + "  " + "  ".join(f"{c[:9]:>9}" for c in classes)]
    for name, counts in zip(classes, analysis.get("confusion_matrix", []), strict=False):
        lines.append(f"{name:<{width}}  " + "  ".join(f"{n:>9,}" for n in counts))
    wrong = analysis.get("confidently_wrong", [])
    if wrong:
        lines += ["", "most confidently wrong:"]
        for item in wrong:
            lines.append(f"  {item['confidence']:.3f} {item['predicted']} (true {item['true']}): "
                         f"{item['text'][:160]}")
    return "\n".join(lines)
