"""URLs of the parole app, mounted at /parole/: the report, and a person's Parole tab with its
action pages under cases/<crn>/."""

from __future__ import annotations

from django.urls import URLPattern, path

from parole.views import case, report

app_name = "parole"
urlpatterns: list[URLPattern] = [
    # Report (issue 5)
    path("report/", report.report, name="report"),
    # The Parole tab and its actions
    path("cases/<str:crn>/", case.person_parole, name="person_parole"),
    path("cases/<str:crn>/recalls/<int:pk>/refer/", case.action_view("refer"), name="refer"),
    path("cases/<str:crn>/recalls/<int:pk>/rarr/", case.action_view("rarr"), name="rarr"),
    path(
        "cases/<str:crn>/recalls/<int:pk>/re-release/",
        case.action_view("re_release"),
        name="re_release",
    ),
    path(
        "cases/<str:crn>/reviews/<int:pk>/details/",
        case.action_view("review_details"),
        name="review_details",
    ),
    path(
        "cases/<str:crn>/reviews/<int:pk>/decision/",
        case.action_view("review_decision"),
        name="review_decision",
    ),
    path(
        "cases/<str:crn>/reviews/<int:pk>/adjournments/add/",
        case.action_view("delay_add"),
        name="delay_add",
    ),
    path(
        "cases/<str:crn>/adjournments/<int:pk>/told/",
        case.action_view("delay_told"),
        name="delay_told",
    ),
    path(
        "cases/<str:crn>/termination/refer/",
        case.action_view("termination_refer"),
        name="termination_refer",
    ),
    path(
        "cases/<str:crn>/termination/<int:pk>/decision/",
        case.action_view("termination_decision"),
        name="termination_decision",
    ),
]
