"""The live model preview: layers, output shapes and parameters from the pure-Python summary."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from seqtui.engine.config import Config
from seqtui.engine.models.summary import format_shape, summarize


class ModelPreview(Static):
    """Redrawn whenever the form's config changes; says why when it cannot be drawn."""

    def show(self, config: Config | None, problem: str = "") -> None:
        if config is None:
            self.update(Text(f"No preview: {problem}", style="italic"))
            self.border_subtitle = ""  # not the last good model's count
            return
        try:
            summary = summarize(config)
        except (ValueError, TypeError, KeyError) as exc:
            self.update(Text(f"No preview: {exc}", style="italic"))
            return
        table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, expand=True)
        table.add_column("layer", overflow="ellipsis", no_wrap=True, max_width=15)
        table.add_column("output", no_wrap=True, min_width=16)
        table.add_column("params", justify="right", no_wrap=True, min_width=9)
        for row in summary.rows:
            table.add_row(row.type, format_shape(row.output_shape), f"{row.params:,}")
        table.add_section()
        table.add_row(Text("Total", style="bold"), "", Text(f"{summary.total_params:,}",
                                                             style="bold"))
        self.update(table)
        self.border_subtitle = f"{summary.total_params:,} params"
