"""Text and labels in, ids out: dataset sources (demo, folder, csv/jsonl tables, TFDS),
tokenizers (words, subwords) and the tf.data pipeline. May import config, errors and runs.
"""
