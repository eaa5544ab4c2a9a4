"""Writing a run's report.md and report.html from what its directory holds."""

from __future__ import annotations

from pathlib import Path

from seqtui.engine.reports.html import render_html
from seqtui.engine.reports.markdown import render_markdown
from seqtui.engine.reports.model import build_report
from seqtui.engine.runs.files import write_private
from seqtui.engine.runs.status import read_run


def write_report(run_dir: Path) -> tuple[Path, Path]:
    """Write run_dir/report.md and run_dir/report.html from what the directory holds."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    md_path, html_path = run_dir / "report.md", run_dir / "report.html"
    report = build_report(run)  # one data model: the two files never disagree
    write_private(md_path, render_markdown(report))
    write_private(html_path, render_html(report))
    return md_path, html_path
