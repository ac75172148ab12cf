"""The one helper every page of a person's case starts from (ippcase/cases/pages.py), and the
error summary entry of a message tied to no field (ippcase/core/forms.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from ippcase.cases import pages
from ippcase.core.forms import summary_error
from recall.services import RecallError


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_person_is_loaded_with_its_history_and_marked_viewed(practitioner, person):
    request = _request(practitioner)
    loaded = pages.case_person(request, person.crn.lower(), perm=pages.WORK_ON_CASE)
    assert loaded == person
    assert request.case_viewed == loaded
    assert "releases" in loaded._prefetched_objects_cache  # person_with_history


def test_out_of_view_is_404_and_in_view_without_the_permission_is_403(
    outsider, practitioner, person
):
    with pytest.raises(Http404):
        pages.case_person(_request(outsider), person.crn)
    with pytest.raises(PermissionDenied):
        pages.case_person(_request(practitioner), person.crn, perm="ippcase.view_case_views")
    request = _request(practitioner)
    with pytest.raises(PermissionDenied):
        pages.case_person(request, person.crn, perm="recall.decide")
    assert not hasattr(request, "case_viewed")  # a refusal is not a view


def test_the_header_says_whether_the_user_may_work_on_the_case(practitioner, manager, person):
    context = pages.person_context(_request(practitioner), person.crn, "parole")
    assert context["person"] == person
    assert context["tab"] == "parole"
    assert context["can_work_on_case"] is True
    assert {"status", "com", "licence"} <= set(context)
    loaded = context["person"]
    assert pages.case_header(_request(manager), loaded, "x")["can_work_on_case"] is True
    assert (
        pages.case_header(_request(manager), loaded, "x", can_work_on_case=False)[
            "can_work_on_case"
        ]
        is False
    )


def test_summary_error_is_one_entry_linked_to_nothing():
    assert summary_error("Reload the page.") == [{"text": "Reload the page.", "href": ""}]
    assert summary_error(RecallError("Refused.")) == [{"text": "Refused.", "href": ""}]
