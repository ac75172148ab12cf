"""Reads of quality assurance (issue 19; docs/quality-assurance-workflow.md): the decisions a
sample is drawn from, the scopes a user may sample, the samples and their items, and what a
reviewer reads about one decision. Each read is a fixed number of queries, whatever the size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from ippcase.models import Pdu, Person, Region, Team, User
from ippcase.quality import vocab
from ippcase.quality.models import QaItem, QaReview, QaSample
from ippcase.quality.permissions import people_in_scope, samples_in_scope
from ippcase.vocab import Accommodation, Role
from parole.models import ParoleReview
from recall import rules
from recall import selectors as recall_selectors
from recall import vocab as recall_vocab
from recall.meeting_models import MultiAgencyMeeting
from recall.models import (
    ActionShortOfRecall,
    Concern,
    Oversight,
    PpcsDecision,
    RecallRecommendation,
)

Status = recall_vocab.RecommendationStatus

# ---------------------------------------------------------------------------------------------
# The decision date and the strata, as SQL


def _not_recalled_on() -> Any:
    """When the decision not to recall was made: the latest "do not recall" countersignature
    (the SPO's, which moves the recommendation to not_recalled: recall.services), else the
    recommendation's last change (an imported or older record with no signature)."""
    signed = (
        Oversight.objects.filter(
            recommendation=OuterRef("pk"), decision=recall_vocab.OversightDecision.DO_NOT_RECALL
        )
        .order_by("-signed_at", "-id")
        .values("signed_at")[:1]
    )
    return TruncDate(Coalesce(Subquery(signed), F("updated_at")))


def _three_months_after_release() -> Any:
    # PostgreSQL's month arithmetic clamps to the month's end, as recall.rules.months_after does.
    return Func(
        F("recall__release__date"),
        template="(%(expressions)s + interval '3 months')::date",
        output_field=DateField(),
    )


def _flag(condition: Q) -> Any:
    return ExpressionWrapper(condition, output_field=BooleanField())


def decisions() -> QuerySet[Any]:
    """Every decision that can be sampled, with ``decided_on``, ``decision_kind`` and a flag per
    stratum. A recall: a recommendation that became a recall (``recall`` set: authorised, or
    rescinded after the return to custody), decided on the recall's date, which is the day PPCS
    authorised it. A decision not to recall: status not_recalled, decided when it was signed."""
    is_recall = Q(recall__isnull=False)
    return RecallRecommendation.objects.filter(is_recall | Q(status=Status.NOT_RECALLED)).annotate(
        decision_kind=Case(
            When(is_recall, then=Value(vocab.DecisionKind.RECALL.value)),
            default=Value(vocab.DecisionKind.NOT_TO_RECALL.value),
            output_field=CharField(),
        ),
        decided_on=Case(
            When(is_recall, then=F("recall__recall_date")),
            default=_not_recalled_on(),
            output_field=DateField(),
        ),
        s_emergency=_flag(is_recall & Q(emergency=True)),
        # The release the recall ended was to approved premises, or the person lives there
        # (the accommodation is what the rules' AP_EARLY_RECALL reads).
        s_approved_premises=_flag(
            is_recall
            & (
                Q(recall__release__approved_premises=True)
                | Q(person__accommodation=Accommodation.APPROVED_PREMISES)
            )
        ),
        s_early=_flag(is_recall & Q(recall__recall_date__lt=_three_months_after_release())),
        s_on_charge=_flag(
            is_recall
            & Q(
                allegation_status__in=[
                    recall_vocab.AllegationStatus.CHARGED,
                    recall_vocab.AllegationStatus.CONVICTED,
                ]
            )
        ),
    )


def strata_of(rec: Any) -> list[str]:
    """The strata an annotated decision (:func:`decisions`) falls in, in the vocabulary's order."""
    return [s for s in vocab.Stratum.values if getattr(rec, f"s_{s}", False)]


# ---------------------------------------------------------------------------------------------
# Scopes


@dataclass(frozen=True)
class Scope:
    """Where a sample is drawn: a team, a PDU, a region, or national (no object)."""

    kind: str  # "team", "pdu", "region" or "national"
    obj: Team | Pdu | Region | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.obj.pk}" if self.obj is not None else "national"

    @property
    def label(self) -> str:
        if self.obj is None:
            return "National (every region)"
        return {"team": "Team", "pdu": "PDU", "region": "Region"}[self.kind] + f": {self.obj.name}"

    def people(self) -> Q:
        """The people of the scope (a Q on Person): held by its teams, or waiting for
        allocation in one of its PDUs."""
        if self.kind == "team":
            return Q(team=self.obj)
        if self.kind == "pdu":
            return Q(team__pdu=self.obj) | Q(team__isnull=True, awaiting_pdu=self.obj)
        if self.kind == "region":
            return Q(team__pdu__region=self.obj) | Q(
                team__isnull=True, awaiting_pdu__region=self.obj
            )
        return Q()

    def fields(self) -> dict[str, Any]:
        """The sample's scope columns."""
        return {
            "team": self.obj if self.kind == "team" else None,
            "pdu": self.obj if self.kind == "pdu" else None,
            "region": self.obj if self.kind == "region" else None,
        }


def scopes_for(user: User) -> list[Scope]:
    """The scopes ``user`` may draw a sample in, widest first: an administrator's are national
    and every region, PDU and team; a senior manager's their PDU and its teams; a QA lead's
    their region, its PDUs and their teams. Three queries."""
    roles = set(user.roles or [])
    own_team = user.team
    regions = Region.objects.order_by("name")
    pdus = Pdu.objects.order_by("name")
    teams = Team.objects.order_by("name")
    if Role.ADMIN not in roles:
        region_id = own_team.pdu.region_id if own_team is not None else None
        pdu_id = own_team.pdu_id if own_team is not None else None
        if Role.QA_LEAD in roles and region_id is not None:
            regions = regions.filter(id=region_id)
            pdus, teams = pdus.filter(region_id=region_id), teams.filter(pdu__region_id=region_id)
        elif Role.SENIOR_MANAGER in roles and pdu_id is not None:
            regions = regions.none()
            pdus, teams = pdus.filter(id=pdu_id), teams.filter(pdu_id=pdu_id)
        else:
            regions, pdus, teams = regions.none(), pdus.none(), teams.none()
    scopes = [Scope("national")] if Role.ADMIN in roles else []
    scopes += [Scope("region", r) for r in regions]
    scopes += [Scope("pdu", p) for p in pdus]
    scopes += [Scope("team", t) for t in teams]
    return scopes


def sample_scope(sample: QaSample) -> Scope:
    if sample.team_id is not None:
        return Scope("team", sample.team)
    if sample.pdu_id is not None:
        return Scope("pdu", sample.pdu)
    if sample.region_id is not None:
        return Scope("region", sample.region)
    return Scope("national")


def population(
    user: User,
    scope: Scope,
    *,
    period_start: dt.date,
    period_end: dt.date,
    include_recalls: bool,
    include_not_recalled: bool,
    strata: list[str],
) -> QuerySet[Any]:
    """The decisions a sample is drawn from: made in the period, on a case in the scope and
    within the drawer's own scope today, of the kinds asked for; the strata, when given,
    restrict the recalls to those in at least one of them."""
    people = Person.objects.filter(people_in_scope(user)).filter(scope.people())
    kinds = Q(pk__in=[])
    if include_recalls:
        recalls = Q(decision_kind=vocab.DecisionKind.RECALL)
        if strata:
            any_stratum = Q(pk__in=[])
            for stratum in strata:
                any_stratum |= Q(**{f"s_{stratum}": True})
            recalls &= any_stratum
        kinds |= recalls
    if include_not_recalled:
        kinds |= Q(decision_kind=vocab.DecisionKind.NOT_TO_RECALL)
    return (
        decisions()
        .filter(person__in=people, decided_on__gte=period_start, decided_on__lte=period_end)
        .filter(kinds)
        .annotate(
            team_now=F("person__team_id"),
            pdu_now=Coalesce(F("person__team__pdu_id"), F("person__awaiting_pdu_id")),
        )
        .order_by("pk")
    )


# ---------------------------------------------------------------------------------------------
# Samples and items


def samples_for(user: User) -> QuerySet[QaSample]:
    """The samples the user may see, newest first, with their counts (one query)."""
    return (
        samples_in_scope(user)
        .select_related("team", "pdu", "region", "drawn_by")
        .annotate(
            n_items=Count("items", distinct=True),
            n_reviewed=Count("items__review", distinct=True),
            n_published=Count(
                "items__review",
                filter=Q(items__review__status=vocab.ReviewStatus.PUBLISHED),
                distinct=True,
            ),
        )
        .order_by("-drawn_at", "-id")
    )


def sample_for(user: User, pk: int) -> QaSample | None:
    return (
        samples_in_scope(user)
        .select_related("team", "pdu", "region", "drawn_by")
        .filter(pk=pk)
        .first()
    )


def _with_decision(qs: QuerySet[QaItem]) -> QuerySet[QaItem]:
    decided = decisions().filter(pk=OuterRef("recommendation_id")).values("decided_on")[:1]
    return qs.annotate(decided_on=Subquery(decided, output_field=DateField()))


ITEM_RELATED = ("recommendation__person__team", "review__reviewer")


def sample_items(sample: QaSample, related: tuple[str, ...] = ITEM_RELATED) -> list[QaItem]:
    """The sample's decisions in the order drawn, each with its person, team, decision date and
    review (one query); ``related`` names what else is joined."""
    qs = QaItem.objects.filter(sample=sample).select_related(*related)
    return list(_with_decision(qs).order_by("position"))


def item_for_review(user: User, pk: int) -> QaItem | None:
    """A sampled decision of a sample the user may see, loaded for its review page (with the
    signatures and PPCS decisions the refusal of one's own decision reads)."""
    qs = (
        QaItem.objects.filter(sample__in=samples_in_scope(user))
        .select_related("sample", "recommendation__person__team", "review__reviewer")
        .prefetch_related(
            Prefetch("recommendation__oversights", Oversight.objects.select_related("signed_by")),
            Prefetch(
                "recommendation__ppcs_decisions", PpcsDecision.objects.select_related("decided_by")
            ),
        )
    )
    return _with_decision(qs).filter(pk=pk).first()


def review_of(item: QaItem) -> QaReview | None:
    try:
        return item.review
    except QaReview.DoesNotExist:
        return None


# ---------------------------------------------------------------------------------------------
# What the reviewer reads


@dataclass
class Record:
    """The record of a sampled decision as it stood when it was made, and what came after."""

    rec: RecallRecommendation
    decided_on: dt.date | None
    findings: list[rules.Finding]
    findings_recorded: bool  # False: recomputed with today's rules (an older decision)
    acknowledged: list[tuple[rules.Finding, str]]
    concerns: list[Concern] = field(default_factory=list)
    actions: list[ActionShortOfRecall] = field(default_factory=list)
    meetings: list[MultiAgencyMeeting] = field(default_factory=list)
    parole_reviews: list[ParoleReview] = field(default_factory=list)


def acknowledged_warnings(
    rec: RecallRecommendation, findings: list[rules.Finding]
) -> list[tuple[rules.Finding, str]]:
    """The warnings the decision went on past, each with the justification written."""
    return [
        (f, rec.acknowledgements.get(f.code, ""))
        for f in findings
        if f.severity == "warn" and f.code in rec.acknowledgements
    ]


def decision_record(item: QaItem) -> Record:
    """Everything the review page shows of ``item``'s decision, read-only."""
    decided_on: dt.date | None = getattr(item, "decided_on", None)
    rec = recall_selectors.recommendation_with_context(item.recommendation_id)
    rec.person_concerns = list(recall_selectors.concerns_for(rec.person))
    # A submitted recommendation is judged at its submission (findings_for's own decision
    # date) when its findings were not kept, a decision not to recall on the day it was signed.
    findings, recorded = recall_selectors.findings_at_decision(rec, today=decided_on)
    until = decided_on or dt.date.max
    record = Record(
        rec=rec,
        decided_on=decided_on,
        findings=findings,
        findings_recorded=recorded,
        acknowledged=acknowledged_warnings(rec, findings),
        concerns=[c for c in rec.person_concerns if c.occurred_on <= until],
        actions=[a for a in rec.person_actions if a.taken_on <= until],
        meetings=list(
            MultiAgencyMeeting.objects.filter(
                person=rec.person, held_on__lte=until, struck_out_at__isnull=True
            )
            .prefetch_related("actions")
            .order_by("-held_on", "-id")
        ),
    )
    if rec.recall_id is not None:
        record.parole_reviews = list(
            ParoleReview.objects.filter(recall_id=rec.recall_id).order_by("referred_on", "id")
        )
    return record


# ---------------------------------------------------------------------------------------------
# Feedback on the case


def published_reviews(person: Person) -> list[QaReview]:
    """The published reviews of ``person``'s decisions, newest first (one query)."""
    qs = QaReview.objects.filter(
        item__recommendation__person=person, status=vocab.ReviewStatus.PUBLISHED
    ).select_related("item__recommendation", "item__sample", "reviewer")
    reviews = list(qs.order_by("-published_at", "-id"))
    decided = (
        {
            r.pk: r.decided_on
            for r in decisions().filter(pk__in=[rv.item.recommendation_id for rv in reviews])
        }
        if reviews
        else {}
    )
    for review in reviews:
        review.decided_on = decided.get(review.item.recommendation_id)  # type: ignore[attr-defined]
    return reviews


def has_published_review(person_id: int) -> bool:
    return QaReview.objects.filter(
        item__recommendation__person_id=person_id, status=vocab.ReviewStatus.PUBLISHED
    ).exists()
