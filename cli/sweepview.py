"""What `show`, `stop`, `resume` and `report` do when they are given a sweep instead of a run."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from seqtui.cli import EXIT_OK
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.control import CONTROL_DIR, request_stop
from seqtui.engine.sweeps.state import SweepInfo, read_sweep


def format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def leaderboard_rows(sweep: SweepInfo) -> list[list[str]]:
    rows = []
    for t in sweep.leaderboard():
        params = "  ".join(f"{k.split('.')[-1]}={format_value(v)}" for k, v in t.params.items())
        rows.append([str(t.number), t.status,
                     f"{t.value:.4f}" if t.value is not None else "-",
                     str(t.epoch) if t.epoch is not None else "-",
                     f"{t.seconds:.0f}" if t.seconds is not None else "-",
                     params or "-", t.host or "-"])
    return rows


def show_sweep(path: Path) -> int:
    sweep = read_sweep(path)
    console = Console()
    spec = sweep.spec
    console.print(f"[bold]{sweep.id}[/]  {sweep.status}  {len(sweep.trials)}/{sweep.trials_total} "
                  f"trials  {spec.get('sampler')} sampler, {spec.get('pruner')} pruner, "
                  f"{'minimise' if sweep.direction == 'minimize' else 'maximise'} "
                  f"{sweep.monitor}", highlight=False)
    rows = leaderboard_rows(sweep)
    if spec.get("storage"):
        rows = _study_rows(sweep) or rows
    if not rows:
        console.print("no trial yet")
        return EXIT_OK
    table = Table(box=None, header_style="bold", pad_edge=False)
    hosts = {row[6] for row in rows}
    headers = ["trial", "status", sweep.monitor, "epoch", "seconds", "parameters"]
    if len(hosts) > 1:
        headers.append("host")
    for i, header in enumerate(headers):
        table.add_column(header, justify="right" if i in (0, 2, 3, 4) else "left",
                         no_wrap=i != 5, overflow="fold")
    for row in rows:
        table.add_row(*row[: len(headers)])
    console.print(table, highlight=False)
    for t in sweep.trials:
        if t.status in ("failed", "died") and t.message:
            console.print(f"trial {t.number} {t.status}: {t.message}", highlight=False,
                          markup=False)
    best = sweep.best
    if best is not None:
        console.print(f"best: trial {best.number} ({best.run}); retrain it alone: seqtui train "
                      f"--config {sweep.path.parent / str(best.run) / 'config.json'}",
                      highlight=False, markup=False)
    return EXIT_OK


def _study_rows(sweep: SweepInfo) -> list[list[str]]:
    """A shared study's trials from every machine (Optuna's storage is the only place that
    knows them all)."""
    from seqtui.engine.sweeps.study import STATUS_ATTR, all_trials

    local = {t.number: t for t in sweep.trials}
    rows = []
    frozen = all_trials(sweep.spec, sweep.path)
    if not frozen:
        return []
    sign = 1 if sweep.direction == "minimize" else -1

    def key(ft):
        value = local[ft.number].value if ft.number in local else ft.value
        return (value is None, sign * value if value is not None else 0, ft.number)

    for ft in sorted(frozen, key=key):
        if ft.number in local:
            t = local[ft.number]
            value, epoch, seconds, status = t.value, t.epoch, t.seconds, t.status
        else:
            inter = ft.intermediate_values
            value = ft.value
            if value is None and inter:
                value = (min if sign > 0 else max)(inter.values())
            epoch = max(inter) if inter else None
            seconds = ft.duration.total_seconds() if ft.duration else None
            status = ft.user_attrs.get(STATUS_ATTR) or {
                "COMPLETE": "completed", "PRUNED": "pruned", "FAIL": "failed",
                "RUNNING": "running", "WAITING": "waiting"}.get(ft.state.name, "?")
        if status == "waiting":
            continue
        params = "  ".join(f"{k.split('.')[-1]}={format_value(v)}" for k, v in ft.params.items())
        rows.append([str(ft.number), status, f"{value:.4f}" if value is not None else "-",
                     str(epoch) if epoch is not None else "-",
                     f"{seconds:.0f}" if seconds is not None else "-", params or "-",
                     str(ft.user_attrs.get("host", "-"))])
    return rows


def stop_sweep(path: Path, now: bool = False) -> int:
    """The controller stops its running trials after their current batch; --now (or a second
    stop) also interrupts them at once, as `seqtui stop RUN --now` does."""
    sweep = read_sweep(path)
    if sweep.status != "running":
        raise BadInput(f"sweep {sweep.id} is not running (status: {sweep.status})")
    again = (path / CONTROL_DIR / "stop").exists()
    request_stop(path)
    running = [t for t in sweep.trials if t.status == "running" and t.run]
    plural = "s" if len(running) != 1 else ""
    if now or again:
        for trial in running:
            _interrupt(path.parent / trial.run)
        print(f"{sweep.id}: interrupted {len(running)} running trial{plural}; the sweep ends "
              "stopped")
        return EXIT_OK
    print(f"{sweep.id}: stopping; its {len(running)} running trial{plural} stop after the "
          f"current batch, then the sweep ends stopped (`seqtui stop {sweep.id}` again: at once)")
    return EXIT_OK


def _interrupt(run_dir: Path) -> None:
    import contextlib
    import json
    import os
    import signal

    from seqtui.engine.runs.process import PID_FILE, process_alive

    if not process_alive(run_dir):
        return
    with contextlib.suppress(OSError, ValueError, KeyError):
        os.kill(int(json.loads((run_dir / PID_FILE).read_text())["pid"]), signal.SIGINT)


def resume_sweep(path: Path, args: argparse.Namespace) -> int:
    sweep = read_sweep(path)
    if sweep.status == "running":
        raise BadInput(f"sweep {sweep.id} is still running; `seqtui show {sweep.id}` follows it")
    if sweep.status == "completed" and len(sweep.trials) >= sweep.trials_total:
        raise BadInput(f"sweep {sweep.id} already ran all {sweep.trials_total} trials; nothing "
                       "to resume")
    (path / CONTROL_DIR / "stop").unlink(missing_ok=True)
    from seqtui.cmd_sweep import start

    return start(path, detach=args.detach)


def report_sweep(path: Path) -> int:
    from seqtui.engine.sweeps.report import write_sweep_report

    md_path, html_path = write_sweep_report(path)
    print(md_path)
    print(html_path)
    return EXIT_OK
