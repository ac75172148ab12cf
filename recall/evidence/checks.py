"""Checks on an evidence file on its way in (issue 15; docs/recall-paperwork.md, "Evidence").

A file is accepted only if its content is one of the allowed types (read from its bytes with
``filetype``, never from its name or the browser's content type), its name's extension agrees
with that content, it is not empty and not over ``settings.EVIDENCE_MAX_BYTES``, and, for a PDF,
it opens, is not encrypted and has no active content (JavaScript, launch actions, embedded
files, XFA forms); a Word document must be a real DOCX without macros. Each refusal is
:class:`UploadRefused` with a sentence for the form; nothing is stored on a refusal (the service
stores only what :func:`check_upload` returned).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The allowed types, by content, with the extensions a name may have for each.
ALLOWED: dict[str, tuple[str, tuple[str, ...]]] = {
    PDF: ("a PDF", ("pdf",)),
    JPEG: ("a JPEG image", ("jpg", "jpeg")),
    PNG: ("a PNG image", ("png",)),
    DOCX: ("a Word document (DOCX)", ("docx",)),
}
ALLOWED_SENTENCE = "a PDF, a JPEG or PNG image, or a Word document (DOCX)"
# Names of what filetype found that say more than "not allowed".
PROGRAMS = {"exe", "elf", "wasm", "swf", "crx", "deb", "rpm"}
# Reading a hostile PDF must end: at most this many objects are looked at.
MAX_PDF_OBJECTS = 200_000
NAME_MAX = 150
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')


class UploadRefused(Exception):
    """The file was refused; the message is a sentence for the form."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    size: int
    sha256: str
    pages: int | None  # PDFs only
    original_name: str


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def safe_name(name: str) -> str:
    """The uploaded name as it may be kept and offered again in a download: its last path part,
    normalised (NFC), without control characters, quotes, path or shell separators, at most
    ``NAME_MAX`` characters (the extension kept)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name
        name = name[:NAME_MAX]
    return name or "document"


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def check_upload(upload: UploadedFile) -> CheckedFile:
    """The checked file, or :class:`UploadRefused` (see the module docstring)."""
    limit = settings.EVIDENCE_MAX_BYTES
    size = upload.size or 0
    if size > limit:
        raise UploadRefused(
            f"The file is too large: it is {megabytes(size)} and the most a file may be is "
            f"{megabytes(limit)}. Split it or reduce its size and try again."
        )
    content = b"".join(upload.chunks())
    size = len(content)
    if size == 0:
        raise UploadRefused("The selected file is empty. Choose a file that has something in it.")
    if size > limit:  # the declared size was wrong
        raise UploadRefused(
            f"The file is too large: it is {megabytes(size)} and the most a file may be is "
            f"{megabytes(limit)}. Split it or reduce its size and try again."
        )
    name = safe_name(str(upload.name or ""))
    content_type = content_type_of(content)
    what, extensions = ALLOWED[content_type]
    extension = _extension(name)
    if extension not in extensions:
        raise UploadRefused(
            f"The file's name ({name}) does not match what it contains, which is {what}. "
            f"Rename it to end in .{extensions[0]} and try again."
        )
    pages = None
    if content_type == PDF:
        pages = check_pdf(content)
    elif content_type == DOCX:
        check_docx(content)
    return CheckedFile(
        content=content,
        content_type=content_type,
        size=size,
        sha256=hashlib.sha256(content).hexdigest(),
        pages=pages,
        original_name=name,
    )


def content_type_of(content: bytes) -> str:
    """The allowed type of ``content``, from its bytes; :class:`UploadRefused` otherwise."""
    kind = filetype.guess(content)
    if kind is not None and kind.mime in ALLOWED:
        return str(kind.mime)
    if kind is not None and kind.extension in PROGRAMS:
        found = "a program"
    elif kind is not None:
        found = f"a .{kind.extension} file"
    else:
        found = "of a type we could not recognise"
    raise UploadRefused(
        f"The file must be {ALLOWED_SENTENCE}: its content is {found}, whatever its name says."
    )


# ---------------------------------------------------------------------------------------------
# PDF


ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/Launch": "an action that starts a program",
    "/EmbeddedFiles": "files embedded in it",
    "/EmbeddedFile": "files embedded in it",
    "/XFA": "an XFA form, which can run scripts",
    "/RichMedia": "embedded media that can run code",
}


def check_pdf(content: bytes) -> int:
    """The page count of a PDF that opens, is not encrypted and has no active content."""
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise UploadRefused(
                "The PDF is protected with a password or encrypted. Save an unprotected copy "
                "and upload that."
            )
        found = active_content(reader)
        pages = len(reader.pages)
    except UploadRefused:
        raise
    except Exception:
        raise UploadRefused(
            "The PDF could not be read: it may be damaged. Save it again as a PDF and try again."
        ) from None
    if found:
        raise UploadRefused(
            f"The PDF contains {found}, which could run when it is opened, so it cannot be "
            "stored. Print it to a new PDF (which leaves the active content out) and upload that."
        )
    if pages == 0:
        raise UploadRefused("The PDF has no pages. Choose the PDF of the document itself.")
    return pages


def active_content(reader: PdfReader) -> str:
    """What active content the PDF has (JavaScript first), or ``""``: every object reachable from
    the trailer is looked at, so JavaScript in the Names tree, /OpenAction, /AA (page, field or
    document actions) and annotation actions are all found."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    looked = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        looked += 1
        if looked > MAX_PDF_OBJECTS:
            raise UploadRefused(
                "The PDF is too complex to check. Print it to a new PDF and upload that."
            )
        if isinstance(obj, DictionaryObject):
            for name, value in obj.items():
                if name in ACTIVE_KEYS:
                    found.add(ACTIVE_KEYS[name])
                if name == "/S" and isinstance(value, NameObject) and value in ACTIVE_KEYS:
                    found.add(ACTIVE_KEYS[value])
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    if "JavaScript" in found:
        return "JavaScript"
    return " and ".join(sorted(found))


# ---------------------------------------------------------------------------------------------
# DOCX


def check_docx(content: bytes) -> None:
    """A real Word document (a zip with ``word/document.xml``) without macros."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = {n.lower() for n in archive.namelist()}
    except zipfile.BadZipFile:
        raise UploadRefused(
            "The Word document could not be read: it may be damaged. Save it again and try again."
        ) from None
    if "word/document.xml" not in names:
        raise UploadRefused(
            "The file is not a Word document (DOCX). Save it as a Word document or a PDF."
        )
    if any(n.endswith("vbaproject.bin") for n in names):
        raise UploadRefused(
            "The Word document contains macros, which could run when it is opened. Save it as a "
            "Word document without macros (.docx) or as a PDF and try again."
        )
