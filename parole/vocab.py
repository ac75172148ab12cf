"""Vocabularies of parole work. The stored values are the import format's values
(docs/import-format.md), so the import, the report and the pages speak the same words."""

from __future__ import annotations

from django.db import models


class ReviewKind(models.TextChoices):
    PAPER = "paper", "On the papers (member case assessment)"
    ORAL = "oral", "Oral hearing"


class ReviewOutcome(models.TextChoices):
    RELEASE = "release", "Release"
    NO_RELEASE = "no_release", "No release"
    OPEN_CONDITIONS = "open_conditions", "Open conditions"
    ORAL_HEARING = "oral_hearing", "Directed to an oral hearing"


# An oral hearing cannot direct another oral hearing (checked by a database constraint too).
ORAL_OUTCOMES = ("release", "no_release", "open_conditions")


class DelayKind(models.TextChoices):
    ADJOURNMENT = "adjournment", "Adjournment"
    DEFERRAL = "deferral", "Deferral"


class CalderAnswer(models.TextChoices):
    APPROPRIATE = "appropriate", "The recall was appropriate"
    NOT_APPROPRIATE = "not_appropriate", "The recall was not appropriate"


class PcaNRecommendation(models.TextChoices):
    PRA = "pra", "A psychology risk assessment (PRA) is recommended"
    NO_PRA = "no_pra", "No psychology risk assessment needed"


class PraRecommendation(models.TextChoices):
    RELEASE = "release", "Release"
    NO_RELEASE = "no_release", "No release"
    OPEN_CONDITIONS = "open_conditions", "Open conditions"


class RarrOutcome(models.TextChoices):
    RELEASE = "release", "Re-release"
    NO_RELEASE = "no_release", "No re-release"


class ReReleaseRoute(models.TextChoices):
    RARR = "rarr", "Risk-assessed recall review (RARR)"
    PAPER = "paper", "Parole Board on the papers"
    ORAL = "oral", "Parole Board oral hearing"


class TerminationOutcome(models.TextChoices):
    TERMINATED = "terminated", "Licence terminated"
    REFUSED_VARIED = "refused_varied", "Termination refused, licence varied"
    REFUSED = "refused", "Termination refused"
    ADJOURNED = "adjourned", "Adjourned or deferred"
    ORAL_HEARING = "oral_hearing", "Directed to an oral hearing"


class PanelRecommendation(models.TextChoices):
    SUSPEND = "suspend", "Suspend supervision"
    DO_NOT_SUSPEND = "do_not_suspend", "Do not suspend supervision"


class SuspensionDecision(models.TextChoices):
    SUSPENDED = "suspended", "Supervision suspended"
    NOT_SUSPENDED = "not_suspended", "Supervision not suspended"


class ReminderKind(models.TextChoices):
    HEARING = "hearing", "Oral hearing coming up"
    UNTOLD_DELAY = "untold_delay", "Prisoner not told of an adjournment or deferral"
    TERMINATION_ELIGIBLE = "termination_eligible", "Newly eligible for a termination referral"
