"""`seqtui predict RUN TEXT...`: the label and probability of each text from a run's model.

With no TEXT, reads standard input, one text per line, and answers each line as it arrives (so
another program can keep one predict process open). `--json` prints one JSON object per text.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator

from seqtui.cli import add_run_command, runs_dir_of
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.store import find_run

ORDER = 60


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_run_command(
        sub, "predict", help="label texts with a run's model (TEXT... or stdin)",
        description="Label texts with a run's best checkpoint (else its last) and its saved "
                    "vocabulary. With no TEXT, reads one text per line from standard input.",
        handler=handle)
    parser.add_argument("texts", metavar="TEXT", nargs="*", help="texts to label")
    parser.add_argument("--json", action="store_true",
                        help='one JSON object per text: {"text", "label", "probability", '
                             '"scores"}')
    # `predict RUN --json TEXT...`: texts may come after options, as the TUI's helper call has
    # them; plain argparse takes positionals in one go and would reject the late ones.
    parser.__class__ = type("IntermixedParser", (type(parser),),
                            {"parse_known_args": _parse_known_intermixed})


def _parse_known_intermixed(self, args=None, namespace=None):
    if getattr(self, "_intermixing", False):
        return super(type(self), self).parse_known_args(args, namespace)
    self._intermixing = True
    try:
        return self.parse_known_intermixed_args(args, namespace)
    finally:
        self._intermixing = False


def handle(args: argparse.Namespace) -> int:
    run_dir = find_run(args.run, runs_dir_of(args))
    for position, text in enumerate(args.texts, start=1):
        if not text.strip():
            raise BadInput(f"TEXT {position} is empty")
    from seqtui.engine.reports.predict import Predictor, find_checkpoint

    find_checkpoint(run_dir)  # say so before TensorFlow takes seconds to load
    with native_stderr_quiet():
        predictor = Predictor(run_dir)
    if not args.json:  # --json answers carry it in each line; stdout stays the answers only
        epoch = predictor.checkpoint_epoch
        print(f"predicting with checkpoints/{predictor.checkpoint.name}"
              + (f" (epoch {epoch})" if epoch else ""), file=sys.stderr, flush=True)
    if args.texts:
        with native_stderr_quiet():
            predictions = predictor.predict(list(args.texts))
        for prediction in predictions:
            _print(prediction, args.json)
        return 0
    for line in sys.stdin:
        text = line.strip()
        if text:
            with native_stderr_quiet():
                prediction = predictor.predict([text])[0]
            _print(prediction, args.json)
    return 0


@contextlib.contextmanager
def native_stderr_quiet() -> Iterator[None]:
    """TensorFlow's C++ side logs CUDA probing and the like straight to file descriptor 2,
    whatever TF_CPP_MIN_LOG_LEVEL says; a user asking for a label should see only the label."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _print(prediction, as_json: bool) -> None:
    if as_json:
        print(json.dumps(prediction.to_dict(), ensure_ascii=False), flush=True)
    else:
        unknown = prediction.unknown_words
        print(f"{prediction.label}\t{prediction.probability:.3f}\t{prediction.text}"
              + (f"\tunknown words: {', '.join(unknown)}" if unknown else ""), flush=True)
