"""Time building the recall dossier PDF for a case with 20 and with 200 concerns.

    PYTHONPATH=. .venv/bin/python bench/bench_dossier.py [--repetitions 5] [--concerns 20 200]

Uses the PostgreSQL server of ``DATABASE_URL`` (or the embedded one under ``$IPPCASE_DATA_DIR``)
but never its database: it creates and migrates ``ippcase_bench_dossier``, seeds one submitted
recommendation per size (SPO and ACO signed, PPCS authorised, returned to custody), then builds
a new version of the dossier N times per size with ``recall.dossiers.dossier_build`` — the
worker's code path: load, render with WeasyPrint, store — and drops the database. Reports
seconds (median, min, max), pages, PDF size and the number of database queries per build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ippcase.settings.test")

import django  # noqa: E402 - after the path and settings are set up

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from ippcase import vocab as case_vocab  # noqa: E402
from ippcase.models import User  # noqa: E402
from recall import dossiers  # noqa: E402
from recall.models import (  # noqa: E402
    Concern,
    Dossier,
    Oversight,
    PpcsDecision,
    RecallRecommendation,
)
from recall.vocab import DossierKind, RecommendationStatus  # noqa: E402
from tests import factories  # noqa: E402

BENCH_DB = "ippcase_bench_dossier"


def seed(concerns: int, practitioner: User, manager: User, aco: User, ppcs: User) -> int:
    """A submitted, authorised recommendation on a case with ``concerns`` concerns."""
    team = practitioner.team
    assert team is not None
    person = factories.make_case(team, recalled=False)
    factories.AllocationFactory(person=person, practitioner=practitioner)
    condition = person.licence_conditions.first()
    rows = Concern.objects.bulk_create(
        Concern(
            person=person,
            occurred_on=dt.date(2024, 1, 1) + dt.timedelta(days=n % 600),
            description=(
                f"Concern {n}: reported by approved premises staff as drunk and shouting at "
                "other residents; threatened a member of staff when asked to go to his room."
            ),
            source="ap_staff",
            behaviours=["alcohol", "threats"],
            recorded_by=practitioner,
        )
        for n in range(concerns)
    )
    Concern.conditions.through.objects.bulk_create(
        Concern.conditions.through(concern=c, licencecondition=condition) for c in rows
    )
    today = timezone.localdate()
    release = person.releases.order_by("-date").first()
    recall = factories.RecallFactory(
        release=release,
        recall_date=today - dt.timedelta(days=3),
        returned_to_custody=today - dt.timedelta(days=2),
        custody_prison="HMP Leeds",
    )
    rec = RecallRecommendation.objects.create(
        person=person,
        created_by=practitioner,
        status=RecommendationStatus.AUTHORISED,
        submitted_at=timezone.now(),
        submitted_by=practitioner,
        recall=recall,
        why_considered="Drinking again and threats to ex-partner, as before the index offence.",
        criteria={"i": "Alcohol misuse and violence mirror the index offence."},
        current_behaviours=["alcohol", "threats", "violence"],
        causal_link="Index offence: assault while drunk. Now drinking and making threats.",
        increased_risk_of_harm="Police report threats to kill; victim is frightened.",
        other_agencies_consulted=True,
        progression_panel_held=True,
    )
    for level, signer in (("spo", manager), ("aco", aco)):
        Oversight.objects.create(
            recommendation=rec,
            level=level,
            decision="recall",
            rationale="Risk is imminent; alternatives exhausted.",
            alternatives_explored=True,
            recall_type_correct=True,
            report_quality=True,
            not_manageable_in_community=True,
            signed_by=signer,
            recommendation_version=rec.version,
        )
    PpcsDecision.objects.create(recommendation=rec, outcome="authorised", decided_by=ppcs)
    return rec.pk


def bench(rec_id: int, requester: User, repetitions: int) -> dict[str, object]:
    seconds, pages, sizes, queries = [], set(), set(), set()
    for version in range(1, repetitions + 1):
        dossier = Dossier.objects.create(
            recommendation_id=rec_id,
            kind=DossierKind.DOSSIER,
            version=version,
            requested_by=requester,
        )
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            assert dossiers.dossier_build(dossier.pk)
            seconds.append(time.perf_counter() - started)
        dossier.refresh_from_db()
        pages.add(dossier.pages)
        sizes.add(len(bytes(dossier.pdf or b"")))
        queries.add(len(captured))
    return {
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        "pages": sorted(pages),
        "kib": sorted(round(s / 1024) for s in sizes),
        "queries": sorted(queries),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--concerns", type=int, nargs="+", default=[20, 200])
    args = parser.parse_args()

    connection.settings_dict.setdefault("TEST", {})["NAME"] = BENCH_DB
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        team = factories.TeamFactory(code="bench-team", name="Bench team")
        role = case_vocab.Role
        practitioner = factories.UserFactory(
            username="bench-com", roles=[role.PRACTITIONER], team=team
        )
        manager = factories.UserFactory(username="bench-spo", roles=[role.MANAGER], team=team)
        aco = factories.UserFactory(username="bench-aco", roles=[role.SENIOR_MANAGER], team=team)
        ppcs = factories.UserFactory(username="bench-ppcs", roles=[role.PPCS], team=None)
        # One untimed build first: WeasyPrint loads its fonts and pango on first use.
        warm = seed(1, practitioner, manager, aco, ppcs)
        bench(warm, ppcs, 1)
        print(f"recall dossier build ({args.repetitions} repetitions each), seconds:")
        for count in args.concerns:
            rec_id = seed(count, practitioner, manager, aco, ppcs)
            r = bench(rec_id, ppcs, args.repetitions)
            print(
                f"  {count:>4} concerns: median {r['median']:.2f}  min {r['min']:.2f}  "
                f"max {r['max']:.2f}  pages {r['pages']}  size KiB {r['kib']}  "
                f"queries {r['queries']}"
            )
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
