"""The recall paperwork (issue 15) in a real browser, with a real Celery worker building the PDFs:
the practitioner completes the Part A sections and attaches a police report, a photo and a
withheld document; the SPO and the ACO countersign; PPCS downloads the Part A and reads it; after
the return to custody the practitioner writes the Part B, an SPO countersigns it and it is
submitted; the dossier holds both, the evidence index and the merged police report, and the
version served on the person leaves out the withheld document. axe checks every page."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from ippcase import vocab
from ippcase.core import words
from ippcase.models import User
from recall import services
from tests import evidence_files, factories
from tests.e2e.steps import (
    PASSWORD,
    complete_part_a,
    fill_date,
    open_section,
    send_for_countersignature,
    submit_to_ppcs,
    take_and_authorise,
)
from tests.e2e.steps import countersign as _countersign
from tests.e2e.steps import sign_in as _sign_in
from tests.test_celery import celery_worker_process  # noqa: F401  (fixture: the real worker)

BUILD_MS = 90_000
ADDRESS = "14 Harehills Lane, Leeds LS8 5AB"


def _case():
    team = factories.TeamFactory(code="e2e-paper", name="Leeds North", pdu__code="leeds")
    for username, role in (
        ("pat.practitioner", vocab.Role.PRACTITIONER),
        ("sam.spo", vocab.Role.MANAGER),
        ("alex.aco", vocab.Role.SENIOR_MANAGER),
    ):
        factories.UserFactory(username=username, password=PASSWORD, team=team, roles=[role])
    factories.UserFactory(username="ppcs", password=PASSWORD, team=None, roles=[vocab.Role.PPCS])
    person = factories.make_case(team, recalled=False, first_name="Dean", last_name="Marsh")
    person.address = ADDRESS
    person.victims_in_vcs = vocab.YesNoUnknown.YES
    person.victim_liaison_officer = "Jo Bloggs, Leeds victim liaison unit"
    person.vulnerability_types = [vocab.Vulnerability.MENTAL_HEALTH]
    person.vulnerabilities = "Diagnosed depression; takes medication daily."
    person.save()
    com = User.objects.get(username="pat.practitioner")
    # The questions every recommendation asks are answered already (test_recall_journey walks
    # them in the browser); this test walks the Part A.
    rec = services.recommendation_start(person=person, actor=com)
    rec = services.recommendation_update(
        rec_id=rec.pk,
        actor=com,
        expected_version=rec.version,
        changes=factories.complete_answers(),
    )
    factories.justify_warnings(rec, com, part_a=False)
    return person, rec


def _save_report_section(page: Page, check, name: str) -> None:
    check(page, name)
    page.get_by_role("button", name="Save and return to the report").click()


def _attach(
    page: Page,
    tmp: Path,
    *,
    kind: str,
    name: str,
    content: bytes,
    description: str,
    withheld: str = "",
) -> None:
    page.get_by_role("link", name=re.compile("^Add evidence")).click()
    page.get_by_label("Recall request (Part A)").check()
    page.get_by_label(kind, exact=True).check()
    fill_date(page, "document_date", timezone.localdate() - dt.timedelta(days=2))
    page.get_by_label("Description").fill(description)
    if withheld:
        page.locator("#id_withheld_0").check()
        page.get_by_label("Why is it withheld?").fill(withheld)
    else:
        page.locator("#id_withheld_1").check()
    path = tmp / name
    path.write_bytes(content)
    page.get_by_label("Upload a file").set_input_files(str(path))
    page.get_by_role("button", name="Add the document").click()
    expect(page.locator("main")).to_contain_text(description)


def _download_text(page: Page, link) -> str:
    with page.expect_download() as info:
        link.click()
    reader = PdfReader(io.BytesIO(info.value.path().read_bytes()))
    return "\n".join(p.extract_text() for p in reader.pages)


def _make_document(page: Page, kind_label: str) -> str:
    """Ask for a document on the dossier page, wait for the real worker, return its text."""
    page.get_by_label(kind_label, exact=True).check()
    page.get_by_role("button", name="Make the document").click()
    link = page.get_by_role(
        "link", name=re.compile("^Download " + re.escape(words.lower(kind_label)) + " version 1")
    )
    expect(link).to_be_visible(timeout=BUILD_MS)
    return _download_text(page, link)


@pytest.mark.e2e
def test_part_a_evidence_ppcs_part_b_and_the_served_dossier(
    page: Page,
    assert_accessible,
    screenshot,
    tmp_path,
    celery_worker_process,  # noqa: F811
):
    person, rec = _case()
    rec_url = f"/recall/recommendations/{rec.pk}/"

    # The practitioner completes the Part A and attaches the evidence.
    _sign_in(page, "pat.practitioner")
    page.goto(rec_url)
    assert_accessible(page, "the recommendation with its Part A sections")
    complete_part_a(page, assert_accessible, address=ADDRESS)
    page.goto(rec_url)
    page.locator("#evidence-link").click()
    assert_accessible(page, "the evidence page")
    _attach(
        page,
        tmp_path,
        kind="Police report",
        name="police-report.pdf",
        content=evidence_files.police_report(pages=2, title="Chapeltown incident log"),
        description="Police incident log: threats at his ex-partner's door.",
    )
    assert_accessible(page, "the evidence page with a document")
    _attach(
        page,
        tmp_path,
        kind="Photograph",
        name="door.png",
        content=evidence_files.image("PNG"),
        description="Photograph of the damaged door.",
    )
    _attach(
        page,
        tmp_path,
        kind="Other",
        name="intelligence.pdf",
        content=evidence_files.police_report(pages=1, title="Source intelligence"),
        description="Confidential source intelligence.",
        withheld="Disclosure would identify the source and put them at risk.",
    )
    screenshot(page, "evidence")
    page.goto(rec_url)
    expect(page.locator("#part-a-tasks")).not_to_contain_text("Incomplete")
    send_for_countersignature(page, assert_accessible)
    expect(page.locator("#rec-status")).to_have_text("Awaiting SPO countersignature")

    # The SPO and the ACO countersign; the ACO's signature asks for the Part A PDF.
    _sign_in(page, "sam.spo")
    _countersign(page, rec_url, "SPO", assert_accessible, screenshot)
    _sign_in(page, "alex.aco")
    _countersign(page, rec_url, "ACO", assert_accessible, screenshot)
    expect(page.locator("#rec-status")).to_have_text("Countersigned, ready to submit")
    _sign_in(page, "pat.practitioner")
    page.goto(rec_url)
    submit_to_ppcs(page, assert_accessible)
    expect(page.locator("#rec-status")).to_have_text("Submitted to PPCS")

    # PPCS reads the Part A the worker built.
    _sign_in(page, "ppcs")
    page.goto(f"/recall/ppcs/requests/{rec.pk}/")
    download = page.locator("#part-a-download")
    for _ in range(45):  # the request page does not poll: reload until the worker is done
        if download.count():
            break
        page.wait_for_timeout(2_000)
        page.reload()
    assert_accessible(page, "the PPCS request with its Part A")
    text = _download_text(page, download)
    for expected in (
        ADDRESS,
        "3 Roundhay Road",
        "PC Amir Khan, Chapeltown",
        "0113 496 0000",
        "large dog",
        "Mental health",
        "Diagnosed depression",
        "Police incident log",
        "SPO",
        "ACO",
    ):
        assert expected in text, f"{expected!r} is not in the Part A PDF"

    # PPCS authorises and records the return to custody.
    take_and_authorise(page, assert_accessible)
    fill_date(page, "returned_on", timezone.localdate())
    page.get_by_label("Prison returned to").fill("HMP Leeds")
    page.get_by_role("button", name="Record the return to custody").click()

    # The practitioner writes the Part B and sends it to the SPO.
    _sign_in(page, "pat.practitioner")
    page.goto(f"/recall/cases/{person.crn}/recall/")
    page.get_by_role("link", name="Start the recall report").click()
    page.get_by_role("button", name="Start the recall report").click()
    assert_accessible(page, "the recall report task list")
    answers = {
        "The person's account and response to the recall": {
            "The person's account of the recall": "He says he went to collect his belongings.",
            "Their response to the recall": "Settled on the wing; engaging with his key worker.",
        },
        "Current risk assessment": {
            "Current risk assessment and why": "High to his ex-partner while drinking.",
        },
        "Risk management plan": {
            "Risk management plan for re-release": "Approved premises, alcohol tag, weekly IOM.",
        },
        "Proposed licence conditions": {
            "Proposed licence conditions": "Alcohol monitoring; exclusion zone around LS8.",
        },
    }
    for title, fields in answers.items():
        open_section(page, title)
        if title == "Current risk assessment":
            page.get_by_label("High", exact=True).check()
        for label, value in fields.items():
            page.get_by_label(label, exact=True).fill(value)
        _save_report_section(page, assert_accessible, f"the report section {title}")
    open_section(page, "Recommendations to the Parole Board and PPCS")
    page.get_by_label("Re-release with new conditions", exact=True).check()
    page.get_by_label("Why do you recommend this?").fill("The plan manages the risk.")
    page.get_by_label("Suitable for a risk-assessed recall review", exact=True).check()
    page.get_by_label(re.compile("^Why is the person suitable")).fill("Stable in custody.")
    _save_report_section(page, assert_accessible, "the report's recommendation section")
    page.get_by_role("button", name="Send to the SPO for countersignature").click()

    _sign_in(page, "sam.spo")
    page.goto(f"/recall/recalls/{rec.pk}/report/countersign/")
    assert_accessible(page, "the report countersignature page")
    page.get_by_label("I agree with the report and countersign it").check()
    page.get_by_label(re.compile("^Your comments")).fill("A clear plan; I agree.")
    page.get_by_role("button", name="Record your decision").click()

    _sign_in(page, "pat.practitioner")
    page.goto(f"/recall/recalls/{rec.pk}/report/")
    page.get_by_role("button", name="Check your answers and submit").click()
    assert_accessible(page, "the report's check your answers page")
    page.get_by_role("button", name="Submit the recall report").click()
    expect(page.locator("main")).to_contain_text("Submitted")

    # The dossier: both documents, the evidence index, the merged police report; the served
    # version leaves out the withheld document.
    page.goto(f"/recall/recommendations/{rec.pk}/dossiers/")
    assert_accessible(page, "the dossier page")
    full = _make_document(page, "Recall dossier (PPCS and Parole Board)")
    for expected in (
        "Recall report (Part B)",
        "He says he went to collect his belongings.",
        "Index of the evidence",
        "Police incident log",
        "Chapeltown incident log, page 2",
        "Confidential source intelligence.",
        "Source intelligence, page 1",
    ):
        assert expected in full, f"{expected!r} is not in the dossier"
    served = _make_document(page, "Recall dossier as served on the person")
    assert "Chapeltown incident log, page 2" in served
    assert "He says he went to collect his belongings." in served
    assert "Some material has been withheld from you" in served
    assert "Confidential source intelligence." not in served
    assert "Source intelligence, page 1" not in served
    screenshot(page, "dossier")
