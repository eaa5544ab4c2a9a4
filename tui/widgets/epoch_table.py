"""The per-epoch table: train and validation metrics, time, the best epoch starred, and the epoch
a stop or crash cut short, dimmed, after the others."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable


class EpochTable(DataTable):
    """One row per finished epoch; rebuilt only when an epoch is added."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True

    def show(self, epochs: list[dict[str, Any]], best_epoch: int | None,
             interrupted: dict[str, Any] | None = None) -> None:
        """`interrupted` (RunState.interrupted) adds a dimmed row for the epoch left unfinished,
        with the training metrics it had reached when the stop wrote them."""
        cut_logs = (interrupted or {}).get("logs") or {}
        keys = sorted({k for e in epochs for k in e.get("logs", {})} | set(cut_logs),
                      key=lambda k: (k.startswith("val_"), k != "loss" and k != "val_loss", k))
        cut = (interrupted["epoch"], interrupted["step"]) if interrupted else None
        signature = (tuple(keys), len(epochs), best_epoch, cut)
        if getattr(self, "_signature", None) == signature:
            return
        self._signature = signature
        self.clear(columns=True)
        self.add_column("epoch", key="epoch")
        for key in keys:
            self.add_column(key, key=key)
        self.add_column("seconds", key="seconds")
        for record in epochs:
            logs = record.get("logs", {})
            mark = "*" if record["epoch"] == best_epoch else " "
            cells = [f"{record['epoch']}{mark}"]
            cells += [f"{logs[k]:.4f}" if logs.get(k) is not None else "-" for k in keys]
            cells.append(f"{float(record.get('seconds') or 0):.1f}")
            self.add_row(*cells, key=str(record["epoch"]))
        if interrupted:
            seconds = interrupted.get("seconds")
            cells = [f"{interrupted['epoch']} cut"]
            cells += [f"{cut_logs[k]:.4f}" if cut_logs.get(k) is not None else "-" for k in keys]
            cells.append(f"{float(seconds):.1f}" if seconds is not None else "-")
            self.add_row(*(Text(c, style="dim") for c in cells), key="interrupted")
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
