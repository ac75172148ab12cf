"""URLs of the parole app."""

from __future__ import annotations

from django.urls import URLPattern, path

from parole import views

app_name = "parole"
urlpatterns: list[URLPattern] = [
    # Report (issue 5)
    path("report/", views.report, name="report"),
]

from parole import case_views  # noqa: E402

urlpatterns += case_views.urlpatterns
