"""Labelled texts as the engine passes them around: train, validation and test splits, class
names, and the facts reports show (sizes, classes, token lengths). `--subset` trims a split."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TextData:
    train_texts: list[str]
    train_labels: list[int]
    test_texts: list[str]
    test_labels: list[int]
    class_names: list[str]
    facts: dict[str, Any] = field(default_factory=dict)  # source, skipped rows, warnings...
    # Chooses the best epoch and stops early; empty until a source or load_dataset fills it.
    val_texts: list[str] = field(default_factory=list)
    val_labels: list[int] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def apply_subset(texts: list[str], labels: list[int], subset: float | int | None,
                 seed: int) -> tuple[list[str], list[int]]:
    """A fraction (0, 1] or a count of a split, sampled with the run's seed."""
    if subset is None or not texts:
        return texts, labels
    n = len(texts)
    keep = round(n * subset) if isinstance(subset, float) and subset <= 1 else int(subset)
    keep = max(1, min(n, keep))
    if keep == n:
        return texts, labels
    order = random.Random(seed).sample(range(n), keep)
    return [texts[i] for i in order], [labels[i] for i in order]




def dataset_facts(data: TextData, lengths_train: list[int] | None = None) -> dict[str, Any]:
    """Sizes per split, classes and (when given) token length statistics, for events and reports."""
    facts: dict[str, Any] = dict(data.facts)
    facts.update({
        "train_size": len(data.train_texts),
        "validation_size": len(data.val_texts),
        "test_size": len(data.test_texts),
        "classes": data.class_names,
        "train_class_counts": [data.train_labels.count(i) for i in range(data.num_classes)],
        "validation_class_counts": [data.val_labels.count(i) for i in range(data.num_classes)],
    })
    if lengths_train:
        ordered = sorted(lengths_train)
        facts["length_stats"] = {
            "min": ordered[0],
            "median": ordered[len(ordered) // 2],
            "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
            "max": ordered[-1],
            "mean": round(sum(ordered) / len(ordered), 1),
        }
    return facts
