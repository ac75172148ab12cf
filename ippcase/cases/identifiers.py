"""The formats of a person's identifiers, shared by the case import (ippcase.exchange) and the
pages that open or change a case, so that both accept and refuse the same values."""

from __future__ import annotations

import re
from typing import Final

# \Z, not $: "$" also matches before a final newline, which would let "A123456\n" through.
CRN_PATTERN: Final = re.compile(r"^[A-Z][0-9]{6}\Z")
NOMIS_PATTERN: Final = re.compile(r"^[A-Z][0-9]{4}[A-Z]{2}\Z")
