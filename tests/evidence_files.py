"""Sample evidence files for the tests and the benchmark: real PDFs (WeasyPrint), images
(Pillow), a Word document, and hostile files (a renamed program, PDFs with active content)."""

from __future__ import annotations

import functools
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from recall import dossiers


@functools.cache
def police_report(pages: int = 3, title: str = "Police report") -> bytes:
    """A realistic multi-page PDF: an incident log with a heading and paragraphs per page."""
    body = "".join(
        f"<section style='page-break-after: always'><h1>{title}, page {n}</h1>"
        + "<p>Officers attended the address at 02:10 following a call from a neighbour. "
        "The subject was shouting threats and appeared intoxicated. </p>" * 12 + "</section>"
        for n in range(1, pages + 1)
    )
    return dossiers.pdf_from_html(f"<html lang='en'><body>{body}</body></html>")


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def docx(macros: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return out.getvalue()


def _pdf(build: object) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    build(writer)  # type: ignore[operator]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )


def pdf_with_javascript() -> bytes:
    """JavaScript run when the PDF is opened (/OpenAction)."""
    return _pdf(_open_action)


def pdf_with_embedded_file() -> bytes:
    return _pdf(lambda w: w.add_attachment("payload.exe", b"MZ" + b"\x00" * 100))


def encrypted_pdf() -> bytes:
    return _pdf(lambda w: w.encrypt("secret"))


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
