"""Error analysis at the end of a run, on the test split. (Built by the reports issue.)"""

from __future__ import annotations


def finish_run(run_dir, model, data, tokenizer, test_split, emit) -> None:
    """Called by train() once training ends, before run_finished."""
