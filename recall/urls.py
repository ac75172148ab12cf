"""URLs of the recall app, mounted at /recall/: the person-scoped tabs under cases/<crn>/, the
recommendation (task list, sections, oversight, letter) under recommendations/<id>/."""

from __future__ import annotations

from django.urls import path

from recall import views

app_name = "recall"
urlpatterns = [
    path("cases/<str:crn>/concerns/", views.concerns, name="concerns"),
    path("cases/<str:crn>/concerns/add/", views.concern_add, name="concern_add"),
    path("cases/<str:crn>/actions/add/", views.action_add, name="action_add"),
    path("cases/<str:crn>/recall/", views.person_recall, name="person_recall"),
    path("cases/<str:crn>/recall/start/", views.recommendation_start, name="start"),
    path("recommendations/<int:rec_id>/", views.recommendation, name="recommendation"),
    path(
        "recommendations/<int:rec_id>/send/",
        views.send_for_countersignature,
        name="send",
    ),
    path("recommendations/<int:rec_id>/submit/", views.submit, name="submit"),
    path("recommendations/<int:rec_id>/withdraw/", views.withdraw, name="withdraw"),
    path("recommendations/<int:rec_id>/oversight/", views.oversight, name="oversight"),
    path("recommendations/<int:rec_id>/letter.pdf", views.dntr_letter, name="letter"),
    path("recommendations/<int:rec_id>/dossiers/", views.dossier_list, name="dossiers"),
    path("dossiers/<int:dossier_id>.pdf", views.dossier_download, name="dossier_download"),
    path("recommendations/<int:rec_id>/<slug:slug>/", views.section, name="section"),
    path(
        "recommendations/<int:rec_id>/<slug:slug>/findings/",
        views.section_findings,
        name="section_findings",
    ),
]
urlpatterns += [
    path("ppcs/", views.ppcs_queue, name="ppcs_queue"),
    path("ppcs/requests/<int:rec_id>/", views.ppcs_request, name="ppcs_request"),
    path("ppcs/requests/<int:rec_id>/take/", views.ppcs_take, name="ppcs_take"),
    path("ppcs/requests/<int:rec_id>/decide/", views.ppcs_decision, name="ppcs_decide"),
    path("ppcs/requests/<int:rec_id>/stop/", views.ppcs_stop, name="ppcs_stop"),
    path(
        "recalls/<int:rec_id>/return-to-custody/",
        views.record_return_to_custody,
        name="record_rtc",
    ),
    path("recalls/<int:rec_id>/progress/", views.record_progress, name="record_progress"),
    path(
        "recalls/<int:rec_id>/charge-outcome/",
        views.record_charge_outcome,
        name="record_charge_outcome",
    ),
    path("requests/<int:rec_id>/resubmit/", views.resubmit, name="resubmit"),
]
