"""The recall request (Part A): its sections on the recommendation's task list (saved,
validated, prefilled, with their findings), sending refused until they are saved, and its PDF,
requested on the ACO's countersignature and on resubmission, downloaded by PPCS."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ippcase import vocab as case_vocab
from recall import dossiers, entries, services
from recall.evidence import services as evidence_services
from recall.evidence.checks import check_upload
from recall.models import Dossier, RecallRecommendation
from recall.vocab import DossierKind as Kind
from recall.vocab import DossierState as State
from recall.vocab import RecommendationStatus as Status
from tests import evidence_files, factories
from tests.conftest import client_for
from tests.test_recall_services import CONFIRM, _send, _sign

ADDRESS = "12 Canal Street, Leeds LS1 4AB"
VULNERABILITY_DETAILS = "Self-harmed in custody in 2019; takes sertraline."
SPO_RATIONALE = "Risk is imminent and the police agree."
ACO_RATIONALE = "Recall agreed: alternatives exhausted."


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)


@pytest.fixture
def case(team):
    """Lee Hart on licence (MAPPA category 1, level 2) with the Part A's facts of the case."""
    person = factories.make_case(
        team,
        recalled=False,
        released=factories.recently_released(),
        first_name="Lee",
        last_name="Hart",
        mappa_category=1,
        mappa_level=2,
    )
    person.address = ADDRESS
    person.iom = case_vocab.YesNoUnknown.YES
    person.vulnerability_types = ["suicide_self_harm", "mental_health"]
    person.vulnerabilities = VULNERABILITY_DETAILS
    person.save()
    return person


def _draft(person, practitioner) -> RecallRecommendation:
    """A recall recommendation whose rule findings are all answered, its Part A not started."""
    rec = services.recommendation_start(person=person, actor=practitioner)
    rec = services.recommendation_update(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes=factories.complete_answers(),
    )
    return factories.justify_warnings(rec, practitioner, part_a=False)


@pytest.fixture
def draft(case, practitioner):
    rec = services.recommendation_start(person=case, actor=practitioner)
    return services.recommendation_update(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes=factories.complete_answers(),
    )


def _url(rec, slug: str) -> str:
    return reverse("recall:section", args=[rec.pk, slug])


def _post(client, rec, slug: str, data: dict):
    rec.refresh_from_db()
    return client.post(_url(rec, slug), {"version": rec.version, **data})


# --- the task list --------------------------------------------------------------------------


def test_part_a_sections_are_on_a_recalls_task_list(draft, practitioner):
    body = client_for(practitioner).get(reverse("recall:recommendation", args=[draft.pk]))
    text = body.content.decode()
    assert "The recall request (Part A)" in text
    for slug in ("whereabouts", "police", "risk-profile", "conditions", "victims"):
        assert _url(draft, slug) in text


def test_a_decision_not_to_recall_keeps_todays_sections(case, practitioner):
    rec = services.recommendation_start(person=case, actor=practitioner)
    rec = services.recommendation_update(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes={"recall_type": "none"},
    )
    client = client_for(practitioner)
    text = client.get(reverse("recall:recommendation", args=[rec.pk])).content.decode()
    assert "The recall request (Part A)" not in text
    assert _url(rec, "whereabouts") not in text
    assert client.get(_url(rec, "whereabouts")).status_code == 404


# --- the sections ---------------------------------------------------------------------------


def test_whereabouts_saves_and_shows_the_main_address(draft, practitioner):
    client = client_for(practitioner)
    page = client.get(_url(draft, "whereabouts")).content.decode()
    assert ADDRESS in page
    assert reverse("change_person_details", kwargs={"crn": draft.person.crn}) in page
    response = _post(
        client,
        draft,
        "whereabouts",
        {
            "custody_status": "at_large",
            "found_at_main_address": "no",
            "other_addresses": "His sister's, 4 Mill Lane",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.custody_status == "at_large"
    assert draft.found_at_main_address is False
    assert draft.other_addresses == "His sister's, 4 Mill Lane"
    assert "whereabouts" in draft.sections_saved


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"custody_status": "at_large", "found_at_main_address": "no", "other_addresses": ""},
            "Enter the other addresses where the person may be found",
        ),
        (
            {"custody_status": "police", "custody_details": " ", "found_at_main_address": "yes"},
            "Enter where the person is held",
        ),
        ({"found_at_main_address": "yes"}, "Select whether the person is in custody now"),
    ],
)
def test_whereabouts_refusals_change_nothing(draft, practitioner, data, message):
    draft.refresh_from_db()
    before = draft.version
    response = _post(client_for(practitioner), draft, "whereabouts", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.content.decode().count("<title>Error: ") == 1
    draft.refresh_from_db()
    assert draft.version == before and draft.custody_status == ""
    assert "whereabouts" not in draft.sections_saved


def test_police_section_needs_details_of_arrest_issues(draft, practitioner):
    client = client_for(practitioner)
    data = {
        "police_contact_name": "PC Dana Reid",
        "police_contact_phone": "0113 496 0000",
        "police_contact_email": "dana.reid@police.example",
        "arrest_issues": "yes",
        "contraband_risk": "no",
    }
    refused = _post(client, draft, "police", data)
    assert "Enter the details of the arrest issues" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.police_contact_name == "" and draft.arrest_issues is None
    assert (
        _post(client, draft, "police", {**data, "arrest_issues_details": "Two dogs"}).status_code
        == 302
    )
    draft.refresh_from_db()
    assert draft.police_contact_name == "PC Dana Reid"
    assert draft.arrest_issues is True and draft.arrest_issues_details == "Two dogs"
    assert draft.contraband_risk is False and "police" in draft.sections_saved


def test_risk_profile_shows_the_case_and_needs_the_confirmation(draft, practitioner):
    client = client_for(practitioner)
    page = client.get(_url(draft, "risk-profile")).content.decode()
    for shown in (
        "Risk of suicide or self-harm",
        "Mental health concerns",
        VULNERABILITY_DETAILS,
        "Category 1, level 2",
    ):
        assert shown in page
    assert reverse("change_risk", kwargs={"crn": draft.person.crn}) in page
    assert reverse("change_circumstances", kwargs={"crn": draft.person.crn}) in page
    refused = _post(client, draft, "risk-profile", {})
    assert "Confirm you have checked these are up to date" in refused.content.decode()
    draft.refresh_from_db()
    assert "risk-profile" not in draft.sections_saved
    assert _post(client, draft, "risk-profile", {"checked": "on"}).status_code == 302
    draft.refresh_from_db()
    assert "risk-profile" in draft.sections_saved


def test_conditions_breached_are_prefilled_from_linked_concerns(draft, practitioner):
    person = draft.person
    condition = person.licence_conditions.get()
    entries.concern_add(
        person=person,
        actor=practitioner,
        occurred_on=timezone.localdate() - dt.timedelta(days=4),
        description="Missed curfew at the AP twice.",
        source="ap_staff",
        behaviours=[],
        conditions=[condition],
    )
    struck = entries.concern_add(
        person=person,
        actor=practitioner,
        occurred_on=timezone.localdate() - dt.timedelta(days=2),
        description="Entered in error.",
        source="ap_staff",
        behaviours=[],
        conditions=[condition],
    )
    struck.struck_out_at, struck.struck_out_by = timezone.now(), practitioner
    struck.struck_out_reason = "Wrong person."
    struck.save()
    client = client_for(practitioner)
    page = client.get(_url(draft, "conditions")).content.decode()
    assert "Missed curfew at the AP twice." in page
    assert "Entered in error." not in page
    assert f'name="breached_{condition.pk}" type="checkbox" value="on" checked' in page
    refused = _post(client, draft, "conditions", {f"breached_{condition.pk}": "on"})
    assert "Describe how the condition was breached" in refused.content.decode()
    response = _post(
        client,
        draft,
        "conditions",
        {f"breached_{condition.pk}": "on", f"how_{condition.pk}": "Missed curfew twice."},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.conditions_breached == {str(condition.pk): "Missed curfew twice."}


def test_a_condition_not_in_force_or_of_another_person_is_refused(draft, practitioner, team):
    ended = factories.LicenceConditionFactory(
        person=draft.person, start_date=dt.date(2015, 1, 1), end_date=dt.date(2016, 1, 1)
    )
    other = factories.LicenceConditionFactory(person=factories.make_case(team))
    for pk in (ended.pk, other.pk):
        draft.refresh_from_db()
        with pytest.raises(services.RecallError, match="in force on this person's licence"):
            services.recommendation_update(
                rec_id=draft.pk,
                actor=practitioner,
                expected_version=draft.version,
                changes={"conditions_breached": {str(pk): "Breached it."}},
                section="conditions",
            )
    draft.refresh_from_db()
    assert draft.conditions_breached == {} and "conditions" not in draft.sections_saved


def test_victims_section_shows_the_case_and_the_safety_conditions(draft, practitioner):
    person = draft.person
    person.victims_in_vcs = case_vocab.YesNoUnknown.YES
    person.victim_liaison_officer = "Sam Okafor, VLU Leeds"
    person.save()
    factories.LicenceConditionFactory(
        person=person,
        kind="additional",
        standard_code="",
        additional_code="exclusion_zone",
        text="Not to enter Harehills without approval.",
        start_date=dt.date(2024, 1, 1),
    )
    client = client_for(practitioner)
    page = client.get(_url(draft, "victims")).content.decode()
    assert "Sam Okafor, VLU Leeds" in page
    assert "Not to enter Harehills without approval." in page
    assert 'id="finding-VLO_NOT_INFORMED"' in page
    told = timezone.localdate() - dt.timedelta(days=1)
    response = _post(
        client,
        draft,
        "victims",
        {
            "vlo_informed_on-day": told.day,
            "vlo_informed_on-month": told.month,
            "vlo_informed_on-year": told.year,
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.vlo_informed_on == told
    assert (
        'id="finding-VLO_NOT_INFORMED"' not in client.get(_url(draft, "victims")).content.decode()
    )


def test_whereabouts_unknown_shows_beside_the_section_on_the_typed_answers(draft, practitioner):
    draft.refresh_from_db()
    response = client_for(practitioner).post(
        reverse("recall:section_findings", args=[draft.pk, "whereabouts"]),
        {
            "version": draft.version,
            "custody_status": "at_large",
            "found_at_main_address": "no",
            "other_addresses": "",
        },
    )
    assert 'id="finding-WHEREABOUTS_UNKNOWN"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.custody_status == ""  # the live findings never save


# --- sending ----------------------------------------------------------------------------------


def test_sending_a_recall_is_refused_until_every_part_a_section_is_saved(case, practitioner):
    rec = _draft(case, practitioner)
    services.recommendation_update(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes={
            "police_contact_name": "PC Reid",
            "arrest_issues": False,
            "contraband_risk": False,
        },
        section="police",
    )
    rec.refresh_from_db()
    response = client_for(practitioner).post(
        reverse("recall:send", args=[rec.pk]), {"version": rec.version}
    )
    text = response.content.decode()
    assert "Complete every section of the recall request (Part A)" in text
    for slug in ("whereabouts", "risk-profile", "conditions", "victims"):
        assert f'href="{_url(rec, slug)}"' in text
    assert f'href="{_url(rec, "police")}">Complete the Part A section' not in text
    before = rec.version
    rec.refresh_from_db()
    assert rec.status == Status.DRAFT and rec.version == before
    rec = factories.complete_part_a(rec, practitioner)
    assert _send(rec, practitioner).status == Status.AWAITING_SPO


# --- the PDF ----------------------------------------------------------------------------------


def _ready(person, practitioner, manager, aco) -> RecallRecommendation:
    rec = _send(
        factories.justify_warnings(_draft(person, practitioner), practitioner), practitioner
    )
    rec = _sign(rec, manager, "spo", rationale=SPO_RATIONALE)
    return dossiers.recommendation_countersign(
        rec_id=rec.pk,
        actor=aco,
        expected_version=rec.version,
        level="aco",
        decision="recall",
        rationale=ACO_RATIONALE,
        **CONFIRM,
    )


def _build(dossier: Dossier) -> Dossier:
    assert dossiers.build_dossier(dossier.pk) is True
    dossier.refresh_from_db()
    return dossier


def _text(dossier: Dossier) -> str:
    reader = PdfReader(io.BytesIO(bytes(dossier.pdf)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_acos_countersignature_requests_the_part_a(
    case, practitioner, manager, aco, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rec = _ready(case, practitioner, manager, aco)
    assert rec.status == Status.READY
    part_a = Dossier.objects.get(recommendation=rec, kind=Kind.PART_A)
    assert part_a.version == 1 and part_a.requested_by == aco and part_a.state == State.QUEUED
    assert callbacks  # the build is enqueued when the countersignature commits


def test_the_spos_countersignature_requests_nothing(case, practitioner, manager):
    rec = _send(factories.justify_warnings(_draft(case, practitioner), practitioner), practitioner)
    dossiers.recommendation_countersign(
        rec_id=rec.pk,
        actor=manager,
        expected_version=rec.version,
        level="spo",
        decision="recall",
        rationale=SPO_RATIONALE,
        **CONFIRM,
    )
    assert not Dossier.objects.filter(recommendation=rec).exists()


def test_the_part_a_pdf_reads_back_every_answer(case, practitioner, manager, aco):
    case.mappa_level, case.rosh_level = 1, "high"  # MAPPA_LEVEL_1_HIGH_ROSH: a warn to justify
    case.save()
    rec = _ready(case, practitioner, manager, aco)
    text = _text(_build(Dossier.objects.get(recommendation=rec, kind=Kind.PART_A)))
    for fact in (
        "Recall request (Part A)",
        "Lee Hart",
        case.crn,
        "12 Canal Street",  # the main address
        "4 Mill Lane",  # the other address the person gave
        factories.PART_A_POLICE_CONTACT,
        "0113 496 0000",
        "Risk of suicide or self-harm",
        "sertraline",
        "NEEDS A JUSTIFICATION",  # the findings (the tag is in capitals)…
        "MAPPA level 1",
        "Discussed with my SPO; going ahead.",  # …with their justifications
        SPO_RATIONALE,
        ACO_RATIONALE,
        "Alcohol misuse and violence mirror the index offence.",
        "No evidence has been attached.",
    ):
        assert fact in " ".join(text.split()), fact


def test_the_part_a_lists_its_evidence_and_builds(case, practitioner, manager, aco):
    """Regression (found by the browser test): the Part A's evidence list must not be taken for
    the dossier's evidence index, which the build then tried to merge."""
    rec = _ready(case, practitioner, manager, aco)
    evidence_services.evidence_add(
        rec_id=rec.pk,
        actor=practitioner,
        part="part_a",
        kind="police_report",
        document_date=timezone.localdate(),
        description="Police incident log of the threats.",
        withheld=False,
        withheld_reason="",
        checked=check_upload(evidence_files.upload("log.pdf", evidence_files.police_report(1))),
    )
    part_a = _build(Dossier.objects.get(recommendation=rec, kind=Kind.PART_A))
    assert part_a.state == State.READY
    text = " ".join(_text(part_a).split())
    assert "Police incident log of the threats." in text
    assert "No evidence has been attached." not in text


def test_resubmitting_after_more_information_requests_a_new_part_a(
    case, practitioner, manager, aco, ppcs
):
    rec = _ready(case, practitioner, manager, aco)
    rec = services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    rec = services.ppcs_decide(
        rec_id=rec.pk, actor=ppcs, outcome="info_requested", reason="Which address?"
    )
    dossiers.recommendation_resubmit(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        further_information="His sister's address is 4 Mill Lane.",
    )
    versions = Dossier.objects.filter(recommendation=rec, kind=Kind.PART_A).order_by("version")
    assert [(d.version, d.requested_by) for d in versions] == [(1, aco), (2, practitioner)]


def test_ppcs_downloads_the_latest_part_a_and_another_team_gets_404(
    case, practitioner, manager, aco, ppcs, outsider
):
    rec = _ready(case, practitioner, manager, aco)
    services.recommendation_submit(rec_id=rec.pk, actor=practitioner, expected_version=rec.version)
    part_a = _build(Dossier.objects.get(recommendation=rec, kind=Kind.PART_A))
    url = reverse("recall:dossier_download", args=[part_a.pk])
    client = client_for(ppcs)
    assert url in client.get(reverse("recall:ppcs_queue")).content.decode()
    assert url in client.get(reverse("recall:ppcs_request", args=[rec.pk])).content.decode()
    assert (
        url
        in client_for(practitioner)
        .get(reverse("recall:recommendation", args=[rec.pk]))
        .content.decode()
    )
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"recall-request-part-a-{case.crn}-v1.pdf" in response["Content-Disposition"]
    assert client_for(outsider).get(url).status_code == 404


# --- query counts -----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("slug", ["whereabouts", "risk-profile", "conditions", "victims"])
def test_part_a_sections_cost_the_same_queries_whatever_the_case(team, practitioner, slug):
    counts = []
    for size in (1, 6):
        person = factories.make_case(team, recalled=False, released=factories.recently_released())
        rec = services.recommendation_start(person=person, actor=practitioner)
        for n in range(size):
            condition = factories.LicenceConditionFactory(
                person=person, start_date=dt.date(2024, 1, 1) + dt.timedelta(days=n)
            )
            entries.concern_add(
                person=person,
                actor=practitioner,
                occurred_on=timezone.localdate() - dt.timedelta(days=n + 1),
                description=f"Concern {n}",
                source="ap_staff",
                behaviours=[],
                conditions=[condition],
            )
            factories.ReleaseFactory(person=person, date=dt.date(2010 + n, 1, 1))
        counts.append(_queries(client_for(practitioner), _url(rec, slug)))
    assert counts[0] == counts[1]


def test_the_ppcs_queue_costs_the_same_queries_with_part_a_pdfs(team, practitioner, ppcs):
    counts = []
    for size in (1, 5):
        for _ in range(size):
            person = factories.make_case(
                team, recalled=False, released=factories.recently_released()
            )
            rec = services.recommendation_start(person=person, actor=practitioner)
            RecallRecommendation.objects.filter(pk=rec.pk).update(
                status=Status.SUBMITTED, submitted_at=timezone.now()
            )
            Dossier.objects.create(
                recommendation=rec,
                kind=Kind.PART_A,
                version=1,
                requested_by=practitioner,
                state=State.READY,
                pdf=b"%PDF-1.7",
                pages=1,
            )
        counts.append(_queries(client_for(ppcs), reverse("recall:ppcs_queue")))
    assert counts[0] == counts[1]
