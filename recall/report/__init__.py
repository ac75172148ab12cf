"""The practitioner's 15-working-day recall report (Part B; issue 15, docs/recall-paperwork.md):
written in sections after the return to custody, countersigned by an SPO, submitted."""
