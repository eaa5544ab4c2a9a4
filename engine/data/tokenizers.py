"""Tokenizers turn texts into id sequences (0 is padding, never a token) and save what predict
needs into the run's assets/. `words` is Keras's TextVectorization; `subwords` lives in
`seqtui.engine.data.subwords`. Imports TensorFlow: training and predict processes only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import tensorflow as tf

from seqtui.engine.config import Config
from seqtui.engine.runs.events import Listener

TOKENIZER_FILE = "tokenizer.json"
# The standardisation's patterns, each replaced by a space after lowercasing. Apostrophes are
# kept ("don't" stays one word); the Keras file export rebuilds the function from these.
LINE_BREAK = r"<br\s*/?>"
PUNCTUATION = r"[!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~]"


class Tokenizer(Protocol):
    kind: str

    @property
    def vocab_size(self) -> int:
        """Ids run from 0 (padding) to vocab_size - 1: the embedding's input_dim."""

    def encode(self, texts: list[str]) -> tf.RaggedTensor:
        """int32 id sequences, one row per text, no padding, nothing truncated."""

    def save(self, assets_dir: Path) -> None: ...


@tf.keras.utils.register_keras_serializable(package="seqtui")
def standardize(texts: tf.Tensor) -> tf.Tensor:
    """Lowercase, turn HTML line breaks (IMDB's `<br />`) into spaces, strip punctuation."""
    texts = tf.strings.lower(texts)
    texts = tf.strings.regex_replace(texts, LINE_BREAK, " ")
    return tf.strings.regex_replace(texts, PUNCTUATION, " ")


class WordsTokenizer:
    """Word ids from a TextVectorization vocabulary of at most `max_tokens` entries
    (including the padding '' and the OOV token)."""

    kind = "words"

    def __init__(self, max_tokens: int, oov_token: str = "[UNK]",
                 vocabulary: list[str] | None = None) -> None:
        self.max_tokens = max_tokens
        self.oov_token = oov_token
        self.layer = tf.keras.layers.TextVectorization(
            max_tokens=max_tokens, standardize=standardize, split="whitespace",
            output_mode="int", ragged=True,
            vocabulary=vocabulary[2:] if vocabulary else None,
        )

    def adapt(self, texts: list[str]) -> None:
        self.layer.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(1024))

    @property
    def vocab_size(self) -> int:
        # The ids there are, at most the configured size: data with fewer distinct words gets
        # an embedding of the words it has, not rows no id will ever reach (the seeds' IMDB
        # sizes stay, as IMDB has far more words than the 10,000 they keep).
        return min(self.max_tokens, int(self.layer.vocabulary_size()))

    def vocabulary(self) -> list[str]:
        """'' (padding, id 0), the OOV token (id 1), then words by frequency. Keras calls the
        OOV entry '[UNK]'; the saved vocabulary uses the name the user configured."""
        vocab = list(self.layer.get_vocabulary())
        if len(vocab) > 1:
            vocab[1] = self.oov_token
        return vocab

    def unknown_words(self, text: str) -> list[str]:
        """The words of a text that are not in the vocabulary (each becomes the OOV id), in
        order, once each: what predict tells a user the model could not read."""
        if not hasattr(self, "_known"):
            self._known = set(self.layer.get_vocabulary())
        words = standardize(tf.constant([text])).numpy()[0].decode("utf-8").split()
        return list(dict.fromkeys(w for w in words if w not in self._known))

    def encode(self, texts: list[str]) -> tf.RaggedTensor:
        out = []
        for start in range(0, len(texts), 4096):
            out.append(self.layer(tf.constant(texts[start:start + 4096], dtype=tf.string)))
        ids = tf.concat(out, axis=0) if out else tf.ragged.constant([], dtype=tf.int64,
                                                                     ragged_rank=1)
        return tf.cast(ids, tf.int32)

    def save(self, assets_dir: Path) -> None:
        assets_dir = Path(assets_dir)
        (assets_dir / "vocab.txt").write_text("\n".join(self.vocabulary()) + "\n",
                                              encoding="utf-8")
        (assets_dir / TOKENIZER_FILE).write_text(json.dumps({
            "kind": self.kind, "max_tokens": self.max_tokens, "oov_token": self.oov_token,
            "vocab_file": "vocab.txt", "standardize": "lower, <br /> to space, strip punctuation",
        }, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, assets_dir: Path, settings: dict[str, Any]) -> WordsTokenizer:
        vocab = (Path(assets_dir) / settings["vocab_file"]).read_text(encoding="utf-8")
        words = vocab.split("\n")[:-1]
        return cls(settings["max_tokens"], settings["oov_token"], vocabulary=words)


def build_tokenizer(config: Config, train_texts: list[str], emit: Listener) -> Tokenizer:
    from seqtui.engine.runs.events import make_event

    kind = config.tokenizer.kind
    if kind == "subwords":
        from seqtui.engine.data.subwords import build_subword_tokenizer

        return build_subword_tokenizer(config, train_texts, emit)
    asked = config.tokenizer.vocab_size
    emit(make_event("stage", stage="vocabulary",
                    message=f"building a vocabulary of at most {asked:,} words"))
    tokenizer = WordsTokenizer(asked, config.tokenizer.oov_token)
    tokenizer.adapt(train_texts)
    emit(make_event("stage", stage="vocabulary", vocab_size=tokenizer.vocab_size,
                    message=f"learned a vocabulary of {tokenizer.vocab_size:,} ids "
                            f"(at most {asked:,} asked)"))
    return tokenizer


def load_tokenizer(assets_dir: Path) -> Tokenizer:
    """The tokenizer a run saved, for predict and error analysis."""
    settings = json.loads((Path(assets_dir) / TOKENIZER_FILE).read_text(encoding="utf-8"))
    if settings["kind"] == "subwords":
        from seqtui.engine.data.subwords import SubwordTokenizer

        return SubwordTokenizer.load(Path(assets_dir), settings)
    return WordsTokenizer.load(Path(assets_dir), settings)
