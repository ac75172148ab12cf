"""Spreadsheet formula injection (issue 18): no cell of any CSV the app serves starts with a
formula character, whatever was stored; numbers stay numbers (docs/security.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from ippcase.core.csv_safe import FORMULA_STARTS, PLAIN_NUMBER, safe_cell
from ippcase.reporting.panels import PANELS
from recall.models import Concern
from tests import factories
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (PAYLOAD, "'" + PAYLOAD),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1,2)", "'@SUM(1,2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("Ann Able", "Ann Able"),
        ("a=b", "a=b"),
        (-3, -3),
        (2.5, 2.5),
        (Decimal("-0.5"), Decimal("-0.5")),
        ("-3", "-3"),
        ("+2", "+2"),
        ("-0.5", "-0.5"),
        ("-12%", "-12%"),
        (None, ""),
        (True, "True"),
    ],
)
def test_a_cell_starting_with_a_formula_character_is_quoted_and_a_number_is_not(value, written):
    assert safe_cell(value) == written


def test_no_module_writes_csv_except_through_the_safe_writer():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("ippcase", "recall", "parole", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "csv_safe.py"
        and re.search(r"csv\.(writer|DictWriter)\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_inert(cells: list[str], where: str) -> None:
    for cell in cells:
        assert not (cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(cell)), (
            where,
            cell,
        )


def test_every_csv_download_quotes_a_stored_formula(team, manager, admin_user, practitioner):
    """Stored payloads in a person's names, the team's name and the COM's names; every panel's
    every table, the zip of them all and the parole report's CSV."""
    team.name = "@SUM(1,2)"
    team.save()
    practitioner.first_name, practitioner.last_name = "+cmd", "-2+3"
    practitioner.save()
    person = factories.make_case(team, first_name=PAYLOAD, last_name="-Ward")
    factories.AllocationFactory(person=person, practitioner=practitioner)
    Concern.objects.create(
        person=person,
        occurred_on=timezone.localdate() - dt.timedelta(days=3),
        description=PAYLOAD,
        source="other",
        recorded_by=practitioner,
    )
    client = client_for(manager)
    seen: list[str] = []
    for panel in PANELS:
        number = 1
        while True:
            url = reverse("dashboard_panel_csv", kwargs={"slug": panel.slug})
            response = client.get(url, {"table": number})
            if response.status_code == 404:
                break
            assert response.status_code == 200, url
            cells = _cells(response.content.decode())
            _assert_inert(cells, f"{panel.slug} table {number}")
            seen += cells
            number += 1
        assert number > 1, panel.slug
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("dashboard_csv_zip")).content))
    for name in archive.namelist():
        cells = _cells(archive.read(name).decode())
        _assert_inert(cells, name)
        seen += cells
    for user in (manager, admin_user):
        response = client_for(user).get(reverse("parole:report"), {"format": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        _assert_inert(_cells(response.content.decode()), "parole report")
    # Not vacuous: the payloads came out, as text.
    assert any(cell.startswith("'" + PAYLOAD) for cell in seen)
    assert "'@SUM(1,2)" in seen
    assert any(cell.startswith("'+cmd") for cell in seen)
