"""Precise messages for bad input (issue 7): oversized input, wrong content types and bad dates
each get a GOV.UK error message naming the problem, and nothing changes (the row counts of every
domain and audit table are equal before and after)."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from ippcase.core.forms import TEXT_MAX_LENGTH
from ippcase.exchange import IMPORT_MAX_BYTES, ImportValidationError, cases_import
from parole.models import ParoleReview, RiskAssessedRecallReview, TerminationReferral
from recall.deadlines import long_date
from recall.models import Concern
from tests import factories
from tests.conftest import client_for
from tests.test_hostile_input import (
    aco,
    authorised,
    awaiting_spo,
    draft,
    in_custody,
    on_licence,
    parole_case,
    row_counts,
    submitted,
)
from tests.test_import import document, person_record

# The fixtures shared with the generated-input tests (listed so that they count as used).
__all__ = [
    "aco",
    "authorised",
    "awaiting_spo",
    "draft",
    "in_custody",
    "on_licence",
    "parole_case",
    "submitted",
]

TODAY = timezone.localdate()
TOMORROW = TODAY + dt.timedelta(days=1)


def _date(prefix: str, day: dt.date | None = None, *, raw: tuple[str, str, str] | None = None):
    d, m, y = raw or (str(day.day), str(day.month), str(day.year))  # type: ignore[union-attr]
    return {f"{prefix}-day": d, f"{prefix}-month": m, f"{prefix}-year": y}


def _concern(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        **_date("occurred_on", TODAY - dt.timedelta(days=1)),
        "description": "Seen drunk outside the victim's address.",
        "source": "police_intelligence",
    }
    data.update(overrides)
    return data


def _error_summary(response: Any) -> str:
    """The text of the GOV.UK error summary (fails if there is none)."""
    page = response.content.decode()
    start = page.index('class="govuk-error-summary"')
    return html.unescape(page[start : page.index("</ul>", start)])


def _refused(client: Any, url: str, data: Any, message: str, status: int = 200, **kw: Any) -> None:
    before = row_counts()
    response = client.post(url, data, **kw)
    assert response.status_code == status
    assert message in _error_summary(response)
    assert row_counts() == before


# --- oversized input -----------------------------------------------------------------------------


def test_text_longer_than_the_limit_is_refused_with_the_limit_named(on_licence, practitioner):
    url = reverse("recall:concern_add", args=[on_licence.crn])
    _refused(
        client_for(practitioner),
        url,
        _concern(description="x" * (TEXT_MAX_LENGTH + 1)),
        "What happened must be 10,000 characters or fewer (you entered 10001)",
    )
    # At the limit it is accepted.
    response = client_for(practitioner).post(url, _concern(description="x" * TEXT_MAX_LENGTH))
    assert response.status_code == 302 and Concern.objects.count() == 1


def test_a_question_whose_answer_is_too_long_is_quoted(draft, practitioner):
    url = reverse("recall:section", args=[draft.pk, "why"])
    _refused(
        client_for(practitioner),
        url,
        {"why_considered": "x" * (TEXT_MAX_LENGTH + 5), "version": draft.version},
        'Your answer to "Why is recall being considered?" must be 10,000 characters or fewer',
    )


def test_a_short_field_keeps_its_own_limit(authorised, ppcs):
    url = reverse("recall:record_rtc", args=[authorised.pk])
    _refused(
        client_for(ppcs),
        url,
        {**_date("returned_on", TODAY), "prison": "H" * 101},
        "Prison returned to must be 100 characters or fewer (you entered 101)",
    )


def test_a_null_character_is_refused_by_name(on_licence, practitioner):
    url = reverse("recall:concern_add", args=[on_licence.crn])
    _refused(
        client_for(practitioner),
        url,
        _concern(description="before\x00after"),
        "What happened must not contain null characters",
    )


def test_a_form_body_larger_than_the_upload_limit_gets_a_page_saying_so(on_licence, practitioner):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    url = reverse("recall:concern_add", args=[on_licence.crn])
    _refused(
        client_for(practitioner),
        url,
        _concern(description="x" * (limit + 1)),
        "The form is too large to send",
        status=413,
    )
    response = client_for(practitioner).post(url, _concern(description="x" * (limit + 1)))
    assert "the most a form may be is 2.5 MB" in _error_summary(response)


def test_too_many_fields_get_a_page_saying_so(on_licence, practitioner):
    url = reverse("recall:concern_add", args=[on_licence.crn])
    data = _concern(behaviours=["alcohol"] * (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    _refused(
        client_for(practitioner),
        url,
        data,
        "The form has too many fields: at most 1,000 can be sent",
        status=400,
    )


def test_an_import_file_over_the_size_limit_is_refused_before_it_is_read(team, tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as file:
        file.truncate(IMPORT_MAX_BYTES + 1)  # a sparse file: no 50 MB written
    before = row_counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_cases", str(path))
    assert str(caught.value) == (
        f"{path} is too large: over 50.0 MB (the most an import reads); split it into several files"
    )
    assert row_counts() == before


def test_import_text_over_the_limit_is_refused_with_its_length(team):
    record = person_record(vulnerabilities="v" * (TEXT_MAX_LENGTH + 1))
    before = row_counts()
    with pytest.raises(ImportValidationError) as caught:
        cases_import(data=document(record))
    assert [str(p) for p in caught.value.errors] == [
        "A123456 vulnerabilities: is 10,001 characters long; at most 10,000 allowed"
    ]
    assert row_counts() == before


# --- wrong content types -------------------------------------------------------------------------


def test_json_posted_to_a_form_is_refused_by_its_content_type(on_licence, practitioner):
    url = reverse("recall:concern_add", args=[on_licence.crn])
    _refused(
        client_for(practitioner),
        url,
        json.dumps(_concern()),
        "This page takes a form sent from your browser (application/x-www-form-urlencoded or "
        "multipart/form-data), not application/json",
        status=415,
        content_type="application/json",
    )


def test_a_form_sent_urlencoded_still_works(on_licence, practitioner):
    from urllib.parse import urlencode

    url = reverse("recall:concern_add", args=[on_licence.crn])
    response = client_for(practitioner).post(
        url, urlencode(_concern()), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302 and Concern.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is a PNG image, not a JSON text file"),
        (b"PK\x03\x04\x14\x00", "is a ZIP archive (an Excel .xlsx or Word .docx file is one)"),
        (b"%PDF-1.7\n", "is a PDF document, not a JSON text file"),
        (b'{"format": "ippcase-import/1",\x00 "people": []}', "is a binary file (it contains"),
        (b"\xff\xfe{\x00", "is a binary file (it contains null bytes)"),
        (b'{"format": "caf\xe9"}', "is not UTF-8 text: invalid continuation byte at byte 15"),
        (b"crn,first_name,last_name\nA123456,Sam,Doe\n", "looks like CSV (comma- or tab-separated"),
        (b"crn\tfirst_name\nA123456\tSam\n", "looks like CSV (comma- or tab-separated"),
        (b"<html><body>cases</body></html>", "looks like HTML or XML, not JSON"),
        (b"", 'is empty; expected a JSON document ("ippcase-import/1")'),
        (b"[" * 100_000, "is not valid JSON: it is nested too deeply"),
    ],
)
def test_an_import_file_that_is_not_json_gets_one_precise_line(team, tmp_path, content, message):
    path = tmp_path / "cases.json"
    path.write_bytes(content)
    before = row_counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_cases", str(path), stderr=io.StringIO())
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert row_counts() == before


def test_an_import_file_with_a_byte_order_mark_is_read(team, tmp_path):
    path = tmp_path / "cases.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document(person_record())).encode())
    stdout = io.StringIO()
    call_command("import_cases", str(path), stdout=stdout)
    assert "1 created" in stdout.getvalue()


def test_import_values_the_database_cannot_store_are_refused_by_name(team):
    record = person_record(
        first_name="Sa\x00m", last_name="\ud800", team="leeds\x00a", crn="A123456\n"
    )
    record["nomis_number"] = "A1234BC\n"
    before = row_counts()
    with pytest.raises(ImportValidationError) as caught:
        cases_import(data=document(record))
    problems = [str(p) for p in caught.value.errors]
    label = "A123456\\u000a"
    assert problems == [
        f'{label} crn: "A123456\\u000a" is not a CRN: expected a capital letter and six '
        "digits, e.g. A123456",
        f'{label} nomis_number: "A1234BC\\u000a" is not a NOMIS number: expected e.g. A1234BC',
        f"{label} first_name: contains a null character (\\u0000), which cannot be stored",
        f"{label} last_name: contains an invalid character (an unpaired surrogate such as \\ud800)",
        f"{label} team: contains a null character (\\u0000), which cannot be stored",
    ]
    assert row_counts() == before


# --- bad dates -----------------------------------------------------------------------------------


REAL = "The date of the concern must be a real date: "
NUMBERS = REAL + "enter the day, month and year as numbers"


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("31", "2", "2024"), REAL + "February 2024 has 29 days"),
        (("29", "2", "2023"), REAL + "February 2023 has 28 days"),
        (("31", "4", "2024"), REAL + "April 2024 has 30 days"),
        (("1", "13", "2024"), REAL + "the month must be between 1 and 12"),
        (("1", "1", "0"), REAL + "the year must have 4 numbers"),
        (("1", "1", "0000"), "The date of the concern must be in 1900 or later"),
        (("1", "1", "99999"), REAL + "the year must have 4 numbers"),
        (("1", "1", "99999999999999999999"), NUMBERS),
        (("-1", "1", "2024"), NUMBERS),
        (("\u0661", "1", "2024"), NUMBERS),  # an Arabic-Indic digit: int() would take it
        (("", "1", ""), "The date of the concern must include a day and year"),
    ],
)
def test_an_impossible_date_gets_a_message_naming_the_problem(
    on_licence, practitioner, parts, message
):
    url = reverse("recall:concern_add", args=[on_licence.crn])
    _refused(client_for(practitioner), url, _concern(**_date("occurred_on", raw=parts)), message)


def test_a_future_date_names_today(on_licence, practitioner):
    url = reverse("recall:concern_add", args=[on_licence.crn])
    _refused(
        client_for(practitioner),
        url,
        _concern(**_date("occurred_on", TOMORROW)),
        f"The date of the concern must be today or in the past (today is {long_date(TODAY)})",
    )


def _parole_url(name: str, case: Any, *args: Any) -> str:
    return reverse(f"parole:{name}", args=[case.person.crn, *args])


@pytest.mark.parametrize(
    ("action", "target", "persona", "data", "message"),
    [
        (
            "review_decision",
            "review",
            "ppcs",
            {**_date("decided_on", TOMORROW), "outcome": "no_release"},
            "The decision date must be today or in the past",
        ),
        (
            "rarr",
            "recall",
            "ppcs",
            {**_date("decided_on", TOMORROW), "outcome": "release", "rationale": "Low risk."},
            "The decision date must be today or in the past",
        ),
        (
            "termination_decision",
            "referral",
            "ppcs",
            {**_date("decided_on", TOMORROW), "outcome": "refused"},
            "The decision date must be today or in the past",
        ),
        (
            "refer",
            "recall",
            "ppcs",
            {**_date("referred_on", TOMORROW), "kind": "paper"},
            "The referral date must be today or in the past",
        ),
        (
            "delay_told",
            "delay",
            "practitioner",
            _date("informed_on", TOMORROW),
            "The date the prisoner was told must be today or in the past",
        ),
    ],
)
def test_a_future_decision_date_is_refused_and_changes_nothing(
    request, parole_case, action, target, persona, data, message
):
    args = [getattr(parole_case, target).pk] if target else []
    client = client_for(request.getfixturevalue(persona))
    _refused(client, _parole_url(action, parole_case, *args), data, message)


def test_a_parole_board_decision_before_the_referral_names_the_referral_date(parole_case, ppcs):
    review = parole_case.review
    before_referral = review.referred_on - dt.timedelta(days=1)
    _refused(
        client_for(ppcs),
        _parole_url("review_decision", parole_case, review.pk),
        {**_date("decided_on", before_referral), "outcome": "no_release"},
        f"The decision date cannot be before the referral ({long_date(review.referred_on)})",
    )
    assert ParoleReview.objects.get(pk=review.pk).decided_on is None


def test_a_rarr_before_the_return_to_custody_is_refused(parole_case, ppcs):
    recall = parole_case.recall
    _refused(
        client_for(ppcs),
        _parole_url("rarr", parole_case, recall.pk),
        {
            **_date("decided_on", recall.returned_to_custody - dt.timedelta(days=1)),
            "outcome": "release",
            "rationale": "Low risk.",
        },
        "cannot be before",
    )
    assert not RiskAssessedRecallReview.objects.exists()


def test_a_termination_decision_before_its_referral_is_refused(parole_case, ppcs):
    referral = parole_case.referral
    _refused(
        client_for(ppcs),
        _parole_url("termination_decision", parole_case, referral.pk),
        {**_date("decided_on", referral.referred_on - dt.timedelta(days=3)), "outcome": "refused"},
        f"cannot be before the referral ({long_date(referral.referred_on)})",
    )
    assert TerminationReferral.objects.get(pk=referral.pk).decided_on is None


def test_a_return_to_custody_before_the_recall_names_the_recall_date(authorised, ppcs):
    recall_date = authorised.recall.recall_date
    _refused(
        client_for(ppcs),
        reverse("recall:record_rtc", args=[authorised.pk]),
        {**_date("returned_on", recall_date - dt.timedelta(days=1)), "prison": "HMP Leeds"},
        f"The return to custody date cannot be before the recall ({long_date(recall_date)}).",
    )


def test_a_future_return_to_custody_is_refused(authorised, ppcs):
    _refused(
        client_for(ppcs),
        reverse("recall:record_rtc", args=[authorised.pk]),
        {**_date("returned_on", TOMORROW), "prison": "HMP Leeds"},
        "The return to custody date must be today or in the past",
    )


def test_a_report_date_before_the_return_to_custody_names_it(team, ppcs, practitioner):
    # Recalled 20 days ago and back in custody 10 days ago (made directly: the dates are past).
    from recall import services
    from tests.test_recall_services import _draft_ready_to_send, _send, _sign

    person = factories.make_case(team, recalled=False)
    manager = factories.UserFactory(username="m2", roles=["manager"], team=team)
    senior = factories.UserFactory(username="a2", roles=["senior_manager"], team=team)
    rec = _send(_draft_ready_to_send(person, practitioner), practitioner)
    rec = _sign(_sign(rec, manager, "spo"), senior, "aco")
    rec = services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    rec = services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="authorised")
    recall = rec.recall
    recall.recall_date = TODAY - dt.timedelta(days=20)
    recall.returned_to_custody = TODAY - dt.timedelta(days=10)
    recall.save()
    _refused(
        client_for(ppcs),
        reverse("recall:record_progress", args=[rec.pk]),
        _date("dossier_served_on", TODAY - dt.timedelta(days=15)),
        "The dossier served date cannot be before the return to custody "
        f"({long_date(recall.returned_to_custody)}).",
    )


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (
            lambda r: r.update(date_of_birth="2021-02-31"),
            'A123456 date_of_birth: "2021-02-31" is not a real date '
            "(day is out of range for month)",
        ),
        (
            lambda r: r.update(date_of_birth="0000-01-01"),
            'A123456 date_of_birth: "0000-01-01" is not a real date (year 0 is out of range)',
        ),
        (
            lambda r: r["sentence"].update(sentence_date="2013-01-01"),
            "A123456 sentence.sentence_date: 2013-01-01 is after the first release (2012-03-01)",
        ),
        (
            lambda r: r["releases"][0]["recall"].update(date="2012-02-01"),
            "A123456 releases[0].recall.date: 2012-02-01 is before the release it ends "
            "(2012-03-01)",
        ),
        (
            lambda r: r["releases"][0]["recall"].update(returned_to_custody="2013-01-04"),
            "A123456 releases[0].recall.returned_to_custody: 2013-01-04 is before the recall "
            "date (2013-01-05)",
        ),
        (
            lambda r: r["releases"][0]["recall"].update(
                parole_reviews=[
                    {
                        "referred": "2013-02-01",
                        "kind": "paper",
                        "decided": TOMORROW.isoformat(),
                        "outcome": "no_release",
                    }
                ]
            ),
            f"A123456 releases[0].recall.parole_reviews[0].decided: {TOMORROW.isoformat()} is "
            "in the future",
        ),
    ],
)
def test_import_bad_dates_are_reported_precisely(team, mutate, problem):
    record = person_record()
    mutate(record)
    before = row_counts()
    with pytest.raises(ImportValidationError) as caught:
        cases_import(data=document(record))
    assert problem in [str(p) for p in caught.value.errors]
    assert row_counts() == before


# --- stale or tampered pages, empty posts --------------------------------------------------------


@pytest.mark.parametrize("version", ["", "abc", "0", "-1", "99999999999999999999"])
def test_a_tampered_version_says_the_page_is_out_of_date(draft, practitioner, version):
    url = reverse("recall:section", args=[draft.pk, "why"])
    _refused(
        client_for(practitioner),
        url,
        {"why_considered": "Drinking again.", "version": version},
        "This page is out of date: reload it and try again",
    )


@pytest.mark.parametrize(
    ("fixture", "persona", "route", "message"),
    [
        ("draft", "practitioner", "recall:withdraw", "Enter why the recommendation is being"),
        ("awaiting_spo", "manager", "recall:oversight", "Select your decision"),
    ],
)
def test_an_empty_post_shows_the_errors_rather_than_the_blank_form(
    request, fixture, persona, route, message
):
    rec = request.getfixturevalue(fixture)
    client = client_for(request.getfixturevalue(persona))
    _refused(client, reverse(route, args=[rec.pk]), {}, message)


# --- search boxes and filters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "route"),
    [("practitioner", "caseload"), ("ppcs", "recall:ppcs_queue")],
)
@pytest.mark.parametrize("query", ["\x00", "a\x00b", "%", "_", "\\", "x" * 5000, "\ud7ff"])
def test_a_hostile_search_is_just_a_search_that_finds_nothing(
    request, on_licence, persona, route, query
):
    client = client_for(request.getfixturevalue(persona))
    before = row_counts()
    response = client.get(reverse(route), {"q": query, "team": query, "region": query})
    assert response.status_code == 200
    if query != "\x00":  # a NUL alone is dropped: an empty search, which lists everyone
        assert on_licence.crn not in response.content.decode()  # unique; a name may be a user's too
    assert row_counts() == before


def test_a_re_release_before_the_release_decision_names_the_decision_date(
    parole_case, practitioner
):
    decided = TODAY - dt.timedelta(days=5)
    ParoleReview.objects.filter(pk=parole_case.review.pk).update(
        decided_on=decided, outcome="release"
    )
    _refused(
        client_for(practitioner),
        _parole_url("re_release", parole_case, parole_case.recall.pk),
        {
            **_date("released_on", decided - dt.timedelta(days=1)),
            "prison": "HMP Leeds",
            "approved_premises": "no",
        },
        f"The re-release date cannot be before the decision ({long_date(decided)}).",
    )
