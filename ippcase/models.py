"""The case domain: organisation, people on licence, sentence, releases, recalls, licence,
allocation and risk. Invariants that a row can check alone are database constraints; those that
span rows (release order, recall inside its release window) are checked in services.

Every domain model is tracked by django-pghistory: each insert and update writes an event row
(append-only, enforced by a trigger) with the acting user in its context.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pghistory
import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ippcase import vocab
from recall.rules import add_months


def audited(**kwargs: Any) -> Any:
    """Track a model with django-pghistory: inserts, updates AND deletes (the default leaves
    deletes out). Tracker instances are bound to one model, so each call makes new ones."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs
    )


def labels(choices: type[models.Choices], values: list[str]) -> list[str]:
    """Human labels for stored vocabulary values, in stored order (unknown values shown as-is)."""
    lookup = dict(choices.choices)
    return [str(lookup.get(value, value)) for value in values]


def choices_array(choices: type[models.Choices], **kwargs: Any) -> ArrayField:
    """An array of values from one vocabulary (behaviour tags, reasons, criteria…)."""
    return ArrayField(
        models.CharField(max_length=40, choices=choices.choices),
        default=list,
        blank=True,
        **kwargs,
    )


@audited()
class Region(models.Model):
    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@audited()
class Pdu(models.Model):
    """Probation delivery unit."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="pdus")
    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = "PDU"

    def __str__(self) -> str:
        return self.name


# Team.panel_period_months: the months a panel or meeting counts for a recommendation (issue 19).
PANEL_PERIOD_MIN, PANEL_PERIOD_MAX, PANEL_PERIOD_DEFAULT = 1, 24, 6


@audited()
class Team(models.Model):
    pdu = models.ForeignKey(Pdu, on_delete=models.PROTECT, related_name="teams")
    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    # How far back a multi-agency meeting counts for a recommendation (issue 19,
    # docs/multi-agency-panels.md): the latest panel or meeting within this many months.
    panel_period_months = models.PositiveSmallIntegerField(
        "Months a panel or meeting counts for a recommendation",
        default=PANEL_PERIOD_DEFAULT,
        validators=[MinValueValidator(PANEL_PERIOD_MIN), MaxValueValidator(PANEL_PERIOD_MAX)],
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    panel_period_months__gte=PANEL_PERIOD_MIN,
                    panel_period_months__lte=PANEL_PERIOD_MAX,
                ),
                name="team_panel_period_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


@audited(exclude=["password", "last_login"])
class User(AbstractUser):
    """A member of staff. PPCS caseworkers and administrators may have no team."""

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    roles = ArrayField(models.CharField(max_length=20, choices=vocab.Role.choices), default=list)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


@audited()
class Person(models.Model):
    """A person on licence (or recalled) under an indeterminate or other sentence."""

    crn = models.CharField("CRN", max_length=7, unique=True)
    nomis_number = models.CharField("NOMIS number", max_length=7, blank=True)
    pnc = models.CharField("PNC", max_length=20, blank=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=10, choices=vocab.Gender.choices)
    ethnicity = models.CharField(max_length=30, choices=vocab.Ethnicity.choices)
    # The team holding the case. Empty while the case waits for allocation (imported without a
    # team): then ``awaiting_pdu`` says whose unallocated list it is on (none: the national list,
    # which administrators see). docs/permissions.md.
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    awaiting_pdu = models.ForeignKey(
        Pdu,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unallocated_people",
        verbose_name="PDU awaiting allocation",
    )

    mappa_category = models.PositiveSmallIntegerField(
        choices=vocab.MappaCategory.choices, null=True, blank=True
    )
    mappa_level = models.PositiveSmallIntegerField(
        choices=vocab.MappaLevel.choices, null=True, blank=True
    )
    rosh_level = models.CharField(
        "RoSH level", max_length=10, choices=vocab.RoshLevel.choices, blank=True
    )
    accommodation = models.CharField(
        max_length=20, choices=vocab.Accommodation.choices, default=vocab.Accommodation.UNKNOWN
    )
    needs = choices_array(vocab.Need)
    vulnerability_types = choices_array(vocab.Vulnerability)
    # The details of the vulnerabilities (free text; the import's "vulnerabilities").
    vulnerabilities = models.TextField("Details of vulnerabilities", blank=True)
    opd_screening = models.CharField(
        "OPD screening",
        max_length=20,
        choices=vocab.OpdScreening.choices,
        default=vocab.OpdScreening.NOT_SCREENED,
    )
    # Where the person lives, as the Part A asks ("last recorded address"); empty when no
    # fixed abode or not known. Alternative addresses belong to a recall request (recall app).
    address = models.TextField("Main address", blank=True)
    iom = models.CharField(
        "Managed under Integrated Offender Management (IOM)",
        max_length=10,
        choices=vocab.YesNoUnknown.choices,
        default=vocab.YesNoUnknown.NOT_KNOWN,
    )
    # Victims (issue 15; docs/recall-paperwork.md): whether any victim is in the Victim Contact
    # Scheme, who their victim liaison officer (VLO) is, and what keeps them safe.
    victims_in_vcs = models.CharField(
        "Are any victims in the Victim Contact Scheme?",
        max_length=10,
        choices=vocab.YesNoUnknown.choices,
        default=vocab.YesNoUnknown.NOT_KNOWN,
    )
    victim_liaison_officer = models.CharField(
        "Victim liaison officer (name and contact)", max_length=200, blank=True
    )
    victim_safety = models.TextField(
        "Victim safety considerations (exclusion zones, non-contact conditions)", blank=True
    )
    # Letters to the person in easy read (short sentences, one idea a line): the 2025 minutes
    # ask for better communication with people serving IPP.
    easy_read = models.BooleanField("Send letters in easy read", default=False)

    class Meta:
        ordering = ["last_name", "first_name", "crn"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(crn__regex=r"^[A-Z][0-9]{6}$"), name="person_crn_format"
            ),
            models.CheckConstraint(
                condition=Q(mappa_level__isnull=True) | Q(mappa_category__isnull=False),
                name="person_mappa_level_needs_category",
            ),
            models.CheckConstraint(
                condition=Q(team__isnull=True) | Q(awaiting_pdu__isnull=True),
                name="person_awaiting_pdu_only_unallocated",
            ),
        ]
        indexes = [
            models.Index(
                fields=["awaiting_pdu"],
                condition=Q(team__isnull=True),
                name="person_unallocated_idx",
            ),
            models.Index(fields=["team", "last_name", "first_name"], name="person_team_name_idx"),
            models.Index(models.functions.Upper("last_name"), name="person_upper_last_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.crn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def team_name(self) -> str:
        """The team holding the case, or that it is waiting for one."""
        return self.team.name if self.team else "Awaiting allocation"

    @property
    def pdu_id(self) -> int | None:
        """The PDU the case belongs to: its team's, or the one whose unallocated list it is on."""
        return self.team.pdu_id if self.team else self.awaiting_pdu_id


def tariff_expiry(sentence_date: dt.date, years: int, months: int, days: int) -> dt.date:
    """The tariff expires when the minimum term, counted from the sentence date, has elapsed.

    Time on remand is not modelled: the sentencing court sets the tariff net of it.
    """
    return add_months(sentence_date, 12 * years + months, days)


@audited()
class Sentence(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="sentence")
    sentence_type = models.CharField(max_length=4, choices=vocab.SentenceType.choices)
    sentence_date = models.DateField()
    tariff_years = models.PositiveSmallIntegerField(default=0)
    tariff_months = models.PositiveSmallIntegerField(default=0)
    tariff_days = models.PositiveSmallIntegerField(default=0)
    # Derived from the four fields above in save(); stored so that reports can filter on it.
    tariff_expiry_date = models.DateField(editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(tariff_months__lt=12), name="sentence_tariff_months_lt_12"
            ),
            models.CheckConstraint(
                condition=Q(tariff_days__lt=366), name="sentence_tariff_days_lt_366"
            ),
            models.CheckConstraint(
                condition=Q(tariff_expiry_date__gte=F("sentence_date")),
                name="sentence_tariff_expiry_after_sentence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_sentence_type_display()} sentenced {self.sentence_date:%d %b %Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.tariff_expiry_date = tariff_expiry(
            self.sentence_date, self.tariff_years, self.tariff_months, self.tariff_days
        )
        super().save(*args, **kwargs)

    @property
    def tariff_display(self) -> str:
        parts = []
        for value, unit in (
            (self.tariff_years, "year"),
            (self.tariff_months, "month"),
            (self.tariff_days, "day"),
        ):
            if value:
                parts.append(f"{value} {unit}{'s' if value != 1 else ''}")
        return ", ".join(parts) or "0 days"

    @property
    def tariff_in_years(self) -> float:
        return self.tariff_years + self.tariff_months / 12 + self.tariff_days / 365.25


@audited()
class IndexOffence(models.Model):
    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="offences")
    category = models.CharField(max_length=30, choices=vocab.OffenceCategory.choices)
    description = models.TextField(blank=True)
    behaviours = choices_array(vocab.Behaviour)
    is_principal = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_principal", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sentence"], condition=Q(is_principal=True), name="one_principal_offence"
            )
        ]

    def __str__(self) -> str:
        return self.get_category_display()

    @property
    def behaviour_labels(self) -> list[str]:
        return labels(vocab.Behaviour, self.behaviours)


@audited()
class Release(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="releases")
    date = models.DateField()
    prison = models.CharField(max_length=100)
    approved_premises = models.BooleanField("Released to approved premises", default=False)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["person", "date"], name="release_person_date_unique")
        ]
        # Releases in a period (the headline figures): issue 17, docs/performance.md.
        indexes = [models.Index(fields=["date"], name="release_date_idx")]

    def __str__(self) -> str:
        return f"Released {self.date:%d %b %Y} from {self.prison}"


@audited()
class Recall(models.Model):
    """A recall to custody ending a period on licence that began with ``release``."""

    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="recall")
    recall_date = models.DateField()
    returned_to_custody = models.DateField("Return to custody date", null=True, blank=True)
    reasons = choices_array(vocab.RecallReason)
    criteria = choices_array(vocab.RecallCriterion)
    # Tracked after return to custody (recall report deadline and the prisoner's right to reasons).
    custody_prison = models.CharField("Prison returned to", max_length=100, blank=True)
    dossier_served_on = models.DateField(
        "Recall dossier served on the prisoner", null=True, blank=True
    )
    report_submitted_on = models.DateField("Recall report submitted", null=True, blank=True)
    # Set by parole work (a Parole Board or RARR decision, or a rescinded recall): it closes the
    # recall's parole reviews. When the person has a later release, it is that release's date.
    re_released_on = models.DateField("Re-released on", null=True, blank=True)

    class Meta:
        ordering = ["recall_date"]
        # Recalls and re-releases in a period (trend part-months, headline figures, time in the
        # community, time in custody): issue 17, docs/performance.md.
        indexes = [
            models.Index(fields=["recall_date"], name="recall_date_idx"),
            models.Index(
                fields=["re_released_on"],
                condition=Q(re_released_on__isnull=False),
                name="recall_re_released_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_to_custody__isnull=True)
                | Q(returned_to_custody__gte=F("recall_date")),
                name="recall_rtc_on_or_after_recall",
            ),
            models.CheckConstraint(
                condition=Q(re_released_on__isnull=True) | Q(re_released_on__gte=F("recall_date")),
                name="recall_re_release_on_or_after_recall",
            ),
        ]

    def __str__(self) -> str:
        return f"Recalled {self.recall_date:%d %b %Y}"

    @property
    def reason_labels(self) -> list[str]:
        return labels(vocab.RecallReason, self.reasons)


@audited()
class LicenceCondition(models.Model):
    """A licence condition in force from ``start_date`` until ``end_date`` (a variation ends one
    condition and starts another, so the history of the licence stays visible)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="licence_conditions")
    kind = models.CharField(max_length=10, choices=vocab.ConditionKind.choices)
    standard_code = models.CharField(
        max_length=40, choices=vocab.StandardCondition.choices, blank=True
    )
    # What an additional condition is about (its wording stays in ``text``), so that the rules
    # see it (recall.selectors.facts_for); optional, and only on additional conditions.
    additional_code = models.CharField(
        "Type of additional condition",
        max_length=40,
        choices=vocab.AdditionalCondition.choices,
        blank=True,
    )
    text = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # A variation ends one condition and starts its replacement, which points back to it.
    varies = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="varied_by",
        verbose_name="Varies the condition",
    )

    class Meta:
        ordering = ["kind", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="condition_end_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(kind="standard") & ~Q(standard_code=""))
                | (~Q(kind="standard") & Q(standard_code="") & ~Q(text="")),
                name="condition_standard_has_code_others_have_text",
            ),
            models.CheckConstraint(
                condition=Q(additional_code="") | Q(kind="additional"),
                name="condition_additional_code_only_on_additional",
            ),
        ]

    def __str__(self) -> str:
        return self.get_standard_code_display() if self.standard_code else self.text

    @property
    def wording(self) -> str:
        return str(self)

    def in_force_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@audited()
class RiskChange(models.Model):
    """A RoSH or MAPPA change, with the date it took effect: the history behind the current
    values on ``Person`` (which the services update in the same transaction)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="risk_changes")
    rosh_level = models.CharField(
        "RoSH level", max_length=10, choices=vocab.RoshLevel.choices, blank=True
    )
    mappa_category = models.PositiveSmallIntegerField(
        choices=vocab.MappaCategory.choices, null=True, blank=True
    )
    mappa_level = models.PositiveSmallIntegerField(
        choices=vocab.MappaLevel.choices, null=True, blank=True
    )
    changed_on = models.DateField("Date of the change")
    kind = models.CharField(max_length=20, choices=vocab.RiskChangeKind.choices)
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mappa_level__isnull=True) | Q(mappa_category__isnull=False),
                name="risk_change_mappa_level_needs_category",
            ),
        ]
        indexes = [models.Index(fields=["person", "-changed_on"], name="risk_change_person_idx")]

    def __str__(self) -> str:
        return f"Risk change on {self.changed_on:%d %b %Y}"


@audited()
class Allocation(models.Model):
    """Which community offender manager (COM) held the case, from when to when."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="allocations")
    practitioner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="allocations")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(end_date__isnull=True), name="one_current_allocation"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="allocation_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner.display_name} from {self.start_date:%d %b %Y}"


@audited()
class Notification(models.Model):
    """An email waiting to be sent (an outbox). Written in the same transaction as the change it
    reports, so a broker outage delays it but never loses it; ``sent_at`` marks it done.

    Each message is sent on its own (ippcase/core/notifications.py): a failure records ``attempts``
    and ``last_error`` (the exception's class and a short message with no address, subject or
    body) and puts ``next_attempt_at`` off, exponentially; after
    ``settings.NOTIFICATION_MAX_ATTEMPTS`` it is given up (``failed_at``) and waits for an
    administrator to try it again (the *Email notifications* page)."""

    recipient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Not sent before this time (now when written; later after a failure).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    failed_at = models.DateTimeField("Given up at", null=True, blank=True)
    # In-app (issue 16): what the recipient's notification list shows, behind sign-in (it may
    # give a CRN), the path of the thing it is about, and when they opened it. An email-only
    # message (an account invitation) has no text and is not listed.
    text = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The header's unread count and the recipient's list, newest first.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=~Q(text=""),
                name="notification_inbox_idx",
            ),
            # The sweep's query: due rows still to send, soonest first (sent and given-up rows
            # are not in the index, so it stays as small as the backlog).
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="notification_unsent_idx",
            ),
            # The administrators' page: retrying or given up.
            models.Index(
                fields=["-created_at"],
                condition=Q(sent_at__isnull=True, attempts__gt=0),
                name="notification_trouble_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class CaseViewEvent(models.Model):
    """Read audit: one row each time a user opens a page of a person's case (who, whose case,
    which page, when). Append-only: a database trigger refuses UPDATE and DELETE, as on the
    pghistory event tables. The keys are not constraints (as pghistory's ``pgh_obj``), so the
    record outlives the person or account it names."""

    user = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    person = models.ForeignKey(
        Person, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    url_name = models.CharField(max_length=100)
    path = models.CharField(max_length=300)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["person", "-viewed_at"], name="case_view_person_idx")]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.url_name} at {self.viewed_at:%d %b %Y %H:%M}"


class PersonPosition(models.Model):
    """Each person's current position, one narrow row a person (issue 17): the read model the
    dashboards, reports and the caseload filter and count on instead of working out "latest
    release", "live recommendation" and the rest per person inside every statement.

    Kept by the database in the same transaction as every write: statement-level triggers on each
    table it is computed from call ``ippcase_refresh_positions(person ids)``, whose SELECT is
    compiled from the ORM expressions of the pages (``ippcase/caseload/position.py``), so the
    row and the pages cannot disagree. ``manage.py rebuild_positions`` recomputes every row.
    Nothing here depends on today: what does (a licence that has ended by now, a concern in the
    last 30 days) is compared at read time with the dates kept here. docs/performance.md."""

    # No foreign key constraint: the person's own delete trigger removes the row, and an
    # immediate constraint (the bulk writers set them so) would be checked before that trigger.
    person = models.OneToOneField(
        Person,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="position",
    )
    first_release_on = models.DateField(null=True)
    # The latest release (by date) and the recall that ended it, if any.
    latest_release = models.ForeignKey(
        Release, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    latest_release_on = models.DateField(null=True)
    latest_recall = models.ForeignKey(
        Recall, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    latest_recall_on = models.DateField(null=True)
    returned_to_custody_on = models.DateField(null=True)
    re_released_on = models.DateField(null=True)
    recall_count = models.PositiveIntegerField(default=0)
    # The most recent recall of all (latest recall date, then id), whichever release it ended:
    # the cohort report's "latest recall".
    last_recall = models.ForeignKey(
        Recall, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    # When the licence ends or ended (automatic termination or the Parole Board), and the Board's
    # termination date alone.
    licence_ends_on = models.DateField(null=True)
    licence_terminated_on = models.DateField(null=True)
    # The open (or submitted) recall recommendation; its id without a key: recall sits above.
    live_recommendation_id = models.BigIntegerField(null=True)
    live_status = models.CharField(max_length=30, blank=True)
    # The return to custody of a recall whose recall report is tracked and not yet submitted.
    report_rtc_on = models.DateField(null=True)
    coms_since_release = models.PositiveSmallIntegerField(default=0)
    # Concerns and actions short of recall (struck-out entries do not count): the latest concern,
    # the latest action, and the latest concern on or before that action (the at-risk test).
    latest_concern_on = models.DateField(null=True)
    latest_action_on = models.DateField(null=True)
    concern_before_action_on = models.DateField(null=True)
    # PPCS may see the person (a recall, a submitted recommendation, licence termination work).
    ppcs_work = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["live_status"], condition=~Q(live_status=""), name="position_live_idx"
            ),
            models.Index(fields=["person"], condition=Q(ppcs_work=True), name="position_ppcs_idx"),
            models.Index(
                fields=["latest_concern_on"],
                condition=Q(latest_concern_on__isnull=False),
                name="position_concern_idx",
            ),
            models.Index(
                fields=["report_rtc_on"],
                condition=Q(report_rtc_on__isnull=False),
                name="position_report_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Position of person {self.person_id}"


class TrendCount(models.Model):
    """How many of a measure happened in a month among the people of one team (or of one PDU's
    unallocated list, ``team`` empty), issue 17: the rollup the trend charts and reports read,
    so five years of a country is hundreds of rows, not hundreds of thousands. ``measure`` is a
    key such as ``recall``, ``recall_reason:<code>`` or ``parole_decision:<kind>:<outcome>``.

    Kept by the database like the person's position: statement-level triggers on the tables
    the counts are computed from recompute the cells a write touched, with the SELECT compiled
    from the ORM (``ippcase/caseload/trends.py``); ``manage.py rebuild_positions`` rebuilds
    both. A person's cells follow them when they move team (counted where they are now, like
    every other dashboard figure). docs/performance.md, "Trends"."""

    # No foreign key constraints: the rows are the database's own bookkeeping, rewritten by the
    # triggers; a team or PDU is never deleted while people are in it.
    team = models.ForeignKey(
        Team, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    pdu = models.ForeignKey(
        Pdu, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    month = models.DateField()  # the first day of the month
    measure = models.CharField(max_length=80)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "measure", "team", "pdu"],
                nulls_distinct=False,
                name="trendcount_cell_unique",
            )
        ]
        indexes = [models.Index(fields=["pdu", "month"], name="trendcount_pdu_month_idx")]

    def __str__(self) -> str:
        return f"{self.measure} {self.month:%Y-%m}: {self.n}"


class SubmissionKey(models.Model):
    """A create form's one-time key (issue 18): the first POST that carries it records what it
    created; a second with the same key (a double click, a resent request, two at once) gets
    that first result instead of a copy. ``ippcase/core/once.py``."""

    key = models.UUIDField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=100)  # the created model's label, e.g. recall.concern
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
