"""The Textual TUI of seqtui: follows runs by reading their run directories, never imports
TensorFlow."""

import os

ESCDELAY_DEFAULT_MS = 50

# Before anything imports Textual, which reads it once: how long a lone ESC byte waits to be
# told from an arrow key's sequence (seqtui.tui.driver says why 50 ms). A user's value stands.
os.environ.setdefault("ESCDELAY", str(ESCDELAY_DEFAULT_MS))
