"""`seqtui presets`: the built-in and saved presets with their layers; `presets save NAME
--layers STACK` keeps a stack under a name, `presets delete NAME` removes one."""

from __future__ import annotations

import argparse
import json

from seqtui.engine.config import DEFAULT_UNITS, PRESETS
from seqtui.engine.errors import BadInput, ConfigError
from seqtui.engine.models.kinds import format_layers, parse_layers
from seqtui.engine.models.presets import DESCRIPTIONS, preset_layers
from seqtui.engine.models.userpresets import load_preset, presets_dir, save_preset, saved_presets

ORDER = 25


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("presets", help="built-in and saved presets, with their layers",
                            description="List presets, or save or delete your own.")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    save = actions.add_parser("save", help="save a layer stack as a preset")
    save.add_argument("name", help="the preset's name (letters, digits, . _ -)")
    save.add_argument("--layers", required=True, metavar="STACK",
                      help='the stack, e.g. "conv1d(128,5) maxpool(2) bigru(64) dense(64)"')
    save.add_argument("--description", default="", help="one line about it")
    save.add_argument("--force", action="store_true", help="replace a preset of that name")
    delete = actions.add_parser("delete", help="delete a saved preset")
    delete.add_argument("name")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.action == "save":
        try:
            path = save_preset(args.name, parse_layers(args.layers), args.description,
                               overwrite=args.force)
        except ConfigError as exc:
            raise BadInput(str(exc)) from None
        print(f"saved {args.name}: {path}")
        return 0
    if args.action == "delete":
        saved = load_preset(args.name)
        if saved is None:
            raise BadInput(f"no saved preset {args.name!r} in {presets_dir()}")
        saved.path.unlink()
        print(f"deleted {args.name}")
        return 0
    rows = [{"name": p, "source": "built-in", "layers": format_layers(preset_layers(p)),
             "description": DESCRIPTIONS.get(p, ""), "units": DEFAULT_UNITS.get(p, [])}
            for p in PRESETS]
    rows += [{"name": s.name, "source": str(s.path), "layers": s.compact,
              "description": s.description} for s in saved_presets()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows) + 2
    print("Built-in (the embedding comes first, the output layer last; --units fills in the "
          "numbers):")
    for r in rows:
        if r["source"] != "built-in" and rows.index(r) == len(PRESETS):
            print(f"\nSaved in {presets_dir()}:")
        print(f"  {r['name']:<{width}}{r['layers']}")
        if r["description"]:
            print(f"  {'':<{width}}{r['description']}")
    if len(rows) == len(PRESETS):
        print(f"\nNo saved presets yet (seqtui presets save NAME --layers STACK keeps one in "
              f"{presets_dir()}).")
    return 0
