"""URLs of the recall app, mounted at /recall/: the person-scoped tabs under cases/<crn>/, the
recommendation (task list, sections, oversight, letter) under recommendations/<id>/, PPCS's queue
and requests under ppcs/, what is recorded on an authorised recall under recalls/<id>/."""

from __future__ import annotations

from django.urls import path

from recall.evidence import views as evidence
from recall.report import views as report
from recall.views import (
    check,
    concerns,
    corrections,
    dossiers,
    meetings,
    new_actions,
    oversight,
    ppcs,
    recall_tab,
    recalls,
    recommendation,
)

app_name = "recall"
urlpatterns = [
    path("cases/<str:crn>/concerns/", concerns.concerns, name="concerns"),
    path("cases/<str:crn>/concerns/add/", concerns.concern_add, name="concern_add"),
    path("cases/<str:crn>/actions/add/", concerns.action_add, name="action_add"),
    path(
        "cases/<str:crn>/concerns/<int:pk>/correct/",
        corrections.concern_correct,
        name="concern_correct",
    ),
    path(
        "cases/<str:crn>/concerns/<int:pk>/strike-out/",
        corrections.concern_strike_out,
        name="concern_strike_out",
    ),
    path(
        "cases/<str:crn>/actions/<int:pk>/correct/",
        corrections.action_correct,
        name="action_correct",
    ),
    path(
        "cases/<str:crn>/actions/<int:pk>/strike-out/",
        corrections.action_strike_out,
        name="action_strike_out",
    ),
    path("cases/<str:crn>/recall/", recall_tab.person_recall, name="person_recall"),
    path("cases/<str:crn>/recall/start/", recall_tab.recommendation_start, name="start"),
    path("recommendations/<int:rec_id>/", recommendation.recommendation, name="recommendation"),
    path(
        "recommendations/<int:rec_id>/send/",
        recommendation.send_for_countersignature,
        name="send",
    ),
    path("recommendations/<int:rec_id>/submit/", recommendation.submit, name="submit"),
    # Issue 16: check your answers before each step, and a confirmation page after it.
    path("recommendations/<int:rec_id>/send/check/", check.send_check, name="send_check"),
    path("recommendations/<int:rec_id>/send/done/", check.sent, name="sent"),
    path("recommendations/<int:rec_id>/submit/check/", check.submit_check, name="submit_check"),
    path("recommendations/<int:rec_id>/submit/done/", check.submitted, name="submitted"),
    path("recommendations/<int:rec_id>/withdraw/", recommendation.withdraw, name="withdraw"),
    path("recommendations/<int:rec_id>/oversight/", oversight.oversight, name="oversight"),
    path("recommendations/<int:rec_id>/letter.pdf", dossiers.dntr_letter, name="letter"),
    path("recommendations/<int:rec_id>/dossiers/", dossiers.dossier_list, name="dossiers"),
    path("dossiers/<int:dossier_id>.pdf", dossiers.dossier_download, name="dossier_download"),
    path(
        "recommendations/<int:rec_id>/alternatives/add-new-actions/",
        new_actions.add_new_actions,
        name="add_new_actions",
    ),
    # Evidence (issue 15): before the section pattern, which would take "evidence" as a slug.
    path("recommendations/<int:rec_id>/evidence/", evidence.evidence_list, name="evidence"),
    path("recommendations/<int:rec_id>/evidence/add/", evidence.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/remove/", evidence.evidence_remove, name="evidence_remove"),
    path("evidence/<int:pk>/withhold/", evidence.evidence_withhold, name="evidence_withhold"),
    path("recommendations/<int:rec_id>/<slug:slug>/", recommendation.section, name="section"),
    path(
        "recommendations/<int:rec_id>/<slug:slug>/findings/",
        recommendation.section_findings,
        name="section_findings",
    ),
]
urlpatterns += [
    path("ppcs/", ppcs.ppcs_queue, name="ppcs_queue"),
    path("ppcs/requests/<int:rec_id>/", ppcs.ppcs_request, name="ppcs_request"),
    path("ppcs/requests/<int:rec_id>/take/", ppcs.ppcs_take, name="ppcs_take"),
    path("ppcs/requests/<int:rec_id>/decide/", ppcs.ppcs_decision, name="ppcs_decide"),
    path(
        "ppcs/requests/<int:rec_id>/authorise/",
        ppcs.ppcs_authorise_confirm,
        name="ppcs_authorise",
    ),
    path("ppcs/requests/<int:rec_id>/stop/", ppcs.ppcs_stop, name="ppcs_stop"),
    path(
        "recalls/<int:rec_id>/return-to-custody/",
        recalls.record_return_to_custody,
        name="record_rtc",
    ),
    path("recalls/<int:rec_id>/progress/", recalls.record_progress, name="record_progress"),
    path(
        "recalls/<int:rec_id>/charge-outcome/",
        recalls.record_charge_outcome,
        name="record_charge_outcome",
    ),
    path("requests/<int:rec_id>/resubmit/", recall_tab.resubmit, name="resubmit"),
]
# Multi-agency meetings and panels on a case, and the actions they agree (issue 19).
urlpatterns += [
    path("cases/<str:crn>/meetings/", meetings.meetings, name="meetings"),
    path("cases/<str:crn>/meetings/add/", meetings.meeting_add, name="meeting_add"),
    path("cases/<str:crn>/meetings/<int:pk>/", meetings.meeting, name="meeting"),
    path(
        "cases/<str:crn>/meetings/<int:pk>/actions/add/",
        meetings.meeting_action_add,
        name="meeting_action_add",
    ),
    path(
        "cases/<str:crn>/meetings/<int:pk>/strike-out/",
        meetings.meeting_strike_out,
        name="meeting_strike_out",
    ),
    path(
        "cases/<str:crn>/meeting-actions/<int:pk>/done/",
        meetings.meeting_action_done,
        name="meeting_action_done",
    ),
    path(
        "cases/<str:crn>/meetings/<int:pk>/correct/",
        meetings.meeting_correct,
        name="meeting_correct",
    ),
    path(
        "cases/<str:crn>/meeting-actions/<int:pk>/correct/",
        meetings.meeting_action_correct,
        name="meeting_action_correct",
    ),
]
# The recall report (Part B; issue 15): on the recall an authorised recommendation became.
urlpatterns += [
    path("recalls/<int:rec_id>/report/", report.report, name="report"),
    path("recalls/<int:rec_id>/report/start/", report.report_start, name="report_start"),
    path("recalls/<int:rec_id>/report/send/", report.report_send, name="report_send"),
    path(
        "recalls/<int:rec_id>/report/countersign/",
        report.report_countersign,
        name="report_countersign",
    ),
    path("recalls/<int:rec_id>/report/submit/", report.report_submit, name="report_submit"),
    path("recalls/<int:rec_id>/report/served/", report.report_served, name="report_served"),
    path("recalls/<int:rec_id>/report/<slug:slug>/", report.report_section, name="report_section"),
]
