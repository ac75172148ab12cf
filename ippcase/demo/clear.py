"""``seed_demo --clear``: recognise the demo data in the database and delete it, children first."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q
from psycopg import sql

from ippcase.demo.lists import DEMO_REGION_CODES
from ippcase.demo.tables import DEMO_EMAIL_DOMAIN
from ippcase.models import (
    Allocation,
    IndexOffence,
    LicenceCondition,
    Notification,
    Pdu,
    Person,
    Recall,
    Region,
    Release,
    Sentence,
    Team,
    User,
)
from ippcase.quality.models import QaItem, QaReview, QaSample
from parole.models import (
    Adjournment,
    ParoleReview,
    RiskAssessedRecallReview,
    SupervisionSuspension,
    TerminationReferral,
)
from recall.models import (
    ActionShortOfRecall,
    Concern,
    Dossier,
    MeetingAction,
    MultiAgencyMeeting,
    Oversight,
    PpcsDecision,
    RecallRecommendation,
    ReportReminder,
)


def demo_data_present() -> bool:
    """True when the database holds any demo organisation (a region with a demo code)."""
    return Region.objects.filter(code__in=DEMO_REGION_CODES).exists()


def _delete_recall_work(person_ids: list[int]) -> None:
    """Delete the recall work on ``person_ids``, children first, one statement per table."""

    def t(model: type[Any]) -> sql.Identifier:
        return sql.Identifier(model._meta.db_table)

    statements = [
        sql.SQL(
            "DELETE FROM {} WHERE recall_id IN (SELECT r.id FROM {} r JOIN {} s"
            " ON s.id = r.release_id WHERE s.person_id = ANY(%(people)s))"
        ).format(t(ReportReminder), t(Recall), t(Release)),
        *(
            sql.SQL(
                "DELETE FROM {} WHERE recommendation_id IN"
                " (SELECT id FROM {} WHERE person_id = ANY(%(people)s))"
            ).format(t(model), t(RecallRecommendation))
            for model in (Dossier, PpcsDecision, Oversight)
        ),
        sql.SQL(
            "DELETE FROM {} WHERE concern_id IN"
            " (SELECT id FROM {} WHERE person_id = ANY(%(people)s))"
        ).format(t(Concern.conditions.through), t(Concern)),
        *(
            sql.SQL("DELETE FROM {} WHERE person_id = ANY(%(people)s)").format(t(model))
            for model in (RecallRecommendation, Concern, ActionShortOfRecall)
        ),
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            # As text: pghistory adds its audit context to the SQL that Django runs.
            cursor.execute(statement.as_string(connection.connection), {"people": person_ids})


def _delete_qa_samples(team_ids: list[int], person_ids: list[int]) -> None:
    """The quality-assurance samples drawn in the demo organisation, by a demo user, or holding
    a decision on a demo person, with their items and reviews."""
    samples = QaSample.objects.filter(
        Q(team_id__in=team_ids)
        | Q(pdu__region__code__in=DEMO_REGION_CODES)
        | Q(region__code__in=DEMO_REGION_CODES)
        | Q(drawn_by__email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
        | Q(items__recommendation__person_id__in=person_ids)
    )
    sample_ids = list(samples.values_list("pk", flat=True).distinct())
    QaReview.objects.filter(item__sample_id__in=sample_ids).delete()
    QaItem.objects.filter(sample_id__in=sample_ids).delete()
    QaSample.objects.filter(pk__in=sample_ids).delete()


def clear_demo_data() -> dict[str, int]:
    """Delete the demo organisation, its users and its people (with their whole history).

    Demo data is recognised by the region codes of :data:`~.lists.REGIONS` and by the demo
    e-mail domain: never run this against a database holding real cases in those regions. The
    audit event rows stay (the event tables are append-only); a delete writes its own event.
    """
    teams = Team.objects.filter(pdu__region__code__in=DEMO_REGION_CODES)
    team_ids = list(teams.values_list("pk", flat=True))
    # Ids are fetched first and every delete filters on one list of ids: nested IN-subqueries
    # over tables filled in this very transaction (no statistics yet) were planned as nested
    # sequential scans and ran for many minutes. Children go first, each in one statement, so
    # that Django's collector has nothing left to load when it deletes the parents.
    person_ids = list(Person.objects.filter(team_id__in=team_ids).values_list("pk", flat=True))
    sentence_ids = list(
        Sentence.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    )
    release_ids = list(
        Release.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    )
    # The recall work built on these people goes first (it protects them from deletion). A
    # national-scale seed holds hundreds of thousands of concerns: each table goes in one
    # DELETE on the ids (Django's collector would load every row to cascade the concerns'
    # licence-condition links). Row triggers still write the audit events, as for any delete.
    _delete_qa_samples(team_ids, person_ids)  # they protect the recommendations and users
    # Meetings first: their links to concerns go with them (Django deletes the through rows).
    MeetingAction.objects.filter(meeting__person_id__in=person_ids).delete()
    MultiAgencyMeeting.objects.filter(person_id__in=person_ids).delete()
    _delete_recall_work(person_ids)
    _clear_recall_work(person_ids)  # whatever else the recall app keeps on these people
    # Then the parole work, children first (the reviews' delays, then the reviews).
    recall_ids = list(
        Recall.objects.filter(release_id__in=release_ids).values_list("pk", flat=True)
    )
    review_ids = list(
        ParoleReview.objects.filter(recall_id__in=recall_ids).values_list("pk", flat=True)
    )
    Adjournment.objects.filter(review_id__in=review_ids).delete()
    ParoleReview.objects.filter(pk__in=review_ids).delete()
    RiskAssessedRecallReview.objects.filter(recall_id__in=recall_ids).delete()
    TerminationReferral.objects.filter(person_id__in=person_ids).delete()
    SupervisionSuspension.objects.filter(person_id__in=person_ids).delete()
    Allocation.objects.filter(person_id__in=person_ids).delete()
    LicenceCondition.objects.filter(person_id__in=person_ids).delete()
    Recall.objects.filter(pk__in=recall_ids).delete()
    IndexOffence.objects.filter(sentence_id__in=sentence_ids).delete()
    Release.objects.filter(pk__in=release_ids).delete()
    Sentence.objects.filter(pk__in=sentence_ids).delete()
    Person.objects.filter(pk__in=person_ids).delete()
    deleted = {"people": len(person_ids)}
    users = User.objects.filter(
        Q(team_id__in=team_ids) | Q(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    )
    deleted["users"] = users.count()
    Notification.objects.filter(recipient__in=users).delete()  # their mail goes with them
    users.delete()
    deleted["teams"] = len(team_ids)
    Team.objects.filter(pk__in=team_ids).delete()
    Pdu.objects.filter(region__code__in=DEMO_REGION_CODES).delete()
    deleted["regions"] = Region.objects.filter(code__in=DEMO_REGION_CODES).delete()[0]
    return deleted


def _clear_recall_work(person_ids: list[int]) -> None:
    """Delete the recall work on these people (for ``seed_demo --clear``), children first."""
    rec_ids = list(
        RecallRecommendation.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    )
    ReportReminder.objects.filter(recall__release__person_id__in=person_ids).delete()
    Dossier.objects.filter(recommendation_id__in=rec_ids).delete()
    PpcsDecision.objects.filter(recommendation_id__in=rec_ids).delete()
    Oversight.objects.filter(recommendation_id__in=rec_ids).delete()
    RecallRecommendation.objects.filter(pk__in=rec_ids).delete()
    Concern.objects.filter(person_id__in=person_ids).delete()
    ActionShortOfRecall.objects.filter(person_id__in=person_ids).delete()
