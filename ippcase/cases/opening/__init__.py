"""Opening a case (issue 14): GOV.UK question pages that keep their answers in the session, a
check-your-answers page, and the service that creates the whole case in one transaction."""
