"""A sweep's report: SWEEP/report.md and SWEEP/report.html (self-contained, like a run's), and
SWEEP/best.toml, the best trial's config ready for `seqtui train --config`.

Leaderboard, best configuration, parameter importances (Optuna's PED-ANOVA), value against each
parameter, trial values in order with the best so far, and the best trial's curves.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from seqtui.engine.config import Config
from seqtui.engine.reports.formatting import fmt_time
from seqtui.engine.reports.html import html_page, html_pairs, html_table
from seqtui.engine.reports.svg import svg_chart
from seqtui.engine.runs.files import write_private
from seqtui.engine.runs.status import read_run
from seqtui.engine.sweeps.charts import scatter_svg
from seqtui.engine.sweeps.state import SweepInfo, read_sweep


def best_config_toml(sweep: SweepInfo) -> str | None:
    """The best trial's config.json (what ran, every default filled in) as TOML."""
    best = sweep.best
    if best is None or not best.run:
        return None
    try:
        raw = json.loads((sweep.path.parent / best.run / "config.json").read_text())
        return Config.from_dict(raw).to_toml()
    except (OSError, ValueError):
        return None


def importances(sweep: SweepInfo) -> dict[str, float]:
    """Optuna's PED-ANOVA importances (fANOVA would need scikit-learn) over the finished
    trials; empty while there are too few to rank them (Optuna would call them all equal)."""
    try:
        import warnings

        import optuna

        from seqtui.engine.sweeps.study import load_study

        study = load_study(sweep.spec, sweep.path)
        done = [t for t in study.get_trials(deepcopy=False)
                if t.state == optuna.trial.TrialState.COMPLETE]
        if len(done) < 2:
            return {}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = optuna.importance.get_param_importances(
                study, evaluator=optuna.importance.PedAnovaImportanceEvaluator())
        if any("too small" in str(w.message) for w in caught):
            return {}
        return dict(found)
    except Exception:  # noqa: BLE001 - one constant parameter, a busy database: no table
        return {}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def leaderboard_table(sweep: SweepInfo) -> tuple[list[str], list[list[str]]]:
    names = [p["name"] for p in sweep.spec.get("space", [])]
    header = ["trial", "status", *(n.split(".")[-1] for n in names),
              f"best {sweep.monitor}", "epoch", "seconds", "run"]
    rows = [[str(t.number), t.status, *(_fmt(t.params.get(n)) for n in names),
             f"{t.value:.4f}" if t.value is not None else "-", _fmt(t.epoch),
             f"{t.seconds:.0f}" if t.seconds is not None else "-", t.run or "-"]
            for t in sweep.leaderboard()]
    return header, rows


def trial_values_chart(sweep: SweepInfo) -> str:
    values = [t.value if t.status in ("completed", "early_stopped") else None
              for t in sweep.trials]
    best, pick = [], min if sweep.direction == "minimize" else max
    for v in values:
        so_far = [b for b in [*best[-1:], v] if b is not None]
        best.append(pick(so_far) if so_far else None)
    return svg_chart({f"{sweep.monitor} of each trial": values, "best so far": best},
                     title=f"{sweep.monitor} by trial, in order", x_label="trial (in order)",
                     dashed=("best so far",))


def parameter_charts(sweep: SweepInfo) -> list[str]:
    charts = []
    for p in sweep.spec.get("space", []):
        points = [(t.params.get(p["name"]), t.value, t.status) for t in sweep.trials
                  if p["name"] in t.params and t.value is not None]
        charts.append(scatter_svg(points, title=p["name"], x_label=p["name"],
                                  y_label=sweep.monitor, log_x=bool(p.get("log"))))
    return charts


def best_curves(sweep: SweepInfo) -> list[str]:
    best = sweep.best
    if best is None or not best.run:
        return []
    run = read_run(sweep.path.parent / best.run)
    point = run.best(sweep.monitor)
    charts = []
    for metric in ("loss", "accuracy"):
        series = {name: [e["logs"].get(name) for e in run.epochs]
                  for name in (metric, f"val_{metric}")}
        charts.append(svg_chart(series, title=f"trial {best.number}: {metric}",
                                best_x=point[0] if point else None))
    return charts


def render_markdown(sweep: SweepInfo, toml: str | None, imp: dict[str, float]) -> str:
    header, rows = leaderboard_table(sweep)
    lines = [f"# Sweep {sweep.id}", "", *(f"- {k}: {v}" for k, v in _summary(sweep)), "",
             "## Leaderboard", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows)]
    failed = [t for t in sweep.trials if t.status in ("failed", "died")]
    if failed:
        lines += ["", "## Failed trials", "",
                  *(f"- trial {t.number}: {t.message or 'no reason recorded'}" for t in failed)]
    if toml:
        lines += ["", "## Best configuration", "",
                  "Saved as `best.toml`: `seqtui train --config best.toml`", "", "```toml",
                  toml.rstrip(), "```"]
    lines += ["", "## Parameter importances", ""]
    lines += ["| parameter | importance |", "|---|---|",
              *(f"| {k} | {v:.3f} |" for k, v in imp.items())] if imp else \
        ["Too few finished trials to rank the parameters yet."]
    return "\n".join(lines) + "\n"


def _summary(sweep: SweepInfo) -> list[tuple[str, str]]:
    spec, best = sweep.spec, sweep.best
    base = spec.get("base", {})
    ended = [t for t in sweep.trials if t.status != "running"]
    return [
        ("status", sweep.status),
        ("trials", f"{len(ended)} of {sweep.trials_total} ended: "
                   f"{sweep.count('completed', 'early_stopped')} finished, "
                   f"{sweep.count('pruned')} pruned, {sweep.count('failed', 'died')} failed, "
                   f"{sweep.count('stopped')} stopped"),
        ("objective", f"{'minimise' if sweep.direction == 'minimize' else 'maximise'} "
                      f"{sweep.monitor} (validation data)"),
        ("search", f"{spec.get('sampler')} sampler, {spec.get('pruner')} pruner, "
                   f"{spec.get('parallel', 1)} side by side"),
        ("space", "; ".join(_space_text(p) for p in spec.get("space", []))),
        ("base", f"{base.get('model', {}).get('preset')} on "
                 f"{base.get('data', {}).get('dataset')}, "
                 f"{base.get('training', {}).get('epochs')} epochs"),
        ("best", f"trial {best.number}: {sweep.monitor} {best.value:.4f} at epoch {best.epoch} "
                 f"({best.run})" if best else "no trial finished yet"),
        ("created", fmt_time(spec.get("created", 0))),
    ]


def _space_text(p: dict[str, Any]) -> str:
    if p.get("kind") == "categorical":
        return f"{p['name']} in {', '.join(map(str, p['choices']))}"
    return f"{p['name']} {p['low']}..{p['high']}{' log' if p.get('log') else ''}"


def render_html(sweep: SweepInfo, toml: str | None, imp: dict[str, float]) -> str:
    esc = html.escape
    header, rows = leaderboard_table(sweep)
    numeric = [h in ("trial", "epoch", "seconds") or h.startswith("best") for h in header]
    best = sweep.best
    classes = ["best" if best and r[0] == str(best.number) else "" for r in rows]
    body = [f"<h1>Sweep {esc(sweep.id)}</h1>", html_pairs(_summary(sweep)),
            "<h2>Leaderboard</h2>", html_table(header, rows, numeric, classes)]
    failed = [t for t in sweep.trials if t.status in ("failed", "died")]
    if failed:
        body += ["<h2>Failed trials</h2><ul>",
                 *(f"<li>trial {t.number}: {esc(t.message or 'no reason recorded')}</li>"
                   for t in failed), "</ul>"]
    body += ["<h2>Trials in order</h2>", f'<div class="charts">{trial_values_chart(sweep)}</div>']
    if toml:
        body += ["<h2>Best configuration</h2>",
                 "<p>Saved beside this report as <code>best.toml</code>: "
                 "<code>seqtui train --config best.toml</code></p>", f"<pre>{esc(toml)}</pre>"]
    body.append("<h2>Parameter importances</h2>")
    body.append(html_table(["parameter", "importance"], [[k, f"{v:.3f}"] for k, v in imp.items()],
                           [False, True]) if imp else
                "<p>Too few finished trials to rank the parameters yet.</p>")
    body += ["<h2>Value against each parameter</h2>",
             "<p>Blue: finished; orange: pruned (its best before it stopped).</p>",
             f'<div class="charts">{"".join(parameter_charts(sweep))}</div>']
    curves = best_curves(sweep)
    if curves:
        body += ["<h2>The best trial's curves</h2>", f'<div class="charts">{"".join(curves)}</div>']
    return html_page(f"Sweep {sweep.id}", "\n".join(body))


def write_sweep_report(sweep_dir: Path) -> tuple[Path, Path]:
    sweep = read_sweep(Path(sweep_dir))
    toml = best_config_toml(sweep)
    imp = {k: v for k, v in importances(sweep).items() if math.isfinite(v)}
    if toml:
        write_private(sweep.path / "best.toml", toml)
    md_path, html_path = sweep.path / "report.md", sweep.path / "report.html"
    write_private(md_path, render_markdown(sweep, toml, imp))
    write_private(html_path, render_html(sweep, toml, imp))
    return md_path, html_path
