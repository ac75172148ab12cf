"""Decoding an uploaded import file: its size limit and the one message that says why a file
is not a JSON document at all (too large, binary, not UTF-8, CSV or HTML, invalid JSON).
"""

from __future__ import annotations

import json
from typing import Any, Final

from ippcase.exchange.reader import shown
from ippcase.exchange.rows import FORMAT

# The largest import file read: about 30,000 people (10,000 are 16.7 MB). A larger file is
# refused before it is read into memory; split it into several imports.
IMPORT_MAX_BYTES: Final = 50 * 1024 * 1024


class ImportFileError(ValueError):
    """The file cannot be read as an import at all (too large, binary, not JSON): one message,
    and nothing else is checked."""


# The opening bytes of files people send by mistake, and what they are.
_BINARY_SIGNATURES: Final = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or Word .docx file is one)"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office document (.xls or .doc)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
_UTF8_BOM: Final = b"\xef\xbb\xbf"


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; in an import that hides a mistake.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {shown(key)} in an object")
        result[key] = value
    return result


def decode_import_file(raw: bytes, name: str, *, expected: str = FORMAT) -> Any:
    """The JSON document in ``raw`` (the bytes of the file called ``name``), or
    :class:`ImportFileError` saying precisely why it is not one: too large (over
    ``IMPORT_MAX_BYTES``), empty, a binary file, not UTF-8, CSV or HTML rather than JSON, or
    invalid JSON. A UTF-8 byte order mark (which Excel and Notepad write) is ignored.
    ``expected`` is the format the messages name (the organisation import's, for that file)."""
    if len(raw) > IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"{name} is too large: over {_size(IMPORT_MAX_BYTES)} (the most an import reads); "
            "split it into several files"
        )
    for signature, what in _BINARY_SIGNATURES:
        if raw.startswith(signature):
            raise ImportFileError(f"{name} is {what}, not a JSON text file")
    if b"\x00" in raw:
        raise ImportFileError(
            f"{name} is a binary file (it contains null bytes), not a JSON text file"
        )
    raw = raw.removeprefix(_UTF8_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{name} is not UTF-8 text: {exc.reason} at byte {exc.start}"
        ) from None
    if not text.strip():
        raise ImportFileError(f'{name} is empty; expected a JSON document ("{expected}")')
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        first = text.lstrip()[:1]
        first_line = text.lstrip().split("\n", 1)[0]
        if first == "<":
            raise ImportFileError(
                f"{name} looks like HTML or XML, not JSON; the import takes JSON in the "
                f'"{expected}" format'
            ) from None
        if first not in ("{", "[") and ("," in first_line or "\t" in first_line):
            raise ImportFileError(
                f"{name} looks like CSV (comma- or tab-separated values), not JSON; the import "
                f'takes JSON in the "{expected}" format'
            ) from None
        raise ImportFileError(
            f"{name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise ImportFileError(f"{name} is not valid JSON: it is nested too deeply") from None
    except ValueError as exc:  # a duplicate key, or a number too long to convert
        raise ImportFileError(f"{name} is not valid JSON: {exc}") from None
