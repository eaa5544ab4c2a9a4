"""Where a run is: its stage before training, then epoch and batch bars with ETA and examples/s."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from seqtui.tui.runstate import RunState, format_duration

STATUS_STYLE = {"completed": "green", "early_stopped": "green", "stopped": "yellow",
                "pruned": "yellow", "failed": "red", "died": "red", "running": "cyan",
                "pending": "dim", "queued": "dim", "paused": "yellow"}


def bar(fraction: float, width: int) -> str:
    """A text bar; plain characters so it reads the same with 16 colours or none."""
    fraction = min(max(fraction, 0.0), 1.0)
    full = int(fraction * width)
    return "━" * full + ("╸" if full < width and fraction * width - full >= 0.5 else "") \
        + " " * (width - full - (1 if full < width and fraction * width - full >= 0.5 else 0))


class ProgressPanel(Static):
    """Three lines: status and stage; epoch bar; batch bar with speed and ETA."""

    def show(self, state: RunState, status: str) -> None:
        # Leave room for the labels left of the bars and the figures right of them.
        width = max(10, self.size.width - 14 - 34) if self.size.width else 30
        shown_status = "paused" if state.paused and status == "running" else status
        line1 = Text()
        line1.append(f" {shown_status.replace('_', ' ')} ", style=f"bold reverse "
                     f"{STATUS_STYLE.get(shown_status, '')}")
        if state.stage and state.stage != shown_status.replace("_", " "):
            line1.append(f"  {state.stage}")
        if state.message and state.outcome == "failed":
            line1.append(f": {state.message}", style="red")
        lines = [line1]
        total = state.epochs_total or 0
        done = len(state.epochs)
        epoch_text = Text(f"epoch {max(state.epoch, done)}/{total or '?'}".ljust(14))
        epoch_text.append(bar(done / total if total else 0, width), style="green")
        if state.outcome is None:
            epoch_text.append(f"  ETA {format_duration(state.eta_seconds())}")
        elif state.duration() is not None:
            epoch_text.append(f"  trained for {format_duration(state.duration())}")
        lines.append(epoch_text)
        steps = state.steps or 0
        batch_text = Text(f"step {state.step}/{steps or '?'}".ljust(14))
        batch_text.append(bar(state.step / steps if steps else 0, width), style="cyan")
        if state.examples_per_sec:
            batch_text.append(f"  {state.examples_per_sec:,.0f} ex/s")
        loss = state.batch_logs.get("loss")
        if loss is not None:
            batch_text.append(f"  loss {loss:.4f}")
        lines.append(batch_text)
        self.update(Text("\n").join(lines))
