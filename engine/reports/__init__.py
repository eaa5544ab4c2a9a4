"""Reading finished and running runs: the report's data model with its Markdown and HTML
renderers, SVG charts, text plots, comparison, error analysis and predict. May import runs,
data and models; never training.
"""
