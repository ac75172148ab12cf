"""Case import and export: the ``ippcase-import/1`` format (docs/import-format.md).

Which module owns what, in the order a file goes through them:

- :mod:`.files`: decoding an uploaded file (:func:`decode_import_file`), its size limit
  (:data:`IMPORT_MAX_BYTES`) and :class:`ImportFileError`;
- :mod:`.rows`: the format's name, the typed rows a valid record becomes, :class:`ImportProblem`
  and :class:`ImportValidationError`;
- :mod:`.reader`: reading one record's values, collecting every problem, and the wording of
  the messages;
- :mod:`.parse`: the document, each person, their sentence, licence conditions and allocations;
- :mod:`.parse_releases`: releases, recalls and their parole parts; licence termination
  referrals;
- :mod:`.meetings`: multi-agency meetings and their actions (reading and exporting them);
- :mod:`.load`: :func:`cases_import`, locking and reading what is stored, and planning the
  writes that make it equal to the file;
- :mod:`.write`: the :class:`~.write.WritePlan` that writes them in bulk;
- :mod:`.export`: :func:`cases_export`.

The organisation (``ippcase-organisation/1``: regions, PDUs, teams, staff and their roles):

- :mod:`.org_parse`: reading and validating the document, with the same :class:`~.reader.Reader`
  and :class:`ImportProblem` (named by path alone: ``staff[3].team``);
- :mod:`.organisation`: :func:`organisation_import` (all or nothing, never deletes) and
  :func:`organisation_export`.

A top layer (docs/architecture.md): only the ``import_cases``, ``export_cases``,
``import_organisation`` and ``export_organisation`` commands,
``load_demo`` and the tests import it (tests/test_exchange_layout.py).
"""

from ippcase.exchange.export import cases_export
from ippcase.exchange.files import IMPORT_MAX_BYTES, ImportFileError, decode_import_file
from ippcase.exchange.load import ImportResult, cases_import
from ippcase.exchange.org_parse import ORG_FORMAT
from ippcase.exchange.organisation import (
    OrganisationResult,
    organisation_export,
    organisation_import,
)
from ippcase.exchange.rows import FORMAT, ImportProblem, ImportValidationError

__all__ = [
    "FORMAT",
    "IMPORT_MAX_BYTES",
    "ORG_FORMAT",
    "ImportFileError",
    "ImportProblem",
    "ImportResult",
    "ImportValidationError",
    "OrganisationResult",
    "cases_export",
    "cases_import",
    "decode_import_file",
    "organisation_export",
    "organisation_import",
]
