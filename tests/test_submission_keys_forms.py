"""Double submission (issue 18) on every create form beyond the concerns tab (those are in
``test_submission_keys.py``): each form carries a one-time key; sent twice with the same key it
records one row and the second request is given the first's result (the same redirect); a key
another user sent is refused with a clear message and nothing changes.

Each form is a :class:`Form`: who sends it, and a ``setup`` that makes the case (and anything
the form needs) and returns the page's address, the POST data for a key, and a count of the
rows the form creates."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab
from ippcase.cases.opening import answers as store
from ippcase.models import (
    Allocation,
    IndexOffence,
    LicenceCondition,
    Pdu,
    Person,
    Region,
    Release,
    SubmissionKey,
    Team,
    User,
)
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from recall import services as recall_services
from recall.models import Dossier, EvidenceDocument, RecallRecommendation, RecallReport
from tests import evidence_files as files
from tests import factories
from tests.conftest import client_for
from tests.test_case_record import _marker as record_marker
from tests.test_evidence import form as evidence_form
from tests.test_licence_record import _in_custody, _on_licence, _release_post
from tests.test_open_case import CRN, answer_all
from tests.test_recall_services import _draft_ready_to_send, _send, _sign

TODAY = timezone.localdate()
ROLE = vocab.Role


@dataclass
class Page:
    url: str
    data: Callable[[str], dict[str, Any]]  # the POST data carrying a key
    rows: Callable[[], int]  # the rows of what the form creates


@dataclass
class Form:
    name: str
    model: type[models.Model]  # what the service creates (the key's kind)
    role: str  # of the user who sends it
    setup: Callable[[Any, User, Client], Page]
    refused_status: int = 200  # the page that shows a refusal


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def _user(username: str, role: str, team: Any, **kwargs: Any) -> User:
    team = None if role in (ROLE.PPCS, ROLE.ADMIN) else team
    return factories.UserFactory(username=username, roles=[role], team=team, **kwargs)


def _submitted(team: Any, practitioner: User) -> RecallRecommendation:
    """A recommendation submitted to PPCS (countersigned by an SPO and an ACO)."""
    person = factories.make_case(
        team, recalled=False, released=factories.recently_released(), first_name="Lee"
    )
    spo = _user("spo", ROLE.MANAGER, team)
    aco = _user("aco", ROLE.SENIOR_MANAGER, team)
    rec = _send(_draft_ready_to_send(person, practitioner), practitioner)
    rec = _sign(_sign(rec, spo, "spo"), aco, "aco")
    return recall_services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )


# --- the forms -------------------------------------------------------------------------------


def _start_recommendation(team: Any, user: User, client: Client) -> Page:
    person = factories.make_case(team, recalled=False, released=factories.recently_released())
    return Page(
        reverse("recall:start", args=[person.crn]),
        lambda key: {"submission_key": key},
        lambda: RecallRecommendation.objects.filter(person=person).count(),
    )


def _start_report(team: Any, user: User, client: Client) -> Page:
    rec = _submitted(team, user)
    ppcs = _user("ppcs-caseworker", ROLE.PPCS, team)
    rec = recall_services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="authorised")
    recall_services.recall_record_return_to_custody(
        recall_id=rec.recall_id, actor=ppcs, returned_on=TODAY, prison="HMP Leeds"
    )
    return Page(
        reverse("recall:report_start", args=[rec.pk]),
        lambda key: {"submission_key": key},
        lambda: RecallReport.objects.filter(recall_id=rec.recall_id).count(),
    )


def _ask_for_a_dossier(team: Any, user: User, client: Client) -> Page:
    rec = _submitted(team, user)
    return Page(
        reverse("recall:dossiers", args=[rec.pk]),
        lambda key: {"kind": "dossier", "submission_key": key},
        lambda: Dossier.objects.filter(recommendation=rec).count(),
    )


def _add_evidence(team: Any, user: User, client: Client) -> Page:
    person = factories.make_case(team, recalled=False, released=factories.recently_released())
    rec = recall_services.recommendation_start(person=person, actor=user)
    return Page(
        reverse("recall:evidence_add", args=[rec.pk]),
        lambda key: evidence_form(files.police_report(), submission_key=key),
        lambda: EvidenceDocument.objects.filter(recommendation=rec).count(),
    )


def _open_case(team: Any, user: User, client: Client) -> Page:
    answer_all(client, team, user)
    version = client.session[store.SESSION_KEY]["version"]
    return Page(
        reverse("open_case_check"),
        lambda key: {"version": version, "submission_key": key},
        lambda: Person.objects.filter(crn=CRN).count(),
    )


def _record_release(team: Any, user: User, client: Client) -> Page:
    person = _in_custody(team)
    data = _release_post(person, dt.date(2020, 6, 1))  # the marker of the page as first shown
    return Page(
        reverse("record_release", args=[person.crn]),
        lambda key: {**data, "submission_key": key},
        lambda: Release.objects.filter(person=person).count(),
    )


def _add_condition(team: Any, user: User, client: Client) -> Page:
    person = _on_licence(team)
    return Page(
        reverse("add_condition", args=[person.crn]),
        lambda key: {
            "kind": "bespoke",
            "text": "Not to enter Leeds city centre",
            **_date("start_date", dt.date(2015, 1, 1)),
            "reason": "New licence",
            "submission_key": key,
        },
        lambda: LicenceCondition.objects.filter(person=person).count(),
    )


def _add_offence(team: Any, user: User, client: Client) -> Page:
    person = factories.make_case(team)
    url = reverse("add_offence", args=[person.crn])
    marker = record_marker(client, url)
    return Page(
        url,
        lambda key: {
            "marker": marker,
            "category": "robbery",
            "description": "Street robbery",
            "behaviours": ["weapons"],
            "principal": "no",
            "change_kind": "new_fact",
            "reason": "A further conviction added on appeal.",
            "submission_key": key,
        },
        lambda: IndexOffence.objects.filter(sentence__person=person).count(),
    )


def _transfer(team: Any, user: User, client: Client) -> Page:
    person = factories.make_case(team)
    held = factories.AllocationFactory(
        person=person, practitioner=_user("held", ROLE.PRACTITIONER, team), start_date=START
    )
    receiving = factories.TeamFactory(code="leeds-b", name="Leeds B", pdu=team.pdu)
    com = _user("asha", ROLE.PRACTITIONER, receiving)
    return Page(
        reverse("transfer_case_to_team", args=[person.crn, receiving.code]),
        lambda key: {
            "practitioner": str(com.pk),
            **_date("start_date", TODAY),
            "reason": "Moved to Leeds B's area.",
            "allocation": str(held.pk),
            "submission_key": key,
        },
        lambda: Allocation.objects.filter(person=person).count(),
    )


START = dt.date(2024, 1, 10)


def _new_region(team: Any, user: User, client: Client) -> Page:
    return Page(
        reverse("admin_region_new"),
        lambda key: {"code": "north", "name": "North", "submission_key": key},
        lambda: Region.objects.filter(code="north").count(),
    )


def _new_pdu(team: Any, user: User, client: Client) -> Page:
    region = team.pdu.region
    return Page(
        reverse("admin_pdu_new"),
        lambda key: {"region": region.pk, "code": "york", "name": "York", "submission_key": key},
        lambda: Pdu.objects.filter(code="york").count(),
    )


def _new_team(team: Any, user: User, client: Client) -> Page:
    return Page(
        reverse("admin_team_new"),
        lambda key: {
            "pdu": team.pdu.pk,
            "code": "leeds-c",
            "name": "Leeds C",
            "submission_key": key,
        },
        lambda: Team.objects.filter(code="leeds-c").count(),
    )


def _new_staff(team: Any, user: User, client: Client) -> Page:
    return Page(
        reverse("admin_staff_new"),
        lambda key: {
            "username": "new.starter",
            "first_name": "Nia",
            "last_name": "Starter",
            "email": "nia.starter@justice.example",
            "team": team.pk,
            "roles": [ROLE.PRACTITIONER],
            "submission_key": key,
        },
        lambda: User.objects.filter(username="new.starter").count(),
    )


def _parole_case(team: Any) -> tuple[Person, Any]:
    """An IPP case first released in 2014, recalled 60 days ago and back in custody."""
    person = factories.make_case(team, recalled=False, released=dt.date(2014, 5, 1))
    recall = factories.make_recall(
        person, recall_date=TODAY - dt.timedelta(days=60), returned=TODAY - dt.timedelta(days=59)
    )
    return person, recall


def _parole_refer(team: Any, user: User, client: Client) -> Page:
    person, recall = _parole_case(team)
    return Page(
        reverse("parole:refer", args=[person.crn, recall.pk]),
        lambda key: {"kind": "paper", **_date("referred_on", TODAY), "submission_key": key},
        lambda: ParoleReview.objects.filter(recall=recall).count(),
    )


def _parole_delay(team: Any, user: User, client: Client) -> Page:
    person, recall = _parole_case(team)
    review = ParoleReview.objects.create(
        recall=recall,
        kind="oral",
        referred_on=TODAY - dt.timedelta(days=50),
        hearing_date=TODAY + dt.timedelta(days=3),
    )
    return Page(
        reverse("parole:delay_add", args=[person.crn, review.pk]),
        lambda key: {
            "kind": "adjournment",
            **_date("date", TODAY - dt.timedelta(days=2)),
            "reason": "Report not ready",
            "submission_key": key,
        },
        lambda: Adjournment.objects.filter(review=review).count(),
    )


def _parole_rarr(team: Any, user: User, client: Client) -> Page:
    person, recall = _parole_case(team)
    return Page(
        reverse("parole:rarr", args=[person.crn, recall.pk]),
        lambda key: {
            **_date("decided_on", TODAY),
            "outcome": "release",
            "rationale": "Risk manageable",
            "submission_key": key,
        },
        lambda: RiskAssessedRecallReview.objects.filter(recall=recall).count(),
    )


def _parole_re_release(team: Any, user: User, client: Client) -> Page:
    person, recall = _parole_case(team)
    ParoleReview.objects.create(
        recall=recall,
        kind="paper",
        referred_on=TODAY - dt.timedelta(days=50),
        decided_on=TODAY - dt.timedelta(days=10),
        outcome="release",
    )
    return Page(
        reverse("parole:re_release", args=[person.crn, recall.pk]),
        lambda key: {
            **_date("released_on", TODAY),
            "prison": "HMP Hull",
            "approved_premises": "yes",
            "submission_key": key,
        },
        lambda: Release.objects.filter(person=person, date=TODAY).count(),
    )


def _parole_termination(team: Any, user: User, client: Client) -> Page:
    person, _recall = _parole_case(team)
    return Page(
        reverse("parole:termination_refer", args=[person.crn]),
        lambda key: {**_date("referred_on", TODAY - dt.timedelta(days=3)), "submission_key": key},
        lambda: TerminationReferral.objects.filter(person=person).count(),
    )


FORMS = [
    Form("recommendation_start", RecallRecommendation, ROLE.PRACTITIONER, _start_recommendation),
    Form("report_start", RecallReport, ROLE.PRACTITIONER, _start_report),
    Form("dossier_request", Dossier, ROLE.PRACTITIONER, _ask_for_a_dossier, refused_status=400),
    Form("evidence_add", EvidenceDocument, ROLE.PRACTITIONER, _add_evidence),
    Form("open_case", Person, ROLE.PRACTITIONER, _open_case),
    Form("record_release", Release, ROLE.PRACTITIONER, _record_release),
    Form("add_condition", LicenceCondition, ROLE.PRACTITIONER, _add_condition),
    Form("add_offence", IndexOffence, ROLE.PRACTITIONER, _add_offence),
    Form("transfer_case", Allocation, ROLE.MANAGER, _transfer),
    Form("region_create", Region, ROLE.ADMIN, _new_region),
    Form("pdu_create", Pdu, ROLE.ADMIN, _new_pdu),
    Form("team_create", Team, ROLE.ADMIN, _new_team),
    Form("staff_create", User, ROLE.ADMIN, _new_staff),
    Form("parole_refer", ParoleReview, ROLE.PPCS, _parole_refer),
    Form("parole_delay_add", Adjournment, ROLE.PRACTITIONER, _parole_delay),
    Form("parole_rarr", RiskAssessedRecallReview, ROLE.PPCS, _parole_rarr),
    # The re-release's key names the recall it closes (the service returns the recall).
    Form("parole_re_release", factories.models.Recall, ROLE.PRACTITIONER, _parole_re_release),
    Form("parole_termination_refer", TerminationReferral, ROLE.PPCS, _parole_termination),
]


@pytest.fixture(params=FORMS, ids=[f.name for f in FORMS])
def form(request: pytest.FixtureRequest) -> Form:
    return request.param


def test_every_form_is_rendered_with_a_key(form: Form, team: Any) -> None:
    """The page that carries the form (or its GET) has the hidden key, fresh on each load."""
    user = _user("first", form.role, team)
    client = client_for(user)
    page = form.setup(team, user, client)
    if form.name == "dossier_request" or form.name in ("recommendation_start", "report_start"):
        shown = {
            "dossier_request": page.url,
            "recommendation_start": page.url.replace("/recall/start/", "/recall/"),
            "report_start": page.url.replace("/report/start/", "/report/"),
        }[form.name]
    else:
        shown = page.url
    first, second = client.get(shown), client.get(shown)
    assert first.status_code == second.status_code == 200

    def key(response: Any) -> str:
        html = response.content.decode()
        assert 'name="submission_key"' in html, "the form has no one-time key"
        return html.split('name="submission_key" value="')[1].split('"')[0]

    assert key(first) != key(second)
    uuid.UUID(key(first))


def test_the_same_form_sent_twice_records_once(form: Form, team: Any) -> None:
    user = _user("first", form.role, team)
    client = client_for(user)
    page = form.setup(team, user, client)
    before = page.rows()
    key = str(uuid.uuid4())
    first = client.post(page.url, page.data(key))
    assert first.status_code == 302, first.content.decode()[:3000]
    assert page.rows() == before + 1
    second = client.post(page.url, page.data(key))
    assert second.status_code == 302, second.content.decode()[:3000]
    assert second["Location"] == first["Location"]
    assert page.rows() == before + 1
    stored = SubmissionKey.objects.get(pk=key)
    assert (stored.user_id, stored.kind) == (user.pk, form.model._meta.label_lower)


def test_a_key_another_user_sent_is_refused_and_changes_nothing(form: Form, team: Any) -> None:
    user = _user("first", form.role, team)
    client = client_for(user)
    page = form.setup(team, user, client)
    before = page.rows()
    key = uuid.uuid4()
    # As another user's submission of the same form leaves it.
    other = _user("other", form.role, team)
    SubmissionKey.objects.create(
        key=key, user=other, kind=form.model._meta.label_lower, object_id=10**9
    )
    response = client.post(page.url, page.data(str(key)))
    assert response.status_code == form.refused_status, response.content.decode()[:3000]
    assert "This form was already sent" in response.content.decode()
    assert page.rows() == before
    assert SubmissionKey.objects.get(pk=key).user_id == other.pk
