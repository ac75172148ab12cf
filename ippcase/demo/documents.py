"""The generated data as documents: people in the case import format ``ippcase-import/1``
(docs/import-format.md) and the organisation in ``ippcase-demo-org/1`` (docs/demo-data.md),
the two files of ``fixtures/``; and the organisation read back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ippcase import vocab
from ippcase.demo.parole_work import ADJOURNMENT
from ippcase.demo.specs import (
    DemoData,
    MeetingSpec,
    OffenceSpec,
    OrgSpec,
    PduSpec,
    PersonSpec,
    RegionSpec,
    ReviewSpec,
    TeamSpec,
    UserSpec,
)
from ippcase.demo.tables import IMPORT_FORMAT, ORG_FORMAT


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _offence_dict(offence: OffenceSpec) -> dict[str, Any]:
    return {
        "category": offence.category,
        "description": offence.description,
        "behaviours": list(offence.behaviours),
    }


def _review_dict(review: ReviewSpec) -> dict[str, Any]:
    item: dict[str, Any] = {
        "referred": _iso(review.referred),
        "kind": review.kind,
        "decided": _iso(review.decided),
        "outcome": review.outcome or None,
    }
    if review.hearing_date is not None:
        item["hearing_date"] = _iso(review.hearing_date)
    if review.calder:
        item["calder"] = review.calder
    adjournments = []
    for a in review.adjournments:
        adjournment: dict[str, Any] = {
            "date": _iso(a.date),
            "reason": a.reason,
            "prisoner_informed": _iso(a.prisoner_informed),
        }
        if a.kind != ADJOURNMENT:
            adjournment["kind"] = a.kind
        if a.new_date is not None:
            adjournment["new_date"] = _iso(a.new_date)
        adjournments.append(adjournment)
    item["adjournments"] = adjournments
    return item


def person_document(person: PersonSpec) -> dict[str, Any]:
    """One person in the case import format ``ippcase-import/1`` (docs/import-format.md)."""
    s = person.sentence
    releases = []
    for release in person.releases:
        item: dict[str, Any] = {
            "date": _iso(release.date),
            "prison": release.prison,
            "approved_premises": release.approved_premises,
        }
        recall = release.recall
        if recall is not None:
            item["recall"] = {
                "date": _iso(recall.date),
                "returned_to_custody": _iso(recall.returned_to_custody),
                "reasons": list(recall.reasons),
                "criteria": list(recall.criteria),
            }
            # The parole parts only where there are any (as the export writes them), so that a
            # recall without parole work reads as before.
            if recall.parole_reviews:
                item["recall"]["parole_reviews"] = [_review_dict(r) for r in recall.parole_reviews]
            if recall.rarr is not None:
                item["recall"]["rarr"] = {
                    "decided": _iso(recall.rarr.decided),
                    "outcome": recall.rarr.outcome,
                }
            if recall.re_released is not None:
                item["recall"]["re_released"] = _iso(recall.re_released)
        releases.append(item)
    conditions = []
    for c in person.licence_conditions:
        item = {"kind": c.kind}
        if c.kind == vocab.ConditionKind.STANDARD:
            item["code"] = c.code
        else:
            if c.code:
                item["code"] = c.code
            item["text"] = c.text
        item["start"] = _iso(c.start)
        item["end"] = _iso(c.end)
        conditions.append(item)
    document: dict[str, Any] = {
        "crn": person.crn,
        "nomis_number": person.nomis_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": _iso(person.date_of_birth),
        "gender": person.gender,
        "ethnicity": person.ethnicity,
        "team": person.team,
        "sentence": {
            "type": s.sentence_type,
            "sentence_date": _iso(s.sentence_date),
            "tariff": {"years": s.tariff_years, "months": s.tariff_months, "days": s.tariff_days},
            "index_offence": _offence_dict(s.index_offence),
            "other_offences": [_offence_dict(o) for o in s.other_offences],
        },
        "releases": releases,
        "pnc": person.pnc,
        "mappa": (
            {"category": person.mappa_category, "level": person.mappa_level}
            if person.mappa_category is not None
            else None
        ),
        "rosh_level": person.rosh_level or None,
        "accommodation": person.accommodation,
        "needs": list(person.needs),
        "vulnerabilities": person.vulnerabilities,
        "opd_screening": person.opd_screening,
        "licence_conditions": conditions,
        "allocations": [
            {"practitioner": a.practitioner, "start": _iso(a.start), "end": _iso(a.end)}
            for a in person.allocations
        ],
    }
    if person.termination_referrals:
        document["licence_termination_referrals"] = [
            {"referred": _iso(t.referred), "decided": _iso(t.decided), "outcome": t.outcome or None}
            for t in person.termination_referrals
        ]
    if person.meetings:
        document["meetings"] = [_meeting_dict(m) for m in person.meetings]
    return document


def _meeting_dict(meeting: MeetingSpec) -> dict[str, Any]:
    """A meeting as the export writes it (ippcase.exchange.meetings)."""
    return {
        "held": _iso(meeting.held),
        "kind": meeting.kind,
        "chair": meeting.chair,
        "agencies": meeting.agencies,
        "other_agency": "",
        "attendees": meeting.attendees,
        "discussion": meeting.discussion,
        "decisions": meeting.decisions,
        "recorded_by": meeting.recorded_by,
        "struck_out": None,
        "actions": [
            {
                "description": a.description,
                "owner": a.owner or None,
                "owner_name": a.owner_name,
                "due": _iso(a.due),
                "done": _iso(a.done),
                "done_by": a.done_by or None,
                "done_note": a.done_note,
            }
            for a in meeting.actions
        ],
    }


def import_document(data: DemoData) -> dict[str, Any]:
    """All the people of ``data`` as one ``ippcase-import/1`` document."""
    return {"format": IMPORT_FORMAT, "people": [person_document(p) for p in data.people]}


def org_document(org: OrgSpec) -> dict[str, Any]:
    """The organisation as an ``ippcase-demo-org/1`` document (docs/demo-data.md)."""
    return {
        "format": ORG_FORMAT,
        "regions": [
            {
                "code": region.code,
                "name": region.name,
                "pdus": [
                    {
                        "code": pdu.code,
                        "name": pdu.name,
                        "place": pdu.place,
                        "teams": [{"code": t.code, "name": t.name} for t in pdu.teams],
                    }
                    for pdu in region.pdus
                ],
            }
            for region in org.regions
        ],
        "users": [
            {
                "username": u.username,
                "first_name": u.first_name,
                "last_name": u.last_name,
                "email": u.email,
                "team": u.team,
                "roles": list(u.roles),
            }
            for u in org.users
        ],
    }


def org_from_document(doc: dict[str, Any]) -> OrgSpec:
    """Read an ``ippcase-demo-org/1`` document; raises ValueError on another format."""
    if doc.get("format") != ORG_FORMAT:
        raise ValueError(f"expected format {ORG_FORMAT!r}, got {doc.get('format')!r}")
    regions = [
        RegionSpec(
            r["code"],
            r["name"],
            [
                PduSpec(
                    p["code"],
                    p["name"],
                    p.get("place", p["name"]),
                    [TeamSpec(t["code"], t["name"]) for t in p["teams"]],
                )
                for p in r["pdus"]
            ],
        )
        for r in doc["regions"]
    ]
    users = [
        UserSpec(
            u["username"],
            u["first_name"],
            u["last_name"],
            u["email"],
            u.get("team"),
            list(u["roles"]),
        )
        for u in doc["users"]
    ]
    return OrgSpec(regions, users)
