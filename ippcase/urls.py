from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ippcase.caseload import home_views, unallocated_views
from ippcase.caseload import views as caseload_views
from ippcase.cases import audit_views
from ippcase.cases import views as case_views
from ippcase.platform import health, inbox_views, outbox_views, signin
from ippcase.reporting import views as dashboard_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("search/", home_views.search, name="search"),
    path("sign-in/", signin.SignInView.as_view(), name="login"),
    path(
        "sign-in/set-password/<uidb64>/<token>/",
        signin.SetPasswordView.as_view(),
        name="set_password",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", health.healthz, name="healthz"),
    path("cases/", caseload_views.caseload, name="caseload"),
    path("cases/unallocated/", unallocated_views.unallocated, name="unallocated"),
    path("cases/new/", include("ippcase.cases.opening.urls")),
    path("cases/<str:crn>/", case_views.person_overview, name="person_overview"),
    path("cases/<str:crn>/sentence/", case_views.person_sentence, name="person_sentence"),
    path("cases/<str:crn>/timeline/", case_views.person_timeline, name="person_timeline"),
    path("cases/<str:crn>/history/", case_views.person_history, name="person_history"),
    path("cases/<str:crn>/viewed-by/", audit_views.person_viewers, name="person_viewers"),
    path("cases/<str:crn>/allocation/", include("ippcase.cases.allocation.urls")),
    path("cases/<str:crn>/change/", include("ippcase.cases.record.urls")),
    path("cases/<str:crn>/", include("ippcase.cases.licence_record.urls")),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/figures/<slug:slug>/", dashboard_views.figure_people, name="dashboard_people"),
    path(
        "dashboard/positions/<slug:slug>/",
        dashboard_views.position_people,
        name="dashboard_position_people",
    ),
    path(
        "dashboard/multi-agency/no-panel/",
        dashboard_views.no_panel_people,
        name="dashboard_no_panel",
    ),
    path("dashboard/figures.zip", dashboard_views.csv_zip, name="dashboard_csv_zip"),
    path("dashboard/panels/<slug:slug>.csv", dashboard_views.panel_csv, name="dashboard_panel_csv"),
    path("dashboard/panels/<slug:slug>/", dashboard_views.panel, name="dashboard_panel"),
    path(
        "dashboard/practitioners/<str:username>/",
        dashboard_views.practitioner_caseload,
        name="dashboard_practitioner",
    ),
    path("notifications/", outbox_views.notification_outbox, name="notification_outbox"),
    path(
        "notifications/<int:pk>/retry/",
        outbox_views.notification_retry,
        name="notification_retry",
    ),
    path("notifications/mine/", inbox_views.inbox_list, name="inbox"),
    path("notifications/mine/<int:pk>/open/", inbox_views.inbox_open, name="inbox_open"),
    path("notifications/mine/read/", inbox_views.inbox_mark_all_read, name="inbox_mark_all_read"),
    path("administration/", include("ippcase.organisation.urls")),
    path("recall/", include("recall.urls")),
    path("parole/", include("parole.urls")),
    path("", include("ippcase.quality.urls")),
    path("django-admin/", admin.site.urls),
]

# Single sign-on over OpenID Connect, only when it is switched on (docs/security.md): the start
# (/oidc/authenticate/), the return from the provider (/oidc/callback/) and its sign-out.
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
