"""Load test: demo users of each role using the app as they would (issue 6).

Run by ``bench/bench_load.py`` (``make bench-load``), which seeds the database, starts gunicorn
and writes the sign-ins to the JSON file named by ``IPPCASE_LOCUST_USERS``:
``{"password": ..., "practitioner": [usernames], "manager": [...], "ppcs": [...]}``. Each
simulated user signs in once (the sign-in form, with its CSRF token) as a demo user of its role,
then browses with a few seconds' thinking time between pages:

* practitioners (most users): their caseload, a person's overview, concerns, timeline, recall;
* managers: the dashboard, whose page then fetches each of its panels (as the browser does with
  HTMX: the page itself computes none), and single panels;
* PPCS caseworkers: the PPCS queue, the national parole report, and now and then a new version
  of a recall dossier (the Celery worker then renders the PDF).

By hand, against a running server::

    IPPCASE_LOCUST_USERS=users.json .venv/bin/locust -f bench/locustfile.py \\
        --host http://127.0.0.1:8000 --headless -u 30 -r 5 --run-time 2m
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from pathlib import Path
from typing import Any, ClassVar

from locust import HttpUser, between, task

_USERS: dict[str, Any] = json.loads(Path(os.environ["IPPCASE_LOCUST_USERS"]).read_text())
_LOCK = threading.Lock()
_NEXT = {role: itertools.cycle(_USERS[role]) for role in ("practitioner", "manager", "ppcs")}

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/([A-Z0-9]+)/"')
PANEL_LINK = re.compile(r"/dashboard/panels/([a-z0-9-]+)(?:/|\.csv)")
DOSSIER_KIND = re.compile(r'name="kind" type="radio" value="([a-z_]+)"')


class SignedIn(HttpUser):
    abstract = True
    role: ClassVar[str]
    wait_time = between(1, 5)

    def on_start(self) -> None:
        with _LOCK:
            self.username = next(_NEXT[self.role])
        page = self.client.get("/sign-in/", name="/sign-in/")
        token = CSRF.search(page.text)
        assert token, "no CSRF token on the sign-in page"
        with self.client.post(
            "/sign-in/",
            data={
                "username": self.username,
                "password": _USERS["password"],
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": f"{self.host}/sign-in/"},
            name="/sign-in/ (POST)",
            catch_response=True,
        ) as response:
            if "/sign-in/" in response.url:
                response.failure(f"sign-in refused for {self.username}")


class Practitioner(SignedIn):
    role = "practitioner"
    weight = 6

    def on_start(self) -> None:
        super().on_start()
        self.crns = CASE_LINK.findall(self.client.get("/cases/", name="/cases/").text) or []

    def _crn(self) -> str | None:
        return random.choice(self.crns) if self.crns else None

    @task(4)
    def caseload(self) -> None:
        self.client.get("/cases/", name="/cases/")

    @task(5)
    def person(self) -> None:
        if crn := self._crn():
            self.client.get(f"/cases/{crn}/", name="/cases/<crn>/")

    @task(4)
    def concerns(self) -> None:
        if crn := self._crn():
            self.client.get(f"/recall/cases/{crn}/concerns/", name="/recall/cases/<crn>/concerns/")

    @task(1)
    def timeline(self) -> None:
        if crn := self._crn():
            self.client.get(f"/cases/{crn}/timeline/", name="/cases/<crn>/timeline/")

    @task(1)
    def recall(self) -> None:
        if crn := self._crn():
            self.client.get(f"/recall/cases/{crn}/recall/", name="/recall/cases/<crn>/recall/")


class Manager(SignedIn):
    role = "manager"
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        page = self.client.get("/dashboard/", name="/dashboard/")
        self.panels = sorted(set(PANEL_LINK.findall(page.text)))

    def _panel(self, slug: str) -> None:
        self.client.get(
            f"/dashboard/panels/{slug}/",
            headers={"HX-Request": "true"},
            name="/dashboard/panels/<slug>/",
        )

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", name="/dashboard/")
        for slug in self.panels:  # one after another: locust users are not browsers
            self._panel(slug)

    @task(3)
    def panel(self) -> None:
        if self.panels:
            self._panel(random.choice(self.panels))

    @task(1)
    def caseload(self) -> None:
        self.client.get("/cases/", name="/cases/")


class Ppcs(SignedIn):
    role = "ppcs"
    weight = 1

    @task(6)
    def queue(self) -> None:
        self.client.get("/recall/ppcs/", name="/recall/ppcs/")

    @task(2)
    def parole_report(self) -> None:
        self.client.get("/parole/report/", name="/parole/report/")

    @task(1)
    def dossier(self) -> None:
        recommendations = _USERS.get("dossier_recommendations") or []
        if not recommendations:
            return
        url = f"/recall/recommendations/{random.choice(recommendations)}/dossiers/"
        page = self.client.get(url, name="/recall/recommendations/<id>/dossiers/")
        token, kind = CSRF.search(page.text), DOSSIER_KIND.search(page.text)
        if token and kind:
            self.client.post(
                url,
                data={"kind": kind.group(1), "csrfmiddlewaretoken": token.group(1)},
                headers={"Referer": f"{self.host}{url}"},
                name="/recall/recommendations/<id>/dossiers/ (POST)",
            )
