"""What makes a run exportable, checked without TensorFlow so bad input is refused at once:
a finished run, the checkpoint asked for, a words tokenizer, a free output path (a .keras name
for the Keras file)."""

from __future__ import annotations

import json
import zipfile
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
    if fmt == "keras":
        _keras_problem(info.id, settings, output, force)
    if settings.get("kind") == "subwords":
        raise BadInput(f"run {info.id} uses the subwords tokenizer, which cannot be put in the "
                       "graph exactly here (that needs tensorflow-text, which has no wheel for "
                       "this TensorFlow), and an approximation would score differently from "
                       "`seqtui predict`; train with --tokenizer words to export")
    if output.exists() or output.is_symlink():
        if not force:
            raise BadInput(f"-o: {output} already exists; choose another path or add --force "
                           "to replace it")
        if fmt == "savedmodel" and output.is_dir() and not (output / "saved_model.pb").is_file():
            # --force replaces an earlier export, never a folder of something else.
            raise BadInput(f"-o: {output} is a folder but not a SavedModel; --force only "
                           "replaces an earlier export")
    if run_dir.resolve() in output.resolve().parents:
        raise BadInput(f"-o: {output} is inside the run directory; export elsewhere")
    if not output.parent.is_dir():
        raise BadInput(f"-o: {output.parent} is not a folder")
    return path


def _keras_problem(run: str, settings: dict, output: Path, force: bool) -> None:
    """What a .keras export needs besides what every export does."""
    if settings.get("kind") != "words":
        raise BadInput(f"--format keras: run {run} uses the {settings.get('kind')} tokenizer, "
                       "which a .keras file cannot hold (only a words vocabulary is a Keras "
                       "layer); train with --tokenizer words to export it as keras")
    if output.suffix != ".keras":
        # keras.saving.load_model reads a Keras 3 file only by this name.
        raise BadInput(f"-o: a Keras file's name ends in .keras (keras.saving.load_model "
                       f"reads no other); try -o {output.name}.keras")
    if force and (output.exists() or output.is_symlink()) and not _is_keras_file(output):
        raise BadInput(f"-o: {output} is not a Keras file; --force only replaces an earlier "
                       "export")


def _is_keras_file(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return {"config.json", "metadata.json"} <= set(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
