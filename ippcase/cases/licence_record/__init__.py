"""Keeping the licence record in the app (issue 14): releases (first or re-release after a
recall) and licence conditions (add, vary, end)."""
