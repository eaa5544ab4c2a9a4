"""Line charts as inline SVG: no JavaScript, no network, readable after `scp` to a laptop."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22")


# ---- SVG charts ----------------------------------------------------------------------------------

def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    span = high - low
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10)),
               key=lambda st: abs(span / st - (count - 1)))
    start = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def svg_chart(curves: dict[str, Sequence[float | None]], title: str = "",
              best_x: int | None = None, width: int = 520, height: int = 280,
              colors: dict[str, str] | None = None, dashed: Sequence[str] = (),
              x_label: str = "epoch") -> str:
    """A line chart as inline SVG: one <path> per curve (gaps for missing values), axes with
    ticks, a legend, and the best epoch as a dashed vertical line. No script, no external refs."""
    drawn = {name: list(values) for name, values in curves.items()
             if any(v is not None and math.isfinite(v) for v in values)}
    esc = html.escape
    if not drawn:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="60" '
                f'role="img" aria-label="{esc(title)}: no data"><text x="10" y="35" '
                f'font-size="13" fill="#555">{esc(title)}: no data yet</text></svg>')
    n = max(len(v) for v in drawn.values())
    values = [v for vs in drawn.values() for v in vs if v is not None and math.isfinite(v)]
    low, high = min(values), max(values)
    if high - low < 1e-12:
        pad = abs(high) * 0.1 or 0.5
        low, high = low - pad, high + pad
    else:
        pad = (high - low) * 0.08
        low, high = low - pad, high + pad
    ticks = [t for t in nice_ticks(low, high) if low <= t <= high]
    left, right, top = 58, 14, 30
    legend_rows = math.ceil(len(drawn) / 3)
    bottom = 40 + 18 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom
    x_low, x_high = (0.5, 1.5) if n == 1 else (1, n)

    def sx(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * plot_w

    def sy(y: float) -> float:
        return top + (high - y) / (high - low) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" '
             f'class="chart">', f"<title>{esc(title)}</title>",
             f'<text x="{left}" y="18" font-size="14" font-weight="bold" fill="#222">'
             f"{esc(title)}</text>",
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
             f'stroke="#bbb"/>']
    decimals = max(0, min(6, -math.floor(math.log10(ticks[1] - ticks[0])) + 1)) \
        if len(ticks) > 1 else 3
    for t in ticks:
        y = sy(t)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                     f'stroke="#e5e5e5"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="#444">{t:.{decimals}f}</text>')
    step = max(1, math.ceil(n / 10))
    for x in range(1, n + 1):
        if (x - 1) % step and x != n:
            continue
        parts.append(f'<line x1="{sx(x):.1f}" y1="{top + plot_h}" x2="{sx(x):.1f}" '
                     f'y2="{top + plot_h + 4}" stroke="#888"/>')
        parts.append(f'<text x="{sx(x):.1f}" y="{top + plot_h + 16}" font-size="11" '
                     f'text-anchor="middle" fill="#444">{x}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 30}" font-size="11" '
                 f'text-anchor="middle" fill="#444">{esc(x_label)}</text>')
    if best_x is not None and 1 <= best_x <= n:
        bx = sx(best_x)
        parts.append(f'<line x1="{bx:.1f}" y1="{top}" x2="{bx:.1f}" y2="{top + plot_h}" '
                     f'stroke="#666" stroke-dasharray="3 3" class="best"/>')
        near_right = bx > left + plot_w - 50
        parts.append(f'<text x="{bx - 3 if near_right else bx + 3:.1f}" y="{top + 11}" '
                     f'font-size="10" fill="#444" '
                     f'text-anchor="{"end" if near_right else "start"}">best {best_x}</text>')
    colors = colors or {}
    for index, (name, vs) in enumerate(drawn.items()):
        color = colors.get(name, PALETTE[index % len(PALETTE)])
        commands, pen_down = [], False
        for x, v in enumerate(vs, start=1):
            if v is None or not math.isfinite(v):
                pen_down = False
                continue
            commands.append(f"{'L' if pen_down else 'M'}{sx(x):.1f} {sy(v):.1f}")
            pen_down = True
        if len(commands) == 1:
            commands.append("l0.01 0")  # a lone point still shows as a round dot
        dash = ' stroke-dasharray="6 4"' if name in dashed else ""
        parts.append(f'<path d="{" ".join(commands)}" fill="none" stroke="{color}" '
                     f'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"{dash}>'
                     f"<title>{esc(name)}</title></path>")
        if n <= 40:
            for x, v in enumerate(vs, start=1):
                if v is not None and math.isfinite(v):
                    parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(v):.1f}" r="2.5" '
                                 f'fill="{color}"><title>{esc(name)} {esc(x_label)} {x}: {v:.4f}'
                                 f"</title></circle>")
        row, col = divmod(index, 3)
        lx, ly = left + col * (plot_w / 3), top + plot_h + 44 + row * 18
        parts.append(f'<line x1="{lx:.1f}" y1="{ly - 4}" x2="{lx + 22:.1f}" y2="{ly - 4}" '
                     f'stroke="{color}" stroke-width="2"{dash}/>')
        label = name if len(name) <= 28 else name[:27] + "…"
        parts.append(f'<text x="{lx + 27:.1f}" y="{ly}" font-size="11" fill="#222">'
                     f"{esc(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)
