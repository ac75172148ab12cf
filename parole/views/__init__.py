"""Pages of the parole app (``parole/urls.py`` maps them):

- ``case``: a person's Parole tab and one small page per action on it (refer to the Parole
  Board, review details and decision, adjournments, RARR, re-release, licence termination);
- ``report``: the parole report for managers, senior managers, PPCS and administrators.

Views are thin: access, a form, a selector or a service, render."""
