"""Predict with a run's model: its best checkpoint (else its last) and its saved vocabulary turn
new texts into a label and a probability each. Also the batched, order-keeping inference that the
end-of-run error analysis uses.

TensorFlow is imported only when a model is loaded or run, so importing this module is cheap.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from seqtui.engine.errors import BadInput
from seqtui.engine.runs.events import read_events

CHECKPOINTS = ("best.keras", "last.keras")
INFERENCE_BATCH = 256
OOV_ID = 1  # the vocabulary's out-of-vocabulary token (0 is padding)


@dataclass
class Prediction:
    text: str
    label: str
    probability: float  # of the predicted label
    scores: dict[str, float]  # every class's probability
    checkpoint: str = ""  # the file that answered, relative to the run: checkpoints/best.keras
    checkpoint_epoch: int | None = None  # the epoch it holds
    unknown_words: list[str] | None = None  # read as the OOV id; None: the tokenizer cannot say

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def checkpoint_epoch(run_dir: Path, path: Path) -> int | None:
    """The epoch a checkpoint holds, from the log (None when the log does not say)."""
    name = f"checkpoints/{Path(path).name}"
    saved = [e for e in read_events(Path(run_dir) / "events.jsonl")
             if e.get("type") == "checkpoint_saved" and e.get("path") == name]
    return saved[-1].get("epoch") if saved else None


def find_checkpoint(run_dir: Path) -> Path:
    """The run's best checkpoint, else its last; BadInput when it has neither yet, or when the
    last one is only the starting weights (epoch 0: a run stopped inside its first epoch)."""
    for name in CHECKPOINTS:
        path = Path(run_dir) / "checkpoints" / name
        if path.is_file() and checkpoint_epoch(run_dir, path) != 0:
            return path
    raise BadInput(f"run {Path(run_dir).name} has no checkpoint yet: a model is saved at the end "
                   "of each finished epoch")


def class_names_of(run_dir: Path) -> list[str] | None:
    """Class names from the run's log (the `ready` stage names them)."""
    for event in reversed(read_events(Path(run_dir) / "events.jsonl")):
        if event.get("type") == "stage" and event.get("class_names"):
            return [str(c) for c in event["class_names"]]
    return None


def inference_function(model: Any, max_length: int | None = None) -> Any:
    """The model's forward pass as one traced function for batches of any length."""
    import tensorflow as tf

    spec = tf.TensorSpec([None, max_length], tf.int32)
    return tf.function(lambda x: model(x, training=False), input_signature=[spec],
                       reduce_retracing=True)


def probabilities(model: Any, ids: Any, max_length: int | None = None,
                  batch_size: int = INFERENCE_BATCH, run: Any = None) -> Any:
    """Class probabilities, shape (texts, classes), in the order of `ids` (a RaggedTensor).

    Texts are batched by length so a batch is padded only to its own longest text; padding is
    masked, so the scores are those of each text alone. With a max length, texts are cut to it
    and padded to it (the model's declared input length). A text without tokens is scored as
    one unknown word.
    """
    import numpy as np
    import tensorflow as tf

    n = int(ids.nrows())
    lengths = ids.row_lengths().numpy()
    order = np.argsort(lengths, kind="stable")
    run = run or inference_function(model, max_length)
    out: np.ndarray | None = None
    for start in range(0, n, batch_size):
        chunk = order[start:start + batch_size]
        rows = tf.gather(ids, chunk)
        if max_length is not None:
            dense = rows[:, :max_length].to_tensor(shape=[len(chunk), max_length])
        else:
            # An empty text still gets one padding step, so the batch has a time axis.
            width = max(1, int(lengths[chunk].max()))
            dense = rows.to_tensor(shape=[len(chunk), width])
        dense = dense.numpy()
        # A text with no tokens at all ("!!!" once punctuation is stripped) would be fully
        # masked, and masked average pooling divides by zero: it reads as one unknown word.
        dense[lengths[chunk] == 0, 0] = OOV_ID
        scores = np.asarray(run(tf.constant(dense, tf.int32)), dtype=np.float64)
        if scores.ndim == 1:
            scores = scores[:, None]
        if scores.shape[1] == 1:  # a sigmoid output: P(class 1)
            scores = np.concatenate([1.0 - scores, scores], axis=1)
        if out is None:
            out = np.zeros((n, scores.shape[1]), dtype=np.float64)
        out[chunk] = scores
    return out if out is not None else np.zeros((0, 2))


class Predictor:
    """A run's model and vocabulary, loaded once, for any number of predictions."""

    def __init__(self, run_dir: Path) -> None:
        run_dir = Path(run_dir)
        if not (run_dir / "config.json").is_file():
            raise BadInput(f"{run_dir} is not a run directory (no config.json)")
        self.run_dir = run_dir
        self.checkpoint = find_checkpoint(run_dir)
        self.checkpoint_epoch = checkpoint_epoch(run_dir, self.checkpoint)
        assets = run_dir / "assets"
        if not (assets / "tokenizer.json").is_file():
            raise BadInput(f"run {run_dir.name} has no saved vocabulary (assets/tokenizer.json)")
        try:
            config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise BadInput(f"cannot read {run_dir / 'config.json'}: {exc}") from None
        self.max_length = config.get("tokenizer", {}).get("max_length")

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        import seqtui.engine.models.layers  # noqa: F401 - registers MaskedConv1D for loading
        from seqtui.engine.data.tokenizers import load_tokenizer

        keras.utils.disable_interactive_logging()
        try:
            self.model = keras.models.load_model(self.checkpoint, safe_mode=True)
        except Exception as exc:  # noqa: BLE001 - a damaged file is the user's to know about
            raise BadInput(f"cannot load {self.checkpoint}: {str(exc).splitlines()[0]}") \
                from None
        self.tokenizer = load_tokenizer(assets)
        self._run = inference_function(self.model, self.max_length)  # traced once, reused
        outputs = int(self.model.output_shape[-1])
        names = class_names_of(run_dir)
        count = 2 if outputs == 1 else outputs
        self.class_names = names if names and len(names) == count else \
            [str(i) for i in range(count)]

    def predict(self, texts: list[str]) -> list[Prediction]:
        if not texts:
            return []
        ids = self.tokenizer.encode(list(texts))
        probs = probabilities(self.model, ids, self.max_length, run=self._run)
        results = []
        unknown = getattr(self.tokenizer, "unknown_words", None)
        for text, row in zip(texts, probs, strict=True):
            best = int(row.argmax())
            results.append(Prediction(
                text=text, label=self.class_names[best], probability=float(row[best]),
                scores={name: float(p) for name, p in zip(self.class_names, row, strict=True)},
                checkpoint=f"checkpoints/{self.checkpoint.name}",
                checkpoint_epoch=self.checkpoint_epoch,
                unknown_words=unknown(text) if unknown else None))
        return results


def predict(run_dir: Path, texts: list[str]) -> list[Prediction]:
    """Load a run's model and predict each text: the one-call form."""
    return Predictor(run_dir).predict(texts)
