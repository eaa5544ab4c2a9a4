"""`seqtui summary`: the model's layers, output shapes and parameter count from model options
alone: no data, no TensorFlow."""

from __future__ import annotations

import argparse

from seqtui.engine.config import Config
from seqtui.engine.errors import BadInput
from seqtui.engine.models.summary import summarize
from seqtui.options import MODEL_FLAGS, TOKENIZER_FLAGS, add_flags, apply_flags, check

ORDER = 20


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("summary", help="model summary and parameter count (no data needed)",
                            description="Print the layer table of a model from its options.")
    parser.add_argument("--config", metavar="FILE", help="a TOML or JSON config file")
    parser.add_argument("--num-classes", default="2", metavar="N",
                        help="classes in the data (default 2: one sigmoid output)")
    add_flags(parser, {"tokenizer": TOKENIZER_FLAGS, "model": MODEL_FLAGS})
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    config = Config.from_file(args.config) if args.config else Config()
    config = check(apply_flags(config, args, TOKENIZER_FLAGS + MODEL_FLAGS))
    try:
        num_classes = int(args.num_classes)
    except ValueError:
        num_classes = 0
    if num_classes < 2:
        raise BadInput(f"--num-classes: expected an integer of at least 2, "
                       f"got {args.num_classes!r}")
    resolved = config.resolved()
    summary = summarize(resolved, num_classes)
    print(f'Model: "{resolved.model.preset}"')
    print(summary.table())
    return 0
