"""Structured logs: JSON records with a request id, a user id and a task id, and never a
person's name, CRN or date of birth (ippcase/platform/logs.py, ippcase/platform/middleware.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab
from ippcase.cases import selectors
from ippcase.models import Person
from ippcase.platform import logs
from ippcase.tasks import send_notifications
from recall import dossiers
from recall.vocab import DossierKind
from tests import factories
from tests.conftest import client_for

APP_LOGGERS = ("ippcase", "recall", "parole", "django", "celery", "weasyprint")


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def captured() -> Iterator[Captured]:
    """The configured console handler (settings.LOGGING: JSON formatter and its filters) writing
    to a buffer, with the app's loggers (and Django's and Celery's) at DEBUG."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, logs.JsonFormatter)
    ]
    assert handlers, "settings.LOGGING has no JSON console handler on the root logger"
    handler = handlers[0]
    stream = io.StringIO()
    previous_stream = handler.setStream(stream)
    levels = {name: logging.getLogger(name).level for name in APP_LOGGERS}
    for name in APP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield Captured(stream)
    finally:
        handler.setStream(previous_stream)  # type: ignore[arg-type]
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def seeded(team) -> Person:
    """A person whose name, CRN and date of birth are easy to find in any text."""
    return factories.make_case(
        team,
        recalled=False,
        first_name="Philippa",
        last_name="Quennell-Oduya",
        date_of_birth=dt.date(1984, 3, 7),
    )


def personal_data(person: Person) -> list[str]:
    dob = person.date_of_birth
    return [
        person.first_name,
        person.last_name,
        person.crn,
        dob.isoformat(),
        dob.strftime("%d/%m/%Y"),
        f"{dob.day} {dob:%B %Y}",
        f"datetime.date({dob.year}, {dob.month}, {dob.day})",
    ]


def assert_no_personal_data(text: str, person: Person) -> None:
    lowered = text.lower()
    found = [value for value in personal_data(person) if value.lower() in lowered]
    assert not found, f"personal data in the logs: {found}\n{text}"


def test_requests_and_tasks_over_a_person_never_log_their_name_crn_or_birth_date(
    captured,
    seeded,
    practitioner,
    manager,
    outsider,
    ppcs,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from tests.test_dossiers import _authorise, _submitted

    crn = seeded.crn
    client = client_for(practitioner)
    rid = "trace-4f1c2a"
    pages = [
        reverse("caseload") + f"?q={seeded.last_name}",
        reverse("person_overview", args=[crn]),
        reverse("person_sentence", args=[crn]),
        reverse("person_history", args=[crn]),
        reverse("recall:concerns", args=[crn]),
    ]
    for url in pages:
        response = client.get(url, headers={"X-Request-ID": rid})
        assert response.status_code == 200, url
        assert response["X-Request-ID"] == rid
    # A form posted with errors, and one that writes (a concern naming the person).
    concern_url = reverse("recall:concern_add", args=[crn])
    assert client.post(concern_url, {"description": seeded.first_name}).status_code == 200
    today = timezone.localdate() - dt.timedelta(days=1)
    written = client.post(
        concern_url,
        {
            "occurred_on-day": today.day,
            "occurred_on-month": today.month,
            "occurred_on-year": today.year,
            "description": f"{seeded.first_name} {seeded.last_name} seen drinking.",
            "source": "ap_staff",
        },
    )
    assert written.status_code == 302
    # A 404 whose path holds the CRN: someone from another PDU asking for the case.
    assert client_for(outsider).get(reverse("person_overview", args=[crn])).status_code == 404

    # A server error whose exception message quotes the person (as a database error's DETAIL
    # would): the traceback is logged, the message is not.
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"timeline failed for {seeded} born {seeded.date_of_birth}")

    monkeypatch.setattr(selectors, "build_timeline", broken)
    failing = Client(raise_request_exception=False)
    failing.force_login(practitioner)
    assert failing.get(reverse("person_timeline", args=[crn])).status_code == 500
    monkeypatch.undo()

    # Tasks: the outbox sender (a notification about the case), a task that fails quoting the
    # person, and a dossier built by the task (its PDF is full of personal data).
    from ippcase.core.notifications import notify

    notify(recipients=[manager], subject=f"Concern about {seeded}", body=str(seeded))
    sent = send_notifications.apply()
    assert sent.successful() and sent.result == 1

    def failing_send(*args: object, **kwargs: object) -> int:
        raise ValueError(f"could not send about {seeded} ({seeded.date_of_birth})")

    monkeypatch.setattr("ippcase.core.notifications.send_pending", failing_send)
    failed = send_notifications.apply()
    assert failed.failed()
    monkeypatch.undo()

    aco = factories.UserFactory(username="aco", roles=[vocab.Role.SENIOR_MANAGER], team=seeded.team)
    rec = _authorise(_submitted(seeded, practitioner, manager, aco), ppcs)
    with django_capture_on_commit_callbacks(execute=False):
        dossier = dossiers.dossier_request(rec_id=rec.pk, kind=DossierKind.DOSSIER, actor=ppcs)
    built = dossiers.build_dossier.apply(args=[dossier.pk])
    assert built.successful() and built.result is True

    text = captured.text
    records = captured.records()  # every line is one JSON object
    assert_no_personal_data(text, seeded)

    # The logs are not empty: they hold what happened, with ids instead of names.
    requests = [r for r in records if r["logger"] == "ippcase.requests"]
    assert {r["route"] for r in requests} >= {"cases/<str:crn>/", "cases/"}
    tagged = [r for r in requests if r["request_id"] == rid]
    assert len(tagged) == len(pages)
    assert all(r["user_id"] == practitioner.pk and r["status"] == 200 for r in tagged)
    not_found = [
        r for r in records if r["logger"] == "django.request" and r.get("status_code") == 404
    ]
    assert not_found and not_found[0]["user_id"] == outsider.pk
    assert "cases/<str:crn>/" in str(not_found[0]["message"])
    (error,) = [r for r in records if r["logger"] == "django.request" and r["level"] == "ERROR"]
    assert "cases/<str:crn>/timeline/" in str(error["message"])
    assert "RuntimeError" in str(error["exc_info"]) and "in broken" in str(error["exc_info"])
    assert "RuntimeError: (message withheld" in str(error["exc_info"])  # frames, no message
    (task_failure,) = [
        r for r in records if r["logger"] == "celery.app.trace" and r["level"] == "ERROR"
    ]
    assert task_failure["task_id"] == failed.id and "ValueError" in str(task_failure["message"])
    assert any(
        r["logger"] == "ippcase.core.notifications" and r["task_id"] == sent.id for r in records
    ), "the sender's own record has no task id"
    assert any(r["logger"] == "recall.dossiers" and r["task_id"] == built.id for r in records)


def test_a_request_id_is_generated_when_missing_or_not_an_id(captured, client, db):
    plain = client.get(reverse("healthz"))
    hostile = client.get(reverse("healthz"), headers={"X-Request-ID": "a b\nforged=1"})
    too_long = client.get(reverse("healthz"), headers={"X-Request-ID": "a" * 65})
    generated = [plain["X-Request-ID"], hostile["X-Request-ID"], too_long["X-Request-ID"]]
    assert all(len(g) == 32 and int(g, 16) >= 0 for g in generated)
    assert len(set(generated)) == 3
    logged = [r for r in captured.records() if r["logger"] == "ippcase.requests"]
    assert [r["request_id"] for r in logged] == generated
    assert all(r["user_id"] is None for r in logged)  # anonymous
    assert "forged" not in captured.text


def test_the_user_is_logged_by_numeric_id_never_by_username_or_name(
    captured, practitioner_client, practitioner
):
    assert practitioner_client.get(reverse("caseload")).status_code == 200
    (line,) = [r for r in captured.records() if r["logger"] == "ippcase.requests"]
    assert line["user_id"] == practitioner.pk and isinstance(line["user_id"], int)
    text = captured.text
    for value in (practitioner.username, practitioner.first_name, practitioner.last_name):
        assert value and value not in text


def test_extra_fields_outside_the_whitelist_are_dropped(captured):
    logging.getLogger("ippcase.test").warning(
        "done", extra={"person_name": "Philippa", "route": "cases/"}
    )
    (record,) = captured.records()
    assert record["route"] == "cases/" and "person_name" not in record
    assert {"time", "level", "logger", "message", "request_id", "user_id", "task_id"} <= set(record)


def test_a_task_logs_the_request_id_of_the_request_that_enqueued_it():
    """The id travels in a message header (before_task_publish) and is restored around the task
    (task_prerun / task_postrun); checked end to end by hand against a real worker, see
    docs/operations.md."""
    from types import SimpleNamespace

    token = logs.request_id_var.set("req-abc")
    try:
        headers: dict[str, object] = {}
        logs._before_publish(headers=headers)
    finally:
        logs.request_id_var.reset(token)
    assert headers == {logs.REQUEST_ID_HEADER: "req-abc"}
    task = SimpleNamespace(request=SimpleNamespace(**headers))
    logs._task_prerun(task_id="t-1", task=task)
    assert (logs.request_id_var.get(), logs.task_id_var.get()) == ("req-abc", "t-1")
    logs._task_postrun()
    assert (logs.request_id_var.get(), logs.task_id_var.get()) == (None, None)
