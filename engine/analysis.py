"""Error analysis at the end of a run, on the test split: confusion matrix, precision and recall
per class, and the most confidently wrong examples with a snippet of their text.

`finish_run` is called by train() once training ends; it writes RUN/analysis.json and sends an
`analysis` event. The arithmetic is plain Python (`error_analysis`); TensorFlow is only touched
to run the model, inside finish_run. `read_analysis` lets a reader (report, TUI) load the result.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seqtui.engine.events import Listener, make_event

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


def finish_run(run_dir, model, data, tokenizer, test_split, emit: Listener) -> None:
    """Called by train() once training ends, before run_finished.

    Scores the test split with the weights predict would use (the best checkpoint when there is
    one, else the model as it ended) and writes analysis.json. One extra pass over the test split,
    batched by length. A failure here is a warning: it never turns a finished run into a failed
    one.
    """
    run_dir = Path(run_dir)
    started = time.time()
    try:
        analysis = _analyse(run_dir, model, data, tokenizer)
    except Exception as exc:  # noqa: BLE001 - the run itself succeeded; say why and go on
        emit(make_event("warning", message=f"error analysis failed: {type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else ''}",
                        traceback=traceback.format_exc()))
        return
    if analysis is None:
        return
    analysis["seconds"] = round(time.time() - started, 3)
    from seqtui.engine.runstore import write_private

    write_private(run_dir / ANALYSIS_FILE, json.dumps(analysis, indent=1) + "\n")
    emit(make_event("analysis", path=ANALYSIS_FILE, summary=summary_line(analysis),
                    accuracy=analysis["accuracy"], macro_f1=analysis["macro_f1"],
                    examples=analysis["examples"], errors=analysis["errors"],
                    confusion_matrix=analysis["confusion_matrix"],
                    checkpoint=analysis["checkpoint"], epoch=analysis["epoch"],
                    seconds=analysis["seconds"]))


def _analyse(run_dir: Path, model, data, tokenizer) -> dict[str, Any] | None:
    if not data.test_texts:
        return None
    from seqtui.engine.config import Config
    from seqtui.engine.predict import probabilities
    from seqtui.engine.runstore import read_events

    config = Config.from_file(run_dir / "config.json")
    checkpoint, epoch = "final", None
    best = run_dir / "checkpoints" / "best.keras"
    events = read_events(run_dir / "events.jsonl")
    saved = [e for e in events if e.get("type") == "checkpoint_saved"
             and e.get("path") == "checkpoints/best.keras"]
    if best.is_file():
        import keras

        import seqtui.engine.keras_layers  # noqa: F401 - registers MaskedConv1D for loading

        model = keras.models.load_model(best, safe_mode=True)
        checkpoint, epoch = "best", saved[-1].get("epoch") if saved else None
    else:
        finished = [e for e in events if e.get("type") == "epoch_ended" and not e.get("partial")]
        if not finished:
            return None  # stopped inside the first epoch: a few batches of weights say nothing
        epoch = finished[-1]["epoch"]
    ids = tokenizer.encode(list(data.test_texts))
    probs = probabilities(model, ids, config.tokenizer.max_length)
    analysis = error_analysis(data.test_labels, probs.tolist(), data.test_texts,
                              data.class_names)
    analysis.update(checkpoint=checkpoint, epoch=epoch)
    return analysis
