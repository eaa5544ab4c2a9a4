"""Counts (parameters, examples) written in a few characters, the same way on every screen."""

from __future__ import annotations

UNITS = ((1e3, "k"), (1e6, "M"), (1e9, "G"))


def compact_count(n: int | None, significant: int | None = None) -> str:
    """A count short enough for a narrow column: 1,234, 86k, 1.2M ("-" for none).

    With `significant` digits, for a line with room to be exact to that many digits:
    86,123 as 86.1k, 1,234,567 as 1.23M, 714 as 714 (three)."""
    if not n:
        return "-" if n is None or significant is None else "0"
    if n < (1000 if significant else 10_000):
        return str(n) if significant else f"{n:,}"
    index = max(i for i, (scale, _) in enumerate(UNITS) if n >= scale)
    while True:
        scale, unit = UNITS[index]
        whole = len(str(int(n // scale)))
        decimals = max(0, significant - whole) if significant else (0 if unit == "k" else 1)
        value = round(n / scale, decimals)
        if value < 1000 or index == len(UNITS) - 1:
            break
        index += 1  # rounded up into the next unit: 999,950 is 1M, not 1000k
    text = f"{value:.{decimals}f}"
    if significant and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + unit
