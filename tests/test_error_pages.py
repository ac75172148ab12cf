"""The service's own GOV.UK error pages (issue 16; docs/accessibility.md): 404, 403 and 500, and
`make run` showing them rather than Django's debug page with its map of every URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import loader
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from ippcase.platform import devrun
from tests.conftest import client_for

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG_PAGE_MARKS = ("Using the URLconf", "URLconf", "Django tried these URL patterns", "Traceback")


def assert_govuk_error_page(html: str, title: str) -> None:
    assert f"<title>{title} \u2013 IPP case \u2013 HMPPS</title>" in html
    assert f'<h1 class="govuk-heading-l">{title}</h1>' in html
    assert 'class="govuk-template__body"' in html and "govuk-header" in html
    assert "govuk-frontend.min.css" in html
    for mark in DEBUG_PAGE_MARKS:
        assert mark not in html
    assert "cases/&lt;str:crn&gt;" not in html and "cases/<str:crn>" not in html


def test_a_mistyped_crn_shows_page_not_found(db, practitioner):
    response = client_for(practitioner).get(reverse("person_overview", args=["X999999"]))
    assert response.status_code == 404
    assert_govuk_error_page(response.content.decode(), "Page not found")
    assert "check it is correct" in response.content.decode()


def test_an_address_that_matches_no_url_shows_page_not_found(db, practitioner):
    response = client_for(practitioner).get("/cases-typo/X999999/")
    assert response.status_code == 404
    assert_govuk_error_page(response.content.decode(), "Page not found")


def test_a_page_the_role_does_not_allow_shows_the_403_page(db, practitioner):
    response = client_for(practitioner).get(reverse("notification_outbox"))
    assert response.status_code == 403
    assert_govuk_error_page(response.content.decode(), "You cannot view this page")


def test_a_server_error_shows_the_500_page(db, practitioner, monkeypatch):
    from ippcase.cases import selectors

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("broken")

    monkeypatch.setattr(selectors, "build_timeline", broken)
    failing = Client(raise_request_exception=False)
    failing.force_login(practitioner)
    from tests import factories

    person = factories.PersonFactory(team=practitioner.team)
    response = failing.get(reverse("person_timeline", args=[person.crn]))
    assert response.status_code == 500
    assert_govuk_error_page(response.content.decode(), "Sorry, there is a problem with the service")


def test_the_500_page_needs_no_request_or_context():
    # Django's server_error renders 500.html with no request and an empty context.
    html = loader.get_template("500.html").render()
    assert_govuk_error_page(html, "Sorry, there is a problem with the service")
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert_govuk_error_page(response.content.decode(), "Sorry, there is a problem with the service")


def _dev_settings(**env: str) -> str:
    """Import the `make run` settings in a fresh interpreter; ask for a page that is not there."""
    script = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'ippcase.settings.dev'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "from django.test.utils import setup_test_environment\n"
        "setup_test_environment()\n"
        "print('DEBUG', settings.DEBUG)\n"
        "html = Client().get('/no-such-page/').content.decode()\n"
        "print('PAGE', '\"govuk-heading-l\">Page not found' in html, 'URLconf' in html)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update(env)
    assert environment.get("DATABASE_URL") and environment.get("REDIS_URL")  # no embedded start
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_make_run_shows_the_404_page_not_the_url_map():
    out = _dev_settings()
    assert "DEBUG False" in out
    assert "PAGE True False" in out


def test_the_debug_page_is_only_there_when_asked_for():
    out = _dev_settings(DJANGO_DEBUG="1")
    assert "DEBUG True" in out
    assert "PAGE False True" in out


def test_make_run_serves_the_static_files_with_debug_off():
    command = devrun.web_command(["python", "manage.py"], "8000")
    assert command[2:] == ["runserver", "127.0.0.1:8000", "--noreload", "--insecure"]


@pytest.mark.parametrize("name", ["404.html", "403.html", "500.html"])
def test_each_error_template_has_a_unique_title(name):
    titles = {
        "404.html": "Page not found",
        "403.html": "You cannot view this page",
        "500.html": "Sorry, there is a problem with the service",
    }
    assert_govuk_error_page(loader.get_template(name).render(), titles[name])
