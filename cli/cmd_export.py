"""`seqtui export RUN -o PATH`: a SavedModel (or with --format keras a Keras 3 file) that takes
raw strings and returns class probabilities, loadable without seqtui."""

from __future__ import annotations

import argparse
from pathlib import Path

from seqtui.cli import EXIT_OK, add_run_command, runs_dir_of
from seqtui.engine.runs.store import find_run

ORDER = 65


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_run_command(
        sub, "export", help="a model that takes raw strings, loadable without seqtui",
        description="Export a finished run's model with its tokenizer in the graph: raw strings "
                    "in, class probabilities out (a SavedModel's signature serving_default, or "
                    "a Keras 3 file with --format keras).", handler=handle)
    parser.add_argument("-o", "--output", metavar="PATH", required=True,
                        help="where to write the export (a folder for savedmodel, NAME.keras for "
                             "keras)")
    parser.add_argument("--format", default="savedmodel", metavar="FORMAT",
                        help="savedmodel (default; TF Serving reads it as it is) or keras (a "
                             "Keras 3 file)")
    parser.add_argument("--checkpoint", default="best", metavar="WHICH",
                        help="best (default: the weights predict uses) or last")
    parser.add_argument("--force", action="store_true", help="replace an earlier export")


def handle(args: argparse.Namespace) -> int:
    from seqtui.engine.export import export_run

    run_dir = find_run(args.run, runs_dir_of(args))
    output = Path(args.output).expanduser()
    info = export_run(run_dir, output, args.format, args.checkpoint, args.force)
    epoch = f" (epoch {info['epoch']})" if info.get("epoch") else ""
    how = f"signature {info['signature']}" if "signature" in info else info["load"]
    print(f"{output}: {info['checkpoint']}{epoch} of {info['run']}, classes "
          f"{', '.join(info['class_names'])}; {how}")
    return EXIT_OK
