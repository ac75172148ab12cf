"""URLs of the parole app. Its pages arrive with their own issue; the namespace is reserved now."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "parole"
urlpatterns: list[URLPattern] = []
