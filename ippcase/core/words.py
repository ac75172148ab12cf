"""Words as the service writes them (issue 16): acronyms keep their capitals wherever a label is
put in lower case inside a sentence ("awaiting SPO countersignature", not "awaiting spo
countersignature")."""

from __future__ import annotations

import re

# As written in the service; matched as whole words, whatever their case.
ACRONYMS = ("GPS", "IPP", "OPD", "MAPPA", "IOM", "PPCS", "SPO", "ACO", "RoSH", "VLO", "PDU", "RARR")
_BY_LOWER = {a.lower(): a for a in ACRONYMS}
_WORD = re.compile(r"\b(" + "|".join(a.lower() for a in ACRONYMS) + r")\b")


# Proper names that keep their capitals too.
PROPER_NAMES = ("Parole Board",)


def lower(text: str) -> str:
    """``text`` in lower case but for its acronyms, proper names and Part A/B letters."""
    lowered = _WORD.sub(lambda m: _BY_LOWER[m.group(1)], str(text).lower())
    for name in PROPER_NAMES:
        lowered = re.sub(rf"\b{name.lower()}\b", name, lowered)
    return re.sub(r"\bpart ([ab])\b", lambda m: f"Part {m.group(1).upper()}", lowered)
