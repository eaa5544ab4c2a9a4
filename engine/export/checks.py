"""What makes a run exportable, checked without TensorFlow so bad input is refused at once:
a finished run, the checkpoint asked for, a tokenizer the graph can hold exactly, a free output
path."""

from __future__ import annotations

import json
from pathlib import Path

from seqtui.engine.errors import BadInput
from seqtui.engine.runs.status import read_run

FORMATS = ("savedmodel", "keras")
CHECKPOINTS = ("best", "last")


def export_problem(run_dir: Path, output: Path, fmt: str, checkpoint: str,
                   force: bool) -> Path:
    """The checkpoint to export; raises BadInput with one line when the export cannot be made."""
    run_dir, output = Path(run_dir), Path(output)
    if fmt not in FORMATS:
        raise BadInput(f"--format: {fmt!r} is not a format; choose savedmodel or keras")
    if checkpoint not in CHECKPOINTS:
        raise BadInput(f"--checkpoint: {checkpoint!r} is not a checkpoint; choose best or last")
    info = read_run(run_dir)
    if info.status in ("running", "pending"):
        raise BadInput(f"run {info.id} is still {info.status}: export it once it has finished "
                       f"(or `seqtui stop {info.id}` first)")
    path = run_dir / "checkpoints" / f"{checkpoint}.keras"
    if not path.is_file():
        other = "last" if checkpoint == "best" else "best"
        hint = f"; try --checkpoint {other}" if (run_dir / "checkpoints" /
                                                  f"{other}.keras").is_file() else \
            ": a model is saved at the end of each finished epoch"
        raise BadInput(f"run {info.id} has no {checkpoint} checkpoint{hint}")
    try:
        settings = json.loads((run_dir / "assets" / "tokenizer.json").read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        raise BadInput(f"run {info.id} has no saved vocabulary (assets/tokenizer.json)") \
            from None
    if settings.get("kind") == "subwords":
        from seqtui.engine.export.wordpiece import subword_problem

        problem = subword_problem(run_dir / "assets")
        if problem:
            raise BadInput(f"run {info.id} {problem}")
    if fmt == "keras":
        # A .keras file holds configs and weights, no code: without seqtui imported, Keras
        # rebuilds only its own layers and functions (or a Lambda, whose bytecode it runs only
        # with safe_mode=False). Its built-in standardisation drops apostrophes and joins the
        # words punctuation separates, so the run's vocabulary would read other tokens.
        raise BadInput("--format keras: a .keras file cannot hold this run's standardisation "
                       "(Keras's own joins \"well-made\" into \"wellmade\"; seqtui's would "
                       "need seqtui or an unsafe Lambda to load); use --format savedmodel, "
                       "which Keras 3 loads as keras.layers.TFSMLayer(PATH)")
    if output.exists() or output.is_symlink():
        if not force:
            raise BadInput(f"-o: {output} already exists; choose another path or add --force "
                           "to replace it")
        if output.is_dir() and not (output / "saved_model.pb").is_file():
            # --force replaces an earlier export, never a folder of something else.
            raise BadInput(f"-o: {output} is a folder but not a SavedModel; --force only "
                           "replaces an earlier export")
    if run_dir.resolve() in output.resolve().parents:
        raise BadInput(f"-o: {output} is inside the run directory; export elsewhere")
    if not output.parent.is_dir():
        raise BadInput(f"-o: {output.parent} is not a folder")
    return path
