"""Error analysis of a run on the test split: confusion matrix, precision and recall per
class, and the most confidently wrong examples. Plain Python: the arithmetic and reading
RUN/analysis.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ANALYSIS_FILE = "analysis.json"
WRONG_EXAMPLES = 10
SNIPPET_CHARS = 300


def error_analysis(true: Sequence[int], probs: Sequence[Sequence[float]], texts: Sequence[str],
                   class_names: Sequence[str], wrong_examples: int = WRONG_EXAMPLES
                   ) -> dict[str, Any]:
    """Confusion matrix (rows true, columns predicted), per-class precision/recall/F1, accuracy,
    macro F1 and the `wrong_examples` mistakes the model was surest of."""
    k = len(class_names)
    matrix = [[0] * k for _ in range(k)]
    wrong: list[tuple[float, int, int, int]] = []
    for index, (label, row) in enumerate(zip(true, probs, strict=True)):
        predicted = max(range(len(row)), key=lambda c: row[c])
        matrix[int(label)][predicted] += 1
        if predicted != int(label):
            wrong.append((float(row[predicted]), index, int(label), predicted))
    per_class = []
    for c in range(k):
        tp = matrix[c][c]
        predicted_c = sum(matrix[r][c] for r in range(k))
        support = sum(matrix[c])
        precision = tp / predicted_c if predicted_c else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append({"class": class_names[c], "precision": precision, "recall": recall,
                          "f1": f1, "support": support, "predicted": predicted_c})
    total = len(true)
    correct = sum(matrix[c][c] for c in range(k))
    wrong.sort(key=lambda item: (-item[0], item[1]))
    return {
        "examples": total,
        "classes": list(class_names),
        "accuracy": correct / total if total else 0.0,
        "macro_f1": sum(c["f1"] for c in per_class) / k if k else 0.0,
        "confusion_matrix": matrix,
        "per_class": per_class,
        "errors": total - correct,
        "confidently_wrong": [
            {"index": index, "true": class_names[label], "predicted": class_names[predicted],
             "confidence": confidence, "text": _snippet(texts[index])}
            for confidence, index, label, predicted in wrong[:wrong_examples]],
    }


def _snippet(text: str) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[:SNIPPET_CHARS - 1].rstrip() + "…"


def summary_line(analysis: dict[str, Any]) -> str:
    """One line for an event, a log or a dashboard."""
    worst = min(analysis["per_class"], key=lambda c: c["recall"], default=None)
    text = (f"test accuracy {analysis['accuracy']:.4f} on {analysis['examples']:,} examples, "
            f"{analysis['errors']:,} wrong")
    if worst is not None and len(analysis["per_class"]) > 1:
        text += f"; lowest recall: {worst['class']} ({worst['recall']:.3f})"
    return text


def read_analysis(run_dir: Path) -> dict[str, Any] | None:
    """RUN/analysis.json, or None when there is none (yet) or it cannot be read."""
    try:
        data = json.loads((Path(run_dir) / ANALYSIS_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None
