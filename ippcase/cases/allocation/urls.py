"""The allocation pages of a case, mounted at cases/<crn>/allocation/ (ippcase/urls.py)."""

from __future__ import annotations

from django.urls import path

from ippcase.cases.allocation import views

urlpatterns = [
    path("", views.transfer_case, name="transfer_case"),
    path("<slug:team_code>/", views.transfer_case_to_team, name="transfer_case_to_team"),
]
