"""The case history (issue 12): every audited change of a case — the case itself, concerns and
actions, the recall recommendation and its oversight, PPCS's decisions, dossiers, parole and
licence work — one line each, in words a practitioner reads, newest first, with who and when."""

from __future__ import annotations

import datetime as dt
import re

import pghistory
import pytest
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab
from ippcase.cases import history
from ippcase.models import Recall
from parole import services as parole_services
from recall import dossiers
from recall import entries as recall_entries
from recall import services as recall_services
from tests import factories
from tests.conftest import client_for
from tests.test_recall_services import _draft_ready_to_send, _send, _sign

SPO_RATIONALE = "Risk is imminent: drinking again and threats to his former partner."
ACO_RATIONALE = "Agree with the SPO; the community plan has run out of options."
ADJOURNED_BECAUSE = "The psychology report was not ready."
RARR_RATIONALE = "Risk now manageable in approved premises."


def _user(username: str, first: str, last: str, role: str, team) -> object:
    return factories.UserFactory(
        username=username, first_name=first, last_name=last, roles=[role], team=team
    )


@pytest.fixture
def journey(team, django_capture_on_commit_callbacks):
    """A person through the whole journey, every step through its service, by named people:
    concern, action, recommendation sent, SPO and ACO countersignatures, submission, PPCS
    authorisation, return to custody, two dossier requests, a paper review directing an oral
    hearing, an adjournment, a RARR re-release and a licence termination referral."""
    com = _user("asha", "Asha", "Khan", vocab.Role.PRACTITIONER, team)
    spo = _user("dylan", "Dylan", "Reynolds", vocab.Role.MANAGER, team)
    aco = _user("morgan", "Morgan", "Lee", vocab.Role.SENIOR_MANAGER, team)
    ppcs = _user("tunde", "Tunde", "Harris", vocab.Role.PPCS, None)
    rarr_ppcs = _user("grace", "Grace", "Obi", vocab.Role.PPCS, None)
    today = timezone.localdate()
    # First released four years ago: past the qualifying date, so it can be referred.
    person = factories.make_case(
        team,
        recalled=False,
        released=today - dt.timedelta(days=4 * 365 + 1),
        first_name="Lee",
        last_name="Hart",
    )

    recall_entries.concern_add(
        person=person,
        actor=com,
        occurred_on=today - dt.timedelta(days=3),
        description="Arrested for being drunk and disorderly.",
        source="police_intelligence",
        behaviours=["alcohol"],
    )
    recall_entries.action_add(
        person=person,
        actor=com,
        kind="warning_letter",
        taken_on=today - dt.timedelta(days=2),
        details="Final warning about drinking.",
    )
    rec = _send(_draft_ready_to_send(person, com), com)
    rec = _sign(rec, spo, "spo", rationale=SPO_RATIONALE)
    rec = _sign(rec, aco, "aco", rationale=ACO_RATIONALE)
    rec = recall_services.recommendation_submit(
        rec_id=rec.pk, actor=com, expected_version=rec.version
    )
    rec = recall_services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="authorised")
    recall_services.recall_record_return_to_custody(
        recall_id=rec.recall_id, actor=ppcs, returned_on=today, prison="HMP Leeds"
    )
    with django_capture_on_commit_callbacks(execute=False):
        dossiers.dossier_request(rec_id=rec.pk, kind="dossier", actor=ppcs)
        dossiers.dossier_request(rec_id=rec.pk, kind="dossier", actor=ppcs)
    paper = parole_services.review_refer(
        recall_id=rec.recall_id, actor=com, kind="paper", referred_on=today
    )
    parole_services.review_decide(
        review_id=paper.pk, actor=com, decided_on=today, outcome="oral_hearing"
    )
    oral = Recall.objects.get(pk=rec.recall_id).parole_reviews.get(kind="oral")
    parole_services.delay_add(
        review_id=oral.pk,
        actor=com,
        kind="adjournment",
        date=today,
        reason=ADJOURNED_BECAUSE,
    )
    parole_services.rarr_record(
        recall_id=rec.recall_id,
        actor=rarr_ppcs,
        decided_on=today,
        outcome="release",
        rationale=RARR_RATIONALE,
    )
    parole_services.record_re_release(
        recall_id=rec.recall_id, actor=rarr_ppcs, released_on=today, prison="HMP Leeds"
    )
    parole_services.termination_refer(person_id=person.pk, actor=ppcs, referred_on=today)
    return person, com


def _history_table(body: str) -> str:
    start = body.index('<table class="govuk-table"')
    return body[start : body.index("</table>", start)]


def test_the_whole_journey_reads_as_one_line_each(journey):
    person, _com = journey
    lines = [f"{line.who} | {line.text}" for line in history.case_history(person)]
    text = "\n".join(lines)
    expected = [
        "Asha Khan (COM) | Concern recorded (",
        "Arrested for being drunk and disorderly.",
        "Asha Khan (COM) | Action short of recall recorded: Warning letter",
        "Final warning about drinking.",
        "Asha Khan (COM) | Recall recommendation started",
        "Asha Khan (COM) | Recall recommendation sent for countersignature",
        f"Dylan Reynolds (SPO) countersigned: recall. Rationale: {SPO_RATIONALE}",
        f"Morgan Lee (ACO) countersigned: recall. Rationale: {ACO_RATIONALE}",
        "Asha Khan (COM) | Recall request submitted to PPCS",
        "Tunde Harris (PPCS) | Tunde Harris (PPCS) authorised the recall",
        "Tunde Harris (PPCS) | Recalled on ",
        "Tunde Harris (PPCS) | Returned to custody on ",
        "Tunde Harris (PPCS) | Dossier requested (version 1)",
        "Tunde Harris (PPCS) | Dossier requested (version 2)",
        "Asha Khan (COM) | Referred to the Parole Board for a paper review",
        "Asha Khan (COM) | Parole Board paper review recorded: outcome directed to an oral hearing",
        "Asha Khan (COM) | Referred to the Parole Board for an oral hearing",
        f"Asha Khan (COM) | Adjournment recorded on {history.long_date(timezone.localdate())}. "
        f"Reason: {ADJOURNED_BECAUSE}",
        "Grace Obi (PPCS) | Risk-assessed recall review: re-release (decided ",
        f"Rationale: {RARR_RATIONALE}",
        f"Grace Obi (PPCS) | Re-released on {history.long_date(timezone.localdate())}",
        "Grace Obi (PPCS) | Released on licence from HMP Leeds on "
        f"{history.long_date(timezone.localdate())}",
        "Tunde Harris (PPCS) | Licence termination referral to the Parole Board on ",
    ]
    missing = [e for e in expected if e not in text]
    assert not missing, f"missing {missing} in:\n{text}"
    # newest first: the last thing done is at the top, the first concern near the bottom
    assert lines[0].startswith("Tunde Harris (PPCS) | Licence termination referral")
    assert lines.index(next(x for x in lines if "Concern recorded" in x)) > lines.index(
        next(x for x in lines if "authorised the recall" in x)
    )
    # one line per step: no line repeats, and the status changes the oversight and the
    # decision already tell are not told twice
    assert len(lines) == len(set(lines))
    assert sum("authorised" in x for x in lines) == 1
    assert sum("countersigned" in x for x in lines) == 2


def test_the_history_page_has_no_raw_data(journey, other_team_same_pdu):
    person, com = journey
    with pghistory.context(user=com.pk):
        person.rosh_level = vocab.RoshLevel.VERY_HIGH
        person.date_of_birth = dt.date(1981, 3, 3)
        person.team = other_team_same_pdu
        person.save()
    com.team = other_team_same_pdu
    com.save()
    body = client_for(com).get(reverse("person_history", args=[person.crn])).content.decode()
    table = _history_table(body)
    for raw in ("{", "}", "pgh_", "updated_at", "_id", "None", "[", "'"):
        assert raw not in table, raw
    assert not re.search(r"\d{4}-\d{2}-\d{2}", table), "an ISO date or timestamp"
    without_dossiers = re.sub(r"Dossier requested \(version \d\)", "", table)
    assert "version" not in without_dossiers.lower()
    assert "Person details changed" in table
    assert "<strong>RoSH level</strong>: High → Very high" in table
    assert "<strong>Date of birth</strong>: 15 June 1980 → 3 March 1981" in table
    assert "<strong>Team</strong>: Leeds A → Leeds B" in table
    assert f"{SPO_RATIONALE}" in table and ADJOURNED_BECAUSE in table
    assert "Dylan Reynolds (SPO) countersigned: recall." in table
    assert timezone.localdate().strftime("%B %Y") in table  # when, in words


def test_the_history_keeps_a_recall_stopped_before_the_return_to_custody(practitioner, person):
    release = person.releases.order_by("date").first()
    recall_date = release.recall.recall_date
    release.recall.delete()
    texts = [line.text for line in history.case_history(person)]
    assert f"Recall of {history.long_date(recall_date)} withdrawn before the return to custody" in (
        texts
    )
    assert f"Recalled on {history.long_date(recall_date)}. Reasons: Non-compliance" in texts


def test_allocations_and_conditions_and_imports_read_in_words(practitioner, person):
    com = factories.UserFactory(username="com2", first_name="Sam", last_name="Jones", team=None)
    with pghistory.context(actor="import"):
        allocation = factories.AllocationFactory(
            person=person, practitioner=com, start_date=dt.date(2025, 3, 3)
        )
    with pghistory.context(user=practitioner.pk):
        allocation.end_date = dt.date(2025, 4, 1)
        allocation.save()
    lines = history.case_history(person)
    pairs = [(line.who, line.text) for line in lines]
    assert ("Case import", "Case allocated to Sam Jones from 3 March 2025") in pairs
    assert (
        f"{practitioner.display_name} (COM)",
        "Allocation to Sam Jones ended on 1 April 2025",
    ) in pairs
    assert any(t.startswith("Licence condition added: ") for _, t in pairs)
    assert any(t.startswith("Released on licence from HMP Leeds on 1 May 2014") for _, t in pairs)
