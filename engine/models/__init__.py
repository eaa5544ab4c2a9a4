"""Architectures as data: layer specs and presets, the TensorFlow-free summary, the Keras builder
and custom layers. May import config and errors; never data, training or reports.
"""
