"""The administration area, mounted at ``administration/`` (URL names are global)."""

from __future__ import annotations

from django.urls import path

from ippcase.organisation.views import staff, structure

urlpatterns = [
    path("", structure.home, name="administration"),
    path("regions/new/", structure.region_new, name="admin_region_new"),
    path("regions/<slug:code>/", structure.region, name="admin_region"),
    path("pdus/new/", structure.pdu_new, name="admin_pdu_new"),
    path("pdus/<slug:code>/", structure.pdu, name="admin_pdu"),
    path("teams/new/", structure.team_new, name="admin_team_new"),
    path("teams/<slug:code>/", structure.team, name="admin_team"),
    path(
        "teams/<slug:code>/panel-period/",
        structure.team_panel_period,
        name="admin_team_panel_period",
    ),
    path("staff/", staff.staff_list, name="admin_staff"),
    path("staff/new/", staff.staff_new, name="admin_staff_new"),
    path("staff/<int:pk>/", staff.staff_member, name="admin_staff_member"),
    path("staff/<int:pk>/roles/", staff.staff_roles, name="admin_staff_roles"),
    path("staff/<int:pk>/team/", staff.staff_team, name="admin_staff_team"),
    path("staff/<int:pk>/unlock/", staff.staff_unlock, name="admin_staff_unlock"),
    path("staff/<int:pk>/deactivate/", staff.staff_deactivate, name="admin_staff_deactivate"),
    path("staff/<int:pk>/reactivate/", staff.staff_reactivate, name="admin_staff_reactivate"),
]
