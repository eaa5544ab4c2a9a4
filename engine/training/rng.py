"""The dropout masks' random state, kept in the checkpoint so a resumed run draws the masks an
uninterrupted one would.

Keras 3 layers draw their randomness from SeedGenerator objects: each holds a small `state`
variable that advances at every draw. It is part of `layer.variables` but not of the weights a
`.keras` file saves, so a reloaded model would start every mask sequence over. The states go
into the checkpoint's zip as one extra JSON entry, which Keras's loader ignores; writing them
into the same file keeps them and the weights from ever disagreeing.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keras
import numpy as np

ENTRY = "seqtui_seed_states.json"


def _seed_states(model: keras.Model) -> list[keras.Variable]:
    # Model.variables lists each layer's SeedGenerator state, in the layers' order.
    return [v for v in model.variables if v.name == "seed_generator_state"]


def save_seed_states(model: keras.Model, checkpoint: Path) -> None:
    """Add the model's SeedGenerator states to a checkpoint just written by model.save."""
    states = [(v.path, np.asarray(keras.ops.convert_to_numpy(v)).tolist())
              for v in _seed_states(model)]
    if not states:
        return
    with zipfile.ZipFile(checkpoint, "a") as archive:
        archive.writestr(ENTRY, json.dumps(states))


def restore_seed_states(model: keras.Model, checkpoint: Path) -> int:
    """Set the SeedGenerator states of a model loaded from `checkpoint`; returns how many.
    A checkpoint written before the states were saved restores none."""
    try:
        with zipfile.ZipFile(checkpoint) as archive:
            saved = json.loads(archive.read(ENTRY))
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return 0
    variables = _seed_states(model)
    if len(saved) != len(variables):
        return 0  # another model's file: leave Keras's fresh states
    by_path = {path: value for path, value in saved}
    for (_, value), variable in zip(saved, variables, strict=True):
        # The path names the layer; the order is the fallback when Keras numbers a layer anew.
        variable.assign(np.asarray(by_path.get(variable.path, value), dtype=variable.dtype))
    return len(variables)
