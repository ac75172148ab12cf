"""URLs of quality assurance (issue 19): the samples and reviews under /quality/, and the case's
reviews page under /cases/<crn>/ (included at the root from ippcase/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from ippcase.quality import report_views, views

app_name = "quality"
urlpatterns: list[URLPattern] = [
    path("quality/samples/", views.samples, name="samples"),
    path("quality/samples/new/", views.sample_new, name="sample_new"),
    path("quality/samples/<int:pk>/", views.sample, name="sample"),
    path("quality/samples/<int:pk>/report/", report_views.sample_report, name="report"),
    path("quality/samples/<int:pk>/report.pdf", report_views.report_pdf, name="report_pdf"),
    path("quality/samples/<int:pk>/report.csv", report_views.report_csv, name="report_csv"),
    path("quality/trend/", report_views.trend, name="trend"),
    path("quality/decisions/<int:pk>/review/", views.review, name="review"),
    path("cases/<str:crn>/quality-reviews/", views.person_reviews, name="person_reviews"),
]
