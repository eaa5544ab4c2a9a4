"""Exporting a run's model for use without seqtui: a TensorFlow SavedModel, or a Keras 3 file,
that takes raw strings (the run's tokenizer in the graph) and returns class probabilities. May
import runs, data, models and reports; never training.
"""

from seqtui.engine.export.checks import export_problem
from seqtui.engine.export.savedmodel import export_run

__all__ = ["export_problem", "export_run"]
