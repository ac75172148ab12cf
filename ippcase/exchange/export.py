"""Exporting cases: :func:`cases_export` writes people as an ``ippcase-import/1`` document that
:func:`~.load.cases_import` reads back unchanged.

Reads plain rows (``.values()`` dicts keyed by attname) rather than model instances: for 10,000
people that is ~130,000 rows, and instantiating models through prefetch_related costs more than
all the queries together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from ippcase.exchange.meetings import export_meetings
from ippcase.exchange.rows import FORMAT, Row, attnames
from ippcase.models import (
    Allocation,
    IndexOffence,
    LicenceCondition,
    Person,
    Recall,
    Release,
    Sentence,
)
from parole.models import Adjournment, ParoleReview, TerminationReferral
from parole.vocab import DelayKind


def cases_export(*, people: QuerySet[Person] | None = None) -> dict[str, Any]:
    """``people`` (default: everyone; an unsliced queryset) as an ``ippcase-import/1``
    document, ordered by CRN.

    Every field is written, so that importing the result into a database with the same teams
    and users and exporting again gives identical JSON. The parole parts are written only where
    there is something to write, so a case without parole work exports as it did before they
    existed. Ten queries whatever the number of people.
    """
    queryset = people if people is not None else Person.objects.all()
    selected = queryset.values("pk")
    persons = queryset.order_by("crn").values(
        *attnames(Person),
        "team__code",
        "awaiting_pdu__code",
        *(f"sentence__{name}" for name in attnames(Sentence)),
    )
    offences = _grouped(
        IndexOffence.objects.filter(sentence__person__in=selected)
        .order_by("-is_principal", "id")
        .values("sentence__person_id", *attnames(IndexOffence)),
        "sentence__person_id",
    )
    releases = _grouped(
        Release.objects.filter(person__in=selected)
        .order_by("date")
        .values(
            *attnames(Release),
            *(f"recall__{name}" for name in attnames(Recall)),
            # At most one RARR per recall: joined rather than a query of its own.
            "recall__rarr__id",
            "recall__rarr__decided_on",
            "recall__rarr__outcome",
        ),
        "person_id",
    )
    reviews = _grouped(
        ParoleReview.objects.filter(recall__release__person__in=selected)
        .order_by("referred_on", "id")
        .values(*attnames(ParoleReview)),
        "recall_id",
    )
    adjournments = _grouped(
        Adjournment.objects.filter(review__recall__release__person__in=selected)
        .order_by("date", "id")
        .values(*attnames(Adjournment)),
        "review_id",
    )
    referrals = _grouped(
        TerminationReferral.objects.filter(person__in=selected)
        .order_by("referred_on", "id")
        .values(*attnames(TerminationReferral)),
        "person_id",
    )
    conditions = _grouped(
        LicenceCondition.objects.filter(person__in=selected)
        # Stored order: the order of the imported file (ids follow it), else creation order.
        .order_by("id")
        .values(*attnames(LicenceCondition)),
        "person_id",
    )
    allocations = _grouped(
        Allocation.objects.filter(person__in=selected)
        .order_by("id")
        .values(*attnames(Allocation), "practitioner__username"),
        "person_id",
    )
    meetings = export_meetings(selected)
    return {
        "format": FORMAT,
        "people": [
            _export_person(
                person,
                offences=offences.get(person["id"], []),
                releases=[
                    _export_release(release, reviews=reviews, adjournments=adjournments)
                    for release in releases.get(person["id"], [])
                ],
                conditions=conditions.get(person["id"], []),
                allocations=allocations.get(person["id"], []),
                referrals=referrals.get(person["id"], []),
                meetings=meetings.get(person["id"], []),
            )
            for person in persons
        ],
    }


def _grouped(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    groups: defaultdict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _export_person(
    person: Row,
    *,
    offences: list[Row],
    releases: list[dict[str, Any]],
    conditions: list[Row],
    allocations: list[Row],
    referrals: list[Row],
    meetings: list[dict[str, Any]],
) -> dict[str, Any]:
    mappa = None
    if person["mappa_category"] is not None:
        mappa = {"category": person["mappa_category"], "level": person["mappa_level"]}
    exported: dict[str, Any] = {
        "crn": person["crn"],
        "nomis_number": person["nomis_number"],
        "pnc": person["pnc"],
        "first_name": person["first_name"],
        "last_name": person["last_name"],
        "date_of_birth": _iso(person["date_of_birth"]),
        "gender": person["gender"],
        "ethnicity": person["ethnicity"],
        # An unallocated person has no team: the PDU whose list they wait on (null: national).
        **(
            {"team": person["team__code"]}
            if person["team__code"] is not None
            else {"pdu": person["awaiting_pdu__code"]}
        ),
        "mappa": mappa,
        "rosh_level": person["rosh_level"] or None,
        "accommodation": person["accommodation"],
        "needs": person["needs"],
        "vulnerability_types": person["vulnerability_types"],
        "vulnerabilities": person["vulnerabilities"],
        "opd_screening": person["opd_screening"],
        "address": person["address"],
        "iom": person["iom"],
        "easy_read": person["easy_read"],
        "victims_in_vcs": person["victims_in_vcs"],
        "victim_liaison_officer": person["victim_liaison_officer"],
        "victim_safety": person["victim_safety"],
        "sentence": _export_sentence(person, offences),
        "releases": releases,
        "licence_conditions": [_export_condition(condition) for condition in conditions],
        "allocations": [
            {
                "practitioner": allocation["practitioner__username"],
                "start": _iso(allocation["start_date"]),
                "end": _iso(allocation["end_date"]),
            }
            for allocation in allocations
        ],
    }
    # Only when there are any, so that a case without parole work exports as before.
    if referrals:
        exported["licence_termination_referrals"] = [
            {
                "referred": _iso(referral["referred_on"]),
                "decided": _iso(referral["decided_on"]),
                "outcome": referral["outcome"] or None,
            }
            for referral in referrals
        ]
    # Only when there are any, so that a case without meetings exports as before.
    if meetings:
        exported["meetings"] = meetings
    return exported


def _export_offence(offence: Row) -> dict[str, Any]:
    return {
        "category": offence["category"],
        "description": offence["description"],
        "behaviours": offence["behaviours"],
    }


def _export_sentence(person: Row, offences: list[Row]) -> dict[str, Any] | None:
    # A person stored without a sentence (never through an import) exports as null, which the
    # import rejects: the gap shows up rather than vanishing.
    if person["sentence__id"] is None:
        return None
    principal = next((o for o in offences if o["is_principal"]), None)
    return {
        "type": person["sentence__sentence_type"],
        "sentence_date": _iso(person["sentence__sentence_date"]),
        "tariff": {
            "years": person["sentence__tariff_years"],
            "months": person["sentence__tariff_months"],
            "days": person["sentence__tariff_days"],
        },
        "index_offence": _export_offence(principal) if principal is not None else None,
        "other_offences": [_export_offence(o) for o in offences if not o["is_principal"]],
    }


def _export_release(
    release: Row, *, reviews: dict[Any, list[Row]], adjournments: dict[Any, list[Row]]
) -> dict[str, Any]:
    exported: dict[str, Any] = {
        "date": _iso(release["date"]),
        "prison": release["prison"],
        "approved_premises": release["approved_premises"],
    }
    # Left out rather than null when still on licence, as in the format's own example.
    if release["recall__id"] is not None:
        recall: dict[str, Any] = {
            "date": _iso(release["recall__recall_date"]),
            "returned_to_custody": _iso(release["recall__returned_to_custody"]),
            "reasons": release["recall__reasons"],
            "criteria": release["recall__criteria"],
        }
        # The parole parts only where there is something to say (left out means "none" for a
        # new recall, and the file stays as it was for a recall without parole work).
        if recall_reviews := reviews.get(release["recall__id"]):
            recall["parole_reviews"] = [
                _export_review(review, adjournments.get(review["id"], []))
                for review in recall_reviews
            ]
        if release["recall__rarr__id"] is not None:
            recall["rarr"] = {
                "decided": _iso(release["recall__rarr__decided_on"]),
                "outcome": release["recall__rarr__outcome"],
            }
        if release["recall__re_released_on"] is not None:
            recall["re_released"] = _iso(release["recall__re_released_on"])
        exported["recall"] = recall
    return exported


def _export_review(review: Row, adjournments: list[Row]) -> dict[str, Any]:
    exported: dict[str, Any] = {
        "referred": _iso(review["referred_on"]),
        "kind": review["kind"],
        "decided": _iso(review["decided_on"]),
        "outcome": review["outcome"] or None,
    }
    # Extensions, written only when they say something, as the import reads them left out.
    if review["hearing_date"] is not None:
        exported["hearing_date"] = _iso(review["hearing_date"])
    if review["calder_answer"]:
        exported["calder"] = review["calder_answer"]
    exported["adjournments"] = [_export_adjournment(a) for a in adjournments]
    return exported


def _export_adjournment(adjournment: Row) -> dict[str, Any]:
    exported: dict[str, Any] = {
        "date": _iso(adjournment["date"]),
        "reason": adjournment["reason"],
        "prisoner_informed": _iso(adjournment["prisoner_informed_on"]),
    }
    if adjournment["kind"] != DelayKind.ADJOURNMENT:
        exported["kind"] = adjournment["kind"]
    if adjournment["new_date"] is not None:
        exported["new_date"] = _iso(adjournment["new_date"])
    return exported


def _export_condition(condition: Row) -> dict[str, Any]:
    exported: dict[str, Any] = {"kind": condition["kind"]}
    if condition["kind"] == "standard":
        exported["code"] = condition["standard_code"]
        if condition["text"]:  # optional extra wording on a standard condition
            exported["text"] = condition["text"]
    else:
        if condition["additional_code"]:
            exported["code"] = condition["additional_code"]
        exported["text"] = condition["text"]
    exported["start"] = _iso(condition["start_date"])
    exported["end"] = _iso(condition["end_date"])
    return exported
