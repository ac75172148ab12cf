"""CSV that a spreadsheet cannot run: every CSV the app writes goes through :func:`writer`.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or
a carriage return) as a formula: a stored name ``=HYPERLINK("http://x","y")`` would come out as a
live link, or worse (OWASP, "CSV injection"). :func:`safe_cell` puts a single quote ``'`` in front
of such a cell, so the spreadsheet shows it as text.

Numbers stay numbers: an ``int``, ``float`` or ``Decimal`` (a count, a change of ``-3``) is
written as it is, and so is text that is wholly a plain number (``-3``, ``+2``, ``-0.5``,
``12%``: the CSV of the parole report and the dashboard links hold their numbers as text). Such a
cell cannot hold a formula. Everything else that starts with one of the six characters is
prefixed, whatever follows (docs/security.md, "Red-team pass II").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?%?\Z")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: object) -> object:
    """``value`` as a CSV cell no spreadsheet will evaluate: None is empty, a real number stays
    a number, text starting with a formula character gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


class SafeWriter:
    """``csv.writer`` with every cell passed through :func:`safe_cell`."""

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable) -> SafeWriter:
    """The only way the app writes CSV (a test greps for ``csv.writer`` elsewhere)."""
    return SafeWriter(out)
