"""The end of a run: score the test split once with the weights predict would use (into
run_finished's `test`) and write RUN/analysis.json. Runs TensorFlow; called by train() before
run_finished, and the only place the test split is tokenized or batched."""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any

from seqtui.engine.config import Config
from seqtui.engine.data.pipeline import make_split, truncate
from seqtui.engine.models.keras_builder import build_compiled_state
from seqtui.engine.reports.analysis import ANALYSIS_FILE, error_analysis, summary_line
from seqtui.engine.runs.events import Listener, make_event, read_events


def finish_run(run_dir: Path | None, model: Any, data: Any, tokenizer: Any, config: Config,
               batch_size: int, has_epoch: bool, emit: Listener) -> dict[str, Any]:
    """Score the test split and analyse its errors; return what run_finished adds: `test`
    (the compiled metrics, e.g. loss and accuracy), `test_checkpoint` and `test_epoch`.

    The weights are the best checkpoint when there is one, else the model as it ended; a run
    stopped inside its first epoch is not scored (a few batches of weights say nothing). A
    failure here is a warning: it never turns a finished run into a failed one.
    """
    if not data.test_texts or not has_epoch:
        return {}
    started = time.time()
    try:
        model, checkpoint, epoch = _chosen_model(run_dir, model)
        ids = truncate(tokenizer.encode(list(data.test_texts)), config.tokenizer.max_length)
        fixed = config.tokenizer.max_length if config.model.preset == "flatten" else None
        split = make_split(ids, data.test_labels, batch_size, fixed, shuffle=False,
                           seed=config.training.seed)
        emit(make_event("stage", stage="testing",
                        message=f"scoring the test split ({split.examples:,} texts) once"))
        build_compiled_state(model, split.dataset.element_spec)
        scores = model.evaluate(split.dataset, return_dict=True, verbose=0)
        test = {k: float(v) for k, v in scores.items()}
    except Exception as exc:  # noqa: BLE001 - the run itself succeeded; say why and go on
        _warn(emit, "scoring the test split failed", exc)
        return {}
    out = {"test": test, "test_checkpoint": checkpoint, "test_epoch": epoch}
    if run_dir is not None:
        _write_analysis(Path(run_dir), model, data, tokenizer, config, checkpoint, epoch,
                        started, emit)
    return out


def _warn(emit: Listener, what: str, exc: BaseException) -> None:
    emit(make_event("warning", message=f"{what}: {type(exc).__name__}: "
                    f"{str(exc).splitlines()[0] if str(exc) else ''}",
                    traceback=traceback.format_exc()))


def _chosen_model(run_dir: Path | None, model: Any) -> tuple[Any, str, int | None]:
    """(model, "best" or "final", its epoch): best.keras when the run saved one."""
    if run_dir is None:
        return model, "final", None
    events = read_events(Path(run_dir) / "events.jsonl")
    best = Path(run_dir) / "checkpoints" / "best.keras"
    if best.is_file():
        import keras

        import seqtui.engine.models.layers  # noqa: F401 - registers MaskedConv1D for loading

        saved = [e for e in events if e.get("type") == "checkpoint_saved"
                 and e.get("path") == "checkpoints/best.keras"]
        return (keras.models.load_model(best, safe_mode=True), "best",
                saved[-1].get("epoch") if saved else None)
    finished = [e for e in events if e.get("type") == "epoch_ended" and not e.get("partial")]
    return model, "final", finished[-1]["epoch"] if finished else None


def _write_analysis(run_dir: Path, model: Any, data: Any, tokenizer: Any, config: Config,
                    checkpoint: str, epoch: int | None, started: float, emit: Listener) -> None:
    from seqtui.engine.reports.predict import probabilities
    from seqtui.engine.runs.files import write_private

    try:
        ids = tokenizer.encode(list(data.test_texts))
        probs = probabilities(model, ids, config.tokenizer.max_length)
        analysis = error_analysis(data.test_labels, probs.tolist(), data.test_texts,
                                  data.class_names)
    except Exception as exc:  # noqa: BLE001 - the run itself succeeded; say why and go on
        _warn(emit, "error analysis failed", exc)
        return
    analysis.update(checkpoint=checkpoint, epoch=epoch, seconds=round(time.time() - started, 3))
    write_private(run_dir / ANALYSIS_FILE, json.dumps(analysis, indent=1) + "\n")
    emit(make_event("analysis", path=ANALYSIS_FILE, summary=summary_line(analysis),
                    accuracy=analysis["accuracy"], macro_f1=analysis["macro_f1"],
                    examples=analysis["examples"], errors=analysis["errors"],
                    confusion_matrix=analysis["confusion_matrix"],
                    checkpoint=checkpoint, epoch=epoch, seconds=analysis["seconds"]))
