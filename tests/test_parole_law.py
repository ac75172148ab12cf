"""The statutory periods of parole work (parole/law.py): pure Python, checked with examples and
hypothesis properties."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parole import law
from recall.deadlines import Calendar

PERIODS = law.Periods()
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


def test_law_imports_no_django():
    code = "import sys, parole.law; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_periods_in_force():
    assert (PERIODS.qualifying_years("IPP"), PERIODS.qualifying_years("DPP")) == (3, 2)
    assert PERIODS.qualifying_years("LIFE") is None
    assert PERIODS.automatic_termination_years == 2
    assert PERIODS.untold_delay_working_days == 5


def test_overrides_change_one_value_and_refuse_unknown_or_bad_ones():
    assert law.Periods.from_overrides({"qualifying_years_ipp": 2}).qualifying_years("IPP") == 2
    with pytest.raises(ValueError, match="unknown parole period"):
        law.Periods.from_overrides({"qualifying_years": 2})
    with pytest.raises(ValueError, match="whole numbers"):
        law.Periods.from_overrides({"qualifying_years_ipp": -1})
    with pytest.raises(ValueError, match="whole numbers"):
        law.Periods.from_overrides({"hearing_reminder_days": [7, "x"]})


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (dt.date(2021, 6, 1), 3, dt.date(2024, 6, 1)),
        (dt.date(2020, 2, 29), 3, dt.date(2023, 3, 1)),  # the period ends on 28 February
        (dt.date(2020, 2, 29), 4, dt.date(2024, 2, 29)),
    ],
)
def test_years_after(start, years, expected):
    assert law.years_after(start, years) == expected


@given(dates, st.integers(min_value=0, max_value=12))
def test_latest_start_qualified_is_the_exact_inverse_of_years_after(today, years):
    latest = law.latest_start_qualified(today, years)
    assert law.years_after(latest, years) <= today
    assert law.years_after(latest + dt.timedelta(days=1), years) > today


def spells(*pairs):
    return [law.Spell(released=a, recalled=b) for a, b in pairs]


def test_ipp_licence_qualifies_three_years_after_first_release_even_after_a_recall():
    history = spells(
        (dt.date(2015, 4, 1), dt.date(2016, 1, 10)),  # recalled
        (dt.date(2023, 5, 2), None),  # re-released, on licence now
    )
    position = law.licence_position("IPP", history, dt.date(2024, 1, 1), PERIODS)
    assert position.qualifying_date == dt.date(2018, 4, 1)
    assert position.eligible_for_referral
    assert position.on_licence_since == dt.date(2023, 5, 2)
    # Two continuous years on licence, beginning not before the qualifying period expired.
    assert position.automatic_termination_date == dt.date(2025, 5, 2)
    assert position.end == law.LicenceEnd(dt.date(2025, 5, 2), law.ENDED_AUTOMATICALLY)
    assert not position.ended


def test_dpp_qualifies_after_two_years_and_the_continuous_period_starts_at_qualification():
    history = spells((dt.date(2022, 3, 1), None))
    position = law.licence_position("DPP", history, dt.date(2024, 2, 29), PERIODS)
    assert position.qualifying_date == dt.date(2024, 3, 1)
    assert not position.eligible_for_referral
    assert position.automatic_termination_date == dt.date(2026, 3, 1)


def test_the_licence_ends_on_the_automatic_termination_date_not_the_day_before():
    history = spells((dt.date(2020, 6, 15), None))  # IPP: qualifies 15 June 2023
    end = dt.date(2025, 6, 15)
    before = law.licence_position("IPP", history, end - dt.timedelta(days=1), PERIODS)
    on = law.licence_position("IPP", history, end, PERIODS)
    assert (before.ended, on.ended) == (False, True)
    assert on.end == law.LicenceEnd(end, law.ENDED_AUTOMATICALLY)
    assert not on.eligible_for_referral  # nothing left to refer
    assert "ended automatically on 15 June 2025" in on.end.sentence(end)
    assert "ends automatically on 15 June 2025" in before.end.sentence(
        before_day := end.replace(day=14)
    )
    assert before_day < end


def test_licences_whose_two_years_had_run_ended_on_1_november_2024():
    history = spells((dt.date(2012, 1, 9), None))  # two continuous years ran out in 2017
    position = law.licence_position("IPP", history, dt.date(2024, 10, 31), PERIODS)
    assert position.end == law.LicenceEnd(dt.date(2024, 11, 1), law.ENDED_AUTOMATICALLY)
    assert not position.ended
    assert law.licence_position("IPP", history, dt.date(2024, 11, 1), PERIODS).ended


def test_a_parole_board_termination_ends_the_licence_on_its_date():
    history = spells((dt.date(2021, 1, 4), None))  # automatic termination 4 January 2026
    position = law.licence_position(
        "IPP", history, dt.date(2024, 9, 1), PERIODS, terminated_on=dt.date(2024, 8, 30)
    )
    assert position.end == law.LicenceEnd(dt.date(2024, 8, 30), law.ENDED_BY_PAROLE_BOARD)
    assert position.ended
    assert (
        position.end.sentence(dt.date(2024, 9, 1))
        == "The Parole Board terminated this licence on 30 August 2024."
    )


def test_in_custody_on_recall_has_no_automatic_termination():
    history = spells((dt.date(2010, 1, 4), dt.date(2020, 1, 1)))
    position = law.licence_position("IPP", history, dt.date(2024, 1, 1), PERIODS)
    assert position.eligible_for_referral
    assert position.automatic_termination_date is None
    assert position.end is None and not position.ended


@pytest.mark.parametrize(
    ("sentence_type", "history"),
    [
        ("LIFE", spells((dt.date(2010, 1, 4), None))),
        ("EDS", spells((dt.date(2010, 1, 4), None))),
        ("IPP", []),
        (None, spells((dt.date(2010, 1, 4), None))),
    ],
)
def test_the_position_does_not_apply(sentence_type, history):
    position = law.licence_position(sentence_type, history, dt.date(2026, 1, 1), PERIODS)
    assert position == law.LicencePosition(applies=False)


@given(first=dates, gap=st.integers(min_value=0, max_value=4000), today=dates)
@settings(max_examples=300, deadline=None)
def test_supervision_suspension_can_never_come_before_automatic_termination(first, gap, today):
    """Why suspension of supervision is not applicable to IPP/DPP under the current law
    (docs/parole.md): the licence ends no later than five continuous years after the latest
    release, whenever the person was first released."""
    latest = first + dt.timedelta(days=gap)
    history = spells((first, first), (latest, None)) if gap else spells((first, None))
    for kind in ("IPP", "DPP"):
        position = law.licence_position(kind, history, today, PERIODS)
        assert position.end is not None
        five_years = law.years_after(latest, 5)
        assert position.end.on <= max(five_years, dt.date(2024, 11, 1))


CAL = Calendar()


def test_untold_overdue_after_more_than_five_working_days():
    # Monday 2 June 2025; Wednesday 11 June is 7 working days later, Monday 9 June is 5.
    adjourned = dt.date(2025, 6, 2)
    assert not law.is_untold_overdue(adjourned, None, dt.date(2025, 6, 9), CAL, PERIODS)
    assert law.is_untold_overdue(adjourned, None, dt.date(2025, 6, 10), CAL, PERIODS)
    assert not law.is_untold_overdue(
        adjourned, dt.date(2025, 6, 3), dt.date(2025, 6, 11), CAL, PERIODS
    )


@settings(max_examples=300)
@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 1)))
def test_untold_cutoff_matches_counting_working_days(today):
    cutoff = law.untold_delay_cutoff(today, CAL, PERIODS)
    assert CAL.working_days_between(cutoff, today) > PERIODS.untold_delay_working_days
    assert CAL.working_days_between(cutoff + dt.timedelta(days=1), today) <= 5
