"""The per-epoch table: train and validation metrics, time, the best epoch starred."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable


class EpochTable(DataTable):
    """One row per finished epoch; rebuilt only when an epoch is added."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True

    def show(self, epochs: list[dict[str, Any]], best_epoch: int | None) -> None:
        keys = sorted({k for e in epochs for k in e.get("logs", {})},
                      key=lambda k: (k.startswith("val_"), k != "loss" and k != "val_loss", k))
        signature = (tuple(keys), len(epochs), best_epoch)
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
        if epochs:
            self.move_cursor(row=len(epochs) - 1)
