"""The Textual TUI of seqtui: follows runs by reading their run directories, never imports
TensorFlow."""
