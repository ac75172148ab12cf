"""Changing the case record, under ``cases/<crn>/change/`` (ippcase/urls.py)."""

from __future__ import annotations

from django.urls import path

from ippcase.cases.record import views

urlpatterns = [
    path("details/", views.change_person_details, name="change_person_details"),
    path("sentence/", views.change_sentence, name="change_sentence"),
    path("offences/add/", views.add_offence, name="add_offence"),
    path("offences/<int:pk>/", views.change_offence, name="change_offence"),
    path("risk/", views.change_risk, name="change_risk"),
    path("circumstances/", views.change_circumstances, name="change_circumstances"),
    path("victims/", views.change_victims, name="change_victims"),
]
