"""The parole report (issue 5): figures, charts and a CSV. Views are thin: access, a form, a
selector, render."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ippcase.core import charts, csv_safe
from ippcase.core.forms import DateRangeForm, error_summary
from ippcase.core.http import AppRequest, role_required
from ippcase.core.permissions import is_admin, is_ppcs, visible_people
from ippcase.core.replica import reporting_reads
from ippcase.models import Person
from parole import report as parole_reports

# ---------------------------------------------------------------------------------------------
# Report (issue 5): /parole/report/ — figures for managers, senior managers, PPCS and admins.
# Figures are scoped to the people the user may see; PPCS and administrators see everyone.

# Access: the ``parole.view_report`` permission (parole/permissions.py).


def _report_people(user: Any) -> Any:
    """Everyone for PPCS and administrators (national figures); otherwise the people the user
    may see (a manager's or senior manager's PDU)."""
    if is_ppcs(user) or is_admin(user):
        return None
    return visible_people(user, Person.objects.all())


def _csv_response(report: dict[str, Any]) -> HttpResponse:
    period = report["period"]
    name = "parole-report"
    if period["from"]:
        name += f"-from-{period['from']}"
    if period["to"]:
        name += f"-to-{period['to']}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv_safe.writer(response)
    writer.writerow(["section", "key", "value"])
    writer.writerows(parole_reports.report_rows(report))
    return response


def _table(caption: str, head: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"caption": caption, "head": head, "rows": rows}


def _decisions_section(
    report: dict[str, Any], key: str, chart_id: str, what: str
) -> dict[str, Any]:
    by_year: dict[str, dict[str, int]] = report[key]
    title = parole_reports.SECTION_TITLES[key]
    section: dict[str, Any] = {
        "id": chart_id,
        "title": title,
        "empty": f"No {what} in this period.",
    }
    if not by_year:
        return section
    outcome_keys = list(next(iter(by_year.values())))
    labels = [parole_reports.DECISION_LABELS[k] for k in outcome_keys]
    section["chart"] = charts.bar_chart(
        [(year, [counts[k] for k in outcome_keys]) for year, counts in by_year.items()],
        series=labels,
        title=f"{title}: bar chart",
        description=f"Number of {what} in each financial year, one bar per outcome: "
        + ", ".join(labels)
        + ". The table below gives the same numbers.",
        chart_id=f"{chart_id}-chart",
    )
    section["table"] = _table(
        f"{title}: numbers",
        ["Financial year", *labels, "Total"],
        [
            [year, *(counts[k] for k in outcome_keys), sum(counts.values())]
            for year, counts in by_year.items()
        ],
    )
    return section


def _report_sections(report: dict[str, Any]) -> list[dict[str, Any]]:
    titles = parole_reports.SECTION_TITLES
    sections = [
        _decisions_section(report, "paper_decisions", "paper", "paper decisions"),
        _decisions_section(report, "oral_decisions", "oral", "oral hearing decisions"),
    ]

    term = report["licence_termination"]
    outcome_rows = [
        (parole_reports.TERMINATION_LABELS[o], n, term["outcome_percentages"][o])
        for o, n in term["outcomes"].items()
    ]
    sections.append(
        {
            "id": "termination",
            "title": titles["licence_termination"],
            "summary": f"{term['referred']} referred and {term['decided']} decided in this period.",
            "chart": charts.bar_chart(
                [(label, [n]) for label, n, _ in outcome_rows],
                series=["Decisions"],
                title="Licence termination decisions by outcome: bar chart",
                description="Number of licence termination decisions with each outcome. "
                "The table below gives the same numbers with each as a percentage of decisions.",
                chart_id="termination-chart",
            ),
            "table": _table(
                "Licence termination decisions by outcome",
                ["Outcome", "Decisions", "Percentage of decisions"],
                [[label, n, f"{pct:.1f}%"] for label, n, pct in outcome_rows],
            ),
        }
    )

    rarr, re_release = report["rarr"], report["re_release"]
    route_rows = [("All routes", re_release["median_days_in_custody"])] + [
        (parole_reports.ROUTE_LABELS[r], days) for r, days in re_release["by_route"].items()
    ]
    sections.append(
        {
            "id": "re-release",
            "title": titles["re_release"],
            "summary": f"{rarr['re_released']} re-released after a risk-assessed recall review "
            f"(RARR) in this period.",
            "chart": charts.bar_chart(
                [(label, [days]) for label, days in route_rows],
                series=["Median days in custody"],
                title="Median days in custody before re-release, by route: bar chart",
                description="Median number of days from return to custody to re-release, for "
                "all re-releases and for each route: RARR, Parole Board on the papers, Parole "
                "Board oral hearing. The table below gives the same numbers.",
                chart_id="re-release-chart",
                unit="days",
            ),
            "table": _table(
                "Median days in custody before re-release, by route",
                ["Route", "Median days in custody"],
                [[label, parole_reports.format_days(days)] for label, days in route_rows],
            ),
        }
    )

    deferrals = report["deferrals"]
    told = [
        ("Prisoner told", deferrals["prisoner_informed"]),
        ("Prisoner not told", deferrals["not_informed"]),
    ]
    sections.append(
        {
            "id": "deferrals",
            "title": titles["deferrals"],
            "summary": f"{deferrals['total']} adjournment{'' if deferrals['total'] == 1 else 's'} "
            "or deferral" + ("" if deferrals["total"] == 1 else "s") + " in this period.",
            "chart": charts.bar_chart(
                [(label, [n]) for label, n in told],
                series=["Adjournments and deferrals"],
                title="Adjournments and deferrals: prisoner told or not told: bar chart",
                description="Number of adjournments and deferrals the prisoner was told about, and "
                "not told about. The table below gives the same numbers.",
                chart_id="deferrals-chart",
            ),
            "table": _table(
                "Adjournments and deferrals: prisoner told or not told",
                ["Prisoner", "Adjournments and deferrals"],
                [*([label, n] for label, n in told), ["Total", deferrals["total"]]],
            ),
        }
    )
    return sections


@require_GET
@role_required("parole.view_report")
@reporting_reads()
def report(request: AppRequest) -> HttpResponse:
    form = DateRangeForm(request.GET)
    context: dict[str, Any] = {"form": form, "errors": [], "sections": [], "scope_all": False}
    if not form.is_valid():
        context["errors"] = error_summary(form)
        return render(request, "parole/report.html", context)
    people = _report_people(request.user)
    context["scope_all"] = people is None
    figures = parole_reports.parole_report(
        people=people,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
    )
    if request.GET.get("format") == "csv":
        return _csv_response(figures)
    params = request.GET.copy()
    params["format"] = "csv"
    context.update(report=figures, sections=_report_sections(figures), csv_query=params.urlencode())
    return render(request, "parole/report.html", context)
