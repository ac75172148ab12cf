"""Who may see and do what: the one place where access is decided.

Object checks are ``rules`` predicates (``user.has_perm("ippcase.view_person", person)``);
list pages use :func:`visible_people`, which applies the same scoping as a queryset filter.
Keep the two side by side so they cannot drift apart; docs/permissions.md describes them.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Exists, OuterRef, Q, QuerySet

from .vocab import Role


def _roles(user: Any) -> list[str]:
    return list(getattr(user, "roles", None) or []) if user.is_authenticated else []


@rules.predicate
def is_practitioner(user: Any) -> bool:
    return Role.PRACTITIONER in _roles(user)


@rules.predicate
def is_manager(user: Any) -> bool:
    return Role.MANAGER in _roles(user)


@rules.predicate
def is_senior_manager(user: Any) -> bool:
    return Role.SENIOR_MANAGER in _roles(user)


@rules.predicate
def is_ppcs(user: Any) -> bool:
    return Role.PPCS in _roles(user)


@rules.predicate
def is_admin(user: Any) -> bool:
    return Role.ADMIN in _roles(user)


has_any_role = is_practitioner | is_manager | is_senior_manager | is_ppcs | is_admin


@rules.predicate
def person_in_own_team(user: Any, person: Any) -> bool:
    return user.team_id is not None and person.team_id == user.team_id


@rules.predicate
def person_in_own_pdu(user: Any, person: Any) -> bool:
    return user.team_id is not None and person.team.pdu_id == user.team.pdu_id


# Recommendation statuses that make a person PPCS work (submitted to PPCS, or decided by it).
PPCS_STATUSES = ("submitted", "info_requested", "authorised", "rejected", "rescinded")


def _ppcs_work() -> Q:
    """People with a recommendation submitted to PPCS, with a recall in their history, or with
    licence termination work: PPCS refers every IPP/DPP licence past its qualifying date to the
    Parole Board and decides on suspending supervision (docs/parole.md)."""
    from parole.models import SupervisionSuspension, TerminationReferral
    from parole.selectors import qualifying_release_cutoffs
    from recall.models import RecallRecommendation

    from .models import Release

    has_recall = Exists(Release.objects.filter(person=OuterRef("pk"), recall__isnull=False))
    submitted = Exists(
        RecallRecommendation.objects.filter(person=OuterRef("pk"), status__in=PPCS_STATUSES)
    )
    termination = Q(Exists(TerminationReferral.objects.filter(person=OuterRef("pk")))) | Q(
        Exists(SupervisionSuspension.objects.filter(person=OuterRef("pk")))
    )
    qualified = Q(pk__in=[])
    for sentence_type, cutoff in qualifying_release_cutoffs().items():
        qualified |= Q(sentence__sentence_type=sentence_type) & Q(
            Exists(Release.objects.filter(person=OuterRef("pk"), date__lte=cutoff))
        )
    return Q(has_recall) | Q(submitted) | termination | qualified


@rules.predicate
def person_has_submitted_recall(user: Any, person: Any) -> bool:
    return bool(type(person).objects.filter(_ppcs_work(), pk=person.pk).exists())


can_view_person = (
    is_admin
    | (is_practitioner & person_in_own_team)
    | ((is_manager | is_senior_manager) & person_in_own_pdu)
    | (is_ppcs & person_has_submitted_recall)
)

rules.add_perm("ippcase.use_app", has_any_role)
rules.add_perm("ippcase.view_person", can_view_person)
rules.add_perm("ippcase.view_case_history", can_view_person)
# Read audit (issue 7): who viewed a case is for the senior managers of the person's PDU and
# administrators; everyone else who can see the case gets 403 (out of scope: 404).
rules.add_perm("ippcase.view_case_views", is_admin | (is_senior_manager & person_in_own_pdu))
# The email outbox's failed and retrying notifications, and trying one again: administrators.
rules.add_perm("ippcase.manage_notifications", is_admin)


def visible_people(user: Any, qs: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """The people ``user`` may see: the queryset twin of :data:`can_view_person`."""
    from .models import Person

    qs = Person.objects.all() if qs is None else qs
    roles = _roles(user)
    if Role.ADMIN in roles:
        return qs
    scope = Q(pk__in=[])
    if Role.PRACTITIONER in roles and user.team_id is not None:
        scope |= Q(team_id=user.team_id)
    if (Role.MANAGER in roles or Role.SENIOR_MANAGER in roles) and user.team_id is not None:
        scope |= Q(team__pdu_id=user.team.pdu_id)
    if Role.PPCS in roles:
        scope |= _ppcs_work()
    return qs.filter(scope)


# ---------------------------------------------------------------------------------------------
# Recall decision (objects: a Person for concerns and actions; a RecallRecommendation otherwise)

can_work_on_case = (is_practitioner & person_in_own_team) | (
    (is_manager | is_senior_manager) & person_in_own_pdu
)


@rules.predicate
def _rec_person_in_own_team(user: Any, rec: Any) -> bool:
    return bool(person_in_own_team(user, rec.person))


@rules.predicate
def _rec_person_in_own_pdu(user: Any, rec: Any) -> bool:
    return bool(person_in_own_pdu(user, rec.person))


@rules.predicate
def is_out_of_hours_now() -> bool:
    """The clock, not the recommendation, says whether it is out of hours: outside office hours
    (``settings.OFFICE_HOURS``) or on a day that is not a working day. The practitioner's old
    yes/no (``RecallRecommendation.out_of_hours``) grants nothing (docs/permissions.md)."""
    from recall.reminders import out_of_hours

    return out_of_hours()


def recommendation_authors(rec: Any) -> set[int]:
    """Who wrote the recommendation: whoever started it and whoever changed one of its answers,
    read from its change history (one query). Sending it on, signing it or returning it to draft
    changes no answer, so the SPO who sent it back is not an author of the next version."""
    from recall.models import RecallRecommendation
    from recall.services import EDITABLE_FIELDS

    fields = sorted(EDITABLE_FIELDS)
    events = (
        RecallRecommendation.pgh_event_model.objects.filter(pgh_obj_id=rec.pk)  # type: ignore[attr-defined]
        .order_by("pgh_id")
        .values(*fields, "pgh_context__metadata")
    )
    authors = {rec.created_by_id}
    previous = None
    for event in events:
        if previous is not None and any(event[f] != previous[f] for f in fields):
            author = (event["pgh_context__metadata"] or {}).get("user")
            if author is not None:
                authors.add(author)
        previous = event
    return authors


@rules.predicate
def is_recommender(user: Any, rec: Any) -> bool:
    """Segregation of duties: ``user`` started the recommendation or wrote some of its answers."""
    return rec.created_by_id == user.pk or user.pk in recommendation_authors(rec)


@rules.predicate
def signed_this_version(user: Any, rec: Any) -> bool:
    return any(
        o.signed_by_id == user.pk and o.recommendation_version == rec.version
        for o in rec.oversights.all()
    )


rules.add_perm("recall.record_on_case", can_work_on_case)
rules.add_perm("recall.edit_recommendation", is_practitioner & _rec_person_in_own_team)
rules.add_perm(
    "recall.countersign_spo",
    is_manager & (_rec_person_in_own_pdu | is_out_of_hours_now) & ~is_recommender,
)
rules.add_perm(
    "recall.countersign_aco",
    is_senior_manager
    & (_rec_person_in_own_pdu | is_out_of_hours_now)
    & ~is_recommender
    & ~signed_this_version,
)


@rules.predicate
def _rec_reaches_ppcs(user: Any, rec: Any) -> bool:
    return bool(rec.status in PPCS_STATUSES)


@rules.predicate
def took_part_in_request(user: Any, rec: Any) -> bool:
    """Segregation of duties: ``user`` started, wrote, submitted or countersigned (any version
    of) the recommendation, so its decision is not theirs to take."""
    return (
        rec.submitted_by_id == user.pk
        or any(o.signed_by_id == user.pk for o in rec.oversights.all())
        or bool(is_recommender(user, rec))
    )


rules.add_perm("recall.decide", is_ppcs)
rules.add_perm("recall.view_request", is_ppcs & _rec_reaches_ppcs)
rules.add_perm("recall.decide_request", is_ppcs & _rec_reaches_ppcs & ~took_part_in_request)


# ---------------------------------------------------------------------------------------------
# Parole work (objects: a Person). The case team and PPCS record Parole Board reviews,
# adjournments and re-release; RARR, licence termination and supervision decisions are PPCS's.

rules.add_perm("parole.record_review", can_work_on_case | (is_ppcs & person_has_submitted_recall))
rules.add_perm("parole.record_rarr", is_ppcs & person_has_submitted_recall)


@rules.predicate
def took_part_in_recall(user: Any, recall: Any) -> bool:
    """Segregation of duties: ``user`` asked for, countersigned or authorised the recall (made
    through the service), so its risk-assessed review is for another PPCS caseworker."""
    from recall.models import RecallRecommendation

    rec = (
        RecallRecommendation.objects.filter(recall=recall)
        .prefetch_related("oversights", "ppcs_decisions")
        .first()
    )
    if rec is None:
        return False
    authorised = any(
        d.decided_by_id == user.pk and d.outcome == "authorised" for d in rec.ppcs_decisions.all()
    )
    return authorised or bool(took_part_in_request(user, rec))


# Object: a Recall.
rules.add_perm("parole.review_recall", is_ppcs & ~took_part_in_recall)
rules.add_perm("parole.record_termination", is_ppcs & person_has_submitted_recall)
rules.add_perm("parole.view_report", is_manager | is_senior_manager | is_ppcs | is_admin)


# ---------------------------------------------------------------------------------------------
# Dashboards (issue 6): managers and senior managers (their PDU), PPCS and administrators (any
# level). The figures are computed over visible_people(user) within the chosen scope.

rules.add_perm("ippcase.view_dashboard", is_manager | is_senior_manager | is_ppcs | is_admin)
