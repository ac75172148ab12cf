"""Evidence on a recall (issue 15): checks on the way in (nothing stored on a refusal), the
windows for Part A and Part B evidence, the permission-checked and audited download, removing
and withholding, the dossier's index and merged PDFs (and the served version without the
withheld ones), storage on the filesystem and on S3 over HTTP (moto), the input guard."""

from __future__ import annotations

import hashlib
import io
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer
from pypdf import PdfReader

from ippcase import vocab as case_vocab
from ippcase.models import CaseViewEvent
from recall import dossiers, services
from recall.evidence import services as evidence_services
from recall.models import Dossier, EvidenceDocument, RecallReport
from recall.vocab import DossierKind as Kind
from tests import evidence_files as files
from tests import factories
from tests.conftest import client_for
from tests.test_recall_services import _draft_ready_to_send, _send, _sign

TODAY = timezone.localdate()
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)


@pytest.fixture
def on_licence(team):
    return factories.make_case(
        team, recalled=False, released=factories.recently_released(), first_name="Lee"
    )


@pytest.fixture
def draft(on_licence, practitioner):
    return services.recommendation_start(person=on_licence, actor=practitioner)


@pytest.fixture
def submitted(on_licence, practitioner, manager, aco):
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    rec = _sign(_sign(rec, manager, "spo"), aco, "aco")
    return services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )


@pytest.fixture
def authorised(submitted, ppcs):
    return services.ppcs_decide(rec_id=submitted.pk, actor=ppcs, outcome="authorised")


def stored_files() -> set[str]:
    root = Path(storages["evidence"].location)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def form(content: bytes, name: str = "report.pdf", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "part": "part_a",
        "kind": "police_report",
        "document_date-day": "3",
        "document_date-month": "3",
        "document_date-year": str(TODAY.year - 1),
        "description": "Police incident log: threats to the victim.",
        "withheld": "no",
        "withheld_reason": "",
        "file": files.upload(name, content),
    }
    data.update(changes)
    return data


def post(client, rec, data: dict[str, Any]):
    return client.post(reverse("recall:evidence_add", args=[rec.pk]), data)


def add(rec, actor, content: bytes | None = None, **changes: Any) -> EvidenceDocument:
    response = post(client_for(actor), rec, form(content or files.police_report(), **changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    return EvidenceDocument.objects.order_by("-pk").first()


# --- checks on the way in ---


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", files.ELF, "its content is a program"),
        ("report.pdf", files.MZ, "its content is a program"),
        ("report.pdf", b"just some text, not a document", "could not recognise"),
        ("report.pdf", files.pdf_with_javascript(), "The PDF contains JavaScript"),
        ("report.pdf", files.pdf_with_embedded_file(), "files embedded in it"),
        ("report.pdf", files.encrypted_pdf(), "encrypted"),
        ("report.pdf", b"%PDF-1.7\n broken", "could not be read"),
        ("photo.pdf", files.image("PNG"), "does not match what it contains"),
        ("notes.docx", files.docx(macros=True), "contains macros"),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_a_refused_upload_says_why_and_stores_nothing(draft, practitioner, name, content, message):
    before = stored_files()
    response = post(client_for(practitioner), draft, form(content, name))
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html, html[:3000]
    assert "<title>Error: " in html
    assert not EvidenceDocument.objects.exists()
    assert stored_files() == before


@override_settings(EVIDENCE_MAX_BYTES=4_000)
def test_an_oversized_file_is_refused_with_both_sizes(draft, practitioner):
    big = files.police_report()
    assert len(big) > 4_000
    response = post(client_for(practitioner), draft, form(big))
    html = response.content.decode()
    assert "The file is too large" in html and "4,000 bytes" in html
    assert "MB" in html or f"{len(big):,} bytes" in html
    assert not EvidenceDocument.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "pages"),
    [
        ("Police report.pdf", files.police_report(), "application/pdf", 3),
        ("photo.JPG", files.image("JPEG"), "image/jpeg", None),
        ("photo.png", files.image("PNG"), "image/png", None),
        ("cps.docx", files.docx(), DOCX_MIME, None),
    ],
)
def test_an_accepted_file_is_stored_with_its_hash_and_pages(
    draft, practitioner, name, content, content_type, pages
):
    doc = add(draft, practitioner, content, name=name, file=files.upload(name, content))
    assert doc.content_type == content_type
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.size == len(content) and doc.pages == pages
    assert doc.original_name == name and doc.uploaded_by == practitioner
    assert name not in doc.file.name  # stored under a random name
    with doc.file.open("rb") as handle:
        assert handle.read() == content


def test_a_path_in_the_uploaded_name_is_not_kept(draft, practitioner):
    content = files.police_report()
    doc = add(draft, practitioner, content, file=files.upload('../../etc/"x".pdf', content))
    assert doc.original_name == "_x_.pdf"


def test_the_part_is_preselected_from_the_link(draft, practitioner):
    html = (
        client_for(practitioner)
        .get(reverse("recall:evidence_add", args=[draft.pk]) + "?part=part_a")
        .content.decode()
    )
    assert 'value="part_a" checked' in html


# --- when evidence can be added ---


def test_part_b_evidence_waits_for_the_recall_to_be_authorised(draft, practitioner):
    response = post(client_for(practitioner), draft, form(files.police_report(), part="part_b"))
    assert "Select which document it is evidence for" in response.content.decode()
    assert not EvidenceDocument.objects.exists()


def test_once_authorised_only_part_b_evidence_can_be_added(authorised, practitioner):
    client = client_for(practitioner)
    refused = post(client, authorised, form(files.police_report(), part="part_a"))
    assert refused.status_code == 200 and not EvidenceDocument.objects.exists()
    doc = add(authorised, practitioner, part="part_b")
    assert doc.part == "part_b"


def test_no_evidence_once_the_report_is_submitted(authorised, practitioner):
    RecallReport.objects.create(
        recall=authorised.recall,
        created_by=practitioner,
        status="submitted",
        submitted_by=practitioner,
        submitted_at=timezone.now(),
    )
    client = client_for(practitioner)
    response = client.get(reverse("recall:evidence_add", args=[authorised.pk]))
    assert response.status_code == 302
    page = client.get(reverse("recall:evidence", args=[authorised.pk])).content.decode()
    assert "has been submitted, so its evidence can no longer be changed" in page


def test_a_manager_may_read_but_not_add(draft, practitioner, manager):
    add(draft, practitioner)
    client = client_for(manager)
    assert client.get(reverse("recall:evidence", args=[draft.pk])).status_code == 200
    assert client.get(reverse("recall:evidence_add", args=[draft.pk])).status_code == 403


# --- download ---


def test_the_download_is_an_attachment_with_safe_headers_and_is_audited(draft, practitioner):
    content = files.police_report()
    doc = add(draft, practitioner, content, file=files.upload("Incident log (1).pdf", content))
    client = client_for(practitioner)
    before = CaseViewEvent.objects.count()
    response = client.get(reverse("recall:evidence_download", args=[doc.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Incident log (1).pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert CaseViewEvent.objects.count() == before + 1
    row = CaseViewEvent.objects.order_by("-pk").first()
    assert row.user == practitioner and row.person == draft.person
    assert row.url_name == "recall:evidence_download"
    assert row.path == reverse("recall:evidence_download", args=[doc.pk])


def test_another_team_gets_404_for_the_evidence(draft, practitioner, outsider):
    doc = add(draft, practitioner)
    client = client_for(outsider)
    for url in (
        reverse("recall:evidence_download", args=[doc.pk]),
        reverse("recall:evidence", args=[draft.pk]),
        reverse("recall:evidence_remove", args=[doc.pk]),
        reverse("recall:evidence_withhold", args=[doc.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert not CaseViewEvent.objects.filter(user=outsider).exists()


def test_ppcs_may_download_once_the_request_is_submitted(
    on_licence, practitioner, manager, aco, ppcs
):
    rec = _draft_ready_to_send(on_licence, practitioner)
    doc = add(rec, practitioner)
    url = reverse("recall:evidence_download", args=[doc.pk])
    assert client_for(ppcs).get(url).status_code == 404
    rec = _sign(_sign(_send(rec, practitioner), manager, "spo"), aco, "aco")
    services.recommendation_submit(rec_id=rec.pk, actor=practitioner, expected_version=rec.version)
    assert client_for(ppcs).get(url).status_code == 200
    assert CaseViewEvent.objects.filter(user=ppcs, url_name="recall:evidence_download").exists()


# --- remove and withhold ---


def test_removing_keeps_the_row_and_the_file_and_asks_for_a_reason(draft, practitioner):
    doc = add(draft, practitioner)
    client = client_for(practitioner)
    url = reverse("recall:evidence_remove", args=[doc.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": " "})
    assert "Enter why you are removing the document" in refused.content.decode()
    assert client.post(url, {"reason": "Wrong person's log."}).status_code == 302
    doc.refresh_from_db()
    assert doc.removed_at and doc.removed_by == practitioner
    assert doc.removed_reason == "Wrong person's log."
    assert doc.file.storage.exists(doc.file.name)
    page = client.get(reverse("recall:evidence", args=[draft.pk])).content.decode()
    assert "Removed" in page and "Wrong person&#x27;s log." in page
    assert doc.events.count() >= 2  # pghistory: added, removed


def test_withholding_needs_a_reason_and_can_be_undone(draft, practitioner):
    doc = add(draft, practitioner)
    client = client_for(practitioner)
    url = reverse("recall:evidence_withhold", args=[doc.pk])
    refused = client.post(url, {"withheld": "yes", "withheld_reason": ""})
    assert "Enter why the document is withheld from the person" in refused.content.decode()
    doc.refresh_from_db()
    assert not doc.withheld
    client.post(url, {"withheld": "yes", "withheld_reason": "Victim's address."})
    doc.refresh_from_db()
    assert doc.withheld and doc.withheld_reason == "Victim's address."
    client.post(url, {"withheld": "no", "withheld_reason": "ignored"})
    doc.refresh_from_db()
    assert not doc.withheld and doc.withheld_reason == ""


def test_the_service_refuses_someone_else(draft, practitioner, manager):
    doc = add(draft, practitioner)
    with pytest.raises(services.NotAllowed):
        evidence_services.evidence_remove(evidence_id=doc.pk, actor=manager, reason="No.")


# --- the dossier ---


def _build(rec, kind, actor, capture) -> Dossier:
    with capture(execute=False):
        dossier = dossiers.dossier_request(rec_id=rec.pk, kind=kind, actor=actor)
    assert dossiers.build_dossier(dossier.pk) is True
    dossier.refresh_from_db()
    return dossier


def _text(reader: PdfReader, first: int, last: int | None = None) -> str:
    """The pages' text with the line breaks of the layout taken out."""
    return " ".join(" ".join(p.extract_text() for p in reader.pages[first:last]).split())


def test_the_dossier_indexes_the_evidence_and_merges_the_pdfs(
    on_licence, practitioner, manager, aco, django_capture_on_commit_callbacks
):
    rec = _draft_ready_to_send(on_licence, practitioner)
    police = files.police_report(2, "Incident log")
    add(rec, practitioner, police, description="Incident log of the night of 3 March.")
    add(
        rec,
        practitioner,
        files.image("PNG"),
        kind="photo",
        file=files.upload("photo.png", files.image("PNG")),
        description="Photograph of the damaged door.",
    )
    withheld = files.police_report(1, "Victim statement")
    add(
        rec,
        practitioner,
        withheld,
        kind="other",
        withheld="yes",
        withheld_reason="It gives the victim's new address.",
        description="Statement of the victim.",
        file=files.upload("statement.pdf", withheld),
    )
    rec = _sign(_sign(_send(rec, practitioner), manager, "spo"), aco, "aco")
    rec = services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    capture = django_capture_on_commit_callbacks

    full = _build(rec, Kind.DOSSIER, practitioner, capture)
    reader = PdfReader(io.BytesIO(bytes(full.pdf)))
    assert full.pages == len(reader.pages)
    text = _text(reader, 0)
    assert "Index of the evidence" in text and "Photograph of the damaged door." in text
    assert "Withheld from the person" in text and "Listed only (image)" in text
    # The two PDFs follow, each after its separator page (2 + 1 pages of evidence, 2 separators)
    tail = _text(reader, -5)
    assert "Evidence 1 of 3" in tail and "Incident log, page 2" in tail
    assert "Evidence 3 of 3" in tail and "Victim statement, page 1" in tail
    assert [o.title for o in reader.outline if not isinstance(o, list)][-2:] == [
        f"Evidence 1: Police report, {police_date()}",
        f"Evidence 3: Other, {police_date()}",
    ]
    # The rendered part keeps its PDF/UA tagging through the merge.
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] and "pdfuaid" in root["/Metadata"].get_object().get_data().decode()

    served = _build(rec, Kind.SERVED_DOSSIER, practitioner, capture)
    reader = PdfReader(io.BytesIO(bytes(served.pdf)))
    text = _text(reader, 0)
    assert "as served on the person" in text
    assert "Some material has been withheld from you" in text
    assert "Statement of the victim" not in text and "Victim statement" not in text
    assert "Withheld from the person" not in text
    assert "Evidence 1 of 2" in text and "Evidence 3" not in text
    assert served.pages == len(reader.pages) == full.pages - 2
    assert dossiers.filename(served).startswith("recall-dossier-served-")


def police_date() -> str:
    return f"3 March {TODAY.year - 1}"


def test_a_dossier_without_evidence_says_so(submitted, practitioner, capture_on_commit):
    dossier = _build(submitted, Kind.DOSSIER, practitioner, capture_on_commit)
    reader = PdfReader(io.BytesIO(bytes(dossier.pdf)))
    assert "No evidence has been added." in _text(reader, 0)
    assert dossier.pages == len(reader.pages)


@pytest.fixture
def capture_on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_removed_evidence_is_left_out_of_the_dossier(authorised, practitioner, capture_on_commit):
    doc = add(authorised, practitioner, part="part_b", description="Removed later.")
    evidence_services.evidence_remove(evidence_id=doc.pk, actor=practitioner, reason="Mistake.")
    dossier = _build(authorised, Kind.DOSSIER, practitioner, capture_on_commit)
    text = _text(PdfReader(io.BytesIO(bytes(dossier.pdf))), 0)
    assert "Removed later." not in text and "No evidence has been added." in text


# --- query counts ---


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_evidence_page_query_count_does_not_grow_with_the_evidence(draft, practitioner):
    client = client_for(practitioner)
    url = reverse("recall:evidence", args=[draft.pk])
    add(draft, practitioner)
    small = _queries(client, url)
    for _ in range(8):
        add(draft, practitioner, files.image("PNG"), file=files.upload("p.png", files.image("PNG")))
    doc = EvidenceDocument.objects.order_by("pk").first()
    evidence_services.evidence_remove(evidence_id=doc.pk, actor=practitioner, reason="Duplicate.")
    assert _queries(client, url) == small


# --- storage ---


def test_the_filesystem_storage_has_no_public_url(draft, practitioner, client):
    doc = add(draft, practitioner)
    storage = storages["evidence"]
    location = Path(storage.location).resolve()
    public = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]
    if settings.MEDIA_ROOT:
        public.append(Path(settings.MEDIA_ROOT))
    assert not any(location.is_relative_to(p.resolve()) for p in public)
    # Whatever URL the storage would give, nothing serves it: only the download view does.
    for who in (client, client_for(practitioner)):
        response = who.get("/" + doc.file.name)
        assert response.status_code in (302, 404)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def s3() -> Iterator[dict[str, Any]]:
    """An S3-compatible server (moto) over HTTP on a free port, a bucket in it, and the evidence
    storage pointed at it (the settings, and the model field's storage, which Django resolves
    once when the model is loaded)."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2", **credentials)
    client.create_bucket(
        Bucket="ippcase-evidence", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    options = {
        "bucket_name": "ippcase-evidence",
        "endpoint_url": endpoint,
        "region_name": "eu-west-2",
        "access_key": "testing",
        "secret_key": "testing",
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
    field = EvidenceDocument._meta.get_field("file")
    saved = field.storage
    stores = {**settings.STORAGES, "evidence": {"BACKEND": "storages.backends.s3.S3Storage",
                                                "OPTIONS": options}}  # fmt: skip
    try:
        with override_settings(STORAGES=stores):
            field.storage = storages["evidence"]
            yield {"client": client, "bucket": "ippcase-evidence"}
    finally:
        field.storage = saved
        server.stop()


def test_evidence_goes_to_s3_and_comes_back_through_the_download(s3, draft, practitioner):
    content = files.police_report()
    doc = add(draft, practitioner, content)
    listed = s3["client"].list_objects_v2(Bucket=s3["bucket"])
    keys = [o["Key"] for o in listed.get("Contents", [])]
    assert keys == [doc.file.name] and keys[0].startswith(f"evidence/{draft.pk}/")
    body = s3["client"].get_object(Bucket=s3["bucket"], Key=keys[0])["Body"].read()
    assert body == content
    response = client_for(practitioner).get(reverse("recall:evidence_download", args=[doc.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content


# --- the input guard ---


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=5_000, EVIDENCE_MAX_BYTES=200_000)
def test_the_input_guard_lets_a_file_through_on_the_evidence_route_only(
    draft, practitioner, on_licence
):
    client = client_for(practitioner)
    content = files.police_report()
    assert 5_000 < len(content) < 200_000
    doc = add(draft, practitioner, content)
    assert doc.size == len(content)
    # Another form posted as multipart with the same file: the form limit applies.
    response = client.post(
        reverse("recall:concern_add", args=[on_licence.crn]),
        {"description": "x", "file": files.upload("a.pdf", content)},
    )
    assert response.status_code == 413
    # Over the file limit on top of the form's: refused before the view, nothing stored.
    before = stored_files()
    huge = os.urandom(210_000)
    response = client.post(reverse("recall:evidence_add", args=[draft.pk]), form(huge, "big.pdf"))
    assert response.status_code == 413
    assert "a file may be at most" in response.content.decode()
    assert EvidenceDocument.objects.count() == 1 and stored_files() == before


def test_a_document_date_in_the_future_is_refused(draft, practitioner):
    data = form(files.police_report(), **{"document_date-year": str(TODAY.year + 1)})
    response = post(client_for(practitioner), draft, data)
    assert "must be today or in the past" in response.content.decode()
    assert not EvidenceDocument.objects.exists()
