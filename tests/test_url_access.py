"""Every URL pattern of the project, requested as anonymous, as each role persona and as an
outsider of another PDU, with GET and with POST, against the ONE declared access table in
docs/permissions.md ("Access table, URL by URL"). A URL name without a row fails, so a new view
must be declared before it can land.

One data set (a person in the practitioner's team with a sentence, releases, a recall, parole
reviews, an adjournment, a termination referral, a supervision panel, and recall
recommendations at every stage with a dossier) serves every case; each request runs inside a
savepoint that is rolled back, so an allowed POST (taking a request, signing out) cannot change
what the next case sees. All mismatches are collected and reported at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from ippcase.models import Notification, Person, Recall
from ippcase.quality.models import QaItem, QaSample
from ippcase.reporting.panels import PANELS
from parole.models import Adjournment, ParoleReview, TerminationReferral
from recall.models import (
    ActionShortOfRecall,
    Concern,
    Dossier,
    EvidenceDocument,
    RecallRecommendation,
    RecallReport,
)
from recall.vocab import RecommendationStatus as Status
from tests import factories

PERMISSIONS_DOC = Path(settings.BASE_DIR) / "docs" / "permissions.md"
TABLE_HEADING = "## Access table, URL by URL"
PERSONAS = (
    "anonymous",
    "practitioner",
    "manager",
    "senior_manager",
    "ppcs",
    "admin_user",
    "no_role_user",
    "outsider",
)
METHODS = ("GET", "POST")
OUTCOMES = {"200", "302", "400", "403", "404", "405", "login"}
# The Django admin is declared by namespace: every one of its URLs is for staff only.
STAFF_ONLY_NAMESPACES = ("admin",)
STAFF_ONLY_EXCEPTIONS = {("admin:login", "200"), ("admin:logout", "302")}
# Floor on the number of cases, so that a broken walk (no URLs found) cannot pass quietly.
MIN_CASES = 1000


# ---------------------------------------------------------------------------------------------
# The declared table


def declared_table() -> dict[str, dict[str, tuple[str, str]]]:
    """``{url name: {persona: (GET outcome, POST outcome)}}`` from docs/permissions.md.

    A cell is ``GET/POST`` (``200/405``) or one outcome for both (``404``); the namespace row
    ``admin:*`` says ``staff`` in every cell."""
    text = PERMISSIONS_DOC.read_text()
    assert TABLE_HEADING in text, f"docs/permissions.md has no section {TABLE_HEADING!r}"
    section = text.split(TABLE_HEADING, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert tuple(header[1:]) == PERSONAS, f"the table's columns must be {PERSONAS}"
    table: dict[str, dict[str, tuple[str, str]]] = {}
    for line in rows[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        name = cells[0].strip("`")
        assert name not in table, f"{name} has two rows in the access table"
        assert len(cells) == len(PERSONAS) + 1, f"row {name} has {len(cells)} cells"
        parsed = {}
        for persona, cell in zip(PERSONAS, cells[1:], strict=True):
            get, _, post = cell.partition("/")
            post = post or get
            if cell != "staff":
                assert {get, post} <= OUTCOMES, f"row {name}, {persona}: unknown outcome {cell!r}"
            parsed[persona] = (get, post)
        table[name] = parsed
    return table


# ---------------------------------------------------------------------------------------------
# The URL map


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "recall:oversight"; "" for an unnamed pattern
    namespace: str  # outermost namespace ("" for the project's own)
    kwargs: tuple[str, ...]
    regex: str


def walk(
    patterns: list[Any],
    namespaces: tuple[str, ...] = (),
    regex: str = "",
    outer: tuple[str, ...] = (),
) -> Iterator[Route]:
    """Every leaf pattern under ``patterns``, with its namespaced name and its URL kwargs (those
    of an include's own prefix, such as ``cases/<crn>/allocation/``, included)."""
    for entry in patterns:
        here = regex + str(entry.pattern.regex.pattern).lstrip("^").rstrip("$")
        kwargs = (*outer, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, inner, here, kwargs)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            yield Route(
                name=name,
                namespace=namespaces[0] if namespaces else "",
                kwargs=kwargs,
                regex=here,
            )


# ---------------------------------------------------------------------------------------------
# The data set


@dataclass
class World:
    person: Person
    names: list[str]  # names and CRNs anonymous must never see
    users: dict[str, Any]
    samples: dict[str, Any]  # kwarg name -> value, for every URL
    by_url: dict[str, dict[str, Any]]  # url name -> kwargs that differ from the defaults


def build_world(fixtures: dict[str, Any], team: Any) -> World:
    practitioner = fixtures["practitioner"]
    person = factories.make_case(team, first_name="Seeded", last_name="Accessperson")
    factories.AllocationFactory(person=person, practitioner=practitioner)
    recall = Recall.objects.get(release__person=person)
    review = ParoleReview.objects.create(
        recall=recall, kind="oral", referred_on=recall.recall_date + dt.timedelta(days=10)
    )
    adjournment = Adjournment.objects.create(
        review=review, date=review.referred_on + dt.timedelta(days=30), reason="Report late"
    )
    referral = TerminationReferral.objects.create(person=person, referred_on=dt.date(2024, 1, 8))
    people = [person]

    def recommendation(status: str, **fields: Any) -> RecallRecommendation:
        # First released four years ago: past the qualifying date (PPCS see the case), and the
        # licence is still in force.
        subject = factories.make_case(
            team, recalled=False, released=timezone.localdate() - relativedelta(years=4)
        )
        people.append(subject)
        return RecallRecommendation.objects.create(
            person=subject, created_by=practitioner, status=status, **fields
        )

    now = timezone.now()
    draft = recommendation(Status.DRAFT)
    awaiting_spo = recommendation(Status.AWAITING_SPO)
    not_recalled = recommendation(Status.NOT_RECALLED, recall_type="")
    submitted = recommendation(Status.SUBMITTED, submitted_at=now, submitted_by=practitioner)
    ready = recommendation(Status.READY)  # issue 16: the check page before submitting to PPCS
    info = recommendation(Status.INFO_REQUESTED, submitted_at=now, submitted_by=practitioner)
    authorised = recommendation(Status.AUTHORISED, submitted_at=now, submitted_by=practitioner)
    authorised.recall = factories.RecallFactory(
        release=authorised.person.releases.get(),
        recall_date=timezone.localdate(),
        returned_to_custody=None,
    )
    authorised.save()
    dossier = Dossier.objects.create(
        recommendation=authorised,
        kind="dossier",
        version=1,
        state="ready",
        requested_by=practitioner,
        pdf=b"%PDF-1.4 access test",
    )
    # Issue 15: an authorised recall back in custody with its report awaiting the SPO.
    reported = recommendation(Status.AUTHORISED, submitted_at=now, submitted_by=practitioner)
    reported.recall = factories.RecallFactory(
        release=reported.person.releases.get(),
        recall_date=timezone.localdate(),
        returned_to_custody=timezone.localdate(),
    )
    reported.save()
    RecallReport.objects.create(
        recall=reported.recall, created_by=practitioner, status="awaiting_spo"
    )
    notification = Notification.objects.create(
        recipient=practitioner,
        subject="Not sent",
        body="Body",
        text="Something is waiting",  # in-app too: the practitioner's to open (inbox_open)
        link="/",
        attempts=8,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        failed_at=now,
    )
    rec_kwargs = {
        "recall:oversight": awaiting_spo,
        "recall:letter": not_recalled,
        "recall:ppcs_request": submitted,
        "recall:ppcs_take": submitted,
        "recall:ppcs_decide": submitted,
        "recall:ppcs_authorise": submitted,
        "recall:sent": awaiting_spo,
        "recall:submit_check": ready,
        "recall:submitted": submitted,
        "recall:ppcs_stop": authorised,
        "recall:record_rtc": authorised,
        "recall:record_progress": authorised,
        "recall:record_charge_outcome": authorised,
        "recall:resubmit": info,
        "recall:dossiers": authorised,
        **{
            f"recall:{name}": reported
            for name in (
                "report",
                "report_start",
                "report_send",
                "report_countersign",
                "report_submit",
                "report_served",
            )
        },
        "recall:evidence": submitted,
    }
    # Issue 14: a concern and an action the practitioner recorded, to correct or strike out.
    concern = Concern.objects.create(
        person=person,
        occurred_on=dt.date(2024, 1, 8),
        description="Missed appointment",
        source="other",
        recorded_by=practitioner,
    )
    action = ActionShortOfRecall.objects.create(
        person=person,
        kind="warning_letter",
        taken_on=dt.date(2024, 1, 9),
        details="Warning letter",
        recorded_by=practitioner,
    )
    # Issue 19: a meeting about the person with an action the practitioner owns.
    meeting = factories.MeetingFactory(person=person, recorded_by=practitioner)
    meeting_action = factories.MeetingActionFactory(meeting=meeting, owner=practitioner)
    # Issue 15: a document of evidence on the submitted recommendation (PPCS may download it).
    evidence = EvidenceDocument(
        recommendation=submitted,
        part="part_a",
        kind="police_report",
        document_date=dt.date(2024, 1, 8),
        description="Police log",
        original_name="log.pdf",
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
        uploaded_by=practitioner,
    )
    evidence.file.save("evidence", ContentFile(b"%PDF-1.4\n"), save=True)
    # Issue 19: a quality-assurance sample of the PDU holding the authorised recall, which the
    # senior manager persona neither made nor signed (so may review).
    qa_sample = QaSample.objects.create(
        name="Access sample",
        period_start=timezone.localdate() - dt.timedelta(days=30),
        period_end=timezone.localdate(),
        pdu=team.pdu,
        size=1,
        seed=1,
        population=1,
        drawn_by=fixtures["senior_manager"],
    )
    qa_item = QaItem.objects.create(
        sample=qa_sample, recommendation=authorised, position=1, kind="recall"
    )
    pk_kwargs = {
        "quality:sample": qa_sample,
        "quality:report": qa_sample,
        "quality:report_pdf": qa_sample,
        "quality:report_csv": qa_sample,
        "quality:review": qa_item,
        "recall:concern_correct": concern,
        "recall:concern_strike_out": concern,
        "recall:action_correct": action,
        "recall:action_strike_out": action,
        "parole:refer": recall,
        "parole:rarr": recall,
        "parole:re_release": recall,
        "parole:review_details": review,
        "parole:review_decision": review,
        "parole:delay_add": review,
        "parole:delay_told": adjournment,
        "parole:termination_decision": referral,
        "recall:meeting": meeting,
        "recall:meeting_action_add": meeting,
        "recall:meeting_strike_out": meeting,
        "recall:meeting_action_done": meeting_action,
        "recall:meeting_correct": meeting,
        "recall:meeting_action_correct": meeting_action,
        "recall:evidence_download": evidence,
        "recall:evidence_remove": evidence,
        "recall:evidence_withhold": evidence,
    }
    by_url: dict[str, dict[str, Any]] = {
        **{name: {"rec_id": rec.pk} for name, rec in rec_kwargs.items()},
        **{name: {"pk": obj.pk} for name, obj in pk_kwargs.items()},
        "change_offence": {"pk": person.sentence.offences.get().pk},
        "dashboard_panel": {"slug": PANELS[0].slug},
        "notification_retry": {"pk": notification.pk},
        "inbox_open": {"pk": notification.pk},
        "dashboard_panel_csv": {"slug": PANELS[0].slug},
        "dashboard_people": {"slug": "recalled"},
        "dashboard_position_people": {"slug": "on-licence"},
        "recall:section": {"slug": "why"},
        "vary_condition": {"pk": person.licence_conditions.first().pk},
        "end_condition": {"pk": person.licence_conditions.first().pk},
        "recall:section_findings": {"slug": "why"},
        "recall:report_section": {"rec_id": reported.pk, "slug": "account"},
        # The administration area (issue 14): the practitioner's account, team, PDU and region.
        "admin_region": {"code": team.pdu.region.code},
        "admin_pdu": {"code": team.pdu.code},
        "admin_team": {"code": team.code},
        "admin_team_panel_period": {"code": team.code},
        **{
            f"admin_staff_{action}": {"pk": practitioner.pk}
            for action in ("member", "roles", "team", "unlock", "deactivate", "reactivate")
        },
    }
    samples = {
        "crn": person.crn,
        "team_code": team.code,
        "rec_id": draft.pk,
        "username": practitioner.username,
        "dossier_id": dossier.pk,
        # the admin's own kwargs: refused before any object is looked up for non-staff
        "app_label": "recall",
        "object_id": str(person.pk),
        "content_type_id": ContentType.objects.get_for_model(Person).pk,
        "url": "anything/",
        # an invitation's set-password link that does not work (the page says so)
        "uidb64": "MQ",
        "token": "not-a-token",
    }
    names = [text for p in people for text in (p.first_name, p.last_name, p.crn)]
    return World(person, names, fixtures, samples, by_url)


def url_for(route: Route, world: World) -> str:
    kwargs = {
        key: world.by_url.get(route.name, {}).get(key, world.samples.get(key))
        for key in route.kwargs
    }
    missing = [key for key, value in kwargs.items() if value is None]
    assert not missing, f"{route.name or route.regex}: no sample for {missing}"
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    # An unnamed pattern (the admin's catch-all): fill its groups in by hand.
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route.regex)
    return "/" + path.replace("\\Z", "").replace("\\", "")


# ---------------------------------------------------------------------------------------------
# Requests and outcomes


def outcome(response: HttpResponse) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        if path in (reverse("login"), reverse("admin:login")):
            return "login"
        return "302"
    return str(response.status_code)


# What a GET may write: the session (messages read), sign-in throttling, the read audit.
GET_MAY_WRITE = ("django_session", "axes_", "ippcase_caseviewevent")
# pghistory prefixes a write made in its context with "SELECT set_config(...);" in the same
# statement, so a write is looked for after the start or any semicolon.
WRITE = re.compile(r'(?:^|;)\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)', re.IGNORECASE)


def request(client: Client, method: str, url: str) -> tuple[HttpResponse, list[str]]:
    """One request inside a savepoint that is rolled back, so the data set stays as built; with
    the tables it wrote to."""
    # The query log keeps 9,000 entries; emptied so that each capture sees all of its own.
    connection.queries_log.clear()
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        response = client.get(url) if method == "GET" else client.post(url)
        transaction.set_rollback(True)
    writes = [m.group(2) for q in ctx.captured_queries for m in WRITE.finditer(q["sql"])]
    return response, writes


def client_as(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _cell(outcomes: list[str]) -> str:
    return outcomes[0] if len(set(outcomes)) == 1 else "/".join(outcomes)


def _allowed(outcome_: str) -> bool:
    return outcome_ in ("200", "302", "400")


def test_every_url_answers_every_persona_as_the_access_table_declares(
    team,
    practitioner,
    manager,
    senior_manager,
    ppcs,
    admin_user,
    no_role_user,
    outsider,
):
    users = {
        "anonymous": None,
        "practitioner": practitioner,
        "manager": manager,
        "senior_manager": senior_manager,
        "ppcs": ppcs,
        "admin_user": admin_user,
        "no_role_user": no_role_user,
        "outsider": outsider,
    }
    world = build_world(users, team)
    table = declared_table()
    routes = list(walk(get_resolver().url_patterns))
    assert len(routes) > 50, "the URL walk found too few patterns"

    problems: list[str] = []
    undeclared = sorted(
        {r.name or r.regex for r in routes if r.namespace not in STAFF_ONLY_NAMESPACES} - set(table)
    )
    for name in undeclared:
        problems.append(f"{name}: no row in the access table of docs/permissions.md")
    stale = sorted(
        set(table) - {r.name for r in routes} - {f"{ns}:*" for ns in STAFF_ONLY_NAMESPACES}
    )
    for name in stale:
        problems.append(f"{name}: a row in the access table but no such URL")

    clients = {persona: client_as(user) for persona, user in users.items()}
    actual: dict[str, dict[str, list[str]]] = {}
    cases = extra = 0  # URL x persona x method; the staff and CSRF checks
    for route in routes:
        staff_only = route.namespace in STAFF_ONLY_NAMESPACES
        key = f"{route.namespace}:*" if staff_only else route.name
        # An undeclared URL (already a problem) is still requested, to report what it does.
        declared = table.get(key)
        url = url_for(route, world)
        for persona in PERSONAS:
            for index, method in enumerate(METHODS):
                # Signing out ends the session: give it a client of its own.
                client = client_as(users[persona]) if route.name == "logout" else clients[persona]
                response, writes = request(client, method, url)
                got = outcome(response)
                changed = [t for t in writes if not t.startswith(GET_MAY_WRITE)]
                if method == "GET" and changed:
                    problems.append(f"{route.name} GET {persona} wrote to {sorted(set(changed))}")
                cases += 1
                actual.setdefault(route.name or route.regex, {}).setdefault(persona, []).append(got)
                raw = (  # a download (evidence) streams its body
                    b"".join(response.streaming_content)  # type: ignore[attr-defined]
                    if response.streaming
                    else response.content
                )
                body = raw.decode(errors="replace")
                if persona == "anonymous":
                    seen = [n for n in world.names if n in body]
                    if seen:
                        problems.append(f"{route.name} {method} anonymous: the body shows {seen}")
                if declared is None:
                    continue
                expected = declared[persona][index]
                if staff_only:
                    # Not staff: sent to the admin's sign-in (except for its sign-in form, and
                    # its sign-out, which sends a non-staff user to the admin index).
                    ok = got == "login" or (route.name, got) in STAFF_ONLY_EXCEPTIONS
                    if not ok:
                        problems.append(f"{route.name or url} {method} {persona}: {got}, not staff")
                elif got != expected:
                    problems.append(
                        f"{route.name} {method} {persona}: got {got}, declared {expected}"
                    )

    # Staff do reach the admin (the table's "staff" would hold trivially otherwise).
    staff = factories.UserFactory(username="staff", roles=["admin"], is_staff=True)
    staff.is_superuser = True
    staff.save()
    got = outcome(request(client_as(staff), "GET", reverse("admin:index"))[0])
    extra += 1
    if got != "200":
        problems.append(f"admin:index GET staff: got {got}, declared 200")

    # Every URL that lets someone POST refuses the same POST without a CSRF token.
    for name, row in sorted(table.items()):
        if name.endswith(":*"):
            continue
        persona = next((p for p in PERSONAS if _allowed(row[p][1])), None)
        if persona is None:
            continue
        route = next((r for r in routes if r.name == name), None)
        if route is None:  # a stale row, already reported
            continue
        response, _ = request(
            client_as(users[persona], enforce_csrf_checks=True), "POST", url_for(route, world)
        )
        extra += 1
        # The same POST was allowed above (the test client skips CSRF checks by default), so a
        # 403 naming CSRF here is the missing token's doing.
        if response.status_code != 403 or b"CSRF" not in response.content:
            problems.append(f"{name} POST {persona} without a CSRF token: {response.status_code}")

    report = "\n".join(
        f"| `{name}` | " + " | ".join(_cell(actual[name][p]) for p in PERSONAS) + " |"
        for name in sorted(actual)
    )
    urls = len({r.name or r.regex for r in routes})
    print(
        f"\nURL access: {urls} URL patterns, {cases} URL x persona x method cases and"
        f" {extra} staff/CSRF cases checked"
    )
    assert not problems, (
        f"{len(problems)} access mismatches:\n"
        + "\n".join(problems)
        + "\n\nActual outcomes (GET/POST):\n"
        + report
    )
    assert cases >= MIN_CASES
