"""Multi-agency panels and meetings on a case, and the actions they agree (issue 19;
docs/multi-agency-panels.md). Imported into recall.models, so they are the recall app's models.

A meeting is never deleted: like the concerns log it is struck out with a reason. An action is
done when ``done_on`` is set; it is overdue when it is not done and ``due_on`` has passed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ippcase.models import Person, audited, choices_array, labels
from recall import vocab


@audited()
class MultiAgencyMeeting(models.Model):
    """An IPP progression panel, a MAPPA level 2/3 meeting, a professionals meeting or an OPD
    case consultation held about one person."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField("Date of the meeting")
    kind = models.CharField("Type of meeting", max_length=30, choices=vocab.MeetingKind.choices)
    chair = models.CharField("Chair", max_length=200)
    agencies = choices_array(vocab.Agency, verbose_name="Agencies that attended")
    other_agency = models.CharField("Other agency", max_length=200, blank=True)
    attendees = models.TextField("People who attended", blank=True)
    discussion = models.TextField("What was discussed")
    decisions = models.TextField("What was agreed", blank=True)
    concerns = models.ManyToManyField(
        "recall.Concern", blank=True, related_name="meetings", verbose_name="Concerns discussed"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    struck_out_at = models.DateTimeField(null=True, blank=True)
    struck_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    struck_out_reason = models.TextField("Why it is struck out", blank=True)
    # When it was last corrected (recall/meeting_corrections.py): set by every correction, so a
    # correction of the concerns discussed alone (a many-to-many, not audited itself) still
    # leaves an audit event, which carries the concerns in its context (``also``) for the case
    # history.
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["person", "-held_on"], name="meeting_person_date_idx"),
            # Panels held in a period, across people (dashboards).
            models.Index(
                fields=["held_on"],
                condition=Q(struck_out_at__isnull=True),
                name="meeting_date_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(struck_out_at__isnull=True, struck_out_reason="")
                | (Q(struck_out_at__isnull=False) & ~Q(struck_out_reason="")),
                name="meeting_struck_out_with_reason",
            ),
            models.CheckConstraint(
                condition=~Q(other_agency="") | ~Q(agencies__contains=[vocab.Agency.OTHER]),
                name="meeting_other_agency_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on:%d %b %Y}"

    @property
    def agency_labels(self) -> list[str]:
        named = [a for a in self.agencies if a != vocab.Agency.OTHER]
        return labels(vocab.Agency, named) + ([self.other_agency] if self.other_agency else [])

    @property
    def is_forum(self) -> bool:
        """A progression panel or MAPPA level 2/3 meeting (HMIP 2023 recommendation 3)."""
        return self.kind in vocab.FORUM_KINDS


@audited()
class MeetingAction(models.Model):
    """An action a meeting agreed: what, who (a member of staff, or someone in another agency
    named in words) and by when; done or not."""

    meeting = models.ForeignKey(
        MultiAgencyMeeting, on_delete=models.PROTECT, related_name="actions"
    )
    description = models.TextField("Action")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_actions",
        verbose_name="Owner (member of staff)",
    )
    owner_name = models.CharField("Owner in another agency", max_length=200, blank=True)
    due_on = models.DateField("Due by")
    done_on = models.DateField("Done on", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.TextField("What was done", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # Open actions by due date (overdue on the case, the owner's home page, dashboards).
            models.Index(
                fields=["due_on"], condition=Q(done_on__isnull=True), name="meeting_action_open_idx"
            ),
            models.Index(
                fields=["owner", "due_on"],
                condition=Q(done_on__isnull=True),
                name="meeting_action_owner_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | ~Q(owner_name=""),
                name="meeting_action_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(done_by__isnull=False),
                name="meeting_action_done_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Action due {self.due_on:%d %b %Y}"

    @property
    def owner_label(self) -> str:
        owner = self.owner
        return owner.display_name if owner is not None else self.owner_name
