"""Rich progress for a headless run: a stage line before training, a batch bar with ETA and
examples/s, and one printed line per finished epoch with every metric. A listener like any other."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)

from seqtui.engine.runs.status import outcome_text

METRIC_ORDER = ("loss", "accuracy", "val_loss", "val_accuracy")


def format_logs(logs: dict[str, Any]) -> str:
    """'loss 0.6926 acc 0.5200  val_loss 0.6908 val_acc 0.5680': fits 80 columns with the rest."""
    keys = [k for k in METRIC_ORDER if k in logs] + sorted(k for k in logs if k not in METRIC_ORDER)
    out, previous = "", None
    for key in keys:
        value = logs[key]
        name = key.replace("accuracy", "acc")
        text = f"{name} {value:.4f}" if isinstance(value, float) else f"{name} {value}"
        if previous is not None:  # a wider gap between the training and validation groups
            out += "  " if key.startswith("val_") and not previous.startswith("val_") else " "
        out, previous = out + text, key
    return out


class RichProgress:
    def __init__(self, console: Console | None = None, run_id: str = "") -> None:
        self.console = console or Console()
        self.run_id = run_id
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"),
            console=self.console,
            transient=False,
        )
        self.stage_task = None
        self.batch_task = None
        self.epochs = None
        self.progress.start()

    def __call__(self, event: dict[str, Any]) -> None:
        handler = getattr(self, f"on_{event['type']}", None)
        if handler:
            handler(event)

    def on_run_started(self, event: dict[str, Any]) -> None:
        self.epochs = event.get("epochs")
        cfg = event.get("config", {})
        resumed = f" (resumed at epoch {event.get('initial_epoch', 0) + 1})" \
            if event.get("resumed") else ""
        self.console.print(
            f"[bold]{self.run_id or cfg.get('name', 'run')}[/]{resumed}: "
            f"{cfg.get('model', {}).get('preset')} on {cfg.get('data', {}).get('dataset')}, "
            f"device {event.get('device')}")
        self.stage_task = self.progress.add_task("starting", total=None, info="")

    def on_stage(self, event: dict[str, Any]) -> None:
        message = event.get("message", event.get("stage", ""))
        if self.stage_task is None:
            self.stage_task = self.progress.add_task(message, total=None, info="")
        total, done = event.get("total"), event.get("done")
        self.progress.update(self.stage_task, description=message, total=total,
                             completed=done or 0)
        if event.get("stage") == "ready":
            self.progress.remove_task(self.stage_task)
            self.stage_task = None
            facts = event.get("dataset") or {}
            validation = (f"{facts['validation_size']:,} validation and "
                          if facts.get("validation_size") else "")
            # The exact count, once the vocabulary is learned (run_started's is a plan).
            exact = (f"; {event['params']:,} params (vocabulary {facts['vocab_size']:,})"
                     if event.get("params") and facts.get("vocab_size") else "")
            self.console.print(f"{facts.get('train_size', '?'):,} training, {validation}"
                               f"{facts.get('test_size', '?'):,} test texts, "
                               f"{event.get('steps_per_epoch')} steps per epoch{exact}")

    def on_epoch_started(self, event: dict[str, Any]) -> None:
        if self.stage_task is not None:
            self.progress.remove_task(self.stage_task)
            self.stage_task = None
        description = f"epoch {event['epoch']}/{event.get('epochs') or self.epochs}"
        if self.batch_task is None:
            self.batch_task = self.progress.add_task(description, total=event.get("steps"),
                                                     info="")
        else:
            self.progress.reset(self.batch_task, total=event.get("steps"),
                                description=description, info="")

    def on_batch(self, event: dict[str, Any]) -> None:
        if self.batch_task is None:
            return
        logs = event.get("logs", {})
        rate = event.get("examples_per_sec")
        info = format_logs({k: v for k, v in logs.items() if k in ("loss", "accuracy")})
        if rate:
            info += f"  {rate:,.0f} ex/s"
        self.progress.update(self.batch_task, completed=event["step"], info=info)

    def on_epoch_ended(self, event: dict[str, Any]) -> None:
        mark = " [green]*best[/]" if event.get("best_epoch") == event["epoch"] else ""
        partial = " [yellow](stopped mid-epoch)[/]" if event.get("partial") else ""
        self.console.print(f"epoch {event['epoch']}/{self.epochs}  "
                           f"{format_logs(event.get('logs', {}))}  "
                           f"{event.get('seconds', 0):.1f}s{mark}{partial}")

    def on_paused(self, event: dict[str, Any]) -> None:
        run = self.run_id or "RUN"
        self.console.print(f"[yellow]paused[/] at step {event.get('step')} "
                           f"(`seqtui resume {run}` or `p` on its dashboard continues it)")

    def on_resumed(self, event: dict[str, Any]) -> None:
        self.console.print(f"[green]resumed[/] after {event.get('paused_seconds', 0):.1f}s")
        if self.batch_task is not None:
            # Rich estimates speed and ETA from recent samples; the pause is not training time.
            [task] = [t for t in self.progress.tasks if t.id == self.batch_task]
            self.progress.reset(self.batch_task, completed=task.completed)

    def on_warning(self, event: dict[str, Any]) -> None:
        self.console.print(f"[yellow]warning:[/] {event.get('message')}")

    def on_run_finished(self, event: dict[str, Any]) -> None:
        self.close()
        outcome = outcome_text(event)
        self.console.print(f"[bold green]{event.get('status')}[/] in {event.get('seconds', 0):.1f}s"
                           + (f"; {escape(outcome)}" if outcome else ""))

    def on_run_failed(self, event: dict[str, Any]) -> None:
        self.close()
        self.console.print(f"[bold red]failed:[/] {event.get('message')}")

    def close(self) -> None:
        self.progress.stop()
