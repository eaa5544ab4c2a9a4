"""The input pipeline: every text once per epoch with every token, batches padded to their own
longest text, shuffled with the run's seed, and far less padding than shuffle + padded_batch."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from seqtui.engine.data.pipeline import count_batches, make_split, padding_efficiency, truncate


def ragged(lengths: list[int] | np.ndarray, seed: int = 0) -> tf.RaggedTensor:
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 500, int(np.sum(lengths))).astype(np.int32)
    return tf.RaggedTensor.from_row_lengths(values, np.asarray(lengths, dtype=np.int64))


def long_tailed(n: int, seed: int = 0) -> np.ndarray:
    """IMDB-like lengths: median ~230, a tail past 1000."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.lognormal(np.log(230), 0.75, n), 3, 2500).astype(int)


def epoch(split) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x.numpy(), y.numpy()) for x, y in split.dataset]


@pytest.mark.parametrize("n, batch, shuffle", [(300, 32, True), (300, 32, False),
                                               (5, 32, True), (64, 8, True), (97, 7, True)])
def test_every_text_once_with_every_token_padded_to_its_own_batch(n, batch, shuffle) -> None:
    lengths = long_tailed(n, seed=n)
    ids = ragged(lengths)
    labels = [i % 3 for i in range(n)]
    split = make_split(ids, labels, batch, None, shuffle=shuffle, seed=1, window_batches=4)
    batches = epoch(split)
    assert len(batches) == split.steps and split.examples == n
    seen = []
    for x, y in batches:
        real = (x != 0).sum(axis=1)
        assert x.shape[1] == real.max()  # padded only to this batch's longest text
        seen += [(tuple(row[row != 0]), int(label)) for row, label in zip(x, y, strict=True)]
    source = [(tuple(r), labels[i]) for i, r in enumerate(ids.to_list())]
    assert sorted(seen) == sorted(source)  # each text once, every token, its own label


def test_shuffled_with_the_seed_and_again_every_epoch() -> None:
    ids, labels = ragged(long_tailed(400)), [0, 1] * 200
    first = make_split(ids, labels, 16, None, shuffle=True, seed=5)
    same = make_split(ids, labels, 16, None, shuffle=True, seed=5)
    other = make_split(ids, labels, 16, None, shuffle=True, seed=6)

    def order(split):
        return [tuple(x[:, 0]) for x, _ in epoch(split)]

    a1, a2 = order(first), order(first)
    assert a1 == order(same)
    assert a1 != a2  # a new order each epoch
    assert a1 != order(other)


def test_evaluation_batches_are_the_same_every_pass() -> None:
    split = make_split(ragged(long_tailed(200)), [0] * 200, 16, None, shuffle=False, seed=0)
    assert [x.shape for x, _ in epoch(split)] == [x.shape for x, _ in epoch(split)]


def test_much_less_padding_than_the_seeds_padded_batch() -> None:
    lengths = long_tailed(6000, seed=2)
    ids = ragged(lengths)
    split = make_split(ids, [0] * 6000, 64, None, shuffle=True, seed=1)
    real = padded = 0
    for x, _ in split.dataset:
        real += int(tf.math.count_nonzero(x))
        padded += int(tf.size(x))
    assert real == lengths.sum()
    ours = real / padded
    order = np.random.default_rng(0).permutation(6000)
    seeds = padding_efficiency(lengths, [order[i:i + 64] for i in range(0, 6000, 64)])
    assert seeds < 0.35 and ours > 0.8


def test_fixed_length_pads_and_cuts_every_batch_to_it() -> None:
    ids = ragged([3, 200, 50, 1])
    split = make_split(ids, [0, 1, 0, 1], 3, fixed_length=120, shuffle=False, seed=0)
    shapes = [x.shape for x, _ in epoch(split)]
    assert shapes == [(3, 120), (1, 120)] and split.steps == 2


@pytest.mark.parametrize("fixed, shuffle", [(None, True), (None, False), (20, True)])
def test_no_split_starts_the_autotune_model(fixed, shuffle) -> None:
    """Keras drops each epoch's iterator at the start of the next, and with tf.data's autotune
    model on that waited for the tuner's thread: up to half an epoch lost, most epochs
    (bench/epoch_bench.py has the figures; a timing belongs there, not in a test). Every split
    the engine makes, training, validation and test, has the model off."""
    split = make_split(ragged([3, 9, 4, 7]), [0, 1, 0, 1], 2, fixed, shuffle=shuffle, seed=0)
    assert split.dataset.options().autotune.enabled is False
    assert len(epoch(split)) == split.steps  # and it still reads


def test_tokens_are_cut_only_with_a_max_length() -> None:
    ids = ragged([5, 300])
    assert truncate(ids, None).row_lengths().numpy().tolist() == [5, 300]
    assert truncate(ids, 120).row_lengths().numpy().tolist() == [5, 120]


def test_empty_texts_still_give_a_time_step() -> None:
    split = make_split(ragged([0, 0, 0]), [0, 1, 0], 2, None, shuffle=True, seed=0)
    assert [x.shape[1] for x, _ in epoch(split)] == [1, 1]


def test_count_batches_matches_windows() -> None:
    assert count_batches(100, 10, 40) == 10
    assert count_batches(105, 10, 40) == 11
    assert count_batches(45, 10, 40) == 4 + 1
    assert count_batches(45, 16, 48) == 3


def test_a_text_with_no_token_reads_as_one_unknown_word():
    import tensorflow as tf

    from seqtui.engine.data.pipeline import OOV_ID, truncate

    ids = tf.ragged.constant([[5, 6], [], [7], []], dtype=tf.int32)
    assert truncate(ids, None).to_list() == [[5, 6], [OOV_ID], [7], [OOV_ID]]
    assert truncate(ids, 1).to_list() == [[5], [OOV_ID], [7], [OOV_ID]]


def test_punctuation_only_texts_do_not_turn_the_loss_to_nan(tmp_path):
    import json

    from helpers import tiny_config
    from seqtui.engine.training.train import train

    rows = [{"text": "!!! ...", "label": i % 2} for i in range(20)]
    rows += [{"text": f"a {'good' if i % 2 else 'bad'} film", "label": i % 2} for i in range(60)]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    config = tiny_config("gap", training__epochs=2)
    config.data.dataset = f"jsonl:{path}"
    ended = []
    train(config, listener=lambda e: ended.append(e) if e["type"] == "epoch_ended" else None)
    # Non-finite metrics are logged as None: every value must have stayed a number.
    assert [sorted(e["logs"]) for e in ended] == [["accuracy", "loss", "val_accuracy",
                                                   "val_loss"]] * 2
    assert all(v is not None for e in ended for v in e["logs"].values()), ended
