"""seqtui: train sequence models on text from the terminal."""

__version__ = "0.1.0"
