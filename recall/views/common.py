"""What several areas of the recall pages share: access to a recommendation (404 when the case
is out of view, 403 when in view but not the user's), the case header, and what more than one
page shows (the answers and findings read-only, the report deadline)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from ippcase.cases.pages import WORK_ON_CASE, case_header
from ippcase.core.http import AppRequest, mark_case_viewed
from ippcase.models import Person, Recall, User
from ippcase.vocab import Behaviour
from recall import deadlines, forms, meeting_records, reminders, rules, selectors, vocab
from recall.models import RecallRecommendation

Status = vocab.RecommendationStatus
Level = vocab.SignatureLevel

# The countersignature a recommendation is waiting for, by its status.
OVERSIGHT_LEVELS: dict[str, Level] = {
    Status.AWAITING_SPO: Level.SPO,
    Status.AWAITING_ACO: Level.ACO,
}

BEHAVIOUR_LABELS: dict[str, str] = dict(Behaviour.choices)


def header(request: AppRequest, person: Person, tab: str) -> dict[str, Any]:
    """The case header of a recall page, the case's work tabs shown: the case team reach these
    pages. A duty manager countersigning from another PDU sees them too (as before the views were
    split), though those tabs refuse them."""
    return case_header(request, person, tab, can_work_on_case=True)


# ---------------------------------------------------------------------------------------------
# Access to a recommendation


def oversight_level(rec: RecallRecommendation) -> Level | None:
    return OVERSIGHT_LEVELS.get(rec.status)


def may_countersign(user: User, rec: RecallRecommendation) -> bool:
    level = oversight_level(rec)
    return level is not None and user.has_perm(f"recall.countersign_{level}", rec)


def load_recommendation(request: AppRequest, rec_id: int) -> RecallRecommendation:
    """The recommendation with its context if the user may see it: the case team, or a manager
    who may countersign it (a duty manager from another PDU, out of hours only). 404 when the
    case is out of view."""
    try:
        rec = selectors.recommendation_with_context(rec_id)
    except RecallRecommendation.DoesNotExist:
        raise Http404("No such recommendation.") from None
    user = request.user
    if user.has_perm(WORK_ON_CASE, rec.person) or may_countersign(user, rec):
        mark_case_viewed(request, rec.person)
        return rec
    if user.has_perm("ippcase.view_person", rec.person):
        raise PermissionDenied
    raise Http404("No such recommendation.")


def require_editor(request: AppRequest, rec: RecallRecommendation) -> None:
    if not request.user.has_perm("recall.edit_recommendation", rec):
        raise PermissionDenied


def posted_version(request: AppRequest) -> int | None:
    """The version of the recommendation the posted page showed (None if missing or bad)."""
    form = forms.VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


# ---------------------------------------------------------------------------------------------
# Shown on more than one page


def conditions_in_force(person: Person) -> list[Any]:
    today = timezone.localdate()
    return [c for c in person.licence_conditions.all() if c.in_force_on(today)]


def behaviour_label(code: str) -> str:
    return str(BEHAVIOUR_LABELS.get(code, code))


def index_behaviours(rec: RecallRecommendation) -> list[str]:
    sentence = getattr(rec.person, "sentence", None)
    if sentence is None:
        return []
    return sorted({b for o in sentence.offences.all() for b in o.behaviours})


def finding_rows(rec: RecallRecommendation, findings: list[rules.Finding]) -> list[dict[str, Any]]:
    return [{"finding": f, "justification": rec.acknowledgements.get(f.code, "")} for f in findings]


def facts_summary(rec: RecallRecommendation) -> dict[str, Any]:
    person = rec.person
    sentence = getattr(person, "sentence", None)
    return {
        "sentence": sentence.get_sentence_type_display() if sentence else "Not recorded",
        "rosh": person.get_rosh_level_display() or "Not recorded",
        "mappa": (
            f"Category {person.mappa_category}, level {person.mappa_level}"
            if person.mappa_level
            else "Not managed under MAPPA"
        ),
    }


def answers(rec: RecallRecommendation) -> dict[str, Any]:
    """The recommendation's answers, read-only (templates/recall/_answers.html): the oversight
    page and the PPCS request page."""
    index = index_behaviours(rec)
    statuses = dict(vocab.AlternativeStatus.choices)
    return {
        "facts": facts_summary(rec),
        "index_behaviours": [behaviour_label(b) for b in index],
        "current_behaviours": [(behaviour_label(b), b in index) for b in rec.current_behaviours],
        "alternatives": [
            (
                vocab.ALTERNATIVE_LABELS.get(k, k),
                statuses.get((rec.alternatives.get(k) or {}).get("status", ""), "Not answered"),
                (rec.alternatives.get(k) or {}).get("details", ""),
            )
            for k in forms.alternative_keys(rec)
        ],
        "criteria": [(forms.CRITERIA_LABELS[k], v) for k, v in sorted(rec.criteria.items())],
        "meetings": meeting_records.records_for(rec),
    }


def report_deadline(
    recall: Recall | None, cal: deadlines.Calendar | None = None
) -> deadlines.DeadlineStatus | None:
    """The report deadline of a recall (due date, working days left, badge), or None. ``cal``:
    the working-day calendar, when the caller has it already (one query to read)."""
    if recall is None:
        return None
    return reminders.recall_deadline(recall, calendar=cal or reminders.calendar())


def charge_outcome_form_for(rec: RecallRecommendation) -> forms.ChargeOutcomeForm:
    return forms.ChargeOutcomeForm(initial={"charge_outcome": rec.charge_outcome})
