"""Pages of the recall decision, one module per area (``recall/urls.py`` maps them):

- ``concerns``: concerns and actions short of recall (the practitioner and managers);
- ``recall_tab``: the case's Recall tab: its recommendations, starting one, answering PPCS's
  request for more information;
- ``recommendation``: the recommendation's task list and sections, send, submit, withdraw;
- ``oversight``: the SPO and ACO countersignature;
- ``ppcs``: PPCS's queue and request page (take, decide, stop);
- ``recalls``: what is recorded on the recall once authorised (PPCS or the case team);
- ``dossiers``: the dossiers and letters, and the decision-not-to-recall letter;
- ``common``: access to a recommendation and the context several areas show.

Views are thin: access (404 for a case out of scope, 403 for a case in view but an action not
allowed), a form, one service call, render. A refused action (services.RecallError) is shown in
the error summary and nothing changes."""
