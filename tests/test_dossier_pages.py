"""The dossier page: request a version, see its progress, download it; access by case scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recall import dossiers
from recall.models import Dossier
from tests.conftest import client_for
from tests.test_ppcs_services import aco, on_licence, submitted  # noqa: F401  (fixtures)


def test_ppcs_requests_a_dossier_sees_it_queued_then_downloads_it(submitted, ppcs):  # noqa: F811
    client = client_for(ppcs)
    url = reverse("recall:dossiers", args=[submitted.pk])
    response = client.post(url, {"kind": "dossier"})
    assert response.status_code == 302
    dossier = Dossier.objects.get(recommendation=submitted)
    page = client.get(url).content.decode()
    assert "Queued" in page and 'hx-trigger="every 2s"' in page  # the page polls while building
    assert dossiers.dossier_build(dossier.pk) is True  # what the worker runs
    page = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in page and "every 2s" not in page and "Download" in page
    pdf = client.get(reverse("recall:dossier_download", args=[dossier.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f"recall-dossier-{submitted.person.crn}-v1.pdf" in pdf["Content-Disposition"]


def test_the_prisoner_letter_is_refused_before_authorisation_with_a_message(submitted, ppcs):  # noqa: F811
    response = client_for(ppcs).post(
        reverse("recall:dossiers", args=[submitted.pk]), {"kind": "prisoner_letter"}
    )
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert not Dossier.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "no_role_user"])
def test_people_outside_the_case_get_nothing(request, submitted, ppcs, persona):  # noqa: F811
    dossier = services_request(submitted, ppcs)
    dossiers.dossier_build(dossier.pk)
    client = client_for(request.getfixturevalue(persona))
    expected = 403 if persona == "no_role_user" else 404
    assert client.get(reverse("recall:dossiers", args=[submitted.pk])).status_code == expected
    download = client.get(reverse("recall:dossier_download", args=[dossier.pk]))
    assert download.status_code == expected
    assert not download.content.startswith(b"%PDF")


def services_request(rec, actor) -> Dossier:
    return dossiers.dossier_request(rec_id=rec.pk, kind="dossier", actor=actor)


def test_unknown_kind_is_a_clear_error(submitted, practitioner):  # noqa: F811
    response = client_for(practitioner).post(
        reverse("recall:dossiers", args=[submitted.pk]), {"kind": "bogus"}
    )
    assert response.status_code == 400
    assert b"Choose a document from the list" in response.content
