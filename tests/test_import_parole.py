"""The parole parts of the case import (issue 5): Parole Board reviews with their adjournments,
RARR and the re-release date on a recall, and licence termination referrals on a person. They are
validated with the rest of the file, matched by natural key on re-import (an identical file
writes nothing), left alone when the file leaves them out, and exported so as to round-trip."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from typing import Any

import pghistory.models
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ippcase import models
from ippcase.exchange import ImportResult, ImportValidationError, cases_export, cases_import
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from tests import factories
from tests.test_import import CASE_MODELS, document, full_record, person_record

PAROLE_MODELS = (ParoleReview, Adjournment, RiskAssessedRecallReview, TerminationReferral)


def parole_record(crn: str = "A123456") -> dict[str, Any]:
    """A valid record with every parole part, and every extension key, in use.

    Released 2012-03-01, recalled 2013-01-05 (back in custody 2013-01-06), re-released on
    2016-07-01 after an oral hearing, recalled again 2021-03-01 and re-released 2022-01-10.
    """
    record = full_record(crn)
    first = record["releases"][0]["recall"]
    first["parole_reviews"] = [
        {
            "referred": "2013-03-01",
            "kind": "paper",
            "decided": "2013-06-01",
            "outcome": "oral_hearing",
            "calder": "appropriate",
            "adjournments": [],
        },
        {
            "referred": "2013-06-01",
            "kind": "oral",
            "decided": "2016-06-01",
            "outcome": "release",
            "hearing_date": "2016-05-20",
            "adjournments": [
                {
                    "date": "2014-01-10",
                    "reason": "Dossier incomplete",
                    "prisoner_informed": "2014-01-12",
                },
                {
                    "date": "2015-02-01",
                    "reason": "Awaiting a psychology risk assessment",
                    "prisoner_informed": None,
                    "kind": "deferral",
                    "new_date": "2015-09-01",
                },
            ],
        },
    ]
    first["rarr"] = {"decided": "2014-06-01", "outcome": "no_release"}
    first["re_released"] = "2016-07-01"
    # A re-release may be recorded before the file lists the release that follows it.
    record["releases"][1]["recall"] = {
        "date": "2021-03-01",
        "returned_to_custody": "2021-03-02",
        "reasons": ["failed_to_reside"],
        "criteria": ["iv"],
        "re_released": "2022-01-10",
    }
    record["licence_termination_referrals"] = [
        {"referred": "2020-01-06", "decided": "2020-06-01", "outcome": "refused_varied"},
        {"referred": "2023-01-09", "decided": None, "outcome": None},
    ]
    return record


def all_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*CASE_MODELS, *PAROLE_MODELS)}


def event_rows() -> int:
    """Audit event rows of the case and parole tables (not counting contexts)."""
    return sum(
        model.objects.count()
        for label in ("ippcase", "parole")
        for model in apps.get_app_config(label).get_models()
        if hasattr(model, "pgh_tracked_model")
    )


def audit_rows() -> int:
    return event_rows() + pghistory.models.Context.objects.count()


def labels(model: type, pk: int) -> list[str]:
    events = model.pgh_event_model.objects.filter(pgh_obj_id=pk).order_by("pgh_id")  # type: ignore[attr-defined]
    return list(events.values_list("pgh_label", flat=True))


def problems_of(data: dict[str, Any]) -> list[str]:
    before = all_counts(), audit_rows()
    with pytest.raises(ImportValidationError) as caught:
        cases_import(data=data)
    assert (all_counts(), audit_rows()) == before, "a refused file must write nothing"
    return [str(problem) for problem in caught.value.errors]


@pytest.fixture
def stored(team, practitioner) -> dict[str, Any]:
    """The parole record, imported once; returns the record as imported."""
    record = parole_record()
    assert cases_import(data=document(copy.deepcopy(record))).created == 1
    return record


# --- a valid file ------------------------------------------------------------------------------


def test_every_parole_part_is_imported_into_its_rows(team, practitioner):
    result = cases_import(data=document(parole_record()), actor="parole-feed")

    assert result == ImportResult(created=1, updated=0, unchanged=0)
    person = models.Person.objects.get(crn="A123456")
    first, second = person.releases.order_by("date")
    assert first.recall.re_released_on == dt.date(2016, 7, 1)
    assert second.recall.re_released_on == dt.date(2022, 1, 10)
    paper, oral = ParoleReview.objects.filter(recall=first.recall).order_by("referred_on")
    assert (paper.kind, paper.referred_on, paper.decided_on, paper.outcome) == (
        "paper",
        dt.date(2013, 3, 1),
        dt.date(2013, 6, 1),
        "oral_hearing",
    )
    assert (paper.calder_answer, paper.hearing_date) == ("appropriate", None)
    assert (oral.kind, oral.outcome, oral.calder_answer) == ("oral", "release", "")
    assert oral.hearing_date == dt.date(2016, 5, 20)
    assert not paper.delays.exists()
    told, untold = oral.delays.order_by("date")
    assert (told.kind, told.date, told.reason, told.prisoner_informed_on, told.new_date) == (
        "adjournment",
        dt.date(2014, 1, 10),
        "Dossier incomplete",
        dt.date(2014, 1, 12),
        None,
    )
    assert (untold.kind, untold.prisoner_informed_on, untold.new_date) == (
        "deferral",
        None,
        dt.date(2015, 9, 1),
    )
    rarr = RiskAssessedRecallReview.objects.get()
    assert (rarr.recall_id, rarr.decided_on, rarr.outcome) == (
        first.recall.pk,
        dt.date(2014, 6, 1),
        "no_release",
    )
    assert not ParoleReview.objects.filter(recall=second.recall).exists()
    referrals = person.termination_referrals.order_by("referred_on")
    assert [(t.referred_on, t.decided_on, t.outcome) for t in referrals] == [
        (dt.date(2020, 1, 6), dt.date(2020, 6, 1), "refused_varied"),
        (dt.date(2023, 1, 9), None, ""),
    ]
    for model in PAROLE_MODELS:
        assert not model.objects.exclude(recorded_by=None).exists(), model.__name__
    event = Adjournment.pgh_event_model.objects.get(pgh_obj_id=untold.pk)  # type: ignore[attr-defined]
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["actor"] == "parole-feed"


def test_future_hearing_and_new_dates_are_allowed(team):
    record = person_record()
    record["releases"][1]["recall"] = {
        "date": "2021-03-01",
        "returned_to_custody": "2021-03-02",
        "reasons": ["other"],
        "criteria": ["i"],
        "parole_reviews": [
            {
                "referred": "2021-04-01",
                "kind": "oral",
                "hearing_date": "2999-01-04",
                "adjournments": [
                    {"date": "2021-06-01", "reason": "Witness unwell", "new_date": "2999-01-04"}
                ],
            }
        ],
    }

    cases_import(data=document(record))

    review = ParoleReview.objects.get()
    assert (review.hearing_date, review.decided_on, review.outcome) == (
        dt.date(2999, 1, 4),
        None,
        "",
    )
    assert review.delays.get().new_date == dt.date(2999, 1, 4)


# --- re-import ---------------------------------------------------------------------------------


def test_an_identical_reimport_writes_nothing(stored):
    counts, audit = all_counts(), audit_rows()
    assert all(counts[model.__name__] for model in PAROLE_MODELS)

    with CaptureQueriesContext(connection) as queries:
        result = cases_import(data=document(copy.deepcopy(stored)))

    assert result == ImportResult(created=0, updated=0, unchanged=1)
    assert all_counts() == counts
    assert audit_rows() == audit
    statements = [q["sql"].lstrip().upper() for q in queries]
    assert [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))] == []


def test_changing_one_adjournment_updates_only_that_row(stored):
    told = Adjournment.objects.get(date=dt.date(2014, 1, 10))
    untold = Adjournment.objects.get(date=dt.date(2015, 2, 1))
    counts, events = all_counts(), event_rows()
    stored["releases"][0]["recall"]["parole_reviews"][1]["adjournments"][1]["prisoner_informed"] = (
        "2015-02-03"
    )

    result = cases_import(data=document(stored), actor="correction")

    assert result == ImportResult(created=0, updated=1, unchanged=0)
    assert all_counts() == counts
    untold.refresh_from_db()
    assert untold.prisoner_informed_on == dt.date(2015, 2, 3)
    told.refresh_from_db()
    assert told.prisoner_informed_on == dt.date(2014, 1, 12)
    assert event_rows() == events + 1, "one update event, for the changed adjournment only"
    assert labels(Adjournment, untold.pk) == ["insert", "update"]
    assert labels(Adjournment, told.pk) == ["insert"]
    update = Adjournment.pgh_event_model.objects.filter(pgh_obj_id=untold.pk).latest("pgh_id")  # type: ignore[attr-defined]
    assert update.pgh_context.metadata["actor"] == "correction"


def test_changed_parole_values_update_the_matching_rows(stored):
    recall = stored["releases"][0]["recall"]
    review = ParoleReview.objects.get(kind="paper")
    recall["parole_reviews"][0]["calder"] = "not_appropriate"
    recall["rarr"]["outcome"] = "release"
    stored["licence_termination_referrals"][1].update(decided="2023-05-02", outcome="terminated")
    rarr = RiskAssessedRecallReview.objects.get()

    assert cases_import(data=document(stored)).updated == 1

    review.refresh_from_db()
    assert review.calder_answer == "not_appropriate"
    assert labels(ParoleReview, review.pk) == ["insert", "update"]
    assert RiskAssessedRecallReview.objects.get().pk == rarr.pk
    assert RiskAssessedRecallReview.objects.get().outcome == "release"
    referral = TerminationReferral.objects.get(referred_on=dt.date(2023, 1, 9))
    assert (referral.decided_on, referral.outcome) == (dt.date(2023, 5, 2), "terminated")


def test_a_review_left_out_of_the_list_is_deleted_with_its_adjournments(stored):
    paper = ParoleReview.objects.get(kind="paper")
    oral = ParoleReview.objects.get(kind="oral")
    delays = list(oral.delays.values_list("pk", flat=True))
    del stored["releases"][0]["recall"]["parole_reviews"][1]

    assert cases_import(data=document(stored)).updated == 1

    assert list(ParoleReview.objects.values_list("pk", flat=True)) == [paper.pk]
    assert not Adjournment.objects.exists()
    assert labels(ParoleReview, oral.pk) == ["insert", "delete"]
    assert [labels(Adjournment, pk) for pk in delays] == [["insert", "delete"]] * 2
    assert labels(ParoleReview, paper.pk) == ["insert"], "the kept review is not re-saved"


def test_left_out_parole_parts_are_kept(stored):
    counts, audit = all_counts(), audit_rows()
    record = person_record()
    record.update({k: v for k, v in full_record().items() if k not in record})
    # A review listed without its adjournments keeps them, too.
    reviews = copy.deepcopy(stored["releases"][0]["recall"]["parole_reviews"])
    del reviews[1]["adjournments"]
    record["releases"][0]["recall"]["parole_reviews"] = reviews
    record["releases"][1]["recall"] = {
        k: v for k, v in stored["releases"][1]["recall"].items() if k != "re_released"
    }

    result = cases_import(data=document(record))

    assert result == ImportResult(created=0, updated=0, unchanged=1)
    assert (all_counts(), audit_rows()) == (counts, audit)
    assert models.Recall.objects.filter(re_released_on__isnull=False).count() == 2


def test_empty_lists_and_nulls_remove_the_parole_parts(stored):
    first = stored["releases"][0]["recall"]
    first.update(parole_reviews=[], rarr=None, re_released=None)
    stored["licence_termination_referrals"] = []

    assert cases_import(data=document(stored)).updated == 1

    assert not any(model.objects.exists() for model in PAROLE_MODELS)
    recall = models.Recall.objects.get(recall_date=dt.date(2013, 1, 5))
    assert recall.re_released_on is None
    assert labels(models.Recall, recall.pk) == ["insert", "update"]


def test_a_review_with_a_new_kind_is_a_new_review(stored):
    paper = ParoleReview.objects.get(kind="paper")
    stored["releases"][0]["recall"]["parole_reviews"][0].update(kind="oral", outcome="release")

    cases_import(data=document(stored))

    assert not ParoleReview.objects.filter(pk=paper.pk).exists()
    assert ParoleReview.objects.filter(referred_on=dt.date(2013, 3, 1), kind="oral").exists()


# --- export and the round trip ----------------------------------------------------------------


def test_export_writes_the_parole_parts_as_the_import_reads_them(stored):
    exported = cases_export()["people"][0]

    assert exported["licence_termination_referrals"] == stored["licence_termination_referrals"]
    first, second = (release["recall"] for release in exported["releases"])
    assert first["parole_reviews"] == stored["releases"][0]["recall"]["parole_reviews"]
    assert first["rarr"] == stored["releases"][0]["recall"]["rarr"]
    assert first["re_released"] == "2016-07-01"
    # Left out where there is nothing to say, and extension keys only when not the default.
    assert "parole_reviews" not in second and "rarr" not in second
    assert second["re_released"] == "2022-01-10"
    assert "hearing_date" not in first["parole_reviews"][0]
    assert "calder" not in first["parole_reviews"][1]
    assert set(first["parole_reviews"][1]["adjournments"][0]) == {
        "date",
        "reason",
        "prisoner_informed",
    }


def test_a_case_without_parole_work_exports_without_the_parole_keys(team, practitioner):
    cases_import(data=document(full_record()))

    exported = cases_export()["people"][0]

    assert "licence_termination_referrals" not in exported
    assert set(exported["releases"][0]["recall"]) == {
        "date",
        "returned_to_custody",
        "reasons",
        "criteria",
    }


def test_an_export_reimports_with_no_writes(stored):
    counts, audit = all_counts(), audit_rows()

    with CaptureQueriesContext(connection) as queries:
        result = cases_import(data=cases_export())

    assert result == ImportResult(created=0, updated=0, unchanged=1)
    assert (all_counts(), audit_rows()) == (counts, audit)
    statements = [q["sql"].lstrip().upper() for q in queries]
    assert [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))] == []


def test_export_import_export_round_trips_the_parole_parts(stored, tmp_path):
    first = tmp_path / "first.json"
    call_command("export_cases", "--output", str(first), stderr=io.StringIO())
    counts = all_counts()

    models.Person.objects.all().delete()
    assert not ParoleReview.objects.exists()
    call_command("import_cases", str(first), stdout=io.StringIO())
    second = io.StringIO()
    call_command("export_cases", stdout=second)

    assert second.getvalue() == first.read_text(encoding="utf-8")
    assert all_counts() == counts
    assert json.loads(second.getvalue())["people"][0]["releases"][0]["recall"]["rarr"] == {
        "decided": "2014-06-01",
        "outcome": "no_release",
    }


def test_export_with_parole_rows_issues_a_fixed_number_of_queries(
    team, practitioner, django_assert_num_queries
):
    cases_import(data=document(parole_record("A000001")))
    with django_assert_num_queries(10):
        cases_export()
    cases_import(data=document(*(parole_record(f"A00000{n}") for n in range(2, 8))))
    assert ParoleReview.objects.count() == 14 and Adjournment.objects.count() == 14
    with django_assert_num_queries(10):
        assert len(cases_export()["people"]) == 7


def test_parole_rows_recorded_in_the_app_are_exported(team):
    person = factories.make_case(team, crn="X000001")
    recall = models.Recall.objects.get(release__person=person)
    review = ParoleReview.objects.create(
        recall=recall, kind="paper", referred_on=recall.recall_date + dt.timedelta(days=30)
    )

    exported = cases_export()["people"][0]["releases"][0]["recall"]

    assert exported["parole_reviews"] == [
        {
            "referred": review.referred_on.isoformat(),
            "kind": "paper",
            "decided": None,
            "outcome": None,
            "adjournments": [],
        }
    ]


# --- validation --------------------------------------------------------------------------------


def test_a_file_breaking_every_parole_rule_is_refused_whole_with_every_problem(team, practitioner):
    """One problem of each rule, each named by CRN and path; a valid record is not written."""
    a = person_record("A000001")
    a["releases"][1]["recall"] = {
        "date": "2017-02-01",
        "returned_to_custody": "2017-02-10",
        "reasons": ["other"],
        "criteria": ["i"],
        "rarr": {"decided": "2017-02-05", "outcome": "release"},  # before the return
        "re_released": "2019-05-01",
    }
    a["releases"].append(
        {
            "date": "2019-05-01",
            "prison": "HMP Hull",
            "approved_premises": False,
            "recall": {
                "date": "2020-01-01",
                "returned_to_custody": "2020-01-03",
                "reasons": ["other"],
                "criteria": ["i"],
                "re_released": "2019-12-01",  # before the recall
            },
        }
    )
    recall = a["releases"][0]["recall"]  # recalled 2013-01-05, back in custody 2013-01-06
    recall["parole_reviews"] = [
        {"referred": "2013-02-01", "kind": "paper", "decided": "2013-03-01"},
        {"referred": "2013-02-02", "kind": "paper", "outcome": "release"},
        {"referred": "2013-02-03", "kind": "paper", "decided": "2013-02-01", "outcome": "release"},
        {"referred": "2013-02-04", "kind": "paper", "decided": "2999-01-01", "outcome": "release"},
        {
            "referred": "2013-02-05",
            "kind": "oral",
            "decided": "2013-05-01",
            "outcome": "oral_hearing",
        },
        {"referred": "2013-02-06", "kind": "paper", "hearing_date": "2013-04-01"},
        {"referred": "2013-01-04", "kind": "paper"},
        {
            "referred": "2013-03-01",
            "kind": "oral",
            "adjournments": [
                {"date": "2013-02-28", "reason": "Panel unavailable"},
                {"date": "2013-04-01", "reason": "Late reports", "prisoner_informed": "2013-03-31"},
                {
                    "date": "2013-05-01",
                    "reason": "PRA",
                    "kind": "deferral",
                    "new_date": "2013-05-01",
                },
                {"date": "2013-06-01", "reason": "Witness unwell"},
                {"date": "2013-06-01", "reason": "Witness still unwell"},
            ],
        },
        {"referred": "2013-03-01", "kind": "oral"},
    ]
    recall["rarr"] = {"decided": "2013-01-01", "outcome": "no_release"}
    recall["re_released"] = "2016-06-30"  # the next release is 2016-07-01
    a["licence_termination_referrals"] = [
        {"referred": "2020-01-01", "decided": "2019-12-01", "outcome": "refused"},
        {"referred": "2020-01-01"},
        {"referred": "2021-01-01", "decided": "2021-02-01"},
    ]
    b = person_record("B000002")
    b["sentence"]["type"] = "LIFE"
    del b["releases"][1]
    b["releases"][0]["recall"]["re_released"] = "2013-01-05"  # before the return (2013-01-06)
    b["licence_termination_referrals"] = [{"referred": "2020-01-01"}]
    valid = parole_record("C000003")

    problems = problems_of(document(valid, a, b))

    reviews = "A000001 releases[0].recall.parole_reviews"
    assert problems == [
        f'{reviews}[0].outcome: required when "decided" is given (give both or neither)',
        f'{reviews}[1].decided: required when "outcome" is given (give both or neither)',
        f"{reviews}[2].decided: 2013-02-01 is before the referral (2013-02-03)",
        f"{reviews}[3].decided: 2999-01-01 is in the future",
        f'{reviews}[4].outcome: "oral_hearing" is only for a paper review: an oral hearing '
        "cannot direct another",
        f"{reviews}[5].hearing_date: only an oral review has a hearing date, not a paper one",
        f"{reviews}[6].referred: 2013-01-04 is before the recall date (2013-01-05)",
        f"{reviews}[7].adjournments[0].date: 2013-02-28 is before the referral (2013-03-01)",
        f"{reviews}[7].adjournments[1].prisoner_informed: 2013-03-31 is before the adjournment "
        "(2013-04-01)",
        f"{reviews}[7].adjournments[2].new_date: 2013-05-01 is not after the deferral (2013-05-01)",
        f"{reviews}[7].adjournments[4]: same date as "
        "releases[0].recall.parole_reviews[7].adjournments[3]",
        f"{reviews}[8]: same referral date and kind as releases[0].recall.parole_reviews[7]",
        "A000001 releases[0].recall.rarr.decided: 2013-01-01 is before the recall date "
        "(2013-01-05)",
        "A000001 releases[1].recall.rarr.decided: 2017-02-05 is before the return to custody "
        "(2017-02-10)",
        "A000001 releases[2].recall.re_released: 2019-12-01 is before the recall date (2020-01-01)",
        "A000001 releases[0].recall.re_released: 2016-06-30 is not the date of the next "
        "release (2016-07-01)",
        "A000001 licence_termination_referrals[0].decided: 2019-12-01 is before the referral "
        "(2020-01-01)",
        "A000001 licence_termination_referrals[1]: same referral date as "
        "licence_termination_referrals[0]",
        'A000001 licence_termination_referrals[2].outcome: required when "decided" is given '
        "(give both or neither)",
        "B000002 releases[0].recall.re_released: 2013-01-05 is before the return to custody "
        "(2013-01-06)",
        "B000002 licence_termination_referrals: only an IPP or DPP licence can be referred for "
        "termination, not LIFE",
    ]
    assert not models.Person.objects.exists()


@pytest.mark.parametrize("sentence_type", ["IPP", "DPP"])
def test_termination_referrals_are_accepted_for_ipp_and_dpp(team, sentence_type):
    record = person_record()
    record["sentence"]["type"] = sentence_type
    record["licence_termination_referrals"] = [{"referred": "2020-01-01"}]

    cases_import(data=document(record))

    assert TerminationReferral.objects.get().outcome == ""


def test_a_life_sentence_without_termination_referrals_is_fine(team):
    record = person_record()
    record["sentence"]["type"] = "LIFE"
    record["licence_termination_referrals"] = []

    assert cases_import(data=document(record)).created == 1


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        pytest.param(
            {"parole_reviews": [{"referred": "2013-02-01", "kind": "mca"}]},
            'A123456 releases[0].recall.parole_reviews[0].kind: "mca" is not allowed; '
            "expected one of: paper, oral",
            id="bad-kind",
        ),
        pytest.param(
            {"parole_reviews": [{"referred": "2013-02-01", "kind": "paper", "date": "x"}]},
            "A123456 releases[0].recall.parole_reviews[0].date: unknown field; allowed fields: "
            "referred, kind, decided, outcome, adjournments, hearing_date, calder",
            id="unknown-review-field",
        ),
        pytest.param(
            {"rarr": {"decided": "2014-01-01"}},
            "A123456 releases[0].recall.rarr.outcome: required field is missing",
            id="rarr-without-outcome",
        ),
        pytest.param(
            {"parole_reviews": None},
            "A123456 releases[0].recall.parole_reviews: expected a list, got null",
            id="null-reviews",
        ),
        pytest.param(
            {
                "parole_reviews": [
                    {
                        "referred": "2013-02-01",
                        "kind": "paper",
                        "adjournments": [{"date": "2013-03-01", "reason": " "}],
                    }
                ]
            },
            "A123456 releases[0].recall.parole_reviews[0].adjournments[0].reason: "
            "must not be blank",
            id="blank-reason",
        ),
    ],
)
def test_a_malformed_parole_part_is_reported(team, part, expected):
    record = person_record()
    record["releases"][0]["recall"].update(part)

    assert problems_of(document(record)) == [expected]


def test_a_kept_re_release_date_must_still_fit_a_moved_recall(stored):
    """Left out, the stored re-release date is kept: a recall moved after it is reported, rather
    than refused by the database half-way through the write."""
    recall = stored["releases"][1]["recall"]
    del recall["re_released"]
    recall.update(date="2022-02-01", returned_to_custody=None)

    assert problems_of(document(stored)) == [
        "A123456 releases[1].recall.re_released: left out, so the stored re-release date "
        "(2022-01-10) is kept, but it is before the recall date (2022-02-01); give re_released"
    ]
