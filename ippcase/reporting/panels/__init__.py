"""The dashboard panels, in page order (ippcase.reporting.dashboard describes the contract)."""

from __future__ import annotations

from ippcase.reporting.dashboard import Panel
from ippcase.reporting.panels import (
    caseload,
    cohort,
    community,
    continuity,
    deadlines,
    meetings,
    parole,
    proportionality,
    recalls,
)

PANELS: tuple[Panel, ...] = (
    caseload.CASELOAD_NOW,
    caseload.AT_RISK,
    deadlines.REPORT_DEADLINES,
    recalls.RECALLS_OVER_TIME,
    community.COMMUNITY,
    continuity.CONTINUITY,
    parole.PAROLE,
    proportionality.PROPORTIONALITY,
    meetings.MULTI_AGENCY,
    cohort.COHORT,
)
PANELS_BY_SLUG = {panel.slug: panel for panel in PANELS}
