"""The random, reproducible draw of a quality-assurance sample (issue 19;
docs/quality-assurance-workflow.md).

The population's ids are put in order (ascending id) and ``random.Random(seed).sample`` picks
``size`` of them; the seed is recorded on the sample. Drawing again with the same seed from the
same data picks the same decisions in the same order, so anyone can check that a sample was not
chosen by hand. A size at least the population takes the whole population (in drawn order).

``random`` is the right tool here, not ``secrets``: the draw must be repeatable from its seed.
The seed itself comes from ``secrets`` so that nobody chooses it."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable

# A seed fits PostgreSQL's bigint (QaSample.seed) and a form's integer field.
SEED_BITS = 63
MAX_SEED = 2**SEED_BITS - 1


def new_seed() -> int:
    return secrets.randbits(SEED_BITS)


def draw(ids: Iterable[int], size: int, seed: int) -> list[int]:
    """``size`` of ``ids`` chosen at random from ``seed``, in the order drawn."""
    population = sorted(set(ids))
    return random.Random(seed).sample(population, min(size, len(population)))  # noqa: S311
