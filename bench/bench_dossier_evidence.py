"""Time building the recall dossier with 0 and with 10 evidence PDFs merged into it (issue 15).

    PYTHONPATH=. .venv/bin/python bench/bench_dossier_evidence.py [--repetitions 5]
        [--evidence 0 10] [--pages 4]

Same set-up as bench_dossier.py (its own database ``ippcase_bench_dossier``, created, migrated
and dropped; one authorised recommendation with 20 concerns per size) plus N evidence documents:
realistic multi-page PDFs (a police incident log, ``--pages`` pages each) rendered once with
WeasyPrint and stored in the evidence storage (the test settings' temporary folder). Each build
is the worker's code path (``dossier_build``: load, render, merge, store). Reports seconds
(median, min, max), pages, PDF size and queries per build, and the ratios to no evidence.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys

from bench_dossier import BENCH_DB, bench, seed  # the same set-up and timing loop
from django.core.files.base import ContentFile
from django.db import connection

from ippcase import vocab as case_vocab
from ippcase.models import User
from recall.models import EvidenceDocument
from tests import evidence_files, factories


def add_evidence(rec_id: int, count: int, pdf: bytes, pages: int, uploader: User) -> None:
    for n in range(count):
        doc = EvidenceDocument(
            recommendation_id=rec_id,
            part="part_a" if n % 2 else "part_b",
            kind="police_report",
            document_date=dt.date(2025, 3, 1) + dt.timedelta(days=n),
            description=f"Police incident log {n + 1}: threats to the victim.",
            original_name=f"incident-log-{n + 1}.pdf",
            content_type="application/pdf",
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            pages=pages,
            uploaded_by=uploader,
        )
        doc.file.save("evidence", ContentFile(pdf), save=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--evidence", type=int, nargs="+", default=[0, 10])
    parser.add_argument("--pages", type=int, default=4)
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
        pdf = evidence_files.police_report(args.pages, "Police incident log")
        print(f"one evidence PDF: {args.pages} pages, {len(pdf) / 1024:.0f} KiB")
        warm = seed(1, practitioner, manager, aco, ppcs)
        bench(warm, ppcs, 1)  # untimed: WeasyPrint loads its fonts on first use
        print(f"recall dossier build ({args.repetitions} repetitions each), seconds:")
        base: dict[str, object] | None = None
        for count in args.evidence:
            rec_id = seed(20, practitioner, manager, aco, ppcs)
            add_evidence(rec_id, count, pdf, args.pages, practitioner)
            r = bench(rec_id, ppcs, args.repetitions)
            base = base or r
            ratio = float(r["median"]) / float(base["median"])  # type: ignore[arg-type]
            size = r["kib"][0] / base["kib"][0]  # type: ignore[index]
            print(
                f"  {count:>3} evidence PDFs: median {r['median']:.2f}  min {r['min']:.2f}  "
                f"max {r['max']:.2f}  pages {r['pages']}  size KiB {r['kib']}  "
                f"queries {r['queries']}  time x{ratio:.2f}  size x{size:.2f}"
            )
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
