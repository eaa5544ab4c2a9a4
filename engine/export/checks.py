"""What makes a run exportable, checked without TensorFlow so bad input is refused at once:
a finished run, the checkpoint asked for, a tokenizer the graph can hold exactly, a free output
path (a .keras name for the Keras file)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from seqtui.engine.errors import BadInput
from seqtui.engine.runs.status import read_run

FORMATS = ("savedmodel", "keras")
CHECKPOINTS = ("best", "last")
# What a .keras export can hold without seqtui: Keras's own layers that compute padded batches
# as seqtui trains them (they take the mask or work per step), used as they are...
KERAS_BUILT_IN = ("InputLayer", "Embedding", "LSTM", "GRU", "SimpleRNN", "Bidirectional",
                  "Dense", "Dropout", "SpatialDropout1D", "LayerNormalization",
                  "GlobalAveragePooling1D", "Flatten")
# ...and seqtui's layers the export rebuilds from Keras's own with the same arithmetic.
KERAS_REBUILT = ("MaskedConv1D", "MaskedPooling1D", "MaskedGlobalMaxPooling1D",
                 "PositionEmbedding", "TransformerEncoder")
MASK_OPS = ("NotEqual", "GetItem")


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
        _keras_problem(info.id, path, settings, output, force)
    if settings.get("kind") == "subwords":
        from seqtui.engine.export.wordpiece import subword_problem

        problem = subword_problem(run_dir / "assets")
        if problem:
            raise BadInput(f"run {info.id} {problem}")
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


def _keras_problem(run: str, checkpoint: Path, settings: dict, output: Path,
                   force: bool) -> None:
    """What a .keras export needs besides what every export does."""
    if settings.get("kind") != "words":
        raise BadInput(f"--format keras: run {run} uses the {settings.get('kind')} tokenizer, "
                       "which a .keras file cannot hold (only a words vocabulary is a Keras "
                       "layer); train with --tokenizer words, or use --format savedmodel")
    for name, kind in _layers_of(checkpoint):
        if kind not in KERAS_BUILT_IN + KERAS_REBUILT:
            raise BadInput(f"--format keras: run {run}'s layer {name} ({kind}) has no exact "
                           "rebuild from Keras's own layers, and an approximation would score "
                           "differently from `seqtui predict`; use --format savedmodel")
    if output.suffix != ".keras":
        # keras.saving.load_model reads a Keras 3 file only by this name.
        raise BadInput(f"-o: a Keras file's name ends in .keras (keras.saving.load_model "
                       f"reads no other); try -o {output.name}.keras")
    if force and (output.exists() or output.is_symlink()) and not _is_keras_file(output):
        raise BadInput(f"-o: {output} is not a seqtui Keras export; --force only replaces an "
                       "earlier export")


def _is_keras_file(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            # An earlier export, not any Keras file: the export adds its own record.
            return {"config.json", "metadata.json", "seqtui.json"} <= set(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _layers_of(checkpoint: Path) -> list[tuple[str, str]]:
    """The (name, class) of each layer of a saved functional model, from its config alone."""
    try:
        with zipfile.ZipFile(checkpoint) as archive:
            config = json.loads(archive.read("config.json"))
        layers = config["config"]["layers"]
        return [(str(layer["config"]["name"]), str(layer["class_name"])) for layer in layers
                # Keras writes the masks its layers compute as ops (padding is id 0, a stride
                # keeps every n-th step); the export computes the same masks itself.
                if not (str(layer.get("module", "")).startswith("keras.src.ops.")
                        and layer["class_name"] in MASK_OPS)]
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile):
        raise BadInput(f"cannot read the model in {checkpoint}: not a Keras 3 file") from None
