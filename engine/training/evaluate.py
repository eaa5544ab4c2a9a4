"""The end of a run: score the test split once with the weights predict would use and write
RUN/analysis.json. Runs TensorFlow; called by train() before run_finished."""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any

from seqtui.engine.reports.analysis import ANALYSIS_FILE, error_analysis, summary_line
from seqtui.engine.runs.events import Listener, make_event


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
    from seqtui.engine.runs.files import write_private

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
    from seqtui.engine.reports.predict import probabilities
    from seqtui.engine.runs.events import read_events

    config = Config.from_file(run_dir / "config.json")
    checkpoint, epoch = "final", None
    best = run_dir / "checkpoints" / "best.keras"
    events = read_events(run_dir / "events.jsonl")
    saved = [e for e in events if e.get("type") == "checkpoint_saved"
             and e.get("path") == "checkpoints/best.keras"]
    if best.is_file():
        import keras

        import seqtui.engine.models.layers  # noqa: F401 - registers MaskedConv1D for loading

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
