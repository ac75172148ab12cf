"""Manager dashboards (issue 6): the scope selector, the panels, their CSV, and a practitioner's
caseload. Views are thin: access, the scope, the panels' selectors, render.

Access (docs/permissions.md, docs/dashboards.md): ``ippcase.view_dashboard`` (managers, senior
managers, PPCS, administrators). Figures are computed over ``visible_people(user)`` within the
chosen scope; managers and senior managers choose within their own PDU (the PDU, its teams, its
practitioners), PPCS and administrators choose any level. A scope outside the user's choices is
an error message on the page, never data.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ippcase.caseload import selectors as caseload_selectors
from ippcase.caseload.views import add_report_deadlines
from ippcase.cases import selectors
from ippcase.core import csv_safe
from ippcase.core.forms import DateRangeForm, error_summary
from ippcase.core.http import AppRequest, role_required
from ippcase.core.permissions import is_admin, is_ppcs, visible_people
from ippcase.core.replica import reporting_reads
from ippcase.core.trends import Unit
from ippcase.models import Allocation, Pdu, Person, Region, Team, User
from ippcase.reporting import headline
from ippcase.reporting.dashboard import Link, Panel, Scope, Table
from ippcase.reporting.panels import PANELS, PANELS_BY_SLUG
from ippcase.reporting.panels import caseload as caseload_panels
from ippcase.reporting.panels import meetings as meeting_panels
from ippcase.vocab import Role
from recall.vocab import RecommendationStatus

LEVEL_LABELS = {
    "national": "National",
    "region": "Region",
    "pdu": "Probation delivery unit",
    "team": "Team",
    "practitioner": "Practitioner",
}


def default_date_from(today: dt.date) -> dt.date:
    """The first day of the last 12 months up to ``today``: a year ago, plus a day."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + dt.timedelta(days=1)


@dataclass
class ScopeChoices:
    """The scopes a user may choose, as ``(value, label)`` pairs grouped by level; the value is
    ``level`` or ``level:code``."""

    groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    default: str = ""

    @property
    def values(self) -> set[str]:
        return {value for _, options in self.groups for value, _ in options}

    def label(self, value: str) -> str:
        return next(
            (label for _, options in self.groups for v, label in options if v == value), value
        )


def _practitioners(pdu: Pdu | int | None = None) -> QuerySet[User]:
    qs = User.objects.filter(roles__contains=[Role.PRACTITIONER], team__isnull=False)
    if pdu is not None:
        qs = qs.filter(team__pdu=pdu)
    return qs.select_related("team").order_by("last_name", "first_name", "username")


def _national_user(user: Any) -> bool:
    return bool(is_ppcs(user) or is_admin(user))


def scope_choices(user: Any) -> ScopeChoices:
    """What ``user`` may choose: any level for PPCS and administrators (national by default);
    their own PDU, its teams and its practitioners for managers and senior managers (the PDU by
    default). Four queries at most."""
    choices = ScopeChoices()
    teams: QuerySet[Team]
    if _national_user(user):
        choices.groups.append(("National", [("national", "National (everyone you can see)")]))
        regions = [(f"region:{r.code}", f"Region: {r.name}") for r in Region.objects.all()]
        pdus = [(f"pdu:{p.code}", f"PDU: {p.name}") for p in Pdu.objects.all()]
        choices.groups += [("Regions", regions), ("Probation delivery units", pdus)]
        teams, practitioners = Team.objects.all(), _practitioners()
        choices.default = "national"
    elif user.team_id is not None:
        pdu = user.team.pdu
        choices.groups.append(
            ("Probation delivery unit", [(f"pdu:{pdu.code}", f"PDU: {pdu.name}")])
        )
        teams, practitioners = Team.objects.filter(pdu=pdu), _practitioners(pdu)
        choices.default = f"pdu:{pdu.code}"
    else:
        return choices
    choices.groups.append(("Teams", [(f"team:{t.code}", f"Team: {t.name}") for t in teams]))
    choices.groups.append(
        (
            "Practitioners",
            [
                (
                    f"practitioner:{u.username}",
                    f"Practitioner: {u.display_name} ({u.team.name if u.team else 'no team'})",
                )
                for u in practitioners
            ],
        )
    )
    return choices


def scope_allowed(user: Any, value: str) -> bool:
    """Whether ``value`` is one of :func:`scope_choices`'s values for ``user``, checked with one
    query for that value alone instead of building every choice (a national user's choices hold
    every practitioner in the country): what an HTMX panel request, which never shows the
    dropdown, uses."""
    level, _, code = value.partition(":")
    if _national_user(user):
        if value == "national":
            return True
        if not code:
            return False
        if level == "practitioner":
            return _practitioners().filter(username=code).exists()
        levels: dict[str, QuerySet[Any]] = {
            "region": Region.objects.all(),
            "pdu": Pdu.objects.all(),
            "team": Team.objects.all(),
        }
        return level in levels and levels[level].filter(code=code).exists()
    if user.team_id is None or not code:
        return False
    own = Team.objects.filter(pk=user.team_id).values("pdu_id")
    if level == "pdu":
        return Pdu.objects.filter(code=code, pk__in=own).exists()
    if level == "team":
        return Team.objects.filter(code=code, pdu_id__in=own).exists()
    if level == "practitioner":
        return _practitioners().filter(username=code, team__pdu_id__in=own).exists()
    return False


def default_scope(user: Any) -> str:
    """:func:`scope_choices`'s default for ``user`` (national, or their own PDU; "" for a
    manager without a team), in at most one query."""
    if _national_user(user):
        return "national"
    if user.team_id is None:
        return ""
    code = Pdu.objects.filter(teams__pk=user.team_id).values_list("code", flat=True).first()
    return f"pdu:{code}" if code else ""


def scope_people(user: Any, level: str, code: str) -> QuerySet[Person]:
    """The people ``user`` may see within the scope (region, PDU or team by code; the
    practitioner's people: an open allocation to that username)."""
    people = visible_people(user, Person.objects.all())
    # A region's or PDU's people include those on its unallocated list (no team yet).
    if level == "region":
        return people.filter(
            Q(team__pdu__region__code=code) | Q(team__isnull=True, awaiting_pdu__region__code=code)
        )
    if level == "pdu":
        return people.filter(
            Q(team__pdu__code=code) | Q(team__isnull=True, awaiting_pdu__code=code)
        )
    if level == "team":
        return people.filter(team__code=code)
    if level == "practitioner":
        return people.filter(
            Exists(
                Allocation.objects.filter(
                    person=OuterRef("pk"), end_date__isnull=True, practitioner__username=code
                )
            )
        )
    return people


@dataclass
class Dashboard:
    choices: ScopeChoices
    form: DateRangeForm
    selected: str
    errors: list[dict[str, str]]
    scope: Scope | None = None
    people: QuerySet[Person] | None = None


def _dashboard(request: AppRequest, *, partial: bool = False) -> Dashboard:
    """The scope and date range asked for, checked against the user's choices. A ``partial``
    (an HTMX panel, which never shows the scope dropdown) checks the one scope asked for
    (:func:`scope_allowed`) and leaves ``choices`` empty but for the default."""
    user = request.user
    if partial:
        choices = ScopeChoices(default=default_scope(user))
        selected = request.GET.get("scope", "") or choices.default
        allowed = bool(selected) and scope_allowed(user, selected)
    else:
        choices = scope_choices(user)
        selected = request.GET.get("scope", "") or choices.default
        allowed = selected in choices.values
    form = DateRangeForm(request.GET)
    board = Dashboard(choices=choices, form=form, selected=selected, errors=[])
    if not allowed:
        board.errors.append(
            {
                "text": "Choose a scope from the list: you can only see figures for "
                + (
                    "any region, PDU, team or practitioner"
                    if _national_user(user)
                    else "your own PDU, its teams and its practitioners"
                ),
                "href": "#scope",
            }
        )
    if not form.is_valid():
        board.errors += error_summary(form)
    if board.errors:
        return board
    today = timezone.localdate()
    level, _, code = selected.partition(":")
    board.scope = Scope(
        level=level,
        code=code,
        date_from=form.cleaned_data["date_from"] or default_date_from(today),
        date_to=form.cleaned_data["date_to"] or today,
        today=today,
        # The scope was allowed above: a manager's is within their PDU, whose people they all
        # see; PPCS see everyone with a recall; an administrator sees everyone.
        unit=None if level == "practitioner" else Unit(level, code),
    )
    if board.scope.date_from > board.scope.date_to:
        board.errors.append(
            {
                "text": "The start date must be the same as or before the end date",
                "href": "#date_from-day",
            }
        )
        board.scope = None
        return board
    board.people = scope_people(user, level, code)
    return board


def _cell(value: Any, first: bool, query: str) -> dict[str, Any]:
    if isinstance(value, Link):
        joiner = "&" if "?" in value.url else "?"
        url = f"{value.url}{joiner}{query}" if value.keep_query and query else value.url
        return {"text": value.text, "url": url, "numeric": value.numeric}
    return {
        "text": "" if value is None else value,
        "url": "",
        "numeric": not first and _is_number(value),
    }


def _render_panel(panel: Panel, board: Dashboard, query: str) -> dict[str, Any]:
    if board.people is None or board.scope is None:  # pragma: no cover - callers check
        raise ValueError("the dashboard has no valid scope")
    data = panel.compute(board.people, board.scope)
    return {
        "slug": panel.slug,
        "title": panel.title,
        "charts": data.charts,
        "notes": data.notes,
        "tables": [
            {
                "caption": table.caption,
                "columns": [
                    {"text": c, "numeric": i > 0 and _numeric_column(table.rows, i)}
                    for i, c in enumerate(table.columns)
                ],
                "rows": [
                    [_cell(v, i == 0, query) for i, v in enumerate(row)] for row in table.rows
                ],
            }
            for table in data.tables
        ],
        "query": query,
    }


def _numeric_column(rows: Any, index: int) -> bool:
    return bool(rows) and all(_is_number(row[index]) for row in rows)


def _is_number(value: Any) -> bool:
    if isinstance(value, Link):
        return value.numeric
    return isinstance(value, int | float) and not isinstance(value, bool)


def _practitioner_rows(board: Dashboard) -> list[dict[str, Any]]:
    """The practitioners holding cases in scope, with how many (one query), for PDU, team and
    practitioner scopes."""
    if board.scope is None or board.people is None:
        return []
    if board.scope.level not in ("pdu", "team", "practitioner"):
        return []
    rows = (
        User.objects.filter(
            allocations__end_date__isnull=True, allocations__person__in=board.people
        )
        .annotate(cases=Count("allocations"))
        .select_related("team")
        .order_by("last_name", "first_name", "username")
    )
    return [{"user": u, "cases": u.cases} for u in rows]


def _context(
    request: AppRequest, board: Dashboard, panels: Any, *, partial: bool = False
) -> dict[str, Any]:
    """The template's context; a ``partial`` (an HTMX panel) shows no practitioners' list, so
    does not count their cases."""
    query = request.GET.urlencode()
    rendered = []
    if board.scope is not None and panels is not None:
        rendered = [_render_panel(p, board, query) for p in panels]
    figures: list[headline.Headline] = []
    if panels is None and board.scope is not None and board.people is not None:
        figures = headline.headline_figures(board.people, board.scope.today)
    return {
        "board": board,
        "headline": figures,
        "period_days": headline.PERIOD_DAYS,
        "all_panels": PANELS,
        "page_title": panels[0].title if panels is not None and len(panels) == 1 else "",
        "form": board.form,
        "errors": board.errors,
        "scope_label": board.choices.label(board.selected),
        "panels": rendered,
        # The dashboard itself renders each panel as a placeholder that loads itself (HTMX,
        # hx-trigger="load") or, without JavaScript, links to the panel's own page: one
        # response never computes every panel (docs/dashboards.md, "Loading").
        "placeholders": [] if panels is not None else PANELS,
        "single_panel": panels is not None,
        "practitioners": [] if partial else _practitioner_rows(board),
        "query": query,
    }


def _panel_or_404(slug: str) -> Panel:
    try:
        return PANELS_BY_SLUG[slug]
    except KeyError:
        raise Http404("No such dashboard panel.") from None


@require_GET
@role_required("ippcase.view_dashboard")
@reporting_reads()
def dashboard(request: AppRequest) -> HttpResponse:
    board = _dashboard(request)
    template = "ippcase/dashboard.html#results" if request.htmx else "ippcase/dashboard.html"
    return render(request, template, _context(request, board, None))


@require_GET
@role_required("ippcase.view_dashboard")
@reporting_reads()
def panel(request: AppRequest, slug: str) -> HttpResponse:
    """One panel: the partial for HTMX, else the dashboard page with that panel alone."""
    chosen = _panel_or_404(slug)
    partial = bool(request.htmx)
    board = _dashboard(request, partial=partial)
    context = _context(request, board, [chosen], partial=partial)
    if partial:
        if board.errors:
            return render(request, "ippcase/dashboard.html#results", context)
        return render(request, "ippcase/_dashboard_panel.html", {"panel": context["panels"][0]})
    return render(request, "ippcase/dashboard.html", context)


def _csv_text(table: Table) -> str:
    """One table as a plain CSV: the header row first, then the rows (no title line; a link
    keeps its text)."""
    out = io.StringIO()
    writer = csv_safe.writer(out)
    writer.writerow(table.columns)
    writer.writerows([[v.text if isinstance(v, Link) else v for v in row] for row in table.rows])
    return out.getvalue()


def _csv_name(slug: str, index: int, count: int) -> str:
    """``<slug>.csv`` for a panel's only table, ``<slug>-<n>.csv`` (from 1) for several."""
    return f"{slug}.csv" if count == 1 else f"{slug}-{index + 1}.csv"


def _period(scope: Scope) -> str:
    return f"{scope.date_from:%Y-%m-%d}-to-{scope.date_to:%Y-%m-%d}"


@require_GET
@role_required("ippcase.view_dashboard")
@reporting_reads()
def panel_csv(request: AppRequest, slug: str) -> HttpResponse:
    """One table of the panel as a plain CSV (``?table=<n>``, from 1; the first by default)."""
    chosen = _panel_or_404(slug)
    board = _dashboard(request)
    if board.scope is None or board.people is None:
        context = _context(request, board, [chosen])
        return render(request, "ippcase/dashboard.html", context, status=400)
    data = chosen.compute(board.people, board.scope)
    number = request.GET.get("table", "1")
    if not number.isdigit() or not 1 <= int(number) <= len(data.tables):
        raise Http404("No such table in this panel.")
    index = int(number) - 1
    stem = _csv_name(chosen.slug, index, len(data.tables)).removesuffix(".csv")
    name = f"dashboard-{stem}-{_period(board.scope)}.csv"
    response = HttpResponse(_csv_text(data.tables[index]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@role_required("ippcase.view_dashboard")
@reporting_reads()
def csv_zip(request: AppRequest) -> HttpResponse:
    """Every table of every panel, each a plain CSV, in one zip (same scope and dates as the
    dashboard)."""
    board = _dashboard(request)
    if board.scope is None or board.people is None:
        return render(request, "ippcase/dashboard.html", _context(request, board, None), status=400)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for chosen in PANELS:
            data = chosen.compute(board.people, board.scope)
            for index, table in enumerate(data.tables):
                archive.writestr(_csv_name(chosen.slug, index, len(data.tables)), _csv_text(table))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    name = f"dashboard-{_period(board.scope)}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _people_list(
    request: AppRequest, board: Dashboard, people: QuerySet[Person], heading: str, **context: Any
) -> HttpResponse:
    """One page of ``people`` (already in the board's scope) with their team and current COM:
    the list behind a headline figure or a "Caseload now" count."""
    rows = people.select_related("team").annotate(com_name=selectors.current_com_name())
    page = Paginator(rows, settings.CASELOAD_PAGE_SIZE).get_page(request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ippcase/dashboard_people.html",
        {
            "heading": heading,
            "page": page,
            "scope_label": board.choices.label(board.selected),
            "query": query.urlencode(),
            **context,
        },
    )


def _bad_scope(request: AppRequest, board: Dashboard) -> HttpResponse:
    """The dashboard with its error summary, for a people list asked for in a scope or dates
    the user may not have."""
    return render(request, "ippcase/dashboard.html", _context(request, board, None), status=400)


@require_GET
@role_required("ippcase.view_dashboard")
@reporting_reads()
def figure_people(request: AppRequest, slug: str) -> HttpResponse:
    """The people behind a headline figure (``?period=current|previous``, the current four
    weeks by default), within the dashboard's scope: the same people the figure counts."""
    figure = headline.FIGURES_BY_SLUG.get(slug)
    if figure is None:
        raise Http404("No such figure.")
    period = request.GET.get("period", "current")
    if period not in headline.PERIODS:
        raise Http404("No such period.")
    board = _dashboard(request)
    if board.scope is None or board.people is None:
        return _bad_scope(request, board)
    start, end = headline.period_dates(board.scope.today, period)
    when = "last 4 weeks" if period == "current" else "the 4 weeks before"
    return _people_list(
        request,
        board,
        headline.figure_people(board.people, figure, board.scope.today, period),
        heading=f"{figure.title}, {start:%-d %B %Y} to {end:%-d %B %Y}",
        title=f"{figure.title}, {when}",
        definition=figure.definition,
    )


@require_GET
@role_required("ippcase.view_dashboard")
@reporting_reads()
def position_people(request: AppRequest, slug: str) -> HttpResponse:
    """The people behind one count of "Caseload now", within the dashboard's scope, today."""
    position = caseload_panels.POSITIONS_BY_SLUG.get(slug)
    if position is None:
        raise Http404("No such position.")
    board = _dashboard(request)
    if board.scope is None or board.people is None:
        return _bad_scope(request, board)
    return _people_list(
        request,
        board,
        caseload_panels.position_people(board.people, position, board.scope.today),
        heading=f"Caseload now: {position.label[0].lower()}{position.label[1:]}",
        title=f"Caseload now: {position.label}",
        definition=f"Counted today, {board.scope.today:%-d %B %Y}.",
    )


@require_GET
@role_required("ippcase.view_dashboard")
@reporting_reads()
def no_panel_people(request: AppRequest) -> HttpResponse:
    """The people on licence in the community within the dashboard's scope with no progression
    panel or MAPPA level 2/3 meeting in the last 12 months (the "Multi-agency management" panel,
    issue 19), today."""
    board = _dashboard(request)
    if board.scope is None or board.people is None:
        return _bad_scope(request, board)
    since, until = meeting_panels.panel_window(board.scope.today)
    people = meeting_panels.no_panel_people(board.people, board.scope.today)
    # ?team=<code> (or "none": no team yet): one row of the panel, within the scope.
    team = request.GET.get("team", "")
    if team == meeting_panels.NO_TEAM_CODE:
        people = people.filter(team__isnull=True)
    elif team:
        people = people.filter(team__code=team)
    return _people_list(
        request,
        board,
        people,
        heading="People on licence with no panel or MAPPA level 2 or 3 meeting in the last "
        f"{meeting_panels.PANEL_MONTHS} months",
        title="People on licence with no recent panel",
        definition="On licence in the community today, and no IPP progression panel or MAPPA "
        f"level 2 or 3 meeting recorded from {since:%-d %B %Y} to {until:%-d %B %Y}.",
    )


@require_GET
@role_required("ippcase.view_dashboard")
def practitioner_caseload(request: AppRequest, username: str) -> HttpResponse:
    """A practitioner's allocated people with the caseload's badges. 404 for a practitioner
    outside the user's choices (a manager's PDU)."""
    user: Any = request.user
    practitioners = _practitioners(
        None if _national_user(user) else getattr(user.team, "pdu", None)
    )
    if not _national_user(user) and getattr(user, "team_id", None) is None:
        raise Http404("No such practitioner.")
    practitioner = practitioners.filter(username=username).first()
    if practitioner is None:
        raise Http404("No such practitioner is available to you.")
    page = caseload_selectors.caseload(
        user,
        practitioner=username,
        page_number=request.GET.get("page", 1),
        per_page=settings.CASELOAD_PAGE_SIZE,
    )
    add_report_deadlines(page.object_list)
    return render(
        request,
        "ippcase/dashboard_practitioner.html",
        {
            "practitioner": practitioner,
            "page": page,
            "status_labels": selectors.CaseStatus.LABELS,
            "recommendation_labels": dict(RecommendationStatus.choices),
        },
    )


__all__ = ["csv_zip", "dashboard", "figure_people", "panel", "panel_csv", "practitioner_caseload"]
