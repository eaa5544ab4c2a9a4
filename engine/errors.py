"""Errors the engine raises for bad input: the CLI turns them into one line and exit status 2."""

from __future__ import annotations


class BadInput(Exception):
    """Input a user can fix: a flag, a config value, a path, a run that does not exist."""


class ConfigError(BadInput):
    """A config value is wrong. `key` names the field (e.g. 'model.units') when there is one."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class DataError(BadInput):
    """A dataset cannot be read or is not usable for training (one class, empty, bad columns)."""
