"""Checks that need no TensorFlow and read little, run before a run directory is made, so a
typo never leaves one behind: the CLI's `train` and the TUI's form both call `preflight`."""

from __future__ import annotations

from seqtui.engine.config import Config
from seqtui.engine.data.checks import check_local
from seqtui.engine.errors import BadInput
from seqtui.engine.training.devices import check_device_settings
from seqtui.engine.training.priority import background_nice


def preflight(config: Config) -> None:
    """Local dataset paths, layout and columns; the device settings and the cluster; the
    background priority a detached run would read too late to say so."""
    check_local(config)
    check_device_settings(config.hardware)
    try:
        background_nice()
    except ValueError as exc:
        raise BadInput(str(exc)) from None
