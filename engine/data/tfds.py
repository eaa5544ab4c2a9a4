"""TFDS sources: imdb (imdb_reviews/plain_text) and tfds:NAME, with the download watched as
stage events and a network that is down said in one line."""

from __future__ import annotations

import contextlib
import io
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from seqtui.engine.config import Config
from seqtui.engine.data.common import (
    DEFAULTS,
    LABEL_NAMES,
    PROGRESS_EVERY,
    TEXT_NAMES,
    Tally,
    _held_out,
    _need_two_classes,
    _progress,
    _suggest,
    decode_bytes,
)
from seqtui.engine.data.textdata import TextData
from seqtui.engine.errors import DataError
from seqtui.engine.runs.events import Listener, make_event

IMDB_TFDS_NAME = "imdb_reviews/plain_text"
OFFLINE_HINT = ("offline, use --dataset folder:PATH (an unpacked aclImdb, train/<class>/*.txt), "
                "csv:PATH, jsonl:PATH or demo")
PROBE_TIMEOUT = 10.0  # seconds to reach a download host before calling the network down


# ---- TFDS: imdb and tfds:NAME -----------------------------------------------------------------


def _tfds():
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow_datasets as tfds

    return tfds


def _pick_feature(source: str, features: dict[str, Any], want: str, default: str,
                  kinds: tuple[type, ...], candidates: tuple[str, ...], what: str, flag: str,
                  emit: Listener) -> str:
    described = ", ".join(f"{k} ({type(v).__name__})" for k, v in features.items())
    if want in features:
        if not isinstance(features[want], kinds):
            raise DataError(f"{source}: feature {want!r} is a {type(features[want]).__name__}, "
                            f"not a {what}; its features are {described}; set {flag}")
        return want
    if want != default:
        raise DataError(f"{source}: no feature {want!r}{_suggest(want, list(features))}; its "
                        f"features are {described}; set {flag}")
    found = [k for k, v in features.items() if isinstance(v, kinds)]
    if not found:
        raise DataError(f"{source}: no {what} feature (features: {described}); seqtui trains "
                        "text classifiers: one text feature and a class label")
    found.sort(key=lambda k: candidates.index(k) if k in candidates else len(candidates))
    if len(found) > 1:
        emit(make_event("stage", stage="loading",
                        message=f"{source}: using feature {found[0]!r} as the {what} (also "
                                f"{', '.join(found[1:])}; {flag} to choose)"))
    return found[0]


def load_tfds(name: str, config: Config, emit: Listener) -> TextData:
    """A TFDS text classification set: the text and label features come from its info (or
    --text-key/--label-key); the test split is `test`, else `validation`, else held out; the
    validation split is `validation` when `test` exists, else held out of train later."""
    source = "imdb" if name == IMDB_TFDS_NAME else f"tfds:{name}"
    tfds = _tfds()
    data_dir = str(Path(config.data.data_dir).expanduser()) if config.data.data_dir else None
    emit(make_event("stage", stage="loading", message=f"{source}: opening TFDS {name}"))
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        base = name.split("/")[0]
        raise DataError(f"unknown TFDS dataset {base!r}{_suggest(base, tfds.list_builders())}; "
                        "see the TFDS catalog for names, e.g. tfds:ag_news_subset") from None
    except Exception as exc:  # noqa: BLE001 - a bad config name and such: one line, not a trace
        raise DataError(f"{source}: {str(exc).strip().splitlines()[0]}") from None

    features = dict(builder.info.features.items()) \
        if isinstance(builder.info.features, tfds.features.FeaturesDict) else {}
    text_key = _pick_feature(source, features, config.data.text_column, DEFAULTS.text_column,
                             (tfds.features.Text,), TEXT_NAMES, "text", "--text-key", emit)
    label_kinds = (tfds.features.ClassLabel,)
    label_key_ = _pick_feature(source, features, config.data.label_column,
                               DEFAULTS.label_column, label_kinds, LABEL_NAMES, "class label",
                               "--label-key", emit)
    names = list(features[label_key_].names)

    prepare(builder, name, emit)
    splits = list(builder.info.splits.keys())
    if "train" not in splits:
        raise DataError(f"{source}: no train split (splits: {', '.join(splits) or 'none'})")
    tally = Tally()
    read = _split_reader(builder, text_key, label_key_, len(names), tally, emit, source)
    train_x, train_y = read("train")
    facts: dict[str, Any] = {"source": f"TFDS {builder.info.full_name}",
                             "data_dir": str(builder.data_dir), "text_key": text_key,
                             "label_key": label_key_}
    test_x: list[str] = []
    test_y: list[int] = []
    for split in ("test", "validation"):
        if split in splits:
            test_x, test_y = read(split)
            if test_x:  # GLUE's test split has no labels (-1): fall through to validation
                facts["test_split"] = split
                break
    val_x: list[str] = []
    val_y: list[int] = []
    # The set's own validation split validates, unless it had to stand in for the test split
    # (then validation is held out of train like any source without one).
    if facts.get("test_split") == "test" and "validation" in splits \
            and config.data.validation != "test":
        val_x, val_y = read("validation")
        if val_x:
            facts["validation_split"] = "the validation split"
    tally.report(source, emit, facts)
    _need_two_classes(source, train_y, names, "the train split")
    if not test_x:
        (train_x, train_y), (test_x, test_y) = _held_out(
            source, train_x, train_y, config, facts, " of train")
    return TextData(train_x, train_y, test_x, test_y, names, facts=facts, val_texts=val_x,
                    val_labels=val_y)


def _split_reader(builder: Any, text_key: str, label_key_: str, num_classes: int,
                  tally: Tally, emit: Listener, source: str
                  ) -> Callable[[str], tuple[list[str], list[int]]]:
    tfds = _tfds()

    def read(split: str) -> tuple[list[str], list[int]]:
        total = builder.info.splits[split].num_examples or 0
        message = f"{source}: reading the {split} split"
        report = _progress(emit, "loading", message, total) if total else None
        if not report:
            emit(make_event("stage", stage="loading", message=message))
        ds = builder.as_dataset(split=split, shuffle_files=False)
        ds = ds.map(lambda ex: (ex[text_key], ex[label_key_])).batch(4096)
        texts: list[str] = []
        labels: list[int] = []
        for batch_x, batch_y in tfds.as_numpy(ds):
            for raw, y in zip(batch_x.tolist(), batch_y.tolist(), strict=True):
                if not 0 <= y < num_classes:  # -1: no label (GLUE test splits)
                    tally.add("unlabeled")
                    continue
                text, replaced = decode_bytes(raw)
                tally.add("not_utf8", replaced)
                if not text.strip():
                    tally.add("empty")
                    continue
                texts.append(text)
                labels.append(int(y))
            if report:
                report(min(total, len(texts)))
        return texts, labels

    return read


class Offline(OSError):
    """A download host cannot be reached."""


def prepare(builder: Any, name: str, emit: Listener) -> None:
    """download_and_prepare with progress as stage events and a bounded offline failure."""
    if builder.is_prepared():
        return
    emit(make_event("stage", stage="downloading", phase="download", done=0, total=None,
                    message=f"downloading and preparing TFDS {name} into {builder.data_dir} "
                            "(once; later runs reuse it)"))
    try:
        with _tfds_watched(emit, name):
            builder.download_and_prepare()
    except Exception as exc:  # noqa: BLE001 - network failures become one line, others re-raise
        host = _network_failure(exc)
        if host is not None:
            raise DataError(f"cannot download {name}: no network ({host} unreachable); "
                            f"{OFFLINE_HINT}") from None
        text = str(exc).strip().splitlines()
        if "manual" in str(exc).lower() and text:
            raise DataError(f"{name}: {text[0]}") from None
        raise


def _network_failure(exc: BaseException) -> str | None:
    """The unreachable host when exc (or what caused it) is a network failure, else None."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    markers = ("Failed to resolve", "Name or service not known", "Temporary failure in name",
               "Network is unreachable", "Max retries exceeded", "Connection refused",
               "No route to host", "timed out", "nodename nor servname")
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, Offline):
            return str(e)
        text = str(e)
        if isinstance(e, ConnectionError | socket.gaierror | socket.timeout) or \
                any(m in text for m in markers):
            match = re.search(r"host='([^']+)'", text)
            return match.group(1) if match else "the download host"
        if type(e).__name__ in ("ConnectionError", "NewConnectionError", "MaxRetryError",
                                "NameResolutionError", "ConnectTimeout"):
            return "the download host"
        stack += [e.__cause__, e.__context__]
    return None


def probe(url: str, timeout: float = PROBE_TIMEOUT) -> None:
    """Raise Offline unless the url's host answers on its port within `timeout` seconds."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ftp") or not parts.hostname:
        return
    from urllib.request import getproxies, proxy_bypass

    if parts.scheme in getproxies() and not proxy_bypass(parts.hostname):
        return  # behind a proxy a direct connection proves nothing; TFDS's requests use it
    port = parts.port or {"http": 80, "https": 443, "ftp": 21}[parts.scheme]
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError:
        raise Offline(parts.hostname) from None


@contextlib.contextmanager
def _swapped(obj: Any, attr: str, value: Any) -> Iterator[None]:
    """Replace obj.attr for the duration; skip quietly if this TFDS version lacks it."""
    if obj is None or not hasattr(obj, attr):
        yield
        return
    old = getattr(obj, attr)
    setattr(obj, attr, value)
    try:
        yield
    finally:
        setattr(obj, attr, old)


@contextlib.contextmanager
def _tfds_watched(emit: Listener, name: str) -> Iterator[None]:
    """TFDS's tqdm bars become stage events; its stdout banner becomes a stage message; each
    download first probes its host (a DNS failure or a 10 s connect timeout ends it) and
    retries twice, not ten times with backoff (~200 s with no network)."""
    from tensorflow_datasets.core import dataset_builder
    from tensorflow_datasets.core.download import downloader
    from tensorflow_datasets.core.utils import tqdm_utils

    bar_class = _event_bar_class(emit, name)
    tqdm_shim = type("TqdmShim", (), {"tqdm": bar_class})

    class Cprint:
        @staticmethod
        def cprint(text: Any, *args: Any, **kwargs: Any) -> None:
            emit(make_event("stage", stage="downloading", phase="prepare",
                            message=" ".join(str(text).split())))

    open_url = getattr(downloader, "_open_url", None)

    def probing_open_url(url: str, **kwargs: Any) -> Any:
        probe(url)
        return open_url(url, **kwargs)  # type: ignore[misc]

    with contextlib.ExitStack() as stack:
        stack.enter_context(_swapped(tqdm_utils, "tqdm_lib", tqdm_shim))
        stack.enter_context(_swapped(tqdm_utils, "_active", True))
        stack.enter_context(_swapped(dataset_builder, "termcolor", Cprint))
        stack.enter_context(_swapped(downloader, "MAX_RETRIES", 2))
        if open_url is not None:
            stack.enter_context(_swapped(downloader, "_open_url", probing_open_url))
        yield


def _event_bar_class(emit: Listener, name: str) -> type:
    """A tqdm whose display is a throttled `stage` event instead of terminal output."""
    from tqdm import std

    class EventBar(std.tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["file"] = io.StringIO()
            kwargs["disable"] = False
            self._last_emit = 0.0
            super().__init__(*args, **kwargs)

        def display(self, msg: Any = None, pos: Any = None) -> bool:
            now = time.monotonic()
            total = int(self.total) if self.total else None
            done = int(self.n)
            if now - self._last_emit < PROGRESS_EVERY and (total is None or done < total):
                return True
            self._last_emit = now
            desc = (self.desc or "").rstrip(". :")
            phase = "download" if desc.lower().startswith(("dl", "extract")) else "prepare"
            unit = (self.unit or "").strip()
            amount = f"{done:,}/{total:,}" if total else f"{done:,}"
            emit(make_event("stage", stage="downloading", phase=phase, done=done, total=total,
                            unit=unit, message=f"{name}: {desc.lower()} {amount} {unit}".strip()))
            return True

    return EventBar
