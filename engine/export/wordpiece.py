"""The `subwords` tokenizer rebuilt in the graph, id for id: what the run's HuggingFace
`tokenizers` pipeline does to a text (replace `<br />`, lowercase, split words and punctuation
runs, greedy longest-match WordPiece with `##` continuations, a word over the length limit read
as [UNK]) as TensorFlow string ops plus tensorflow-text's FastWordpieceTokenizer.

Exact by construction, not by approximation: the character classes the pipeline's regular
expressions use (Oniguruma's Unicode `\\s` and `\\w`) and its per-character lowercasing (which,
unlike ICU's and TensorFlow's, has no final sigma) are read from the installed `tokenizers`
itself, over every Unicode scalar value, and written into the graph as explicit ranges and
tables; nothing depends on two libraries agreeing about a Unicode version.

One place where FastWordpieceTokenizer is not the greedy algorithm `tokenizers` runs: a word that
begins with the continuation marker `##` (a run of punctuation such as "##!"), which its trie walks
into suffix space. Such words have their first two characters swapped for two whitespace
characters (which no word can contain) and matched against vocabulary entries added for that
spelling, whose ids map back to the run's.

A run whose saved pipeline is not the one described here is refused with one line
(`subword_problem`), rather than exported to score differently. This module imports neither
TensorFlow nor tensorflow-text at import time; `make_encoder` does.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from seqtui.engine.data.common import cache_dir

UNK = "[UNK]"
PREFIX = "##"
BR_PATTERN = r"<[bB][rR]\s*/?>"
# The only pipeline this module reproduces: `seqtui.engine.data.subwords` saves it.
NORMALIZER = {"type": "Sequence", "normalizers": [
    {"type": "Replace", "pattern": {"Regex": BR_PATTERN}, "content": " "},
    {"type": "Lowercase"}]}
PRE_TOKENIZER = {"type": "Whitespace"}
# Stand-ins for a word's leading "##", and a word that tokenizes to [UNK] alone: whitespace,
# which the pre-tokenizer never leaves inside a word.
HASH_FIRST, HASH_SECOND, NO_WORD = " ", "\t", "\n"
INSTALL = "pip install 'seqtui[export]'"
LOADING_NOTE = ("import tensorflow_text before tf.saved_model.load: it registers the "
                "WordPiece op the graph uses")


def tensorflow_text_missing() -> bool:
    """True when tensorflow-text cannot be found (checked without importing TensorFlow)."""
    try:
        return importlib.util.find_spec("tensorflow_text") is None
    except (ImportError, ValueError):
        return True


def subword_problem(assets_dir: Path) -> str | None:
    """Why this run's subword tokenizer cannot be put in the graph exactly, in words that follow
    "run X "; None when it can. Reads files only."""
    assets_dir = Path(assets_dir)
    try:
        name = json.loads((assets_dir / "tokenizer.json").read_text("utf-8"))["tokenizer_file"]
        saved = json.loads((assets_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return "has no readable subword vocabulary (assets/subwords.json)"
    reason = pipeline_difference(saved)
    if reason:
        return (f"uses a subword tokenizer whose {reason}, which the export cannot rebuild "
                "exactly in the graph (it would score differently from `seqtui predict`); "
                "use `seqtui predict`, or train with --tokenizer words to export")
    if tensorflow_text_missing():
        return ("uses the subwords tokenizer, whose export needs tensorflow-text (the WordPiece "
                f"op in the graph): {INSTALL}")
    return None


def pipeline_difference(saved: dict[str, Any]) -> str | None:
    """The first part of a saved `tokenizers` pipeline that differs from the one this module
    reproduces, said as "<part> is <value>"; None when it is that pipeline."""
    model = saved.get("model") or {}
    vocab = model.get("vocab")
    checks = [
        ("normalizer", saved.get("normalizer"), NORMALIZER),
        ("pre-tokenizer", saved.get("pre_tokenizer"), PRE_TOKENIZER),
        ("post-processor", saved.get("post_processor"), None),
        ("added tokens", saved.get("added_tokens") or [], []),
        ("model", model.get("type"), "WordPiece"),
        ("continuing-subword prefix", model.get("continuing_subword_prefix"), PREFIX),
        ("unknown token", model.get("unk_token"), UNK),
    ]
    for name, got, want in checks:
        if got != want:
            return f"{name} is {json.dumps(got)[:60]}"
    if not isinstance(vocab, dict) or vocab.get(UNK) is None:
        return "vocabulary has no [UNK]"
    if sorted(vocab.values()) != list(range(len(vocab))):
        return "vocabulary ids are not 0 to n-1"
    limit = model.get("max_input_chars_per_word")
    if not isinstance(limit, int) or limit < 1:
        return f"word length limit is {limit!r}"
    if any("\x00" in token for token in vocab):
        return "vocabulary holds the NUL character"
    return None


@functools.lru_cache(maxsize=1)
def char_tables() -> dict[str, Any]:
    """The installed `tokenizers`' own character semantics, for every Unicode scalar value:
    `space` (what its Whitespace pre-tokenizer drops: Oniguruma's `\\s`), `word` (what it joins
    into words: `\\w`; every other character is punctuation, joined into runs), and its
    Lowercase normalizer as `lower` (one character to one) and `expand` (one to several).
    Reading them takes a few seconds, so they are kept in the cache, per `tokenizers` version
    (its regular expression engine and Unicode tables are compiled into it)."""
    import tokenizers

    path = cache_dir() / "wordpiece" / f"chars-{tokenizers.__version__}-v1.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return {"space": saved["space"], "word": _expand_ranges(saved["word"]),
                "lower": {int(k): v for k, v in saved["lower"].items()},
                "expand": saved["expand"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    tables = _read_char_tables()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({**tables, "word": _ranges(tables["word"])}, out)
        os.replace(tmp, path)
    except OSError:  # a read-only cache only costs the seconds again next time
        pass
    return tables


def _ranges(codepoints: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


def _expand_ranges(ranges: list[list[int]]) -> list[int]:
    return [cp for a, b in ranges for cp in range(a, b + 1)]


def _read_char_tables() -> dict[str, Any]:
    from tokenizers import normalizers, pre_tokenizers

    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    split = pre_tokenizers.Whitespace().pre_tokenize_str
    chunk = 65536
    kept = bytearray(len(chars))
    for start in range(0, len(chars), chunk):
        for _, (a, b) in split("".join(chars[start:start + chunk])):
            kept[start + a:start + b] = b"\x01" * (b - a)
    space = [c for c, k in zip(chars, kept, strict=True) if not k]
    rest = [c for c, k in zip(chars, kept, strict=True) if k]
    word: list[str] = []
    for start in range(0, len(rest), chunk):
        part = rest[start:start + chunk]
        pieces = split("".join(part))
        # Adjacent pieces alternate between a run of word characters and one of punctuation
        # (two runs of one kind would have been one); the first says which comes first.
        is_word = len(split("a" + part[pieces[0][1][0]])) == 1
        for _, (a, b) in pieces:
            if is_word:
                word.extend(part[a:b])
            is_word = not is_word
    lowercase = normalizers.Lowercase().normalize_str
    lower: dict[int, int] = {}
    expand: dict[str, str] = {}
    others = [c for c in chars if c != "\n"]
    for c, low in zip(others, lowercase("\n".join(others)).split("\n"), strict=True):
        if low != c:
            if len(low) == 1:
                lower[ord(c)] = ord(low)
            else:
                expand[c] = low
    if lowercase("\n") != "\n":
        raise ValueError("tokenizers lowercases the line feed")
    return {"space": [ord(c) for c in space], "word": [ord(c) for c in word],
            "lower": lower, "expand": expand}


def re2_class(codepoints: list[int]) -> str:
    """An RE2 character class of exactly these code points, as ranges."""
    return "[" + "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}"
                         for a, b in _ranges(codepoints)) + "]"


def wordpiece_vocabulary(vocab: dict[str, int], max_chars: int) -> tuple[list[str], list[int]]:
    """FastWordpieceTokenizer's vocabulary and, for each of its entries, the run's id: the run's
    tokens a word of at most `max_chars` characters can produce, plus the spellings a word that
    begins with "##" is matched against (see the module docstring)."""
    entries = [(token, i) for token, i in sorted(vocab.items(), key=lambda item: item[1])
               if len(token.removeprefix(PREFIX)) <= max_chars]
    extra: list[tuple[str, int]] = []
    # The first piece of "##rest" may be "#", "##" or any vocabulary entry "##x" read whole...
    for token, i in entries:
        if token == "#":
            extra.append((HASH_FIRST, i))
        elif token == PREFIX:
            extra.append((HASH_FIRST + HASH_SECOND, i))
        elif token.startswith(PREFIX):
            extra.append((HASH_FIRST + HASH_SECOND + token[2:], i))
    # ...and after a first piece "#", the continuation starts at the second "#": "###x".
    for token, i in entries:
        if token.startswith(PREFIX + "#"):
            extra.append((PREFIX + HASH_SECOND + token[3:], i))
    tokens = [t for t, _ in entries + extra]
    return tokens, [i for _, i in entries + extra]


def make_splitter() -> Any:
    """A TensorFlow function from a batch of strings to their words (a RaggedTensor of strings),
    equal to the run's normalizer then its pre-tokenizer. Plain TensorFlow ops."""
    import tensorflow as tf

    tables = char_tables()
    space = re2_class(tables["space"])
    word = re2_class(tables["word"])
    br = BR_PATTERN.replace(r"\s", space)
    lower = sorted(tables["lower"].items())
    lower_from = tf.constant([a for a, _ in lower], tf.int32)
    lower_to = tf.constant([b for _, b in lower], tf.int32)
    expand = sorted(tables["expand"].items())

    def split(texts: Any) -> Any:
        texts = tf.strings.regex_replace(texts, br, " ")
        chars = tf.strings.unicode_decode(texts, "UTF-8", errors="replace")
        flat = chars.flat_values
        at = tf.minimum(tf.searchsorted(lower_from, flat), len(lower) - 1)
        flat = tf.where(tf.gather(lower_from, at) == flat, tf.gather(lower_to, at), flat)
        texts = tf.strings.unicode_encode(chars.with_flat_values(flat), "UTF-8")
        for char, lowered in expand:
            texts = tf.strings.regex_replace(texts, f"\\x{{{ord(char):x}}}", lowered)
        texts = tf.strings.regex_replace(texts, space + "+", " ")
        texts = tf.strings.regex_replace(texts, f"({word}+)", r" \1 ")
        words = tf.strings.split(texts, sep=" ")
        return tf.ragged.boolean_mask(words, words != "")

    return split


def make_encoder(hf_tokenizer: Any) -> Any:
    """A TensorFlow function from a batch of strings to the run's subword ids (a RaggedTensor,
    int32, one row per text, nothing cut), equal to `hf_tokenizer.encode_batch(texts,
    add_special_tokens=False)`. Raises ValueError when the tokenizer is not the pipeline this
    module reproduces."""
    import tensorflow as tf
    import tensorflow_text as tf_text

    saved = json.loads(hf_tokenizer.to_str())
    reason = pipeline_difference(saved)
    if reason:
        raise ValueError(f"the subword tokenizer's {reason}")
    model = saved["model"]
    max_chars = int(model["max_input_chars_per_word"])
    blank_chars = HASH_FIRST + HASH_SECOND + NO_WORD
    if not {ord(c) for c in blank_chars} <= set(char_tables()["space"]):
        raise ValueError("tokenizers no longer treats space, tab and line feed as whitespace")
    if any(c in token for token in model["vocab"] for c in blank_chars):
        raise ValueError("vocabulary holds a whitespace character")
    tokens, ids = wordpiece_vocabulary(model["vocab"], max_chars)
    try:
        fast = tf_text.FastWordpieceTokenizer(
            tokens, suffix_indicator=PREFIX, max_bytes_per_word=4 * max_chars + 4,
            token_out_type=tf.int32, unknown_token=UNK, no_pretokenization=True)
    except Exception as exc:  # noqa: BLE001 - the builder's limits (token length, vocab size)
        raise ValueError(f"vocabulary does not fit FastWordpieceTokenizer "
                         f"({str(exc).strip()[:120]})") from None
    run_ids = tf.constant(ids, tf.int32)
    split = make_splitter()

    def encode(texts: Any) -> Any:
        words = split(texts)
        flat = tf.strings.regex_replace(words.flat_values, "^" + PREFIX,
                                        HASH_FIRST + HASH_SECOND)
        too_long = tf.strings.length(flat, unit="UTF8_CHAR") > max_chars
        flat = tf.where(too_long, NO_WORD, flat)
        pieces = fast.tokenize(flat)
        pieces = pieces.with_flat_values(tf.gather(run_ids, pieces.flat_values))
        return words.with_flat_values(pieces).merge_dims(1, 2)

    return encode
