"""tf.data input pipelines: texts tokenized once (the ids live in memory as one ragged tensor),
shuffled with the run's seed, batched by length so each batch is padded only to its own longest
text, then prefetched.

Length batching, as done here: each epoch, the shuffled order is cut into windows of
`WINDOW_BATCHES` batches; within a window the texts are sorted by length and cut into batches,
and the batches of the whole epoch are shuffled again. Batches hold texts of nearly the same
length (on IMDB-like lengths, ~90% of the padded time steps are real tokens, against ~22% for
the seeds' `shuffle + padded_batch`, where a batch pads to the longest of 64 random reviews),
yet which texts share a batch changes every epoch. A recurrent layer on a CPU runs every padded
step, so that ratio is most of the speed-up (bench/pipeline_bench.py).

No token is dropped unless the user set a max length (`truncate`). Fixed-length presets
(flatten) pad every batch to that length instead. The evaluation split is sorted by length
outright: order does not matter there, padding does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

# Batches per sorting window: larger pads less (the tail of long reviews gets company of its own
# length); smaller mixes more. 32 batches of 64 gave ~0.8 real/padded steps on IMDB-like
# lengths, 64 gave ~0.88; beyond that the gain is small.
WINDOW_BATCHES = 64


def _without_autotune_model(ds: tf.data.Dataset) -> tf.data.Dataset:
    """The dataset with tf.data's autotuning model (and its background thread) turned off.

    Keras makes a new iterator every epoch and drops the last one at the start of the next.
    Dropping it waits for the iterator's autotune thread, whose sleep between tuning passes
    doubles with the iterator's age, up to a minute (TF 2.21). Measured (bench/epoch_bench.py),
    a third to two thirds of the epochs after the first began with a stall of up to half an
    epoch's time. The pipeline gathers batches from token ids held in memory, so the model has
    little to tune: parallel maps run at TF's default parallelism (a call per core, up to 16),
    and prefetch buffers keep their own (legacy) tuner, which grows them on demand.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


@dataclass
class Split:
    dataset: tf.data.Dataset
    steps: int  # batches per pass
    examples: int


OOV_ID = 1  # the out-of-vocabulary id of both tokenizers (0 is padding)


def truncate(ids: tf.RaggedTensor, max_length: int | None) -> tf.RaggedTensor:
    """Cut texts to max_length (when set). A text with no token at all ('!!!') becomes one
    unknown word: fully masked, it has no average to pool, and 0/0 would turn the loss to NaN."""
    if max_length is not None:
        ids = ids[:, :max_length]
    lengths = ids.row_lengths().numpy()
    empty = lengths == 0
    if not empty.any():
        return ids
    values = np.insert(ids.flat_values.numpy(), ids.row_splits.numpy()[:-1][empty], OOV_ID)
    return tf.RaggedTensor.from_row_lengths(values.astype(np.int32),
                                            np.where(empty, 1, lengths))


def count_batches(n: int, batch_size: int, window: int) -> int:
    """Batches per pass: full windows give window/batch_size each, the rest rounds up."""
    full, rest = divmod(n, window)
    return full * math.ceil(window / batch_size) + math.ceil(rest / batch_size)


def padding_efficiency(lengths: np.ndarray, batches: list[np.ndarray]) -> float:
    """Real tokens over padded time steps for a batching (1.0 means no padding at all)."""
    real = sum(int(lengths[b].sum()) for b in batches)
    padded = sum(len(b) * int(lengths[b].max()) for b in batches)
    return real / padded if padded else 1.0


def make_split(ids: tf.RaggedTensor, labels: list[int], batch_size: int,
               fixed_length: int | None, shuffle: bool, seed: int,
               window_batches: int = WINDOW_BATCHES) -> Split:
    """(ids, label) batches of one split. shuffle=True: training (reshuffled every epoch with
    the run's seed); False: evaluation (sorted by length, same batches every pass)."""
    n = int(ids.nrows())
    y = tf.constant(np.asarray(labels, dtype=np.int32).reshape(-1))
    if fixed_length is not None:
        dense = ids.to_tensor(shape=[None, fixed_length])  # pads (and cuts) to the fixed length
        ds = tf.data.Dataset.from_tensor_slices((dense, y))
        if shuffle:
            ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size)
        steps = math.ceil(n / batch_size)
        ds = ds.apply(tf.data.experimental.assert_cardinality(steps)).prefetch(tf.data.AUTOTUNE)
        return Split(_without_autotune_model(ds), steps, n)

    # An empty text still gets one (padding) step, so every batch has a time axis.
    lengths_np = np.maximum(ids.row_lengths().numpy(), 1)
    window = max(1, batch_size * window_batches if shuffle else n)
    steps = count_batches(n, batch_size, window)
    lengths = tf.constant(lengths_np, dtype=tf.int64)

    def sort_window(idx: tf.Tensor) -> tf.Tensor:
        return tf.gather(idx, tf.argsort(tf.gather(lengths, idx), stable=True))

    def batches_of(idx: tf.Tensor) -> tf.data.Dataset:
        return tf.data.Dataset.from_tensor_slices(idx).batch(batch_size)

    order = tf.data.Dataset.range(n)
    if shuffle:
        order = order.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    batches = order.batch(window).map(sort_window).flat_map(batches_of)
    if shuffle:
        # Within a window the batches run short to long; mixing all of the epoch's batches
        # keeps lengths (and gradient noise) from trending. They are index vectors: cheap.
        batches = batches.shuffle(max(steps, 1), seed=seed + 1, reshuffle_each_iteration=True)

    def gather(idx: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        # One gather per batch from the in-memory ids, padded to this batch's longest text.
        x = tf.gather(ids, idx).to_tensor(default_value=0)
        x = tf.pad(x, [[0, 0], [0, 1 - tf.minimum(tf.shape(x)[1], 1)]])  # all-empty: 1 step
        return x, tf.gather(y, idx)

    ds = batches.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.apply(tf.data.experimental.assert_cardinality(steps)).prefetch(tf.data.AUTOTUNE)
    return Split(_without_autotune_model(ds), steps, n)
