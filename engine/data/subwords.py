"""The `subwords` tokenizer: an about-8k WordPiece vocabulary, as TFDS's removed
`imdb_reviews/subwords8k` had (the seeds' 8185 ids), learned once from the training split and
cached on disk.

Why HuggingFace `tokenizers`: TFDS's own `SubwordTextEncoder.build_from_corpus` is pure Python
and takes minutes on IMDB's 25,000 reviews; the `tokenizers` WordPiece trainer (Rust) learns a
vocabulary of the same kind (greedy longest-match subwords, `##` marks a word's continuation) in
seconds, and encodes in parallel. Figures in bench/README.md.

Ids: 0 is padding ([PAD]), 1 the unknown token ([UNK], a character never seen in training),
then subwords. Text is lowercased and IMDB's `<br />` tags become spaces, as for `words`.

Vocabulary size: `tokenizer.vocab_size` counts every id (padding and [UNK] included), so the
embedding's input_dim is exactly that. Left at the config default (10000, the words tokenizer's
size), subwords use the seeds' 8185; any other value is taken as it is. If the training text has
fewer subwords than that, the embedding keeps the configured size (ids past the learned ones are
never produced), so the parameter count seen before training is the one that trains.

The cache: SEQTUI_CACHE_DIR, else $XDG_CACHE_HOME/seqtui, else ~/.cache/seqtui; files under
subwords/ are named by a hash of the training texts and the settings, so the same data with the
same settings never learns twice, and any change (a subset, a seed, an edited file) learns anew.
Learning again elsewhere can differ in a few rare subwords (the trainer breaks ties between
equally frequent pairs in hash-map order); each run keeps the vocabulary it trained with.

This module imports neither TensorFlow nor `tokenizers` at import time: the TUI may ask
`subword_vocab_size` for its model preview.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seqtui.engine.config import SEEDS_SUBWORDS_VOCAB_SIZE, Config
from seqtui.engine.data.common import cache_dir
from seqtui.engine.runs.events import Listener, make_event

if TYPE_CHECKING:
    import tensorflow as tf

SEEDS_VOCAB_SIZE = SEEDS_SUBWORDS_VOCAB_SIZE
ALGORITHM = "wordpiece-v1"  # bump when the way a vocabulary is learned changes: new cache keys
PAD, UNK = "[PAD]", "[UNK]"
HF_FILE = "subwords.json"  # the `tokenizers` file inside assets/
VOCAB_FILE = "subwords.txt"  # the vocabulary, one subword a line, line n = id n (for people)
BATCH = 2000  # texts per progress step while learning and encoding


def subword_vocab_size(config: Config) -> int:
    """Ids of the subwords tokenizer (its embedding's input_dim) for this config."""
    return config.planned_vocab_size


def _settings(vocab_size: int) -> dict[str, Any]:
    return {"algorithm": ALGORITHM, "vocab_size": vocab_size, "lowercase": True,
            "strip_html_breaks": True, "special_tokens": [PAD, UNK]}


def cache_key(texts: list[str], settings: dict[str, Any], dataset: str) -> str:
    """A hash of the dataset name, the settings and every training text (order included)."""
    h = hashlib.sha256()
    h.update(json.dumps({"dataset": dataset, **settings}, sort_keys=True).encode())
    for text in texts:
        h.update(len(text).to_bytes(8, "little"))
        h.update(text.encode("utf-8", errors="replace"))
    return h.hexdigest()[:32]


def _new_hf_tokenizer(vocab: dict[str, int] | None = None) -> Any:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

    tok = Tokenizer(models.WordPiece(vocab, unk_token=UNK, max_input_chars_per_word=100,
                                     continuing_subword_prefix="##"))
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(r"<[bB][rR]\s*/?>"), " "),  # IMDB's <br /> line breaks
        normalizers.Lowercase(),
    ])
    # Words and runs of punctuation (\w+|[^\w\s]+): fast, and keeps "not" and "!" as pieces.
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece()
    return tok


class SubwordTokenizer:
    """Subword ids from a learned WordPiece vocabulary (see the module docstring)."""

    kind = "subwords"

    def __init__(self, hf_tokenizer: Any, vocab_size: int) -> None:
        self.hf = hf_tokenizer
        self._vocab_size = vocab_size
        if self.hf.token_to_id(PAD) != 0 or self.hf.token_to_id(UNK) != 1:
            raise ValueError("subword vocabulary must start with [PAD] (0) and [UNK] (1)")
        self.hf.no_truncation()
        self.hf.no_padding()

    @property
    def vocab_size(self) -> int:
        return self._vocab_size

    @property
    def learned_size(self) -> int:
        """Ids the vocabulary actually has (at most vocab_size)."""
        return int(self.hf.get_vocab_size())

    def encode_lists(self, texts: list[str]) -> tuple[Any, Any]:
        """(flat ids, row lengths) as numpy arrays: every token of every text, no padding."""
        import numpy as np

        lengths = np.zeros(len(texts), dtype=np.int64)
        chunks = []
        for start in range(0, len(texts), BATCH):
            encodings = self.hf.encode_batch_fast(texts[start:start + BATCH],
                                                  add_special_tokens=False)
            for i, enc in enumerate(encodings):
                ids = enc.ids
                lengths[start + i] = len(ids)
                chunks.append(np.asarray(ids, dtype=np.int32))
        flat = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
        return flat, lengths

    def encode(self, texts: list[str]) -> tf.RaggedTensor:
        import tensorflow as tf

        flat, lengths = self.encode_lists(list(texts))
        return tf.RaggedTensor.from_row_lengths(tf.constant(flat, dtype=tf.int32),
                                                tf.constant(lengths, dtype=tf.int64))

    def tokens(self, text: str) -> list[str]:
        """The subwords of one text, for people (predict, reports)."""
        return list(self.hf.encode(text, add_special_tokens=False).tokens)

    def save(self, assets_dir: Path) -> None:
        from seqtui.engine.data.tokenizers import TOKENIZER_FILE

        assets_dir = Path(assets_dir)
        assets_dir.mkdir(parents=True, exist_ok=True)
        self.hf.save(str(assets_dir / HF_FILE))
        vocab = sorted(self.hf.get_vocab().items(), key=lambda item: item[1])
        (assets_dir / VOCAB_FILE).write_text("".join(f"{tok}\n" for tok, _ in vocab),
                                             encoding="utf-8")
        (assets_dir / TOKENIZER_FILE).write_text(json.dumps({
            "kind": self.kind, "vocab_size": self.vocab_size, "learned_size": self.learned_size,
            "tokenizer_file": HF_FILE, "vocab_file": VOCAB_FILE, "algorithm": ALGORITHM,
            "library": "tokenizers (HuggingFace) WordPiece",
            "standardize": "lowercase, <br /> to space; words and punctuation runs split",
        }, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, assets_dir: Path, settings: dict[str, Any]) -> SubwordTokenizer:
        from tokenizers import Tokenizer

        path = Path(assets_dir) / settings.get("tokenizer_file", HF_FILE)
        return cls(Tokenizer.from_file(str(path)), int(settings["vocab_size"]))


def learn(texts: list[str], vocab_size: int, emit: Listener) -> Any:
    """Learn a WordPiece vocabulary of at most vocab_size ids; progress as stage events."""
    from tokenizers import trainers

    tok = _new_hf_tokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=[PAD, UNK],
                                        min_frequency=2, show_progress=False)
    total = len(texts)
    message = f"learning a {vocab_size:,}-subword vocabulary from {total:,} texts"

    def batches():
        for start in range(0, total, BATCH):
            emit(make_event("stage", stage="vocabulary", message=f"{message}: counting words",
                            done=start, total=total))
            yield texts[start:start + BATCH]
        # Counting is done; merging pairs into subwords has no progress to show.
        emit(make_event("stage", stage="vocabulary", message=f"{message}: merging subwords",
                        done=total, total=total))

    tok.train_from_iterator(batches(), trainer=trainer, length=total)
    # The trainer's ids depend on hash-map order (the same subwords, numbered differently from
    # one process to the next); number them canonically so the same texts give the same ids.
    learned = tok.get_vocab()
    rest = sorted(t for t in learned if t not in (PAD, UNK))
    return _new_hf_tokenizer({t: i for i, t in enumerate([PAD, UNK, *rest])})


def build_subword_tokenizer(config: Config, train_texts: list[str],
                            emit: Listener) -> SubwordTokenizer:
    """The subword tokenizer for these training texts: from the cache, or learned and cached."""
    from tokenizers import Tokenizer

    vocab_size = subword_vocab_size(config)
    settings = _settings(vocab_size)
    key = cache_key(train_texts, settings, config.data.dataset)
    path = cache_dir() / "subwords" / f"{key}.json"
    if path.is_file():
        try:
            tokenizer = SubwordTokenizer(Tokenizer.from_file(str(path)), vocab_size)
        except Exception:  # noqa: BLE001 - a damaged cache entry is learned again
            tokenizer = None
        if tokenizer is not None:
            emit(make_event("stage", stage="vocabulary", cached=True, path=str(path),
                            message=f"subword vocabulary ({tokenizer.learned_size:,} ids) "
                                    f"from the cache: {path}"))
            return tokenizer
    started = time.time()
    hf = learn(train_texts, vocab_size, emit)
    tokenizer = SubwordTokenizer(hf, vocab_size)
    seconds = round(time.time() - started, 2)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        hf.save(tmp)
        os.replace(tmp, path)  # atomic: a concurrent run never reads half a file
        where = f"cached in {path}"
    except OSError as exc:  # a read-only home still trains; it just learns again next time
        emit(make_event("warning", message=f"could not cache the subword vocabulary in "
                                           f"{path.parent}: {exc.strerror or exc}"))
        where = "not cached"
    emit(make_event("stage", stage="vocabulary", cached=False, seconds=seconds, path=str(path),
                    done=len(train_texts), total=len(train_texts),
                    message=f"learned {tokenizer.learned_size:,} subwords in {seconds:.1f} s; "
                            f"{where}"))
    return tokenizer
