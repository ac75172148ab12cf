"""The inspection cohort report (issue 6): every key and bucket of
ippcase.reporting.cohort.cohort_report
against people whose figures are known (with the boundaries of each band), the population rule
(most recent recall in the range), the management command, the dashboard panel and the fixed
query count."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any, cast

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ippcase import vocab
from ippcase.models import Person, Release, Sentence
from ippcase.reporting import cohort
from ippcase.reporting.cohort import SECTION_TITLES, cohort_report
from ippcase.reporting.dashboard import Scope
from ippcase.reporting.panels.cohort import COHORT
from tests import factories

pytestmark = pytest.mark.django_db

D = dt.date
AS_OF = D(2023, 6, 30)
OC = vocab.OffenceCategory
RR = vocab.RecallReason
BORN = D(1980, 6, 15)
SENTENCED = D(2008, 3, 14)
RECALLED = D(2022, 6, 1)


def spell(
    released: dt.date,
    recalled: dt.date | None = None,
    reasons: tuple[str, ...] = (RR.NON_COMPLIANCE,),
    criteria: tuple[str, ...] = ("i",),
) -> dict[str, Any]:
    """One period on licence: a release and (optionally) the recall that ended it."""
    return {"released": released, "recalled": recalled, "reasons": reasons, "criteria": criteria}


def earlier(*years: int) -> list[dict[str, Any]]:
    """Earlier spells, one a year (released 1 January, recalled 1 June), all with reason
    ``further_charge`` and criterion (iii), which no most recent recall below has unless said."""
    return [
        spell(D(y, 1, 1), D(y, 6, 1), reasons=(RR.FURTHER_CHARGE,), criteria=("iii",))
        for y in years
    ]


def case(
    team: Any,
    *,
    spells: list[dict[str, Any]],
    dob: dt.date = BORN,
    gender: str = "male",
    ethnicity: str = "white",
    tariff: tuple[int, int, int] | None = (2, 0, 0),
    sentence_date: dt.date = SENTENCED,
    offence: str | None = OC.VIOLENCE,
) -> Person:
    """A person with the given sentence (None: no sentence), principal offence and spells."""
    person = cast(
        Person,
        factories.PersonFactory(team=team, date_of_birth=dob, gender=gender, ethnicity=ethnicity),
    )
    if tariff is not None:
        years, months, days = tariff
        sentence = factories.SentenceFactory(
            person=person,
            sentence_date=sentence_date,
            tariff_years=years,
            tariff_months=months,
            tariff_days=days,
        )
        if offence is not None:
            factories.IndexOffenceFactory(sentence=sentence, category=offence)
    for s in spells:
        release = factories.ReleaseFactory(person=person, date=s["released"])
        if s["recalled"] is not None:
            factories.RecallFactory(
                release=release,
                recall_date=s["recalled"],
                reasons=list(s["reasons"]),
                criteria=list(s["criteria"]),
            )
    return person


def one_recall(team: Any, recalled: dt.date = RECALLED, **kwargs: Any) -> Person:
    return case(team, spells=[spell(recalled - dt.timedelta(days=200), recalled)], **kwargs)


# ---------------------------------------------------------------------------------------------
# Every key and bucket on one known cohort


def build_cohort(team: Any) -> None:
    """Eight people recalled and one never recalled; the figures are worked out in
    ``EXPECTED`` by hand."""
    # P1: 30 on as_of exactly; tariff exactly 2 years; an additional (not principal) offence;
    # re-released after the recall; 10 Jan -> 9 Apr is 2 whole months.
    p1 = case(
        team,
        dob=D(1993, 6, 30),
        spells=[
            spell(
                D(2020, 1, 10),
                D(2020, 4, 9),
                reasons=(RR.FURTHER_CHARGE, RR.NON_COMPLIANCE),
                criteria=("i", "ii"),
            ),
            spell(D(2021, 1, 1)),
        ],
    )
    factories.IndexOffenceFactory(sentence=p1.sentence, category=OC.ROBBERY, is_principal=False)
    # P2: 29 (30 tomorrow); tariff exactly 4 years; two recalls; 10 Jan -> 10 Apr is 3 months.
    case(
        team,
        dob=D(1993, 7, 1),
        gender="female",
        ethnicity="black_or_black_british",
        tariff=(4, 0, 0),
        offence=OC.ROBBERY,
        spells=[
            spell(D(2012, 5, 1), D(2013, 1, 1), reasons=(RR.OTHER,), criteria=("iv",)),
            spell(D(2015, 1, 10), D(2015, 4, 10), reasons=(RR.POOR_BEHAVIOUR,), criteria=("iii",)),
        ],
    )
    # P3: 40 on as_of; 4 years and a day; three recalls; 31 Jan -> 31 Jan is 12 months.
    case(
        team,
        dob=D(1983, 6, 30),
        gender="other",
        ethnicity="asian_or_asian_british",
        tariff=(4, 0, 1),
        offence=OC.SEXUAL_CONTACT,
        spells=[
            *earlier(2010, 2011),
            spell(
                D(2019, 1, 31),
                D(2020, 1, 31),
                reasons=(RR.DRUGS_ALCOHOL, RR.FAILED_TO_KEEP_IN_TOUCH, RR.FAILED_TO_RESIDE),
                criteria=("iv",),
            ),
        ],
    )
    # P4: 49 (50 tomorrow); exactly 6 years; four recalls; 23 months; no reasons recorded.
    case(
        team,
        dob=D(1973, 7, 1),
        ethnicity="mixed",
        tariff=(6, 0, 0),
        offence=OC.SEXUAL_NON_CONTACT,
        spells=[
            *earlier(2008, 2009, 2010),
            spell(D(2016, 1, 31), D(2018, 1, 30), reasons=(), criteria=()),
        ],
    )
    # P5: 60 on as_of; exactly 10 years; five recalls; 59 months.
    case(
        team,
        dob=D(1963, 6, 30),
        ethnicity="other",
        tariff=(10, 0, 0),
        offence=OC.BURGLARY,
        spells=[
            *earlier(2005, 2006, 2007, 2008),
            spell(D(2010, 3, 1), D(2015, 2, 28), reasons=(RR.OTHER,), criteria=("ii",)),
        ],
    )
    # P6: 53; 10 years and a day; 60 months exactly.
    case(
        team,
        dob=D(1970, 1, 1),
        ethnicity="not_stated",
        tariff=(10, 0, 1),
        offence=OC.ARSON,
        spells=[spell(D(2009, 1, 31), D(2014, 1, 31), reasons=(RR.FURTHER_CHARGE,))],
    )
    # P7: 33; 1 year 11 months 27 days (under 2 years); 31 Jan -> 30 Jan is 11 months.
    case(
        team,
        dob=D(1990, 1, 1),
        tariff=(1, 11, 27),
        offence=OC.THEFT,
        spells=[spell(D(2022, 1, 31), D(2023, 1, 30))],
    )
    # P8: no sentence recorded (no offence, no tariff); 31 Mar -> 30 Apr is 0 months.
    case(team, tariff=None, spells=[spell(D(2021, 3, 31), D(2021, 4, 30))])
    # Never recalled: not in the cohort.
    factories.make_case(team, recalled=False)


EXPECTED: dict[str, Any] = {
    "people": 8,
    "gender": {"male": 6, "female": 1, "other": 1},
    "ethnicity": {
        "white": 3,
        "asian_or_asian_british": 1,
        "black_or_black_british": 1,
        "mixed": 1,
        "other": 1,
        "not_stated": 1,
    },
    "age_band": {"under_30": 1, "30_39": 2, "40_49": 3, "50_59": 1, "60_plus": 1},
    "index_offence": {
        "violence_against_the_person": 1,
        "sexual_contact": 1,
        "sexual_non_contact": 1,
        "robbery": 1,
        "burglary": 1,
        "arson": 1,
        "theft_and_handling": 1,
        "other_indictable": 0,
        "other_summary": 0,
    },
    "tariff_band": {"lt_2y": 1, "2y_4y": 2, "4y_6y": 2, "6y_10y": 1, "gt_10y": 1},
    "recalls_per_person": {"1": 4, "2": 1, "3": 1, "4": 1, "5_plus": 1},
    "latest_recall_reasons": {
        "further_charge": 2,
        "non_compliance": 3,
        "failed_to_reside": 1,
        "poor_behaviour": 1,
        "drugs_alcohol": 1,
        "failed_to_keep_in_touch": 1,
        "other": 1,
    },
    "latest_recall_criteria": {"i": 4, "ii": 2, "iii": 1, "iv": 1},
    "first_release_year": {
        "2005": 1,
        "2008": 1,
        "2009": 1,
        "2010": 1,
        "2012": 1,
        "2020": 1,
        "2021": 1,
        "2022": 1,
    },
    "release_before_latest_recall_year": {
        "2009": 1,
        "2010": 1,
        "2015": 1,
        "2016": 1,
        "2019": 1,
        "2020": 1,
        "2021": 1,
        "2022": 1,
    },
    "time_in_community_before_latest_recall": {
        "lt_3m": 2,
        "3m_12m": 2,
        "12m_2y": 2,
        "2y_5y": 1,
        "5y_plus": 1,
    },
    "as_of": "2023-06-30",
    "recalled_from": None,
    "recalled_to": None,
}


def test_every_key_and_bucket(team):
    build_cohort(team)
    report = cohort_report(as_of=AS_OF)
    assert report == EXPECTED
    # Bucket order is the vocabulary's, and years ascend.
    assert list(report["ethnicity"]) == [str(v) for v in vocab.Ethnicity.values]
    assert list(report["index_offence"]) == [str(v) for v in vocab.OffenceCategory.values]
    assert list(report["latest_recall_reasons"]) == [str(v) for v in vocab.RecallReason.values]
    assert list(report["first_release_year"]) == sorted(report["first_release_year"])
    for key in SECTION_TITLES:
        if key not in ("first_release_year", "release_before_latest_recall_year"):
            assert list(report[key]) == list(cohort.bucket_labels(key)), key


def test_empty_report_has_every_bucket(db):
    report = cohort_report(as_of=AS_OF, recalled_from=D(2020, 1, 1), recalled_to=D(2020, 12, 31))
    assert report["people"] == 0
    for key, buckets in EXPECTED.items():
        if isinstance(buckets, dict) and key not in (
            "first_release_year",
            "release_before_latest_recall_year",
        ):
            assert report[key] == dict.fromkeys(buckets, 0), key
    assert report["first_release_year"] == {}
    assert report["release_before_latest_recall_year"] == {}
    assert report["recalled_from"] == "2020-01-01"
    assert report["recalled_to"] == "2020-12-31"


# ---------------------------------------------------------------------------------------------
# Boundaries


@pytest.mark.parametrize(
    ("tariff", "sentence_date", "band"),
    [
        ((1, 11, 0), D(2008, 3, 14), "lt_2y"),
        ((1, 11, 27), D(2008, 3, 14), "lt_2y"),  # ends 13 Mar 2010: a day short of 2 years
        ((1, 11, 28), D(2008, 3, 14), "2y_4y"),  # ends 14 Mar 2010: exactly 2 years
        ((1, 11, 40), D(2008, 3, 14), "2y_4y"),  # more than 2 years whatever the calendar
        ((2, 0, 0), D(2008, 3, 14), "2y_4y"),
        ((3, 11, 30), D(2008, 1, 31), "2y_4y"),
        ((3, 11, 31), D(2008, 1, 31), "2y_4y"),  # 31 Dec 2011 + 31 days = 31 Jan 2012: 4 years
        ((4, 0, 0), D(2008, 3, 14), "2y_4y"),
        ((4, 0, 1), D(2008, 3, 14), "4y_6y"),
        ((5, 11, 365), D(2008, 3, 14), "6y_10y"),
        ((6, 0, 0), D(2008, 3, 14), "4y_6y"),
        ((6, 0, 1), D(2008, 3, 14), "6y_10y"),
        ((6, 1, 0), D(2008, 3, 14), "6y_10y"),
        ((10, 0, 0), D(2008, 2, 29), "6y_10y"),  # 29 Feb 2008 + 10 years = 28 Feb 2018
        ((10, 0, 1), D(2008, 3, 14), "gt_10y"),
        ((25, 0, 0), D(2008, 3, 14), "gt_10y"),
    ],
)
def test_tariff_band_boundaries(team, tariff, sentence_date, band):
    person = one_recall(team, tariff=tariff, sentence_date=sentence_date)
    # The SQL end of the tariff is the stored tariff expiry date (Python's relativedelta).
    sentence = Sentence.objects.annotate(
        end=cohort.TariffEnd(
            F("sentence_date"), F("tariff_years"), F("tariff_months"), F("tariff_days")
        )
    ).get(person=person)
    assert sentence.end == sentence.tariff_expiry_date
    report = cohort_report(as_of=AS_OF)
    assert report["tariff_band"] == {
        b: int(b == band) for b in ("lt_2y", "2y_4y", "4y_6y", "6y_10y", "gt_10y")
    }


def test_no_sentence_or_no_principal_offence_is_not_in_those_tables(team):
    one_recall(team, tariff=None)  # no sentence at all
    person = one_recall(team, offence=None)  # a sentence, no offence
    factories.IndexOffenceFactory(
        sentence=person.sentence, category=OC.ARSON, is_principal=False
    )  # only an additional offence
    report = cohort_report(as_of=AS_OF)
    assert report["people"] == 2
    assert sum(report["index_offence"].values()) == 0
    assert report["tariff_band"]["2y_4y"] == 1
    assert sum(report["tariff_band"].values()) == 1


@pytest.mark.parametrize(
    ("dob", "as_of", "band"),
    [
        (D(1993, 6, 30), AS_OF, "30_39"),  # 30th birthday on as_of
        (D(1993, 7, 1), AS_OF, "under_30"),  # 30 tomorrow
        (D(1983, 7, 1), AS_OF, "30_39"),
        (D(1983, 6, 30), AS_OF, "40_49"),
        (D(1973, 7, 1), AS_OF, "40_49"),
        (D(1973, 6, 30), AS_OF, "50_59"),
        (D(1963, 7, 1), AS_OF, "50_59"),
        (D(1963, 6, 30), AS_OF, "60_plus"),
        (D(1940, 1, 1), AS_OF, "60_plus"),
        # Born on 29 February: 30 on 1 March in a year without one.
        (D(2000, 2, 29), D(2030, 2, 28), "under_30"),
        (D(2000, 2, 29), D(2030, 3, 1), "30_39"),
        (D(2000, 2, 29), D(2028, 2, 29), "under_30"),
    ],
)
def test_age_band_boundaries(team, dob, as_of, band):
    one_recall(team, dob=dob)
    report = cohort_report(as_of=as_of)
    assert report["age_band"] == {b: int(b == band) for b in cohort.AGE_BANDS}
    assert report["as_of"] == as_of.isoformat()


@pytest.mark.parametrize(
    ("released", "recalled", "band"),
    [
        (D(2023, 1, 10), D(2023, 1, 10), "lt_3m"),  # recalled on the day of release
        (D(2023, 1, 10), D(2023, 4, 9), "lt_3m"),  # 2 months 30 days
        (D(2023, 1, 10), D(2023, 4, 10), "3m_12m"),  # 3 months
        (D(2022, 11, 30), D(2023, 2, 28), "lt_3m"),  # 2 months 28 days
        (D(2022, 11, 30), D(2023, 3, 1), "3m_12m"),
        (D(2023, 1, 31), D(2023, 4, 30), "lt_3m"),  # 2 months 30 days: 30 < 31
        (D(2023, 1, 31), D(2023, 5, 1), "3m_12m"),
        (D(2022, 1, 31), D(2023, 1, 30), "3m_12m"),  # 11 months
        (D(2022, 1, 31), D(2023, 1, 31), "12m_2y"),  # 12 months
        (D(2021, 2, 28), D(2023, 2, 27), "12m_2y"),  # 23 months
        (D(2021, 2, 28), D(2023, 2, 28), "2y_5y"),  # 24 months
        (D(2018, 2, 28), D(2023, 2, 27), "2y_5y"),  # 59 months
        (D(2018, 2, 28), D(2023, 2, 28), "5y_plus"),  # 60 months
        (D(2008, 2, 29), D(2023, 2, 28), "5y_plus"),
    ],
)
def test_time_in_community_boundaries(team, released, recalled, band):
    case(team, spells=[spell(released, recalled)])
    report = cohort_report(as_of=AS_OF)
    assert report["time_in_community_before_latest_recall"] == {
        b: int(b == band) for b in cohort.TIME_IN_COMMUNITY
    }


def python_months(earlier_day: dt.date, later_day: dt.date) -> int:
    """The documented rule: calendar months, less one if the day of the month is not reached."""
    months = (later_day.year - earlier_day.year) * 12 + later_day.month - earlier_day.month
    return months - (later_day.day < earlier_day.day)


def test_sql_whole_months_follow_the_documented_rule(team):
    """PostgreSQL's age() against the rule in docs/reports.md, for every release day of two
    years (month ends and leap days included) and recall days 0 to 800 days later."""
    person = factories.PersonFactory(team=team)
    start = D(2023, 11, 1)
    days = [start + dt.timedelta(days=n) for n in range(400)]
    factories.ReleaseFactory(person=person, date=start)
    pairs = [(d, d + dt.timedelta(days=k)) for d in days for k in (0, 27, 28, 29, 30, 31, 59, 800)]
    release = Release.objects.filter(pk=person.releases.get().pk)
    got: list[int] = []
    for chunk in range(0, len(pairs), 800):  # PostgreSQL allows 1664 columns a query
        part = pairs[chunk : chunk + 800]
        row = release.values(
            **{
                f"m{i}": cohort.WholeMonths(cohort.Age(Value(b), Value(a)))
                for i, (a, b) in enumerate(part)
            }
        ).get()
        got += [row[f"m{i}"] for i in range(len(part))]
    assert got == [python_months(a, b) for a, b in pairs]
    years = Release.objects.annotate(
        y=cohort.WholeYears(cohort.Age(Value(D(2030, 2, 28)), F("date")))
    ).get()
    assert years.y == 6  # 1 Nov 2023 -> 28 Feb 2030


# ---------------------------------------------------------------------------------------------
# The population


def test_population_is_people_whose_most_recent_recall_is_in_range(team):
    # An earlier recall in 2020 but the most recent in 2022: a 2022 person, not a 2020 one.
    twice = case(
        team, spells=[spell(D(2020, 1, 1), D(2020, 5, 1)), spell(D(2022, 1, 1), D(2022, 5, 1))]
    )
    new_year_eve = one_recall(team, recalled=D(2021, 12, 31))
    never = factories.make_case(team, recalled=False)
    released_not_recalled = case(team, spells=[spell(D(2020, 1, 1))])

    def who(**kwargs: Any) -> int:
        return cohort_report(as_of=AS_OF, **kwargs)["people"]

    assert who() == 2
    assert who(recalled_from=D(2020, 1, 1), recalled_to=D(2020, 12, 31)) == 0
    assert who(recalled_from=D(2022, 1, 1), recalled_to=D(2022, 12, 31)) == 1
    assert who(recalled_from=D(2022, 5, 1), recalled_to=D(2022, 5, 1)) == 1  # both ends inclusive
    assert who(recalled_from=D(2021, 12, 31)) == 2
    assert who(recalled_from=D(2022, 1, 1)) == 1
    assert who(recalled_to=D(2021, 12, 31)) == 1
    assert who(recalled_to=D(2021, 12, 30)) == 0
    # The 2022 person's history counts in full: two recalls, first released in 2020.
    report = cohort_report(as_of=AS_OF, recalled_from=D(2022, 1, 1))
    assert report["recalls_per_person"]["2"] == 1
    assert report["first_release_year"] == {"2020": 1}
    assert report["release_before_latest_recall_year"] == {"2022": 1}
    # ``people`` limits the population too.
    only = Person.objects.filter(pk__in=[twice.pk, never.pk, released_not_recalled.pk])
    assert cohort_report(people=only, as_of=AS_OF)["people"] == 1
    assert cohort_report(people=Person.objects.none(), as_of=AS_OF)["people"] == 0
    assert new_year_eve.pk not in only.values_list("pk", flat=True)


def test_people_scope_is_respected(team, other_pdu_team):
    build_cohort(team)
    one_recall(other_pdu_team)
    assert cohort_report(as_of=AS_OF)["people"] == 9
    assert cohort_report(people=Person.objects.filter(team=team), as_of=AS_OF) == EXPECTED


def test_reasons_of_earlier_recalls_are_not_counted(team):
    case(
        team,
        spells=[
            *earlier(2010, 2011),
            spell(D(2012, 1, 1), D(2012, 6, 1), reasons=(RR.OTHER, RR.POOR_BEHAVIOUR), criteria=()),
        ],
    )
    report = cohort_report(as_of=AS_OF)
    assert report["latest_recall_reasons"]["further_charge"] == 0
    assert report["latest_recall_reasons"]["other"] == 1
    assert report["latest_recall_reasons"]["poor_behaviour"] == 1
    assert sum(report["latest_recall_reasons"].values()) == 2  # above the one person
    assert report["latest_recall_criteria"] == {"i": 0, "ii": 0, "iii": 0, "iv": 0}


# ---------------------------------------------------------------------------------------------
# Query count


def test_fixed_query_count(team):
    people = Person.objects.filter(team=team)
    build_cohort(team)
    with CaptureQueriesContext(connection) as small:
        cohort_report(people=people, as_of=AS_OF)
    for year in range(2000, 2015):
        case(
            team,
            spells=[*earlier(year, year + 1), spell(D(year + 3, 2, 1), D(year + 4, 1, 1))],
        )
        build_cohort(team)
    with CaptureQueriesContext(connection) as large:
        report = cohort_report(people=people, as_of=AS_OF)
    assert report["people"] == 8 * 16 + 15
    assert len(small.captured_queries) == len(large.captured_queries) == 3
    # Each per-person fact is computed once in the inner query, not once per bucket reading it.
    buckets_sql = large.captured_queries[0]["sql"]
    assert "SELECT DISTINCT" in buckets_sql  # not flattened by the planner (see _buckets)
    assert buckets_sql.count('"ippcase_indexoffence"') == 1  # one join, no subquery
    assert "SELECT COUNT(U0" not in buckets_sql  # no subquery a person: recalls counted apart
    # Recalls a person: the stored count on each position, no grouping of every recall.
    assert '"ippcase_personposition"."recall_count"' in large.captured_queries[1]["sql"]
    assert buckets_sql.count('make_interval(years => "ippcase_sentence"."tariff_years"') == 1


# ---------------------------------------------------------------------------------------------
# The command


def test_command_json(team):
    build_cohort(team)
    out = io.StringIO()
    call_command("cohort_report", "--json", "--as-of", "2023-06-30", stdout=out)
    assert json.loads(out.getvalue()) == EXPECTED
    assert out.getvalue().startswith('{\n  "age_band": {')  # sorted keys, indent 2

    out = io.StringIO()
    call_command(
        "cohort_report",
        "--json",
        "--as-of",
        "2023-06-30",
        "--recalled-from",
        "2020-01-01",
        "--recalled-to",
        "2020-12-31",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data == json.loads(
        json.dumps(
            cohort_report(as_of=AS_OF, recalled_from=D(2020, 1, 1), recalled_to=D(2020, 12, 31))
        )
    )
    assert data["people"] == 2  # P1 (9 Apr 2020) and P3 (31 Jan 2020)
    assert (data["recalled_from"], data["recalled_to"]) == ("2020-01-01", "2020-12-31")


def test_command_as_of_defaults_to_today(team):
    out = io.StringIO()
    call_command("cohort_report", "--json", "--recalled-to", "2030-01-01", stdout=out)
    data = json.loads(out.getvalue())
    assert data["as_of"] == timezone.localdate().isoformat()
    assert data["recalled_from"] is None


def test_command_text(team):
    build_cohort(team)
    out = io.StringIO()
    call_command("cohort_report", "--as-of", "2023-06-30", stdout=out)
    text = out.getvalue()
    assert "People: 8" in text
    for title in SECTION_TITLES.values():
        assert title in text
    assert "Black or Black British" in text
    assert "12 months to under 2 years" in text
    lines = text.splitlines()
    assert any(line.split() == ["Female", "1", "12.5%"] for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2023-02-31"], "--as-of '2023-02-31' is not a real date"),
        (["--recalled-from", "2023-13-01"], "--recalled-from '2023-13-01' is not a real date"),
        (["--recalled-to", "31/03/2023"], "--recalled-to '31/03/2023' is not a real date"),
        (
            ["--recalled-from", "2023-04-01", "--recalled-to", "2023-03-31"],
            "--recalled-from 2023-04-01 is after --recalled-to 2023-03-31",
        ),
    ],
)
def test_command_errors(db, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("cohort_report", "--json", *args, stdout=io.StringIO())


# ---------------------------------------------------------------------------------------------
# The dashboard panel


def test_panel(team):
    build_cohort(team)
    one_recall(team, recalled=D(2024, 1, 1))  # outside the scope's dates
    scope = Scope(
        level="team", code=team.code, date_from=D(2010, 1, 1), date_to=D(2023, 6, 30), today=AS_OF
    )
    people = Person.objects.filter(team=team)
    with CaptureQueriesContext(connection) as ctx:
        data = COHORT.compute(people, scope)
    assert len(ctx.captured_queries) == 3
    assert (COHORT.slug, COHORT.title) == ("cohort", "Profile of the people recalled")
    tables = {table.caption: table for table in data.tables}
    assert list(tables) == ["People recalled", *SECTION_TITLES.values()]
    assert tables["People recalled"].rows == [["People", 8]]
    assert tables["Gender"].columns == ["Gender", "People", "%"]
    assert tables["Gender"].rows == [["Male", 6, 75.0], ["Female", 1, 12.5], ["Other", 1, 12.5]]
    assert tables["Age"].rows[0] == ["Under 30", 1, 12.5]
    assert tables["Tariff"].rows[0] == ["Less than 2 years", 1, 12.5]
    assert tables["Year of first release"].rows[0] == ["2005", 1, 12.5]
    assert tables["Recall criteria of the most recent recall"].rows[0] == [
        str(vocab.RecallCriterion.I.label),
        4,
        50.0,
    ]
    # Every number equals the report's, bucket for bucket, in the report's order.
    report = cohort_report(
        people=people, as_of=AS_OF, recalled_from=D(2010, 1, 1), recalled_to=D(2023, 6, 30)
    )
    assert report == {**EXPECTED, "recalled_from": "2010-01-01", "recalled_to": "2023-06-30"}
    for key, title in SECTION_TITLES.items():
        assert [row[1] for row in tables[title].rows] == list(report[key].values()), key
        assert [row[2] for row in tables[title].rows] == [
            cohort.percentage(n, 8) for n in report[key].values()
        ]
    assert len(data.charts) == 4
    for chart in data.charts:
        assert "<svg" in chart
    assert 'id="cohort-age-band-title"' in data.charts[0]
    assert "Under 30" in data.charts[0]
    assert data.notes


def test_panel_with_nobody(db, team):
    scope = Scope(level="national", code="", date_from=AS_OF, date_to=AS_OF, today=AS_OF)
    data = COHORT.compute(Person.objects.all(), scope)
    tables = {table.caption: table for table in data.tables}
    assert tables["Gender"].rows == [["Male", 0, 0.0], ["Female", 0, 0.0], ["Other", 0, 0.0]]
    assert tables["Year of first release"].rows == []
    assert len(data.charts) == 4


def test_percentage_rounds_halves_up():
    assert cohort.percentage(1, 16) == 6.3
    assert cohort.percentage(1, 3) == 33.3
    assert cohort.percentage(0, 0) == 0.0
