"""Synthetic demo data (``manage.py seed_demo`` and ``manage.py load_demo``; docs/demo-data.md).

The top layer (docs/architecture.md): it imports recall and parole, and nothing imports it but
the two management commands, the benchmarks and tests/test_seed_demo.py. Who owns what:

- :mod:`~.tables`: the published profile (HMIP's tables) and the fixed dates and assumptions;
- :mod:`~.lists`: the fixed lists (names, regions, prisons, offences, condition wordings);
- :mod:`~.specs`: the generated data as plain dataclasses;
- :mod:`~.sampling`: weighted tables, date helpers and cheap draws;
- :mod:`~.org`, :mod:`~.generator`, :mod:`~.parole_work`, :mod:`~.recall_work`: the generator
  (the organisation, then each person, then their parole work and recall work);
- :mod:`~.profile`: the generated profile beside the published one;
- :mod:`~.documents`: the import and organisation formats of ``fixtures/``;
- :mod:`~.writer`: the COPY bulk writer of ``seed_demo``; :mod:`~.clear`: ``seed_demo --clear``;
- :mod:`~.workflow`: the recall work at every stage that ``load_demo`` drives through the services;
- :mod:`~.quality`: the QA sample with published reviews that ``seed_demo`` draws through the
  services.

This module exposes only what the management commands use.
"""

from ippcase.demo.clear import clear_demo_data, demo_data_present
from ippcase.demo.documents import import_document, org_document, org_from_document
from ippcase.demo.generator import generate, people_in_chunks
from ippcase.demo.org import generate_org
from ippcase.demo.profile import profile_comparison
from ippcase.demo.quality import create_qa_sample
from ippcase.demo.specs import DemoData, OrgSpec
from ippcase.demo.tables import DEFAULT_SEED, FIXTURE_PEOPLE, FIXTURE_SEED
from ippcase.demo.workflow import create_workflow_examples
from ippcase.demo.writer import bulk_mode, create_org, write_people, write_to_database

__all__ = [
    "DEFAULT_SEED",
    "FIXTURE_PEOPLE",
    "FIXTURE_SEED",
    "DemoData",
    "OrgSpec",
    "bulk_mode",
    "clear_demo_data",
    "create_org",
    "create_qa_sample",
    "create_workflow_examples",
    "demo_data_present",
    "generate",
    "generate_org",
    "import_document",
    "org_document",
    "org_from_document",
    "people_in_chunks",
    "profile_comparison",
    "write_people",
    "write_to_database",
]
