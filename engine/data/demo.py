"""The offline `demo` dataset: review-like English where word order decides the label.

Most reviews hold a positive and a negative clause, and which one counts depends on order:
"X but Y" (Y counts), "although X, Y" (Y counts), "Y, although X" (Y counts again, though it
comes first), negation ("was not good"), and a verdict far from the end followed by neutral
chatter. A bag of words sees the same words for both labels, so an embedding + pooling baseline
stays well behind a recurrent model: the seeds' lesson, in seconds, with no network.
"""

from __future__ import annotations

import random

POSITIVE = (
    "good great wonderful excellent superb brilliant moving delightful charming gripping "
    "stunning clever funny touching beautiful fresh powerful memorable engaging splendid "
    "marvelous lovely witty terrific enjoyable"
).split()
NEGATIVE = (
    "bad awful terrible dull boring weak clumsy tedious bland dreadful lifeless messy silly "
    "predictable forgettable shallow painful stale flat mediocre poor lazy tiresome annoying "
    "hollow"
).split()
ASPECTS = (
    "acting plot story script direction music soundtrack cast dialogue ending pacing "
    "cinematography editing lead performance humor photography score premise finale "
    "characters villain writing visuals"
).split()
SUBJECTS = ("the film", "the movie", "this picture", "the show", "this sequel", "the series")
INTENSIFIERS = ("", "", "really ", "very ", "quite ", "truly ", "rather ", "so ")
FILLER = (
    "i saw it on a rainy sunday with my sister", "we watched it at the old cinema downtown",
    "it runs for about two hours", "the theater was almost empty that night",
    "my friends had told me about it last week", "it was released in the spring",
    "i had read the book years ago", "we bought popcorn and sat in the back row",
    "the trailer came out months before", "it is based on a true story",
    "there were a lot of people at the screening", "i watched it on a long flight home",
    "the director has made several other films", "it was filmed in three different countries",
)
ENDINGS = ("anyway , that is my take", "make of that what you will", "that is all i have to say",
           "so there you go", "just my opinion of course")


def _clause(rng: random.Random, positive: bool) -> str:
    adjective = rng.choice(POSITIVE if positive else NEGATIVE)
    aspect = rng.choice(ASPECTS)
    verb = rng.choice(("was", "was", "felt", "seemed"))
    return f"the {aspect} {verb} {rng.choice(INTENSIFIERS)}{adjective}"


def _review(rng: random.Random, label: int) -> str:
    pos = label == 1
    kind = rng.random()
    if kind < 0.20:  # plain: two clauses that agree (a bag of words gets these right)
        return f"{_clause(rng, pos)} and {_clause(rng, pos)} ."
    if kind < 0.42:  # "X but Y": the second clause decides
        return f"{_clause(rng, not pos)} but {_clause(rng, pos)} ."
    if kind < 0.54:  # "although X , Y": the main clause comes second
        return f"although {_clause(rng, not pos)} , {_clause(rng, pos)} ."
    if kind < 0.66:  # "Y , although X": the main clause comes first
        return f"{_clause(rng, pos)} , although {_clause(rng, not pos)} ."
    if kind < 0.83:  # negation flips a clause; a second, unnegated clause agrees with the label
        negated_adj = rng.choice(NEGATIVE if pos else POSITIVE)
        subject = rng.choice(SUBJECTS)
        return (f"{subject} was not {rng.choice(INTENSIFIERS)}{negated_adj} , "
                f"{_clause(rng, pos)} and i would say so again .")
    # a verdict far from the end, then neutral chatter (plus a conceded point before it)
    filler = " . ".join(rng.sample(FILLER, rng.randint(2, 4)))
    return (f"{_clause(rng, pos)} , although {_clause(rng, not pos)} . {filler} . "
            f"{rng.choice(ENDINGS)} .")


def make_demo(size: int, seed: int = 0) -> tuple[list[str], list[int]]:
    """`size` reviews with balanced labels, the same for the same size and seed."""
    rng = random.Random(f"seqtui-demo-{seed}")
    labels = [i % 2 for i in range(size)]
    rng.shuffle(labels)
    return [_review(rng, label) for label in labels], labels


def demo_splits(train_size: int) -> tuple[tuple[list[str], list[int]], tuple[list[str], list[int]]]:
    """(train, test): the test split is a quarter of the train size, from its own stream."""
    return make_demo(train_size, seed=0), make_demo(max(train_size // 4, 10), seed=1)


CLASS_NAMES = ["negative", "positive"]
