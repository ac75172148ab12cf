from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import dashboard_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("cases/", views.caseload, name="caseload"),
    path("cases/<str:crn>/", views.person_overview, name="person_overview"),
    path("cases/<str:crn>/sentence/", views.person_sentence, name="person_sentence"),
    path("cases/<str:crn>/timeline/", views.person_timeline, name="person_timeline"),
    path("cases/<str:crn>/history/", views.person_history, name="person_history"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/panels/<slug:slug>.csv", dashboard_views.panel_csv, name="dashboard_panel_csv"),
    path("dashboard/panels/<slug:slug>/", dashboard_views.panel, name="dashboard_panel"),
    path(
        "dashboard/practitioners/<str:username>/",
        dashboard_views.practitioner_caseload,
        name="dashboard_practitioner",
    ),
    path("recall/", include("recall.urls")),
    path("parole/", include("parole.urls")),
    path("django-admin/", admin.site.urls),
]
