"""Screens of the seqtui TUI, one per module."""
