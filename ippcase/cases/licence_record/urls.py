from __future__ import annotations

from django.urls import path

from ippcase.cases.licence_record import views

urlpatterns = [
    path("releases/new/", views.record_release, name="record_release"),
    path("licence/", views.licence_conditions, name="licence_conditions"),
    path("licence/add/", views.add_condition, name="add_condition"),
    path("licence/<int:pk>/vary/", views.vary_condition, name="vary_condition"),
    path("licence/<int:pk>/end/", views.end_condition, name="end_condition"),
]
