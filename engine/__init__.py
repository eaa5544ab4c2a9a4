"""The training engine: one typed config (config.py) and one subpackage per concern.

Layers, lowest first (import-linter checks them; see pyproject.toml): config and errors; runs
(the run directory); data and models, independent of each other; reports; training; sweeps. A
package imports only from those below it, and nothing here imports the TUI, the CLI or Textual.
"""
