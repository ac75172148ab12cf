"""The case's "Meetings and panels" tab (issue 19; docs/multi-agency-panels.md): the meetings
held about the person, recording one, one meeting with its actions, adding an action, marking
one done, correcting a meeting or an action, striking a meeting out.

Access: the case out of the user's view 404 (a meeting or action of another person too). The
tab, a meeting and recording: ``recall.record_on_case`` (403 otherwise). Marking an action
done: ``recall.complete_meeting_action`` (its owner, or whoever may work on the case).
Correcting a meeting or one of its actions, and striking a meeting out: ``recall.correct_entry``
on the meeting (as a concern)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ippcase.cases.pages import WORK_ON_CASE, case_header, case_person
from ippcase.core import words
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Person
from recall import meeting_corrections
from recall import meeting_selectors as selectors
from recall import meeting_services as services
from recall.deadlines import long_date
from recall.forms_meetings import (
    OWNER_AGENCY,
    OWNER_STAFF,
    ActionDoneForm,
    MeetingActionCorrectForm,
    MeetingActionForm,
    MeetingCorrectForm,
    MeetingForm,
    MeetingStrikeOutForm,
)
from recall.models import MeetingAction, MultiAgencyMeeting
from recall.views.common import header


def _meeting_title(meeting: MultiAgencyMeeting, *, in_sentence: bool = False) -> str:
    """ "MAPPA level 2 meeting on 3 March 2026"; ``in_sentence``: "the IPP progression panel
    on …", "the professionals meeting on …" (acronyms kept)."""
    kind = meeting.get_kind_display()
    return f"{words.lower(kind) if in_sentence else kind} on {long_date(meeting.held_on)}"


def _meeting(request: AppRequest, crn: str, pk: int, *, perm: str | None) -> tuple[Person, Any]:
    person = case_person(request, crn, perm=perm)
    meeting = selectors.meeting_on_case(person, pk)
    if meeting is None:
        raise Http404("No such meeting on this case.")
    return person, meeting


def _meeting_url(person: Person, meeting_id: int, anchor: str = "") -> str:
    return reverse("recall:meeting", kwargs={"crn": person.crn, "pk": meeting_id}) + anchor


@require_GET
@role_required()
def meetings(request: AppRequest, crn: str) -> HttpResponse:
    person = case_person(request, crn, perm=WORK_ON_CASE)
    rows = selectors.meetings_for(person)
    context = header(request, person, "meetings")
    context.update(meetings=rows, panel=selectors.panel_status(person, rows))
    return render(request, "recall/meetings/list.html", context)


@require_http_methods(["GET", "POST"])
@role_required()
def meeting_add(request: AppRequest, crn: str) -> HttpResponse:
    person = case_person(request, crn, perm=WORK_ON_CASE)
    concerns = selectors.concerns_to_discuss(person)
    posted = request.POST if request.method == "POST" else None
    form = MeetingForm(posted, concerns=concerns)
    errors: ErrorSummary = []
    if posted is not None:
        if form.is_valid():
            try:
                meeting = services.meeting_record(
                    person=person,
                    actor=request.user,
                    submission_key=form.once_key(),
                    **form.service_kwargs(),
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                messages.success(
                    request,
                    f"{_meeting_title(meeting)} recorded. Add the actions it agreed, one by one.",
                )
                return redirect(_meeting_url(person, meeting.pk, "#add-action"))
        else:
            errors = error_summary(form)
    context = header(request, person, "meetings")
    context.update(form=form, errors=errors)
    return render(request, "recall/meetings/add.html", context)


def _meeting_page(
    request: AppRequest,
    person: Person,
    meeting: Any,
    *,
    form: MeetingActionForm | None = None,
    errors: ErrorSummary | None = None,
) -> HttpResponse:
    user = request.user
    can_add = meeting.struck_out_at is None
    for action in meeting.action_list:
        action.can_complete = (
            can_add
            and action.done_on is None
            and user.has_perm("recall.complete_meeting_action", action)
        )
    context = header(request, person, "meetings")
    context.update(
        meeting=meeting,
        title=_meeting_title(meeting),
        can_add=can_add,
        # Correcting the meeting or an action, and striking it out: the same permission.
        can_correct=can_add and user.has_perm("recall.correct_entry", meeting),
        form=form or MeetingActionForm(staff=selectors.staff_who_may_own(person)),
        errors=errors or [],
    )
    return render(request, "recall/meetings/meeting.html", context)


@require_GET
@role_required()
def meeting(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person, found = _meeting(request, crn, pk, perm=WORK_ON_CASE)
    return _meeting_page(request, person, found)


@require_POST
@role_required()
def meeting_action_add(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person, found = _meeting(request, crn, pk, perm=WORK_ON_CASE)
    form = MeetingActionForm(request.POST, staff=selectors.staff_who_may_own(person))
    if form.is_valid():
        try:
            action = services.meeting_action_add(
                meeting_id=found.pk,
                actor=request.user,
                submission_key=form.once_key(),
                **form.service_kwargs(),
            )
        except services.RecallError as error:
            return _meeting_page(request, person, found, form=form, errors=summary_error(error))
        messages.success(
            request, f"Action added for {action.owner_label}, due {long_date(action.due_on)}."
        )
        return redirect(_meeting_url(person, found.pk, "#actions"))
    return _meeting_page(request, person, found, form=form, errors=error_summary(form))


@require_http_methods(["GET", "POST"])
@role_required()
def meeting_action_done(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person = case_person(request, crn)
    action = selectors.action_on_case(person, pk)
    if action is None:
        raise Http404("No such action on this case.")
    if not request.user.has_perm("recall.complete_meeting_action", action):
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None
    form = ActionDoneForm(posted)
    errors: ErrorSummary = []
    if posted is not None:
        if form.is_valid():
            try:
                services.meeting_action_done(
                    action_id=action.pk, actor=request.user, note=form.cleaned_data["note"]
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                messages.success(request, "Action marked as done.")
                return redirect(_meeting_url(person, action.meeting_id, "#actions"))
        else:
            errors = error_summary(form)
    if action.done_on is not None and not errors:
        errors = summary_error(f"This action was marked as done on {long_date(action.done_on)}.")
    elif action.meeting.struck_out_at is not None and not errors:
        errors = summary_error("This meeting was struck out: its actions can no longer change.")
    # The owner may not work on the case: their header shows no work tabs.
    context = case_header(request, person, "meetings")
    context.update(
        action=action,
        action_tag=selectors.ActionStatus.TAGS[selectors.action_status(action)],
        meeting_title=_meeting_title(action.meeting),
        meeting_in_sentence=_meeting_title(action.meeting, in_sentence=True),
        form=form,
        errors=errors,
    )
    return render(request, "recall/meetings/action_done.html", context)


@require_http_methods(["GET", "POST"])
@role_required()
def meeting_strike_out(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person, found = _meeting(request, crn, pk, perm=None)
    if not request.user.has_perm("recall.correct_entry", found):
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None
    form = MeetingStrikeOutForm(posted)
    errors: ErrorSummary = []
    if posted is not None:
        if form.is_valid():
            try:
                services.meeting_strike_out(
                    meeting_id=found.pk, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                messages.success(request, f"{_meeting_title(found)} struck out.")
                return redirect("recall:meetings", crn=person.crn)
        else:
            errors = error_summary(form)
    if found.struck_out_at is not None and not errors:
        errors = summary_error("This meeting was struck out already.")
    context = header(request, person, "meetings")
    context.update(
        meeting=found, title=_meeting_title(found, in_sentence=True), form=form, errors=errors
    )
    return render(request, "recall/meetings/strike_out.html", context)


def _correctable(request: AppRequest, crn: str, pk: int) -> tuple[Person, Any]:
    """The meeting, once the user may correct it: out of view 404, in view without
    ``recall.correct_entry`` 403."""
    person, found = _meeting(request, crn, pk, perm=None)
    if not request.user.has_perm("recall.correct_entry", found):
        raise PermissionDenied
    return person, found


def _correction(
    request: AppRequest,
    person: Person,
    meeting: Any,
    form: MeetingCorrectForm | MeetingActionCorrectForm,
    *,
    save: Callable[..., object],
    done: tuple[str, str],
    template: str,
    **context: Any,
) -> HttpResponse:
    """A correction page: on a valid POST, ``save`` (the service, its row and actor given) with
    the version, reason and answers, then ``done`` (message, where to); else the page."""
    errors: ErrorSummary = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                save(
                    expected_version=data["version"],
                    reason=data["reason"],
                    **form.service_kwargs(),
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                messages.success(request, done[0])
                return redirect(done[1])
        else:
            errors = error_summary(form)
    if meeting.struck_out_at is not None and not errors:
        errors = summary_error(
            "This meeting was struck out: it and its actions can no longer be corrected."
        )
    page = header(request, person, "meetings")
    page.update(
        meeting=meeting,
        title=_meeting_title(meeting, in_sentence=True),
        form=form,
        errors=errors,
        **context,
    )
    return render(request, template, page)


@require_http_methods(["GET", "POST"])
@role_required()
def meeting_correct(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person, found = _correctable(request, crn, pk)
    concerns = selectors.concerns_to_discuss(person)
    linked = list(found.concerns.all())
    concerns += [c for c in linked if c not in concerns]  # a struck-out one stays choosable
    initial = {
        "held_on": found.held_on,
        "kind": found.kind,
        "chair": found.chair,
        "agencies": found.agencies,
        "other_agency": found.other_agency,
        "attendees": found.attendees,
        "discussion": found.discussion,
        "decisions": found.decisions,
        "concerns": [str(c.pk) for c in linked],
        "version": selectors.meeting_version(found),
    }
    posted = request.POST if request.method == "POST" else None
    return _correction(
        request,
        person,
        found,
        MeetingCorrectForm(posted, concerns=concerns, initial=initial),
        save=partial(meeting_corrections.meeting_correct, meeting_id=found.pk, actor=request.user),
        done=(f"{_meeting_title(found)} corrected.", _meeting_url(person, found.pk)),
        template="recall/meetings/correct.html",
    )


@require_http_methods(["GET", "POST"])
@role_required()
def meeting_action_correct(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person = case_person(request, crn)
    action: MeetingAction | None = selectors.action_on_case(person, pk)
    if action is None:
        raise Http404("No such action on this case.")
    meeting = action.meeting
    if not request.user.has_perm("recall.correct_entry", meeting):
        raise PermissionDenied
    initial = {
        "description": action.description,
        "owner_kind": OWNER_STAFF if action.owner_id else OWNER_AGENCY,
        "owner": str(action.owner_id or ""),
        "owner_name": action.owner_name,
        "due_on": action.due_on,
        "version": selectors.action_version(action),
    }
    posted = request.POST if request.method == "POST" else None
    staff = selectors.staff_who_may_own(person)
    return _correction(
        request,
        person,
        meeting,
        MeetingActionCorrectForm(posted, staff=staff, initial=initial),
        save=partial(
            meeting_corrections.meeting_action_correct, action_id=action.pk, actor=request.user
        ),
        done=("Action corrected.", _meeting_url(person, meeting.pk, "#actions")),
        template="recall/meetings/action_correct.html",
        action=action,
    )
