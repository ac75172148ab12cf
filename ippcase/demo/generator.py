"""Deterministic synthetic demo data that follows the published profile of recalled IPP people.

:func:`generate` turns ``(people, seed)`` into plain dataclasses (:class:`~.specs.DemoData`); the
writer puts them in the database in bulk (``manage.py seed_demo``) and the documents serialise them
into the case import and demo organisation formats (``fixtures/``, read back by ``manage.py
load_demo`` through the import service). So the synthetic profile has one source of truth,
whichever way the data reaches the database, and tests/test_seed_demo.py checks that both ways
give the same rows.

Contract:

- the same ``(people, seed)`` always gives identical data: all randomness comes from
  ``random.Random`` instances seeded from ``seed`` (never the global generator, never Faker), and
  all dates are relative to the fixed :data:`~.tables.REFERENCE_DATE`, never today;
- every person satisfies the invariants the services enforce: releases in date order, each recall
  on or after its release and before the next one, return to custody on or after the recall,
  only the last release without a recall, exactly one open allocation held by a practitioner of
  the person's team, the nine standard licence conditions from the latest release;
- the distributions follow the published tables of :mod:`ippcase.demo.tables`.

The people are drawn here, one after another from one random stream; the parole work
(:mod:`~.parole_work`) and the recall work (:mod:`~.recall_work`) of each person come from
streams of their own, after the rest. Everything is synthetic: names come from fixed lists,
CRNs/NOMIS/PNC numbers are random.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from ippcase import vocab
from ippcase.demo.lists import (
    ADDITIONAL_CONDITION_CODES,
    BEHAVIOUR_ORDER,
    CONDITION_EXCLUSION,
    CONDITION_EXCLUSION_VARIED,
    CONDITION_HOME_CURFEW,
    CONDITIONS_AP,
    CONDITIONS_BESPOKE,
    CONDITIONS_BY_BEHAVIOUR,
    CONDITIONS_GENERIC,
    FEMALE_FIRST_NAMES,
    MALE_FIRST_NAMES,
    MEN_CLOSED_PRISONS,
    MEN_OPEN_PRISONS,
    OFFENCES,
    OTHER_OFFENCES,
    SURNAMES,
    WOMEN_CLOSED_PRISONS,
    WOMEN_OPEN_PRISONS,
)
from ippcase.demo.meetings import add_meetings
from ippcase.demo.org import generate_org
from ippcase.demo.parole_work import add_parole_work, licence_end, licence_in_force, within_the_law
from ippcase.demo.recall_work import add_recall_work
from ippcase.demo.sampling import (
    MultiPick,
    Span,
    Table,
    add_years,
    age_on,
    date_from_bands,
    date_in,
    fit_spans,
    sentence_by,
    year_bands,
)
from ippcase.demo.specs import (
    AllocationSpec,
    ConditionSpec,
    DemoData,
    OffenceSpec,
    OrgSpec,
    PduSpec,
    PersonSpec,
    RecallSpec,
    ReleaseSpec,
    SentenceSpec,
    status_of,
)
from ippcase.demo.tables import (
    ACCOMMODATION_ON_LICENCE,
    ADDITIONAL_CONDITION_COUNTS,
    AGE_BANDS,
    AP_SHARE,
    AP_STAY_DAYS,
    AT_LARGE_SHARE,
    BESPOKE_SHARE,
    COM_COUNTS,
    COMMUNITY_FIVE_YEARS_PLUS,
    COMMUNITY_TIME_SAMPLE,
    CRITERION_IV_GIVEN_OUT_OF_TOUCH,
    DEFAULT_SEED,
    DPP_ELIGIBLE_SHARE,
    ETHNICITY,
    FIRST_RELEASE_YEARS,
    FIXTURE_PEOPLE,
    GENDER,
    IN_CUSTODY_SHARE,
    INDEX_OFFENCE,
    IPP_COMMENCEMENT,
    LATER_REVIEW_DAYS,
    MAPPA_CATEGORY_1_SAMPLE,
    MAPPA_LEVELS,
    MAPPA_SAMPLE,
    NEEDS,
    NEEDS_SAMPLE,
    OPD,
    OPEN_PRISON_SHARE,
    OTHER_OFFENCE_SHARE,
    PROFILE_DATE,
    RE_RELEASE_AT_FIRST_REVIEW,
    RECALL_COUNTS,
    RECALL_CRITERIA,
    RECALL_CRITERIA_SAMPLE,
    RECALL_REASONS,
    RECALL_REASONS_SAMPLE,
    REFERENCE_DATE,
    REVIEW_DAYS,
    ROSH,
    RTC_LAGS,
    SENTENCE_YEARS,
    TARIFF_BANDS,
    VULNERABILITIES,
    VULNERABLE_SHARE,
)
from recall.rules import add_months


class _Tables:
    """The published tables, prepared once per generation."""

    def __init__(self) -> None:
        self.gender = Table(GENDER)
        self.ethnicity = Table(ETHNICITY)
        self.age = Table(AGE_BANDS)
        self.sentence_years = year_bands(SENTENCE_YEARS, IPP_COMMENCEMENT)
        self.tariff = Table(TARIFF_BANDS)
        self.first_release = year_bands(FIRST_RELEASE_YEARS)
        self.recalls = Table(RECALL_COUNTS)
        under_five = sum(w for _, w in COMMUNITY_TIME_SAMPLE)
        five_plus_band, five_plus_share = COMMUNITY_FIVE_YEARS_PLUS
        self.community = Table(
            [(band, (1 - five_plus_share) * w / under_five) for band, w in COMMUNITY_TIME_SAMPLE]
            + [(five_plus_band, five_plus_share)]
        )
        self.offence = Table(INDEX_OFFENCE)
        self.mappa_level = Table(MAPPA_LEVELS)
        self.rosh = Table(ROSH)
        self.opd = Table(OPD)
        self.accommodation = Table(ACCOMMODATION_ON_LICENCE)
        self.com_count = Table(COM_COUNTS)
        self.additional_count = Table(ADDITIONAL_CONDITION_COUNTS)
        self.rtc_lag = Table(RTC_LAGS)
        # Given the coupling "under 91 days in the community -> AP", the other releases go to an
        # AP with the probability that keeps the overall share at AP_SHARE.
        quick = self.community_share_below(91)
        self.ap_otherwise = (AP_SHARE - quick) / (1 - quick)

    def community_share_below(self, days: int) -> float:
        total = self.community.cumulative[-1]
        share, previous = 0.0, 0.0
        for (low, high), cumulative in zip(
            self.community.values, self.community.cumulative, strict=True
        ):
            weight = cumulative - previous
            previous = cumulative
            if high < days:
                share += weight
            elif low < days:
                share += weight * (days - low) / (high - low + 1)
        return share / total


def _pnc(rng: random.Random, year: int) -> str:
    """A PNC id ``YYYY/NNNNNNNX`` with a valid check letter (mod 23 of YY and the serial)."""
    serial = rng.randint(1, 9_999_999)
    check = "ZABCDEFGHJKLMNPQRTUVWXY"[(year % 100 * 10_000_000 + serial) % 23]
    return f"{year}/{serial:07d}{check}"


_STANDARD_CODES = tuple(c.value for c in vocab.StandardCondition)


def _behaviours(rng: random.Random, category: str) -> list[str]:
    """The index offence's behaviour tags, in vocabulary order (so the output is canonical)."""
    _, always, optional = OFFENCES[category]
    chosen = [tag.value for tag in always] + [tag.value for tag, p in optional if rng.random() < p]
    return sorted(chosen, key=BEHAVIOUR_ORDER.__getitem__)


_OUT_OF_TOUCH = vocab.RecallReason.FAILED_TO_KEEP_IN_TOUCH.value
_REASONS = MultiPick([(r, n / RECALL_REASONS_SAMPLE) for r, n in RECALL_REASONS])
_CRITERION_IV_SHARE = (
    dict(RECALL_REASONS)[vocab.RecallReason.FAILED_TO_KEEP_IN_TOUCH]
    / RECALL_REASONS_SAMPLE
    * CRITERION_IV_GIVEN_OUT_OF_TOUCH
)
_CRITERIA = MultiPick(
    [(c, n / RECALL_CRITERIA_SAMPLE) for c, n in RECALL_CRITERIA],
    uncovered=1 - _CRITERION_IV_SHARE,
)


def _reasons_and_criteria(rng: random.Random) -> tuple[list[str], list[str]]:
    """Reasons (annexe 3) and criteria (table 10) of one recall, each at its published rate;
    criterion (iv), out of touch, only with the "failed to keep in touch" reason."""
    reasons = _REASONS.draw(rng)
    out_of_touch = _OUT_OF_TOUCH in reasons and rng.random() < CRITERION_IV_GIVEN_OUT_OF_TOUCH
    criteria = _CRITERIA.draw(rng, covered=out_of_touch)
    if out_of_touch:
        criteria.append(vocab.RecallCriterion.IV.value)
    return reasons, criteria


@dataclass(frozen=True, slots=True)
class _Wording:
    """The additional and bespoke conditions worded for one PDU's town."""

    ap_residence: str
    ap_curfew: str
    exclusion: str
    exclusion_varied: str
    generic: tuple[str, ...]
    bespoke: tuple[str, ...]
    codes: dict[str, str]  # wording -> additional condition code (ADDITIONAL_CONDITION_CODES)


class _PersonMaker:
    """Makes the people one after another from one random stream (so order matters)."""

    def __init__(self, seed: int, people: int, org: OrgSpec) -> None:
        self.rng = random.Random(f"ippcase-demo:{seed}:people")  # noqa: S311
        self.seed = seed
        self._wording: dict[str, _Wording] = {}
        self.t = _Tables()
        self.org = org
        teams = org.teams()
        self.showcase_team = teams[0][1].code if teams else ""
        # The showcase team (first) gets a third of the people so that its
        # practitioner signs in to a full caseload; the others share the rest evenly.
        self.teams = Table(
            [
                ((pdu, team), max(1.0, len(teams) / 2) if i == 0 else 1.0)
                for i, (pdu, team) in enumerate(teams)
            ]
        )
        self.team_practitioners = {team.code: org.practitioners(team.code) for _, team in teams}
        self.ppcs = [u.username for u in org.users if vocab.Role.PPCS in u.roles]
        # Unique identifiers drawn without replacement from their whole space.
        self.crns = self.rng.sample(range(26 * 1_000_000), people)
        self.nomis = self.rng.sample(range(2 * 10_000 * 26 * 26), people)

    def make(self, index: int) -> PersonSpec:
        rng, t = self.rng, self.t
        crn_n = self.crns[index]
        crn = f"{chr(65 + crn_n // 1_000_000)}{crn_n % 1_000_000:06d}"
        nomis_n = self.nomis[index]
        letters, digits = divmod(nomis_n, 10_000)
        prefix, suffix = divmod(letters, 26 * 26)
        nomis = f"{'AG'[prefix]}{digits:04d}{chr(65 + suffix // 26)}{chr(65 + suffix % 26)}"

        gender = t.gender.pick(rng)
        ethnicity = t.ethnicity.pick(rng)
        first_name = rng.choice(
            MALE_FIRST_NAMES if gender == vocab.Gender.MALE else FEMALE_FIRST_NAMES
        )
        last_name = rng.choice(SURNAMES)
        pdu, team = self.teams.pick(rng)

        # Order matters for fidelity: tariff (table 6) and the releases (tables 7 and 8) first,
        # then a sentence date (table 5) that leaves the tariff served before the first release,
        # then a date of birth inside the age band (table 4) that makes the person at least 18
        # at sentence (15 for the few who may have a DPP). Drawing the sentence first would
        # starve the early release years; drawing the birth first would push sentences late.
        young, old = t.age.pick(rng)
        born_from = add_years(PROFILE_DATE, -(old + 1)) + dt.timedelta(days=1)
        born_to = add_years(PROFILE_DATE, -young)
        tariff_months, tariff_days = self._tariff()
        releases, status = self._releases(
            gender, add_months(IPP_COMMENCEMENT, tariff_months, tariff_days)
        )
        latest_sentence = min(
            t.sentence_years[-1][1],
            sentence_by(releases[0].date - dt.timedelta(days=30), tariff_months, tariff_days),
        )
        youngest = 15 if rng.random() < DPP_ELIGIBLE_SHARE else 18
        earliest_sentence = max(IPP_COMMENCEMENT, add_years(born_from, youngest))
        if earliest_sentence > latest_sentence:
            youngest = 15
            earliest_sentence = max(IPP_COMMENCEMENT, add_years(born_from, youngest))
        sentence_date = date_from_bands(
            rng, t.sentence_years, min(earliest_sentence, latest_sentence), latest_sentence
        )
        born_by = min(born_to, add_years(sentence_date, -youngest))
        if born_from <= born_by:
            dob = date_in(rng, born_from, born_by)
        else:  # too young for any possible sentence date: older than the band, a DPP at 16-17
            dob = add_years(sentence_date, -17) + dt.timedelta(days=rng.randint(0, 364))
        age_at_sentence = age_on(dob, sentence_date)
        sentence_type = vocab.SentenceType.DPP if age_at_sentence < 18 else vocab.SentenceType.IPP

        sentence = SentenceSpec(
            sentence_type=str(sentence_type),
            sentence_date=sentence_date,
            tariff_years=tariff_months // 12,
            tariff_months=tariff_months % 12,
            tariff_days=tariff_days,
            index_offence=self._offence(t.offence.pick(rng)),
            other_offences=[],
        )
        if rng.random() < OTHER_OFFENCE_SHARE:
            category, description, tags = rng.choice(OTHER_OFFENCES)
            sentence.other_offences.append(
                OffenceSpec(str(category), description, [str(tag) for tag in tags])
            )

        releases, status = within_the_law(releases, status, sentence.sentence_type)
        if team.code == self.showcase_team:
            licence_in_force(releases, status)
        behaviours = sentence.index_offence.behaviours
        is_sexual = sentence.index_offence.category in (
            vocab.OffenceCategory.SEXUAL_CONTACT,
            vocab.OffenceCategory.SEXUAL_NON_CONTACT,
        )
        # Sexual offences are category 1; the other people make up the rest of the sample's 8/26.
        non_sexual_cat1 = (MAPPA_CATEGORY_1_SAMPLE - 6) / (MAPPA_SAMPLE - 6)
        mappa_category = 1 if is_sexual or rng.random() < non_sexual_cat1 else 2
        mappa_level = t.mappa_level.pick(rng)
        rosh = t.rosh.pick(rng)
        if mappa_level > 1 and rosh == vocab.RoshLevel.MEDIUM:
            rosh = vocab.RoshLevel.HIGH  # active multi-agency management goes with high risk

        last = releases[-1]
        if status == "licence":
            if last.approved_premises and (REFERENCE_DATE - last.date).days < AP_STAY_DAYS:
                accommodation = vocab.Accommodation.APPROVED_PREMISES
            else:
                accommodation = t.accommodation.pick(rng)
        elif status == "at_large":
            accommodation = (
                vocab.Accommodation.NO_FIXED_ABODE
                if rng.random() < 0.6
                else vocab.Accommodation.UNKNOWN
            )
        else:
            accommodation = vocab.Accommodation.UNKNOWN  # in custody: the address is not held open

        needs = [str(need) for need, n in NEEDS if rng.random() < n / NEEDS_SAMPLE]
        vulnerabilities = ""
        if rng.random() < VULNERABLE_SHARE:
            vulnerabilities = "; ".join(rng.sample(VULNERABILITIES, rng.choice((1, 1, 2, 3))))

        first_year = max(dob.year + 12, 1990)
        person = PersonSpec(
            crn=crn,
            nomis_number=nomis,
            pnc=_pnc(rng, rng.randint(first_year, max(first_year, sentence_date.year))),
            first_name=first_name,
            last_name=last_name,
            date_of_birth=dob,
            gender=str(gender),
            ethnicity=str(ethnicity),
            team=team.code,
            sentence=sentence,
            releases=releases,
            mappa_category=mappa_category,
            mappa_level=mappa_level,
            rosh_level=str(rosh),
            accommodation=str(accommodation),
            needs=needs,
            vulnerabilities=vulnerabilities,
            opd_screening=str(t.opd.pick(rng)),
        )
        person.licence_conditions = self._conditions(person, pdu, behaviours)
        person.allocations = self._allocations(person)
        # A stream of its own per person: the parole work changes nothing drawn above.
        add_parole_work(person, random.Random(f"ippcase-demo:{self.seed}:parole:{index}"))  # noqa: S311
        # And another for the recall work (concerns, actions, recommendations).
        add_recall_work(
            person,
            random.Random(f"ippcase-demo:{self.seed}:recall-work:{index}"),  # noqa: S311
            self.ppcs,
        )
        # And another for the multi-agency meetings and their actions (issue 19).
        add_meetings(person, random.Random(f"ippcase-demo:{self.seed}:meetings:{index}"))  # noqa: S311
        return person

    def _tariff(self) -> tuple[int, int]:
        """(whole months, extra days) from table 6; a band whose upper limit is "less than or
        equal to" ends exactly on it, so its last month has no extra days."""
        rng = self.rng
        low, high = self.t.tariff.pick(rng)
        months = rng.randint(low, high)
        if months == high and high != TARIFF_BANDS[0][0][1]:
            return months, 0
        return months, (rng.randint(1, 29) if rng.random() < 0.4 else 0)

    def _offence(self, category: str) -> OffenceSpec:
        descriptions, _, _ = OFFENCES[category]
        return OffenceSpec(
            str(category), self.rng.choice(descriptions), _behaviours(self.rng, category)
        )

    def _community_days(self) -> int:
        low, high = self.t.community.pick(self.rng)
        return self.rng.randint(low, high)

    def _custody_days(self) -> int:
        days = self.rng.randint(*REVIEW_DAYS)
        if self.rng.random() >= RE_RELEASE_AT_FIRST_REVIEW:
            days += self.rng.randint(*LATER_REVIEW_DAYS)
        return days

    def _prison(self, gender: str) -> str:
        is_open = self.rng.random() < OPEN_PRISON_SHARE
        if gender == vocab.Gender.FEMALE:
            return self.rng.choice(WOMEN_OPEN_PRISONS if is_open else WOMEN_CLOSED_PRISONS)
        return self.rng.choice(MEN_OPEN_PRISONS if is_open else MEN_CLOSED_PRISONS)

    def _releases(self, gender: str, earliest_expiry: dt.date) -> tuple[list[ReleaseSpec], str]:
        """The merry-go-round: first release (table 7), recalls (table 8), time in the community
        before the most recent recall (figure 4 / annexe 3), Parole Board re-release, and where
        the person is on the reference date (in custody, at large or on licence).

        The timeline is a chain of spans from the first release to the reference date: community,
        recall-to-custody lag and custody for each recall, then the current spell (time on
        licence, in custody, or at large since the recall). The first release is drawn from
        table 7 within the window that lets the chain fit (and, at the earliest, the tariff be
        served after ``earliest_expiry``); the spans are then scaled within their bounds to end
        exactly on the reference date. The most recent time in the community and the lags stay
        as drawn, unless a long history cannot fit otherwise."""
        rng, t = self.rng, self.t
        recalls = t.recalls.pick(rng)
        roll = rng.random()
        if roll < IN_CUSTODY_SHARE:
            status = "custody"
        elif roll < IN_CUSTODY_SHARE + AT_LARGE_SHARE and recalls >= 2:
            status = "at_large"
        else:
            status = "licence"
        lags = [rng.randint(*t.rtc_lag.pick(rng)) for _ in range(recalls)]
        community = [self._community_days() for _ in range(recalls)]
        custody = [self._custody_days() for _ in range(recalls)]
        tail_value = {
            "licence": rng.randint(30, 2000),
            "custody": rng.randint(0, 720),
            "at_large": rng.randint(1, 42),
        }[status]
        earliest = earliest_expiry + dt.timedelta(days=30)

        fixed_latest = True
        while True:
            spans: list[tuple[str, int, Span]] = []  # (kind, recall index, span)
            for i in range(recalls):
                last = i == recalls - 1
                c = community[i]
                if last and fixed_latest:
                    spans.append(("community", i, Span(c, c, c)))
                else:
                    spans.append(("community", i, Span(c, 14, max(c, 3650))))
                if last and status == "at_large":
                    break  # recalled but not yet returned: no lag, no custody
                spans.append(("lag", i, Span(lags[i], lags[i], lags[i])))
                if not last or status == "licence":
                    spans.append(("custody", i, Span(custody[i], 120, max(custody[i], 1825))))
            if status == "licence":
                spans.append(("tail", -1, Span(tail_value, 1, 19 * 365)))
            elif status == "custody":
                spans.append(("tail", -1, Span(tail_value, 0, 10 * 365)))
            else:
                spans.append(("tail", -1, Span(tail_value, tail_value, tail_value)))
            low = max(
                earliest, REFERENCE_DATE - dt.timedelta(days=sum(s.high for _, _, s in spans))
            )
            high = REFERENCE_DATE - dt.timedelta(days=sum(s.low for _, _, s in spans))
            if low <= high:
                break
            # Does not fit (a late first release with many recalls): let the latest time in the
            # community move, then drop recalls, rather than break the invariants.
            if fixed_latest:
                fixed_latest = False
            elif recalls > 1:
                recalls -= 1
                if status == "at_large" and recalls < 2:
                    status = "custody"
                fixed_latest = True
            else:
                earliest = REFERENCE_DATE - dt.timedelta(days=sum(s.high for _, _, s in spans))

        first = date_from_bands(rng, t.first_release, low, high)
        fit_spans([s for _, _, s in spans], (REFERENCE_DATE - first).days)

        releases: list[ReleaseSpec] = []
        day = first
        release: ReleaseSpec | None = None
        recall: RecallSpec | None = None
        for kind, _, span in spans:
            if kind == "community":
                quick = span.value < 91
                release = ReleaseSpec(
                    date=day,
                    prison=self._prison(gender),
                    approved_premises=quick or rng.random() < t.ap_otherwise,
                    recall=None,
                )
                releases.append(release)
                day += dt.timedelta(days=span.value)
                reasons, criteria = _reasons_and_criteria(rng)
                recall = RecallSpec(day, None, reasons, criteria)
                release.recall = recall
            elif kind == "lag":
                day += dt.timedelta(days=span.value)
                assert recall is not None  # noqa: S101 - a lag always follows a community span
                recall.returned_to_custody = day
            elif kind == "custody":
                day += dt.timedelta(days=span.value)
            elif status == "licence":  # the tail: the current period on licence
                releases.append(
                    ReleaseSpec(
                        day,
                        self._prison(gender),
                        rng.random() < AP_SHARE,
                        None,
                    )
                )
        return releases, status

    def _wording_for(self, pdu: PduSpec) -> _Wording:
        wording = self._wording.get(pdu.code)
        if wording is None:
            place = pdu.place
            wording = self._wording[pdu.code] = _Wording(
                ap_residence=CONDITIONS_AP[0].format(place=place),
                ap_curfew=CONDITIONS_AP[1].format(place=place),
                exclusion=CONDITION_EXCLUSION.format(place=place),
                exclusion_varied=CONDITION_EXCLUSION_VARIED.format(place=place),
                generic=tuple(text.format(place=place) for text in CONDITIONS_GENERIC),
                bespoke=tuple(text.format(place=place) for text in CONDITIONS_BESPOKE),
                codes={
                    text.format(place=place): str(code)
                    for text, code in ADDITIONAL_CONDITION_CODES.items()
                },
            )
        return wording

    def _conditions(
        self, person: PersonSpec, pdu: PduSpec, behaviours: list[str]
    ) -> list[ConditionSpec]:
        """The licence of the latest release: the nine standard conditions and 3-9 additional
        ones chosen for the index-offence behaviours (AP residence and curfew after release to
        an AP), some varied later: the varied condition gets an end date and its replacement
        starts the next day, so the licence history stays visible."""
        rng = self.rng
        w = self._wording_for(pdu)
        latest = person.releases[-1]
        start = latest.date
        # Variations happen while the person is in the community on this licence.
        window_end = latest.recall.date if latest.recall else REFERENCE_DATE
        days_on_licence = (window_end - start).days
        conditions = [ConditionSpec("standard", code, "", start, None) for code in _STANDARD_CODES]

        def add(text: str, begin: dt.date, end: dt.date | None, kind: str = "additional") -> None:
            code = w.codes.get(text, "") if kind == "additional" else ""
            conditions.append(ConditionSpec(kind, code, text, begin, end))

        candidates: list[str] = []
        if latest.approved_premises:
            candidates += [w.ap_residence, w.ap_curfew]
        specific = [text for tag in behaviours for text in CONDITIONS_BY_BEHAVIOUR.get(tag, ())]
        rng.shuffle(specific)
        generic = list(w.generic)
        rng.shuffle(generic)
        candidates += [*specific, w.exclusion, *generic]
        wanted = self.t.additional_count.pick(rng)
        bespoke = rng.choice(w.bespoke) if rng.random() < BESPOKE_SHARE else None
        # Ordered de-duplication; a bespoke condition takes one of the places.
        chosen = list(dict.fromkeys(candidates))[: wanted - (bespoke is not None)]
        moved_on = None
        if days_on_licence > AP_STAY_DAYS + 30:
            moved_on = start + dt.timedelta(days=rng.randint(56, AP_STAY_DAYS))
        for text in chosen:
            if moved_on is not None and text in (w.ap_residence, w.ap_curfew):
                add(text, start, moved_on)
                if text == w.ap_curfew:  # moved on from the AP: a curfew at home instead
                    add(CONDITION_HOME_CURFEW, moved_on + dt.timedelta(days=1), None)
            elif text == w.exclusion and days_on_licence > 400 and rng.random() < 0.3:
                varied = start + dt.timedelta(days=rng.randint(180, days_on_licence - 30))
                add(text, start, varied)
                add(w.exclusion_varied, varied + dt.timedelta(days=1), None)
            else:
                add(text, start, None)
        if bespoke is not None:
            add(bespoke, start, None, "bespoke")
        return conditions

    def _allocations(self, person: PersonSpec) -> list[AllocationSpec]:
        """COMs of the person's team from the first release on (section 4.1 counts); changes at
        least 60 days apart; the last allocation is the one open."""
        rng = self.rng
        practitioners = self.team_practitioners[person.team]
        start = person.releases[0].date
        span = (REFERENCE_DATE - start).days
        wanted = min(self.t.com_count.pick(rng), 1 + max(0, span - 60) // 60)
        changes: list[int] = []
        if wanted > 1:
            for offset in sorted(rng.sample(range(60, span), wanted - 1)):
                if offset - (changes[-1] if changes else 0) >= 60:
                    changes.append(offset)
        starts = [start] + [start + dt.timedelta(days=offset) for offset in changes]
        allocations: list[AllocationSpec] = []
        previous = ""
        for i, begin in enumerate(starts):
            choices = [p for p in practitioners if p != previous] or practitioners
            previous = rng.choice(choices)
            end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else None
            allocations.append(AllocationSpec(previous, begin, end))
        return allocations


# load_demo's recall workflow examples need one person on a licence in force for each of
# workflow.STAGES in the showcase team (a test holds the two equal).
SHOWCASE_IN_FORCE_MIN = 9


def showcase_in_force(data: DemoData) -> int:
    teams = data.org.teams()
    showcase = teams[0][1].code if teams else ""
    return sum(
        1
        for p in data.people
        if p.team == showcase
        and status_of(p) == "licence"
        and (licence_end(p) or dt.date.max) > REFERENCE_DATE + dt.timedelta(days=365)
    )


def fixture_seed(people: int = FIXTURE_PEOPLE, start: int = DEFAULT_SEED) -> int:
    """The first seed from ``start`` whose ``people`` include every case state (on licence, in
    custody, at large), a woman and a DPP, so that the small demo shows each of them, and
    enough licences in force in the showcase team for the recall workflow examples."""
    for seed in itertools.count(start):
        data = generate(people, seed)
        states = {status_of(p) for p in data.people}
        if (
            states == {"licence", "custody", "at_large"}
            and any(p.gender == vocab.Gender.FEMALE for p in data.people)
            and any(p.sentence.sentence_type == vocab.SentenceType.DPP for p in data.people)
            and showcase_in_force(data) >= SHOWCASE_IN_FORCE_MIN
        ):
            return seed
    raise AssertionError("unreachable")


def generate(people: int, seed: int = DEFAULT_SEED) -> DemoData:
    """``people`` synthetic people and the organisation that manages them, from ``seed`` alone."""
    if people < 0:
        raise ValueError("people must not be negative")
    org = generate_org(people, seed)
    return DemoData(people, seed, org, list(generate_people(people, seed, org)))


def generate_people(people: int, seed: int, org: OrgSpec) -> Iterator[PersonSpec]:
    """The people of :func:`generate` one after another (the same random stream, so the same
    people), for a writer that takes them a chunk at a time."""
    maker = _PersonMaker(seed, people, org)
    return (maker.make(i) for i in range(people))


def people_in_chunks(
    people: int, seed: int, org: OrgSpec, size: int = 10_000
) -> Iterator[list[PersonSpec]]:
    """The people of :func:`generate` in lists of ``size``: the writer takes a chunk at a time,
    so a quarter of a million people never sit in memory at once (about 4 GB)."""
    chunk: list[PersonSpec] = []
    for person in generate_people(people, seed, org):
        chunk.append(person)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
