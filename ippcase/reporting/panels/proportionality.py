"""Proportionality prompts acknowledged (issue 6): how often practitioners went past each of the
rules module's warnings (the inspection's proportionality prompts) by writing a justification,
in recall recommendations submitted to PPCS in the period.

Two queries whatever the number of recommendations: the recommendations submitted, and the
acknowledgements counted by rule code with ``jsonb_object_keys`` in PostgreSQL;
docs/dashboards.md defines every figure.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Count, Func, QuerySet

from ippcase.core.charts import bar_chart
from ippcase.models import Person
from ippcase.reporting.dashboard import Panel, PanelData, Scope, Table
from parole.report import percentage
from recall.models import RecallRecommendation
from recall.rules import RULES

# Short names for the prompts a practitioner can acknowledge (the warn findings; a missing
# alternative only warns in an emergency). The rules' full wording is in recall/rules.py.
PROMPTS: dict[str, str] = {
    "ALTERNATIVES_INCOMPLETE": "Alternatives to recall not all recorded (emergency recall)",
    "CAUSAL_LINK_UNSTRUCTURED": "No current behaviour matches the index offence",
    "OUT_OF_TOUCH_UNCHECKED": "Out of touch, not every way of finding them tried",
    "NO_MULTI_AGENCY_INPUT": "Other agencies not consulted",
    "NO_PROGRESSION_PANEL": "No IPP progression panel held",
    "AP_EARLY_RECALL": "Recall from approved premises within three months of release",
    "ALLEGATION_STALE": "Recall rests on an allegation 90 days old or more",
    "NON_DISCLOSURE_ONLY": "Non-disclosure the only current behaviour",
    "MAPPA_LEVEL_1_HIGH_ROSH": "MAPPA level 1 with high or very high RoSH, no referral",
    "SUBSTANCE_NO_TESTING": "Substance misuse without testing or alcohol monitoring",
    "SPECULATIVE_RISK": "Criterion (ii) or (iii) with no harmful behaviour recorded",
    "ALLEGATION_NOT_PURSUED": "Allegation ended in no further action, discontinuance or acquittal",
    "MENTAL_HEALTH_NO_REFERRAL": "Mental health deterioration without a referral",
    "COM_DISCONTINUITY": "Three or more COMs since release",
    "LONG_TIME_IN_COMMUNITY": "Five years or more in the community",
    "WHEREABOUTS_UNKNOWN": "At large, not at the main address, no other address given",
    "VLO_NOT_INFORMED": "Victims in the Victim Contact Scheme, liaison officer not told",
}
_RULE_ORDER = {rule.code: n for n, rule in enumerate(RULES)}
_RULE_MESSAGES = {rule.code: rule.message for rule in RULES}


def prompt(code: str) -> str:
    """The prompt's short name: from :data:`PROMPTS`, else the first sentence of the rule's
    message, else the code itself (an acknowledgement of a rule since retired)."""
    if code in PROMPTS:
        return PROMPTS[code]
    message = _RULE_MESSAGES.get(code)
    return message.split(". ")[0].rstrip(".") if message else code


class JsonbObjectKeys(Func):
    """``jsonb_object_keys(field)``: one row per key of a JSON object (a set-returning
    function, so a query that selects it yields one row per key)."""

    function = "JSONB_OBJECT_KEYS"
    output_field = CharField()


def submitted_in_range(people: QuerySet[Person], scope: Scope) -> QuerySet[RecallRecommendation]:
    """Recommendations of ``people`` last submitted to PPCS on a day (Europe/London) in the
    date range, whatever their status since."""
    return RecallRecommendation.objects.filter(
        person__in=people,
        submitted_at__isnull=False,
        submitted_at__date__gte=scope.date_from,
        submitted_at__date__lte=scope.date_to,
    )


def acknowledged_counts(people: QuerySet[Person], scope: Scope) -> tuple[int, dict[str, int]]:
    """The number of recommendations submitted in the range, and for each rule code the number
    of them that acknowledge it (two queries)."""
    recs = submitted_in_range(people, scope)
    total = recs.count()
    rows: Any = (
        recs.annotate(code=JsonbObjectKeys("acknowledgements"))
        .values("code")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    counts = {row["code"]: row["n"] for row in rows}  # one row per rule code: a handful
    return total, counts


def compute(people: QuerySet[Person], scope: Scope) -> PanelData:
    """Two queries: the recommendations in the range, and the acknowledgements by code."""
    total, counts = acknowledged_counts(people, scope)
    codes = sorted(counts, key=lambda c: (-counts[c], _RULE_ORDER.get(c, len(_RULE_ORDER)), c))
    table = Table(
        caption=f"Proportionality prompts acknowledged in {total} recommendation"
        f"{'' if total == 1 else 's'} submitted in the period",
        columns=[
            "Prompt",
            "Rule code",
            "Recommendations acknowledging it",
            "Share of recommendations",
        ],
        rows=[[prompt(c), c, counts[c], f"{percentage(counts[c], total):.1f}%"] for c in codes],
    )
    chart = bar_chart(
        [(prompt(c), [counts[c]]) for c in codes],
        series=["Recommendations"],
        title="Proportionality prompts acknowledged: bar chart",
        description="Number of recall recommendations submitted in the period in which the "
        "practitioner acknowledged each proportionality prompt with a written justification, "
        "most often acknowledged first. The table gives the same numbers.",
        chart_id="proportionality-chart",
    )
    return PanelData(
        tables=[table],
        charts=[chart],
        notes=[
            "Recommendations: recall recommendations of people in scope last submitted to PPCS "
            "on a day in the period (a resubmission after a request for more information moves "
            "the date), whatever PPCS decided; drafts and decisions not to recall are not "
            "counted, as their acknowledgements may still change.",
            "Acknowledged: the practitioner went past the rule's warning by writing a "
            "justification for it; each recommendation counts once for each prompt.",
            "Share: recommendations acknowledging the prompt as a percentage of the "
            "recommendations submitted in the period, to one decimal place.",
        ],
    )


PROPORTIONALITY = Panel(
    slug="proportionality", title="Proportionality prompts acknowledged", compute=compute
)
