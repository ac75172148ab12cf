"""No path, query string or search term reaches a log line in any form (issue 18): non-ASCII,
percent-encoded and very long paths, searches, 404s, 500s, CSRF refusals, runserver's access
line and the development e-mail backend, through the configured handlers
(ippcase/platform/logs.py; docs/operations.md, "Logs")."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core import mail
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client, override_settings

from ippcase.cases import selectors
from ippcase.platform import logs
from tests.conftest import client_for
from tests.test_logging import captured  # noqa: F401 - the fixture

# A name with an accent, so that Django's escaped form (Quennell\xe9), JSON's (\u00e9) and the
# percent-encoded one (%C3%A9) all differ from the raw one; the ASCII parts survive them all.
NAME = "Delroy Quennellé"
SECRETS = ("delroy", "quennell")


def assert_nothing_of_the_name(text: str) -> None:
    lowered = text.lower()
    assert not [s for s in SECRETS if s in lowered], text


def test_non_ascii_percent_encoded_and_long_paths_and_searches_are_never_logged(
    captured,  # noqa: F811
    practitioner,
    monkeypatch,
):
    client = client_for(practitioner)
    client.raise_request_exception = False
    encoded = "Delroy%20Quennell%C3%A9"
    urls = [
        f"/recall/cases/{encoded}/concerns/",  # the case of issue 18: a 404
        f"/cases/{encoded}/?q={encoded}",
        "/cases/" + "Delroy" * 700 + "/",  # 4,200 characters
        f"/search/?q={encoded}",
        f"/cases/?q={encoded}&page=2",
        f"/no-such-page/{encoded}/",  # unresolved
        f"/cases/{encoded}%0A/",  # a control character too
    ]
    for url in urls:
        assert client.get(url).status_code in (200, 404), url

    # A 500 on a path that holds the name.
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(NAME)

    monkeypatch.setattr(selectors, "person_for_user", broken)
    assert client.get(f"/cases/{encoded}/timeline/?q={encoded}").status_code == 500
    monkeypatch.undo()

    # A CSRF refusal (django.security.csrf) on a path and with a Referer that hold the name.
    strict = Client(enforce_csrf_checks=True, raise_request_exception=False)
    strict.force_login(practitioner)
    refused = strict.post(
        f"/recall/cases/{encoded}/concerns/add/",
        {"description": NAME},
        headers={"referer": f"https://localhost/cases/{encoded}/"},
        secure=True,
    )
    assert refused.status_code == 403

    text = captured.text
    assert_nothing_of_the_name(text)
    records = captured.records()
    messages = [str(r["message"]) for r in records if r["logger"] == "django.request"]
    assert "Not Found: recall/cases/<str:crn>/concerns/" in messages
    assert "Not Found: (unresolved)" in messages
    assert "Internal Server Error: cases/<str:crn>/timeline/" in messages
    csrf = [r for r in records if r["logger"] == "django.security.csrf"]
    assert csrf and str(csrf[0]["message"]) == "Forbidden: recall/cases/<str:crn>/concerns/add/"


def _runserver_line(format_: str, *args: object) -> None:
    """What runserver's request handler logs (django.core.servers.basehttp)."""
    handler = SimpleNamespace(request=None, log_date_time_string=lambda: "05/Dec/2026 10:00:00")
    WSGIRequestHandler.log_message(handler, format_, *args)  # type: ignore[arg-type]


def test_runserver_access_and_error_lines_keep_the_method_and_status_only(captured):  # noqa: F811
    access = '"%s" %s %s'
    _runserver_line(access, "GET /cases/Delroy%20Quennell%C3%A9/?q=Delroy HTTP/1.1", "404", "9")
    _runserver_line('"%s" %s %s', "POST /recall/cases/" + "Delroy" * 700 + " HTTP/1.1", "302", "0")
    _runserver_line("code %d, message %s", 400, "Bad request syntax ('GET /Delroy\x00 HTTP/1.1')")
    _runserver_line('"%s" %s %s', "GET /cases/Quennell\xe9 HTTP/1.1", "200", "10")
    assert_nothing_of_the_name(captured.text)
    lines = [r for r in captured.records() if r["logger"] == "django.server"]
    assert [r["message"] for r in lines] == [
        "GET (path withheld) 404",
        "POST (path withheld) 302",
        "(runserver message withheld)",
        "GET (path withheld) 200",
    ]


def test_every_configured_log_handler_redacts_paths():
    """Django's own default handlers (runserver's django.server handler, the django logger's
    console and mail_admins handlers) would print paths unfiltered: every handler that the
    settings leave on any logger carries the redaction filter."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    unfiltered = {
        (logger.name, type(handler).__name__)
        for logger in loggers
        for handler in logger.handlers
        if not type(handler).__module__.startswith("_pytest")
        and not isinstance(handler, logging.NullHandler)
        and not any(isinstance(f, logs.RedactPathFilter) for f in handler.filters)
    }
    assert unfiltered == set()
    server = logging.getLogger("django.server")
    assert server.handlers or server.propagate, "runserver's lines go nowhere"


def test_no_default_email_backend_prints_messages():
    for name in ("ippcase/settings/base.py", "ippcase/settings/dev.py", "docker-compose.yml"):
        assert "console.EmailBackend" not in (Path(settings.BASE_DIR) / name).read_text(), name


def test_the_development_email_backend_keeps_messages_out_of_the_logs(
    captured,  # noqa: F811
    tmp_path,
    capsys,
):
    with override_settings(
        EMAIL_BACKEND="ippcase.platform.mail.FileEmailBackend", EMAIL_FILE_PATH=str(tmp_path)
    ):
        sent = mail.send_mail(f"About {NAME}", f"{NAME} X123456", "from@x", ["to@x"])
    assert sent == 1
    written = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "Delroy" in written  # the developer can read the message in the file
    out = capsys.readouterr()
    assert_nothing_of_the_name(out.out + out.err + captured.text)
    (line,) = [r for r in captured.records() if r["logger"] == "ippcase.platform.mail"]
    assert str(line["message"]).startswith("1 email written to ")
