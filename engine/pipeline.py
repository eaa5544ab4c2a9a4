"""tf.data input pipelines: ids tokenized once and cached in memory, shuffled with the run's seed,
bucketed by length so each batch is padded only to its own longest text, then prefetched.

No token is dropped unless the user set a max length. Fixed-length presets (flatten) pad every
batch to that length instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

NUM_BUCKETS = 12


@dataclass
class Split:
    dataset: tf.data.Dataset
    steps: int  # batches per pass
    examples: int


def truncate(ids: tf.RaggedTensor, max_length: int | None) -> tf.RaggedTensor:
    return ids if max_length is None else ids[:, :max_length]


def bucket_boundaries(lengths: np.ndarray, num_buckets: int = NUM_BUCKETS) -> list[int]:
    """Length quantiles as bucket edges: about as many texts in each bucket."""
    if len(lengths) == 0:
        return [2]
    edges = np.quantile(lengths, np.linspace(0, 1, num_buckets + 1)[1:-1])
    bounds = sorted({int(e) + 1 for e in edges if e >= 1})
    return bounds or [int(lengths.max()) + 1]


def count_batches(lengths: np.ndarray, boundaries: list[int], batch_size: int) -> int:
    """How many batches bucket_by_sequence_length makes: each bucket's count, rounded up."""
    buckets = np.digitize(lengths, boundaries, right=False)
    counts = np.bincount(buckets, minlength=len(boundaries) + 1)
    return int(sum(math.ceil(c / batch_size) for c in counts))


def make_split(ids: tf.RaggedTensor, labels: list[int], batch_size: int,
               fixed_length: int | None, shuffle: bool, seed: int,
               boundaries: list[int] | None = None) -> Split:
    n = int(ids.nrows())
    y = tf.constant(np.asarray(labels, dtype=np.int32))
    if fixed_length is not None:
        dense = ids.to_tensor(shape=[None, fixed_length])  # pads (and cuts) to the fixed length
        ds = tf.data.Dataset.from_tensor_slices((dense, y)).cache()
        if shuffle:
            ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size)
        steps = math.ceil(n / batch_size)
    else:
        lengths = ids.row_lengths().numpy()
        # An empty text still gets one padding step, so every batch has a time axis.
        bounds = boundaries or bucket_boundaries(np.maximum(lengths, 1))
        ds = _rows(ids, y)
        if shuffle:
            ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        ds = ds.bucket_by_sequence_length(
            element_length_func=lambda x, _: tf.maximum(tf.shape(x)[0], 1),
            bucket_boundaries=bounds,
            bucket_batch_sizes=[batch_size] * (len(bounds) + 1),
            padded_shapes=([None], []),
            pad_to_bucket_boundary=False,
        )
        steps = count_batches(np.maximum(lengths, 1), bounds, batch_size)
        if shuffle:
            # Buckets fill at different rates; mixing whole batches keeps lengths from trending.
            ds = ds.shuffle(64, seed=seed + 1, reshuffle_each_iteration=True)
    ds = ds.apply(tf.data.experimental.assert_cardinality(steps)).prefetch(tf.data.AUTOTUNE)
    return Split(ds, steps, n)


def _rows(ids: tf.RaggedTensor, labels: tf.Tensor) -> tf.data.Dataset:
    """(ids, label) elements as dense variable-length tensors, sliced from one flat tensor and
    cached: tokenized once, never again per epoch."""
    values, splits = ids.flat_values, ids.row_splits

    def row(i: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return values[splits[i]:splits[i + 1]], labels[i]

    n = int(ids.nrows())
    return tf.data.Dataset.range(n).map(row, num_parallel_calls=tf.data.AUTOTUNE,
                                        deterministic=True).cache()
