"""The parole work of a generated person: Parole Board reviews (paper and oral, with their
adjournments), RARRs and licence termination referrals, and the timeline kept within the law.

Drawn from a random stream of its own per person, after everything else about the person, so
that adding it changed none of the other generated fields.
"""

from __future__ import annotations

import datetime as dt
import random

from ippcase.demo.sampling import Table, date_in
from ippcase.demo.specs import (
    AdjournmentSpec,
    PersonSpec,
    RarrSpec,
    RecallSpec,
    ReleaseSpec,
    ReviewSpec,
    TerminationReferralSpec,
)
from ippcase.demo.tables import (
    ADJOURNED_HEARING_SHARE,
    ADJOURNMENT_REASONS,
    CALDER_NOT_APPROPRIATE,
    CYCLE_DAYS,
    HEARING_DAYS,
    HEARING_DECISION_DAYS,
    LICENCE_IN_FORCE_DAYS,
    NEXT_REVIEW_DAYS,
    OPEN_RECENT_DELAY_SHARE,
    OPEN_RECENT_UNTOLD_SHARE,
    ORAL_OUTCOMES,
    PAPER_DECISION_DAYS,
    PAPER_NEGATIVE_IF_NOT_RELEASED,
    PAPER_OUTCOMES,
    PAPER_REFERRAL_DAYS,
    RARR_AFTER_REVIEW_DAYS,
    RARR_RELEASE_DAYS,
    RARR_SHARE,
    REFERENCE_DATE,
    RELEASE_ARRANGEMENT_DAYS,
    TERMINATION_DECIDED_SHARE,
    TERMINATION_DECISION_DAYS,
    TERMINATION_DUTY_COMMENCEMENT,
    TERMINATION_OUTCOMES,
    TERMINATION_REFERRED_SHARE,
    TOLD_DAYS,
    UNTOLD_SHARE,
    VPA_COMMENCEMENT,
)
from parole import law as parole_law
from parole import vocab as parole_vocab
from recall import rules as recall_rules

_PAPER_SHARES = {o: n / sum(w for _, w in PAPER_OUTCOMES) for o, n in PAPER_OUTCOMES}
_PAPER_FAIL = Table(
    [
        ("no_release", PAPER_NEGATIVE_IF_NOT_RELEASED),
        ("oral_hearing", 1 - PAPER_NEGATIVE_IF_NOT_RELEASED - _PAPER_SHARES["open_conditions"]),
        ("open_conditions", _PAPER_SHARES["open_conditions"]),
    ]
)
_PAPER_FINAL = Table([(o, n) for o, n in PAPER_OUTCOMES if o in ("oral_hearing", "release")])
_ORAL_FAIL = Table([(o, n) for o, n in ORAL_OUTCOMES if o != "release"])
_TERMINATION = Table(list(TERMINATION_OUTCOMES))
PAPER, ORAL = parole_vocab.ReviewKind.PAPER.value, parole_vocab.ReviewKind.ORAL.value
ADJOURNMENT = parole_vocab.DelayKind.ADJOURNMENT.value
_DEFERRAL = parole_vocab.DelayKind.DEFERRAL.value


def within_the_law(
    releases: list[ReleaseSpec], status: str, sentence_type: str
) -> tuple[list[ReleaseSpec], str]:
    """The timeline kept inside the law (s.31A as amended by the Victims and Prisoners Act
    2024, docs/parole.md): a recall drawn on or after the automatic termination date of its
    spell on licence is moved to before that date (with its return to custody), so the
    recall counts of the inspection's cohort stay as published. The person is then longer in
    custody before the next release; nothing else moves."""
    first = releases[0].date
    for release in releases:
        recall = release.recall
        end = recall_rules.automatic_termination_date(sentence_type, first, release.date)
        if recall is None or end is None or recall.date < end:
            continue
        # A stable day in the last two months of the licence (no new random draw).
        moved = max(release.date, end - dt.timedelta(days=1 + release.date.toordinal() % 60))
        shift = recall.date - moved
        recall.date = moved
        if recall.returned_to_custody is not None:
            recall.returned_to_custody -= shift
    return releases, status


def licence_in_force(releases: list[ReleaseSpec], status: str) -> None:
    """For the showcase team: a current spell on licence longer than LICENCE_IN_FORCE_DAYS
    starts later instead (a longer last spell in custody), so that the licence is in force
    and the demo can show recall work at every stage. Draws nothing, so the rest of the
    person (and every other person) is as drawn. Elsewhere many licences have ended by law."""
    last = releases[-1]
    days = (REFERENCE_DATE - last.date).days
    if status == "licence" and len(releases) > 1 and days > LICENCE_IN_FORCE_DAYS:
        # 30 to 329 days before the reference date: in force for a year after it, too.
        last.date = REFERENCE_DATE - dt.timedelta(days=30 + days % (LICENCE_IN_FORCE_DAYS - 30))


def licence_end(person: PersonSpec) -> dt.date | None:
    """The day the person's licence ends or ended (automatically, or by a Parole Board
    termination): ``parole.law`` on the person's spells."""
    spells = [
        parole_law.Spell(r.date, r.recall.date if r.recall else None) for r in person.releases
    ]
    terminated = [
        t.decided
        for t in person.termination_referrals
        if t.decided is not None and t.outcome == "terminated"
    ]
    position = parole_law.licence_position(
        person.sentence.sentence_type,
        spells,
        REFERENCE_DATE,
        parole_law.Periods(),
        terminated_on=min(terminated) if terminated else None,
    )
    return position.end.on if position.end is not None else None


def add_parole_work(person: PersonSpec, rng: random.Random) -> None:
    """The parole work of ``person``: for each recall, the Parole Board reviews (and RARR) that
    lead to the next release, or the review still open on the reference date; then a licence
    termination referral for some of those who qualify. All dates on or before
    :data:`REFERENCE_DATE`."""
    releases = person.releases
    for i, release in enumerate(releases):
        recall = release.recall
        if recall is None or recall.returned_to_custody is None:
            continue  # on licence, or recalled and not yet back in custody
        if i + 1 < len(releases):
            _reviews_to_release(rng, recall, recall.returned_to_custody, releases[i + 1].date)
        else:
            _reviews_in_custody(rng, recall, recall.returned_to_custody)
    person.termination_referrals = _termination_referrals(rng, person)


def _days(rng: random.Random, bounds: tuple[int, int]) -> int:
    return rng.randint(*bounds)


def _calder(rng: random.Random) -> str:
    if rng.random() < CALDER_NOT_APPROPRIATE:
        return parole_vocab.CalderAnswer.NOT_APPROPRIATE.value
    return parole_vocab.CalderAnswer.APPROPRIATE.value


def _told(rng: random.Random, day: dt.date, untold: float) -> dt.date | None:
    if rng.random() < untold:
        return None
    told = day + dt.timedelta(days=_days(rng, TOLD_DAYS))
    return told if told <= REFERENCE_DATE else None


def _hearing_delays(
    rng: random.Random, referred: dt.date, hearing: dt.date
) -> list[AdjournmentSpec]:
    """1-2 adjournments or deferrals of an oral hearing held on ``hearing``: each relisted the
    hearing for the next one's date, the last for the day it was held."""
    count = rng.randint(1, 2)
    span = (hearing - referred).days
    if span < count:
        return []
    dates = [referred + dt.timedelta(days=d) for d in sorted(rng.sample(range(span), count))]
    return [
        AdjournmentSpec(
            date=day,
            kind=rng.choice((ADJOURNMENT, _DEFERRAL)),
            reason=rng.choice(ADJOURNMENT_REASONS),
            new_date=dates[j + 1] if j + 1 < len(dates) else hearing,
            prisoner_informed=_told(rng, day, UNTOLD_SHARE),
        )
        for j, day in enumerate(dates)
    ]


def _reviews_to_release(
    rng: random.Random, recall: RecallSpec, returned: dt.date, re_released: dt.date
) -> None:
    """Plan backwards from the known re-release: review cycles between the return to custody and
    the release decision (a few weeks before ``re_released``), the last one releasing (or a
    RARR, since the Victims and Prisoners Act), the others not."""
    recall.re_released = re_released
    by_rarr = re_released >= VPA_COMMENCEMENT and rng.random() < RARR_SHARE
    gap = _days(rng, RARR_RELEASE_DAYS if by_rarr else RELEASE_ARRANGEMENT_DAYS)
    final = max(returned, re_released - dt.timedelta(days=gap))
    if final < VPA_COMMENCEMENT:
        by_rarr = False
    available = (final - returned).days
    cycles = 1 + round(max(0, available - CYCLE_DAYS[0]) / CYCLE_DAYS[1])
    # (paper outcome, oral outcome or "") per cycle, and the natural gaps before each event.
    plan: list[tuple[str, str]] = []
    for _ in range(cycles - 1):
        paper = _PAPER_FAIL.pick(rng)
        plan.append((paper, _ORAL_FAIL.pick(rng) if paper == "oral_hearing" else ""))
    if not by_rarr:
        paper = _PAPER_FINAL.pick(rng)
        plan.append((paper, "release" if paper == "oral_hearing" else ""))
    gaps: list[int] = []
    for c, (_, oral) in enumerate(plan):
        gaps.append(_days(rng, PAPER_REFERRAL_DAYS if c == 0 else NEXT_REVIEW_DAYS))
        gaps.append(_days(rng, PAPER_DECISION_DAYS))
        if oral:
            gaps += [_days(rng, HEARING_DAYS), _days(rng, HEARING_DECISION_DAYS)]
    if by_rarr:
        gaps.append(_days(rng, RARR_AFTER_REVIEW_DAYS if plan else PAPER_REFERRAL_DAYS))
    # Scale the gaps together so that the last event falls on ``final``.
    total = sum(gaps)
    dates: list[dt.date] = []
    running = 0
    for g in gaps:
        running += g
        dates.append(returned + dt.timedelta(days=round(running * available / total)))
    events = iter(dates)
    reviews = recall.parole_reviews
    for paper, oral in plan:
        referred, decided = next(events), next(events)
        reviews.append(ReviewSpec(PAPER, referred, decided, paper))
        if oral:
            hearing, oral_decided = next(events), next(events)
            review = ReviewSpec(ORAL, decided, oral_decided, oral, hearing_date=hearing)
            if rng.random() < ADJOURNED_HEARING_SHARE:
                review.adjournments = _hearing_delays(rng, decided, hearing)
            reviews.append(review)
    if reviews:
        reviews[0].calder = _calder(rng)
    if by_rarr:
        recall.rarr = RarrSpec(final, parole_vocab.RarrOutcome.RELEASE.value)


def _reviews_in_custody(rng: random.Random, recall: RecallSpec, returned: dt.date) -> None:
    """Still in custody on the reference date: review cycles forward from the return to custody,
    each ending without release, until one is still open on the reference date (or none has
    been referred yet)."""
    reviews = recall.parole_reviews
    referred = returned + dt.timedelta(days=_days(rng, PAPER_REFERRAL_DAYS))
    open_review: ReviewSpec | None = None
    while referred <= REFERENCE_DATE:
        decided = referred + dt.timedelta(days=_days(rng, PAPER_DECISION_DAYS))
        if decided > REFERENCE_DATE:
            open_review = ReviewSpec(PAPER, referred, None, "")
            reviews.append(open_review)
            break
        paper = _PAPER_FAIL.pick(rng)
        reviews.append(ReviewSpec(PAPER, referred, decided, paper))
        last = decided
        if paper == "oral_hearing":
            hearing = decided + dt.timedelta(days=_days(rng, HEARING_DAYS))
            oral_decided = hearing + dt.timedelta(days=_days(rng, HEARING_DECISION_DAYS))
            if oral_decided > REFERENCE_DATE:
                # The hearing date only once held: the import takes no date after the reference.
                held = hearing if hearing <= REFERENCE_DATE else None
                open_review = ReviewSpec(ORAL, decided, None, "", hearing_date=held)
                reviews.append(open_review)
                break
            review = ReviewSpec(
                ORAL, decided, oral_decided, _ORAL_FAIL.pick(rng), hearing_date=hearing
            )
            if rng.random() < ADJOURNED_HEARING_SHARE:
                review.adjournments = _hearing_delays(rng, decided, hearing)
            reviews.append(review)
            last = oral_decided
        referred = last + dt.timedelta(days=_days(rng, NEXT_REVIEW_DAYS))
    first_decided = next((r for r in reviews if r.decided is not None), None)
    if first_decided is not None:
        first_decided.calder = _calder(rng)
    if open_review is not None and rng.random() < OPEN_RECENT_DELAY_SHARE:
        day = max(open_review.referred, REFERENCE_DATE - dt.timedelta(days=rng.randint(2, 25)))
        if open_review.hearing_date is not None:
            day = max(day, open_review.hearing_date)  # adjourned at (or after) the hearing
        open_review.adjournments.append(
            AdjournmentSpec(
                date=day,
                kind=_DEFERRAL if open_review.kind == PAPER else ADJOURNMENT,
                reason=rng.choice(ADJOURNMENT_REASONS),
                new_date=None,  # relisted after the reference date: not yet known here
                prisoner_informed=_told(rng, day, OPEN_RECENT_UNTOLD_SHARE),
            )
        )


def _termination_referrals(rng: random.Random, person: PersonSpec) -> list[TerminationReferralSpec]:
    """A referral for licence termination (s.31A) for some people on licence whose qualifying
    period has expired, referred once the duty began and once back on licence."""
    years = parole_law.Periods().qualifying_years(person.sentence.sentence_type)
    latest = person.releases[-1]
    if years is None or latest.recall is not None:
        return []  # not a preventive sentence, or recalled (no referral from custody here)
    qualifying = parole_law.years_after(person.releases[0].date, years)
    start = max(qualifying, latest.date, TERMINATION_DUTY_COMMENCEMENT)
    # Only while the licence is in force: it ends by law on the automatic termination date.
    ends = recall_rules.automatic_termination_date(
        person.sentence.sentence_type, person.releases[0].date, latest.date
    )
    last = REFERENCE_DATE if ends is None else min(REFERENCE_DATE, ends - dt.timedelta(days=1))
    if start > last or rng.random() >= TERMINATION_REFERRED_SHARE:
        return []
    if rng.random() < TERMINATION_DECIDED_SHARE:
        wait = dt.timedelta(days=_days(rng, TERMINATION_DECISION_DAYS))
        if start + wait <= last:
            referred = date_in(rng, start, last - wait)
            outcome = _TERMINATION.pick(rng)
            return [TerminationReferralSpec(referred, referred + wait, outcome)]
    return [TerminationReferralSpec(date_in(rng, start, last), None, "")]
