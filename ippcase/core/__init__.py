"""Pieces every feature of the app shares (issue 13, docs/architecture.md): the GOV.UK form
kit. Nothing here imports a feature app (recall, parole)."""
