"""Sweeps: a search over config fields with Optuna, each trial an ordinary run.

`space` and `state` are Optuna-free (the CLI checks a space and the TUI reads sweeps with them);
`study`, `controller` and `report` import Optuna and run in the controller or the CLI only.
"""
