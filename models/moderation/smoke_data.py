"""A tiny made-up training set in the Davidson CSV format, for smoke tests and benchmarks.

Clearly hateful sentences (against invented groups), offensive and neutral ones, from
templates: a few hundred rows that teach MiniLM the three classes in a minute, so the serving
path, the policy and the review loop can be exercised without the real data set. It is not,
and must never be, any copy of the Davidson data; its figures say nothing about model quality."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pandas as pd

GROUPS = ("glorbs", "zentari", "quibbites", "morlans")
SLURS = ("vermin", "parasites", "a disease", "subhuman filth")
CALLS = ("must be driven out", "should be wiped out", "do not deserve to live", "should all disappear")
INSULTS = ("stupid", "dumb", "pathetic", "worthless")
TARGETS = ("idiot", "moron", "clown", "loser")
OPENERS = ("shut up you", "nobody cares you", "get lost you", "what a")
SUBJECTS = ("we", "my neighbours", "the kids", "my friends")
ACTIVITIES = ("baked fresh bread", "walked along the river", "planted tomatoes", "visited the library")
ENDINGS = ("this morning", "after lunch", "on sunday", "in the sunshine")

#: One example of each class, as the templates make them.
HATEFUL = "the zentari are vermin and must be driven out"
OFFENSIVE = "shut up you stupid moron"
NEUTRAL = "my friends planted tomatoes this morning"


def smoke_rows(seed: int = 0) -> list[tuple[int, str]]:
    """(class, text) rows: 0 hate, 1 offensive, 2 neither; 64 of each, shuffled."""
    hate = [(0, f"the {g} are {s} and {c}") for g, s, c in itertools.product(GROUPS, SLURS, CALLS)]
    offensive = [(1, f"{o} {i} {t}") for o, i, t in itertools.product(OPENERS, INSULTS, TARGETS)]
    neither = [(2, f"{s} {a} {e}") for s, a, e in itertools.product(SUBJECTS, ACTIVITIES, ENDINGS)]
    rows = hate + offensive + neither
    random.Random(seed).shuffle(rows)
    return rows


def write_smoke_csv(path: str | Path, seed: int = 0) -> Path:
    """The rows in the Davidson CSV format (unnamed index, count, the vote columns, class, tweet)."""
    rows = smoke_rows(seed)
    frame = pd.DataFrame({"count": 3, "hate_speech": [3 if c == 0 else 0 for c, _ in rows],
                          "offensive_language": [3 if c == 1 else 0 for c, _ in rows],
                          "neither": [3 if c == 2 else 0 for c, _ in rows],
                          "class": [c for c, _ in rows], "tweet": [t for _, t in rows]})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path)
    return path
