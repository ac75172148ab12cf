"""Read audit: every page of a person's case that a user opens writes one append-only row (who,
whose case, which page, when); senior managers of the person's PDU and administrators read them
on "Who viewed this case"."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ippcase.models import CaseViewEvent
from recall.models import Dossier, RecallRecommendation
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.conftest import client_for


def _rec(team, practitioner, status: str, **fields):
    person = factories.make_case(team, recalled=False)
    return RecallRecommendation.objects.create(
        person=person, created_by=practitioner, status=status, **fields
    )


def _pages(person, team, practitioner, manager, ppcs):
    """(url, url name, user, person) for every kind of case page."""
    draft = _rec(team, practitioner, Status.DRAFT)
    spo = _rec(team, practitioner, Status.AWAITING_SPO)
    dntr = _rec(team, practitioner, Status.NOT_RECALLED)
    submitted = _rec(team, practitioner, Status.SUBMITTED, submitted_at=timezone.now())
    dossier = Dossier.objects.create(
        recommendation=submitted,
        kind="dossier",
        version=1,
        state="ready",
        requested_by=practitioner,
        pdf=b"%PDF-1.4",
    )
    crn = person.crn
    return [
        (reverse("person_overview", args=[crn]), "person_overview", practitioner, person),
        (reverse("person_sentence", args=[crn]), "person_sentence", practitioner, person),
        (reverse("person_timeline", args=[crn]), "person_timeline", practitioner, person),
        (reverse("person_history", args=[crn]), "person_history", practitioner, person),
        (reverse("recall:concerns", args=[crn]), "recall:concerns", practitioner, person),
        (reverse("recall:person_recall", args=[crn]), "recall:person_recall", manager, person),
        (reverse("parole:person_parole", args=[crn]), "parole:person_parole", ppcs, person),
        (
            reverse("recall:recommendation", args=[draft.pk]),
            "recall:recommendation",
            practitioner,
            draft.person,
        ),
        (
            reverse("recall:section", args=[draft.pk, "why"]),
            "recall:section",
            practitioner,
            draft.person,
        ),
        (reverse("recall:oversight", args=[spo.pk]), "recall:oversight", manager, spo.person),
        (reverse("recall:letter", args=[dntr.pk]), "recall:letter", practitioner, dntr.person),
        (
            reverse("recall:ppcs_request", args=[submitted.pk]),
            "recall:ppcs_request",
            ppcs,
            submitted.person,
        ),
        (
            reverse("recall:dossiers", args=[submitted.pk]),
            "recall:dossiers",
            ppcs,
            submitted.person,
        ),
        (
            reverse("recall:dossier_download", args=[dossier.pk]),
            "recall:dossier_download",
            practitioner,
            submitted.person,
        ),
    ]


def test_every_case_page_opened_writes_one_row_naming_the_user_the_person_and_the_page(
    person, team, practitioner, manager, ppcs
):
    for url, name, user, subject in _pages(person, team, practitioner, manager, ppcs):
        before = CaseViewEvent.objects.count()
        response = client_for(user).get(url)
        assert response.status_code == 200, url
        assert CaseViewEvent.objects.count() == before + 1, name
        row = CaseViewEvent.objects.order_by("-id").first()
        assert (row.user_id, row.person_id, row.url_name, row.path) == (
            user.pk,
            subject.pk,
            name,
            url,
        )
        assert abs((timezone.now() - row.viewed_at).total_seconds()) < 60


def test_a_refused_page_a_post_and_an_htmx_partial_write_no_row(
    person, practitioner, outsider, ppcs, no_role_user
):
    url = reverse("person_overview", args=[person.crn])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(no_role_user).get(url).status_code == 403
    assert client_for(ppcs).get(reverse("recall:concerns", args=[person.crn])).status_code == 403
    client = client_for(practitioner)
    assert client.post(reverse("recall:concern_add", args=[person.crn])).status_code == 200
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    assert CaseViewEvent.objects.count() == 0


def test_the_row_cannot_be_updated_or_deleted(person, practitioner):
    client_for(practitioner).get(reverse("person_overview", args=[person.crn]))
    row = CaseViewEvent.objects.get()
    table = CaseViewEvent._meta.db_table
    for statement in (f"UPDATE {table} SET url_name = 'x'", f"DELETE FROM {table}"):  # noqa: S608
        with (
            pytest.raises((ProgrammingError, InternalError), match="Cannot update or delete"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    with pytest.raises((ProgrammingError, InternalError)), transaction.atomic():
        CaseViewEvent.objects.filter(pk=row.pk).update(url_name="x")
    with pytest.raises((ProgrammingError, InternalError)), transaction.atomic():
        row.delete()
    assert CaseViewEvent.objects.get().url_name == "person_overview"


def _viewers(person) -> str:
    return reverse("person_viewers", args=[person.crn])


@pytest.mark.parametrize("persona", ["senior_manager", "admin_user"])
def test_senior_managers_and_administrators_see_who_viewed_the_case(
    request, person, practitioner, persona
):
    client_for(practitioner).get(reverse("person_timeline", args=[person.crn]))
    client = client_for(request.getfixturevalue(persona))
    overview = client.get(reverse("person_overview", args=[person.crn])).content.decode()
    assert _viewers(person) in overview  # linked from the case's sub-navigation
    response = client.get(_viewers(person))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Who viewed this case" in html
    assert escape(practitioner.display_name) in html and "Timeline" in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("practitioner", 403),
        ("manager", 403),
        ("ppcs", 403),
        ("no_role_user", 403),
        ("outsider", 404),
    ],
)
def test_everyone_else_is_refused_the_page_and_sees_no_link(request, person, persona, status):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    response = client.get(_viewers(person))
    assert response.status_code == status
    assert "Who viewed this case" not in response.content.decode()
    overview = client.get(reverse("person_overview", args=[person.crn]))
    assert _viewers(person) not in overview.content.decode()


def test_a_senior_manager_of_another_pdu_gets_not_found(person, other_pdu_team):
    aco = factories.UserFactory(
        username="aco-elsewhere", roles=["senior_manager"], team=other_pdu_team
    )
    assert client_for(aco).get(_viewers(person)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, person):
    response = client.get(_viewers(person))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _add_views(person, user, count: int) -> None:
    CaseViewEvent.objects.bulk_create(
        CaseViewEvent(user=user, person=person, url_name="person_overview", path="/")
        for _ in range(count)
    )


def test_the_page_is_paginated_with_a_fixed_number_of_queries(person, practitioner, senior_manager):
    client = client_for(senior_manager)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _add_views(person, practitioner, 3)
    small = queries(_viewers(person))
    _add_views(person, practitioner, 120)
    large = queries(_viewers(person))
    assert small == large
    page_one = client.get(_viewers(person)).context["rows"]
    assert len(page_one) == 50
    last = client.get(_viewers(person) + "?page=3").context["rows"]
    # 123 seeded + the viewer's own 3 loads of the page (each a recorded view)
    assert len(last) == 123 + 3 - 100
