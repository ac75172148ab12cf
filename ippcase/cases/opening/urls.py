"""The "Open a case" pages, under ``cases/new/`` (mounted before ``cases/<crn>/``)."""

from __future__ import annotations

from django.urls import path

from ippcase.cases.opening import check_views, views

urlpatterns = [
    path("", views.start, name="open_case_start"),
    path("person/", views.person, name="open_case_person"),
    path("sentence/", views.sentence, name="open_case_sentence"),
    path("offences/", views.offences, name="open_case_offences"),
    path("risk/", views.risk, name="open_case_risk"),
    path("releases/", views.releases, name="open_case_releases"),
    path("conditions/", views.conditions, name="open_case_conditions"),
    path("allocation/", views.allocation, name="open_case_allocation"),
    path("check/", check_views.check, name="open_case_check"),
    path("cancel/", views.cancel, name="open_case_cancel"),
]
