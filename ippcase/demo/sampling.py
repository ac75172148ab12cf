"""Sampling and date helpers of the generator: weighted tables, independent multi-picks,
piecewise-uniform dates, month arithmetic, and the cheap draws the recall work uses by the million.

Every draw takes the caller's seeded ``random.Random``: nothing here uses the global generator.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import itertools
import math
import random
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from recall.rules import add_months

T = TypeVar("T")


class Table(Generic[T]):
    """A weighted table of values, sampled with precomputed cumulative weights."""

    __slots__ = ("cumulative", "values")

    def __init__(self, rows: Sequence[tuple[T, float]]) -> None:
        # Plain values, not enum members: they are compared and serialised a great many times.
        self.values: list[T] = [
            value.value if isinstance(value, enum.Enum) else value for value, _ in rows
        ]
        self.cumulative = list(itertools.accumulate(float(weight) for _, weight in rows))

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


def date_in(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def year_bands(
    rows: Sequence[tuple[tuple[int, int], float]], first_day: dt.date | None = None
) -> list[tuple[dt.date, dt.date, float]]:
    """Year bands as date ranges; ``first_day`` moves the start of the first band (no IPP was
    passed before 4 April 2005, so all of 2005's weight belongs to April-December)."""
    bands = [(dt.date(a, 1, 1), dt.date(b, 12, 31), w) for (a, b), w in rows]
    if first_day is not None:
        bands[0] = (first_day, bands[0][1], bands[0][2])
    return bands


def date_from_bands(
    rng: random.Random,
    bands: Sequence[tuple[dt.date, dt.date, float]],
    low: dt.date,
    high: dt.date,
) -> dt.date:
    """A date from a piecewise-uniform distribution over ``bands``, conditioned on [low, high]
    (each band's weight is scaled by how much of it lies in the window). Falls back to a uniform
    date in the window when no band overlaps it."""
    options = []
    total = 0.0
    for start, end, weight in bands:
        a, b = max(start, low), min(end, high)
        if a <= b and weight > 0:
            total += weight * ((b - a).days + 1) / ((end - start).days + 1)
            options.append((total, a, b))
    if not options:
        return date_in(rng, low, high)
    point = rng.random() * total
    for cumulative, a, b in options:
        if point < cumulative:
            return date_in(rng, a, b)
    return date_in(rng, options[-1][1], options[-1][2])


def sentence_by(day: dt.date, months: int, days: int) -> dt.date:
    """The latest sentence date whose tariff (``months`` and ``days``) has expired by ``day``."""
    candidate = add_months(day - dt.timedelta(days=days), -months)
    while add_months(candidate, months, days) > day:  # month-end clamping: at most a few days
        candidate -= dt.timedelta(days=1)
    return candidate


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(slots=True)
class Span:
    """A stretch of days in a person's timeline, with the bounds it may be scaled within."""

    value: int
    low: int
    high: int


def fit_spans(spans: list[Span], total: int) -> None:
    """Scale the spans (within their bounds) so that they add up to exactly ``total`` days.

    The caller guarantees ``sum(low) <= total <= sum(high)``. Extra days go to the spans in
    proportion to their headroom, missing days come from them in proportion to their slack, so a
    fixed span (low == high) never moves.
    """
    diff = total - sum(s.value for s in spans)
    if diff == 0:
        return
    room = [(s.high - s.value) if diff > 0 else (s.value - s.low) for s in spans]
    available = sum(room)
    sign = 1 if diff > 0 else -1
    need = abs(diff)
    moved = 0
    for span, r in zip(spans, room, strict=True):
        share = need * r // available if available else 0
        span.value += sign * share
        moved += share
    for span in spans:  # integer remainder, one day at a time, in a fixed order
        while moved < need and (span.high > span.value if sign > 0 else span.value > span.low):
            span.value += sign
            moved += 1


class MultiPick:
    """Several values at once, each with its published probability, and never none.

    Each value is included independently with probability ``a * p``; an empty draw is filled
    with one value picked in proportion to ``p``. The factor ``a`` solves
    ``1 - a = P(empty) * uncovered / sum(p)``, which makes every value's overall frequency
    exactly ``p`` (redrawing until non-empty would inflate them all). ``uncovered`` is the chance
    that something else (criterion iv, drawn separately) has not already made the draw non-empty.
    """

    __slots__ = ("fill", "scaled", "values")

    def __init__(self, rows: Sequence[tuple[Any, float]], uncovered: float = 1.0) -> None:
        self.values = [value.value if isinstance(value, enum.Enum) else value for value, _ in rows]
        probabilities = [float(p) for _, p in rows]
        total = sum(probabilities)
        if total * 1 < uncovered:
            raise ValueError("the probabilities must add up to at least one value per draw")

        def excess(a: float) -> float:
            return (1 - a) - math.prod(1 - a * p for p in probabilities) * uncovered / total

        low, high = 0.0, 1.0  # excess(0) >= 0 >= excess(1)
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if excess(middle) > 0 else (low, middle)
        self.scaled = [low * p for p in probabilities]
        self.fill = Table(
            [(value, p) for value, p in zip(self.values, probabilities, strict=True) if p]
        )

    def draw(self, rng: random.Random, covered: bool = False) -> list[Any]:
        chosen = [v for v, q in zip(self.values, self.scaled, strict=True) if rng.random() < q]
        if not chosen and not covered:
            chosen.append(self.fill.pick(rng))
        return chosen


_LONDON = zoneinfo.ZoneInfo("Europe/London")


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: fine for the small means used here)."""
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def randint_fast(rng: random.Random, low: int, high: int) -> int:
    """Like ``rng.randint(low, high)`` at a fraction of the cost (one ``random()`` call): the
    recall work draws millions of these for a national-scale seed."""
    return low + int(rng.random() * (high - low + 1))


def choice_fast(rng: random.Random, values: Sequence[T]) -> T:
    return values[int(rng.random() * len(values))]


def day_in(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.random() * ((end - start).days + 1)))


def at_office_hours(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment in office hours (London) on ``day``."""
    minute = int(rng.random() * 600)  # 08:00 to 17:59
    return dt.datetime(day.year, day.month, day.day, 8 + minute // 60, minute % 60, tzinfo=_LONDON)
