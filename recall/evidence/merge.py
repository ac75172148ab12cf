"""The evidence in the recall dossier (docs/recall-paperwork.md, "Evidence"): the index the
dossier shows, and the PDF evidence appended after the rendered dossier with pypdf.

- Which documents: every document not removed, Part A first, then by date. The served version
  (``DossierKind.SERVED_DOSSIER``) leaves out the withheld ones, from the index and the merge,
  and is numbered without gaps, so nothing in it points at what was withheld.
- Each merged PDF is preceded by a separator page that says only "Evidence N of M" with the
  document's type and date (no description), and gets a bookmark (outline item) of the same
  words; images and Word documents are listed in the index only.
- The rendered dossier stays tagged: ``PdfWriter(clone_from=…)`` keeps its catalogue (the
  structure tree, /MarkInfo, /Lang, the XMP metadata and the title). The appended pages are
  not tagged (they are other people's documents, often scans), so a merged file is PDF/UA for
  its rendered part only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import ContentStream, DictionaryObject, NameObject

from recall import vocab
from recall.evidence import selectors
from recall.evidence.checks import PDF
from recall.models import EvidenceDocument

Kind = vocab.DossierKind
# The kinds of document that carry the evidence.
EVIDENCE_KINDS = (Kind.DOSSIER, Kind.SERVED_DOSSIER)
A4 = (595.28, 841.89)
LISTED_ONLY = {
    "image/jpeg": "Listed only (image)",
    "image/png": "Listed only (image)",
}


@dataclass(frozen=True)
class IndexEntry:
    number: int
    doc: EvidenceDocument

    @property
    def merged(self) -> bool:
        return self.doc.content_type == PDF

    @property
    def where(self) -> str:
        if self.merged:
            return "Included after the dossier"
        return LISTED_ONLY.get(self.doc.content_type, "Listed only (Word document)")

    @property
    def heading(self) -> str:
        """What the separator page and the bookmark say."""
        return f"{self.doc.get_kind_display()}, {self.doc.document_date:%-d %B %Y}"


def index_context(rec_id: int, kind: str) -> dict[str, Any]:
    """What the dossier template's evidence section shows (one query)."""
    if kind not in EVIDENCE_KINDS:
        return {"evidence": None}
    docs = selectors.in_dossier(rec_id)
    served = kind == Kind.SERVED_DOSSIER
    withheld_any = any(d.withheld for d in docs)
    if served:
        docs = [d for d in docs if not d.withheld]
    return {
        "evidence": [IndexEntry(n, d) for n, d in enumerate(docs, start=1)],
        "served": served,
        "withheld_any": withheld_any,
    }


def _pdf_text(text: str) -> bytes:
    """``text`` as a PDF string literal in WinAnsi (the separator's words are ASCII already)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("cp1252", errors="replace") + b")"


def separator_page(writer: PdfWriter, entry: IndexEntry, total: int) -> PageObject:
    """A page added to ``writer`` saying "Evidence N of M" and the document's type and date."""
    page = writer.add_blank_page(*A4)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    content = ContentStream(None, writer)
    content.set_data(
        b"BT /F1 28 Tf 72 720 Td "
        + _pdf_text(f"Evidence {entry.number} of {total}")
        + b" Tj 0 -40 Td /F1 16 Tf "
        + _pdf_text(entry.heading)
        + b" Tj ET"
    )
    page.replace_contents(content)
    return page


def append_evidence(pdf: bytes, entries: list[IndexEntry]) -> tuple[bytes, int]:
    """The rendered dossier with the PDF evidence of ``entries`` appended, and its page count.
    Returns ``pdf`` unchanged when there is nothing to merge."""
    merged = [e for e in entries if e.merged]
    if not merged:
        return pdf, len(PdfReader(io.BytesIO(pdf)).pages)
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    total = len(entries)
    for entry in merged:
        start = len(writer.pages)
        separator_page(writer, entry, total)
        with entry.doc.file.open("rb") as handle:
            reader = PdfReader(io.BytesIO(handle.read()))
        writer.append(reader, import_outline=False)
        writer.add_outline_item(
            title=f"Evidence {entry.number}: {entry.heading}", page_number=start
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)
