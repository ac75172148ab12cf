"""Recall dossiers and reasons-for-recall letters: requested, built once by a worker, every
version kept; the PDF read back and checked for the facts."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from ippcase import vocab as case_vocab
from ippcase.models import Person, User
from recall import dossiers, entries, services
from recall.models import Concern, Dossier, PpcsDecision, RecallRecommendation
from recall.vocab import DossierKind as Kind
from recall.vocab import DossierState as State
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.test_recall_services import _draft_ready_to_send, _send, _sign

CONCERN_TEXT = "Seen drunk outside the victim's house at 2am by AP staff."
SPO_RATIONALE = "Risk is imminent; alternatives exhausted and the police agree."


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _submitted(
    person: Person, practitioner: User, manager: User, aco: User
) -> RecallRecommendation:
    entries.concern_add(
        person=person,
        actor=practitioner,
        occurred_on=timezone.localdate() - dt.timedelta(days=3),
        description=CONCERN_TEXT,
        source="ap_staff",
        behaviours=["alcohol", "threats"],
        conditions=list(person.licence_conditions.all()),
    )
    rec = _draft_ready_to_send(person, practitioner)
    rec = _send(rec, practitioner)
    rec = _sign(rec, manager, "spo", rationale=SPO_RATIONALE)
    rec = _sign(rec, aco, "aco", rationale="Agreed by the ACO.")
    return services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )


def _authorise(rec: RecallRecommendation, ppcs: User) -> RecallRecommendation:
    """PPCS authorises and the person is back in custody. Written directly: this stands in for
    the PPCS services, which are tested on their own."""
    release = rec.person.releases.order_by("-date").first()
    today = timezone.localdate()
    recall = factories.RecallFactory(
        release=release,
        recall_date=today - dt.timedelta(days=3),
        returned_to_custody=today - dt.timedelta(days=2),
        custody_prison="HMP Leeds",
    )
    PpcsDecision.objects.create(recommendation=rec, outcome="authorised", decided_by=ppcs)
    rec.status = Status.AUTHORISED
    rec.recall = recall
    rec.save(update_fields=["status", "recall"])
    return rec


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)


@pytest.fixture
def on_licence(team):
    return factories.make_case(
        team,
        recalled=False,
        released=factories.recently_released(),
        first_name="Lee",
        last_name="Hart",
    )


@pytest.fixture
def submitted(on_licence, practitioner, manager, aco):
    return _submitted(on_licence, practitioner, manager, aco)


@pytest.fixture
def authorised(submitted, ppcs):
    return _authorise(submitted, ppcs)


def _request_and_build(rec, kind, actor, capture) -> Dossier:
    with capture(execute=False):  # the enqueue is tested on its own, with a real worker
        dossier = dossiers.dossier_request(rec_id=rec.pk, kind=kind, actor=actor)
    assert dossiers.build_dossier(dossier.pk) is True
    dossier.refresh_from_db()
    return dossier


def test_the_recall_dossier_holds_the_facts(
    authorised, practitioner, django_capture_on_commit_callbacks
):
    dossier = _request_and_build(
        authorised, Kind.DOSSIER, practitioner, django_capture_on_commit_callbacks
    )
    assert dossier.state == State.READY and dossier.completed_at and dossier.error == ""
    reader = PdfReader(io.BytesIO(bytes(dossier.pdf)))
    assert dossier.pages == len(reader.pages) >= 5
    text = pdf_text(bytes(dossier.pdf))
    person = authorised.person
    for fact in (
        "Recall dossier",
        "Lee Hart",
        person.crn,
        "Violence against the person",  # the index offence category
        CONCERN_TEXT,
        "Alcohol misuse and violence mirror the index offence.",  # criterion (i) evidence
        "Index offence: assault while drunk. Now drinking and making threats.",  # causal link
        "Police report threats to kill; victim is frightened.",  # increased risk of harm
        SPO_RATIONALE,
        "Agreed by the ACO.",
        "Authorise the recall",  # the PPCS decision
        "OFFICIAL-SENSITIVE",
        "Page 1 of",
        f"Page {dossier.pages} of {dossier.pages}",
        "Version 1",
        practitioner.display_name,
        "Recall report due",
    ):
        assert fact in text, fact
    due = dossiers.deadlines.report_due_date(
        timezone.localdate() - dt.timedelta(days=2), dossiers.deadlines.DEFAULT_CALENDAR
    )
    assert f"{due:%A} {due.day} {due:%B %Y}" in text
    # Tagged for screen readers (PDF/UA-1).
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]


def test_the_dossier_of_a_submitted_request_says_ppcs_has_not_decided(
    submitted, manager, django_capture_on_commit_callbacks
):
    dossier = _request_and_build(
        submitted, Kind.DOSSIER, manager, django_capture_on_commit_callbacks
    )
    text = pdf_text(bytes(dossier.pdf))
    assert "PPCS has not yet decided this request" in text
    assert "Not yet returned to custody" in text


def test_the_dossier_shows_the_findings_kept_at_submission(
    submitted, manager, django_capture_on_commit_callbacks
):
    kept = {"code": "NO_PROGRESSION_PANEL", "severity": "warn", "reference": "HMIP 2023"}
    submitted.decision_findings = [{**kept, "message": "No panel in the six months kept."}]
    submitted.save(update_fields=["decision_findings"])
    dossier = _request_and_build(
        submitted, Kind.DOSSIER, manager, django_capture_on_commit_callbacks
    )
    assert "No panel in the six months kept." in pdf_text(bytes(dossier.pdf))


def test_the_letter_to_the_prisoner_is_in_plain_english(
    authorised, practitioner, django_capture_on_commit_callbacks
):
    letter = _request_and_build(
        authorised, Kind.PRISONER_LETTER, practitioner, django_capture_on_commit_callbacks
    )
    text = pdf_text(bytes(letter.pdf))
    for fact in (
        "Why you have been recalled to prison",
        "Dear Lee Hart",
        authorised.person.crn,
        dossiers.CRITERIA_PLAIN["i"],
        "Index offence: assault while drunk. Now drinking and making threats.",
        "within 15 working days",
        "Parole Board",
        "right to see your recall dossier",
        "legal advice",
        practitioner.display_name,
        "OFFICIAL-SENSITIVE",
        "Page 1 of",
    ):
        assert fact in " ".join(text.split()), fact


def test_the_letter_waits_for_ppcs_to_authorise(submitted, practitioner):
    with pytest.raises(services.IllegalTransition, match="submitted to PPCS"):
        dossiers.dossier_request(rec_id=submitted.pk, kind=Kind.PRISONER_LETTER, actor=practitioner)
    assert not Dossier.objects.exists()


def test_every_version_is_kept_with_who_asked(
    authorised, practitioner, ppcs, django_capture_on_commit_callbacks
):
    first = _request_and_build(
        authorised, Kind.DOSSIER, practitioner, django_capture_on_commit_callbacks
    )
    second = _request_and_build(authorised, Kind.DOSSIER, ppcs, django_capture_on_commit_callbacks)
    letter = _request_and_build(
        authorised, Kind.PRISONER_LETTER, ppcs, django_capture_on_commit_callbacks
    )
    rows = dossiers.dossiers_for(authorised)
    assert not dossiers.in_progress(rows)
    assert [(d.kind, d.version, d.requested_by, d.state) for d in rows] == [
        (Kind.DOSSIER, 2, ppcs, State.READY),
        (Kind.DOSSIER, 1, practitioner, State.READY),
        (Kind.PRISONER_LETTER, 1, ppcs, State.READY),
    ]
    assert first.pdf and second.pdf and letter.pdf and bytes(first.pdf) != bytes(second.pdf)
    assert "Version 2" in pdf_text(bytes(second.pdf))
    assert dossiers.filename(second) == f"recall-dossier-{authorised.person.crn}-v2.pdf"


def test_building_twice_stores_one_pdf(
    authorised, practitioner, django_capture_on_commit_callbacks
):
    dossier = _request_and_build(
        authorised, Kind.DOSSIER, practitioner, django_capture_on_commit_callbacks
    )
    pdf, completed = bytes(dossier.pdf), dossier.completed_at
    assert dossiers.build_dossier(dossier.pk) is False
    dossier.refresh_from_db()
    assert dossier.state == State.READY
    assert bytes(dossier.pdf) == pdf and dossier.completed_at == completed
    assert Dossier.objects.count() == 1


def test_a_build_interrupted_mid_way_is_built_again(
    authorised, practitioner, django_capture_on_commit_callbacks, monkeypatch
):
    """A worker killed while rendering: its transaction rolls back, no PDF is stored, and the
    redelivered task (or the sweep) builds it from the start."""
    with django_capture_on_commit_callbacks(execute=False):
        dossier = dossiers.dossier_request(
            rec_id=authorised.pk, kind=Kind.DOSSIER, actor=practitioner
        )

    def killed(*args: object, **kwargs: object) -> None:
        raise SystemExit("worker killed")

    monkeypatch.setattr(dossiers, "render_pdf", killed)
    with pytest.raises(SystemExit):
        dossiers.dossier_build(dossier.pk)
    dossier.refresh_from_db()
    assert dossier.state == State.BUILDING and dossier.pdf is None
    monkeypatch.undo()
    assert dossiers.build_dossier(dossier.pk) is True
    dossier.refresh_from_db()
    assert dossier.state == State.READY and dossier.pages


def test_an_outsider_cannot_ask_for_a_dossier(authorised, outsider):
    with pytest.raises(services.NotAllowed):
        dossiers.dossier_request(rec_id=authorised.pk, kind=Kind.DOSSIER, actor=outsider)
    assert not Dossier.objects.exists()


def test_only_whoever_may_see_the_case_downloads_it(
    authorised, practitioner, outsider, django_capture_on_commit_callbacks
):
    dossier = _request_and_build(
        authorised, Kind.DOSSIER, practitioner, django_capture_on_commit_callbacks
    )
    assert dossiers.dossier_for_download(practitioner, dossier.pk).pdf
    with pytest.raises(services.NotAllowed):
        dossiers.dossier_for_download(outsider, dossier.pk)


def test_the_request_enqueues_the_build_on_commit(
    authorised, practitioner, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[int] = []
    monkeypatch.setattr(dossiers.build_dossier, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossiers.dossier_request(
            rec_id=authorised.pk, kind=Kind.DOSSIER, actor=practitioner
        )
        assert sent == []  # not before the row is committed
    assert sent == [dossier.pk]


def test_with_the_broker_down_the_request_succeeds_and_the_sweep_builds_it_later(
    authorised, practitioner, dead_broker, django_capture_on_commit_callbacks, caplog
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossiers.dossier_request(
            rec_id=authorised.pk, kind=Kind.DOSSIER, actor=practitioner
        )
    assert time.monotonic() - started < 10
    dossier.refresh_from_db()
    assert dossier.state == State.QUEUED
    assert dossiers.in_progress(dossiers.dossiers_for(authorised))
    assert "broker unavailable" in caplog.text
    assert "Lee Hart" not in caplog.text and authorised.person.crn not in caplog.text
    assert dossiers.build_pending_dossiers() == 0  # too fresh: its own task may still come
    Dossier.objects.filter(pk=dossier.pk).update(
        requested_at=timezone.now() - dt.timedelta(minutes=2)
    )
    assert dossiers.build_pending_dossiers() == 1
    dossier.refresh_from_db()
    assert dossier.state == State.READY and "Lee Hart" in pdf_text(bytes(dossier.pdf))
    assert dossiers.build_pending_dossiers() == 0


def _case_with_concerns(team, practitioner, count: int) -> Dossier:
    person = factories.make_case(team, recalled=True)
    condition = person.licence_conditions.first()
    concerns = Concern.objects.bulk_create(
        Concern(
            person=person,
            occurred_on=dt.date(2024, 1, 1) + dt.timedelta(days=n % 300),
            description=f"Concern number {n}: missed appointment and drinking.",
            source="ap_staff",
            behaviours=["alcohol"],
            recorded_by=practitioner,
        )
        for n in range(count)
    )
    Concern.conditions.through.objects.bulk_create(
        Concern.conditions.through(concern=c, licencecondition=condition) for c in concerns
    )
    rec = RecallRecommendation.objects.create(
        person=person,
        created_by=practitioner,
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
        criteria={"i": "Drinking as before the index offence."},
        current_behaviours=["alcohol"],
        causal_link="Drinking, as at the index offence.",
    )
    return Dossier.objects.create(
        recommendation=rec, kind=Kind.DOSSIER, version=1, requested_by=practitioner
    )


def test_the_build_query_count_does_not_grow_with_concerns(team, practitioner):
    def build_queries(count: int) -> tuple[int, Dossier]:
        dossier = _case_with_concerns(team, practitioner, count)
        with CaptureQueriesContext(connection) as queries:
            assert dossiers.dossier_build(dossier.pk)
        dossier.refresh_from_db()
        return len(queries), dossier

    one, small = build_queries(1)
    many, large = build_queries(200)
    assert one == many, f"{one} queries for 1 concern, {many} for 200"
    assert one <= 25
    assert large.pages is not None and small.pages is not None and large.pages > small.pages
    text = pdf_text(bytes(large.pdf))
    assert "200 concerns recorded" in text
    assert "Concern number 0:" in text and "Concern number 199:" in text


# ---------------------------------------------------------------------------------------------
# A real worker


@pytest.fixture(scope="module")
def dossier_worker(django_db_setup) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery worker` on the test database, as in tests/test_celery.py, that also
    imports recall.dossiers (``-I``) so it knows the build task whichever tasks modules the
    app discovers."""
    url = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.test",
        "DATABASE_URL": urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}")),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ippcase",
            "worker",
            "-I",
            "recall.dossiers",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-n",
            "pytest-dossiers@%h",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_a_requested_dossier(
    dossier_worker, team, practitioner, manager, ppcs
):
    aco = factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)
    person = factories.make_case(
        team,
        recalled=False,
        released=factories.recently_released(),
        first_name="Lee",
        last_name="Hart",
    )
    rec = _authorise(_submitted(person, practitioner, manager, aco), ppcs)
    dossier = dossiers.dossier_request(rec_id=rec.pk, kind=Kind.DOSSIER, actor=ppcs)
    deadline = time.monotonic() + 90
    while not Dossier.objects.filter(pk=dossier.pk, state=State.READY).exists():
        assert time.monotonic() < deadline, "the worker did not build the dossier"
        assert dossier_worker.poll() is None, "the worker died"
        time.sleep(0.25)
    dossier.refresh_from_db()
    text = pdf_text(bytes(dossier.pdf))
    assert person.crn in text and CONCERN_TEXT in text and "OFFICIAL-SENSITIVE" in text
    assert dossier.requested_by == ppcs and dossier.pages
    assert dossiers.build_dossier(dossier.pk) is False  # already built: nothing twice


@pytest.mark.parametrize(
    ("sentence_type", "serving", "rarr"),
    [
        ("IPP", "a sentence of imprisonment for public protection (IPP)", True),
        ("DPP", "a sentence of detention for public protection (DPP)", True),
        ("LIFE", "a life sentence", False),
        ("EDS", "an extended determinate sentence (EDS)", False),
    ],
)
def test_the_letter_names_the_persons_sentence_and_rarr_only_where_the_law_gives_it(
    team,
    practitioner,
    manager,
    aco,
    ppcs,
    django_capture_on_commit_callbacks,
    sentence_type,
    serving,
    rarr,
):
    person = factories.make_case(
        team, recalled=False, released=factories.recently_released(), first_name="Kai"
    )
    person.sentence.sentence_type = sentence_type
    person.sentence.save()
    rec = _authorise(_submitted(person, practitioner, manager, aco), ppcs)
    letter = _request_and_build(
        rec, Kind.PRISONER_LETTER, practitioner, django_capture_on_commit_callbacks
    )
    text = " ".join(pdf_text(bytes(letter.pdf)).split())
    assert f"You are serving {serving}." in text
    assert ("risk-assessed recall review" in text) is rarr
    others = {"IPP", "DPP", "EDS"} - {sentence_type}
    assert not any(f"({other})" in text for other in others)


def test_every_pdf_shares_one_font_configuration(monkeypatch):
    """Issue 18, worker memory: WeasyPrint is given the process's one font configuration, not
    left to make a new one (fontconfig and a pango font map, kept by the C libraries) per PDF."""
    from weasyprint import HTML

    seen = []
    real = HTML.render

    def spy(self, *args, **kwargs):
        seen.append(kwargs["font_config"] if "font_config" in kwargs else args[0])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "render", spy)
    dossiers.pdf_from_html("<p>One</p>")
    dossiers.pdf_from_html("<p>Two</p>")
    assert len(seen) == 2
    assert seen[0] is not None and seen[0] is seen[1]
