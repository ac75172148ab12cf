"""Changing the case record (issue 14): the person's details, the sentence and its index
offences, RoSH and MAPPA (kept as history in ``RiskChange``), and the person's circumstances
(needs, vulnerabilities, accommodation, OPD screening).

Each is a small form prefilled with the current values, with a reason and, where it matters,
whether the change corrects a mistake or records a new fact. A hidden marker (a fingerprint of
the values the form was shown with, :func:`selectors.fingerprint`) makes a form shown before
someone else changed the same values stale: the service refuses it and changes nothing."""
