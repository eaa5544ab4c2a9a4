"""Value against parameter: one dot per trial, as inline SVG (no script, no network)."""

from __future__ import annotations

import html
import math
from typing import Any

from seqtui.engine.reports.svg import nice_ticks

STATUS_COLOR = {"completed": "#1f77b4", "early_stopped": "#1f77b4", "pruned": "#ff7f0e",
                "stopped": "#7f7f7f", "running": "#2ca02c"}


def scatter_svg(points: list[tuple[Any, float, str]], title: str, x_label: str, y_label: str,
                log_x: bool = False, width: int = 360, height: int = 240) -> str:
    """points: (parameter value, monitored value, trial status). Text values sit in columns."""
    esc = html.escape
    points = [p for p in points if p[1] is not None and math.isfinite(p[1])]
    if not points:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="60" '
                f'role="img"><text x="10" y="35" font-size="13" fill="#555">{esc(title)}: '
                "no trial with a value yet</text></svg>")
    numeric = all(isinstance(p[0], int | float) and not isinstance(p[0], bool) for p in points)
    categories: list[Any] = []
    if numeric:
        xs = [math.log10(p[0]) if log_x and p[0] > 0 else float(p[0]) for p in points]
    else:
        categories = list(dict.fromkeys(str(p[0]) for p in points))
        xs = [float(categories.index(str(p[0]))) for p in points]
    ys = [p[1] for p in points]
    x_low, x_high = _padded(min(xs), max(xs), 0.5 if categories else None)
    y_low, y_high = _padded(min(ys), max(ys))
    left, right, top, bottom = 58, 14, 30, 44
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * plot_w

    def sy(y: float) -> float:
        return top + (y_high - y) / (y_high - y_low) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" '
             f'class="chart"><title>{esc(title)}</title>',
             f'<text x="{left}" y="18" font-size="14" font-weight="bold" fill="#222">'
             f"{esc(title)}</text>",
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
             f'stroke="#bbb"/>']
    for t in (t for t in nice_ticks(y_low, y_high, 5) if y_low <= t <= y_high):
        parts.append(f'<line x1="{left}" y1="{sy(t):.1f}" x2="{left + plot_w}" '
                     f'y2="{sy(t):.1f}" stroke="#e5e5e5"/><text x="{left - 6}" '
                     f'y="{sy(t) + 4:.1f}" font-size="11" text-anchor="end" fill="#444">'
                     f"{t:.4g}</text>")
    if categories:
        x_ticks = [(float(i), c) for i, c in enumerate(categories)]
    else:
        x_ticks = [(t, f"{10 ** t:.2g}" if log_x else f"{t:.4g}")
                   for t in nice_ticks(x_low, x_high, 5) if x_low <= t <= x_high]
    for x, label in x_ticks:
        parts.append(f'<text x="{sx(x):.1f}" y="{top + plot_h + 16}" font-size="11" '
                     f'text-anchor="middle" fill="#444">{esc(label)}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 32}" font-size="11" '
                 f'text-anchor="middle" fill="#444">{esc(x_label)}'
                 f'{" (log)" if log_x and numeric else ""}</text>')
    for (raw, y, status), x in zip(points, xs, strict=True):
        color = STATUS_COLOR.get(status, "#d62728")
        parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{color}" '
                     f'fill-opacity="0.8"><title>{esc(str(raw))}: {y_label} {y:.4f} '
                     f"({esc(status)})</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


def _padded(low: float, high: float, fixed: float | None = None) -> tuple[float, float]:
    if fixed is not None:
        return low - fixed, high + fixed
    pad = (abs(high) * 0.1 or 0.5) if high - low < 1e-12 else (high - low) * 0.08
    return low - pad, high + pad
