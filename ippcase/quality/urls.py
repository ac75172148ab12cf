"""URLs of quality assurance (issue 19): the samples and reviews under /quality/, and the case's
reviews page under /cases/<crn>/ (included at the root from ippcase/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from ippcase.quality import views

app_name = "quality"
urlpatterns: list[URLPattern] = [
    path("quality/samples/", views.samples, name="samples"),
    path("quality/samples/new/", views.sample_new, name="sample_new"),
    path("quality/samples/<int:pk>/", views.sample, name="sample"),
    path("quality/decisions/<int:pk>/review/", views.review, name="review"),
    path("cases/<str:crn>/quality-reviews/", views.person_reviews, name="person_reviews"),
]
