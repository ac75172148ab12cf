"""Issue 16, deliberate and clear actions: check your answers before sending for
countersignature and before submitting to PPCS, a confirmation page after each, a confirm step
before PPCS authorise (which revokes the licence), the take button gone once taken, success
banners naming what was added, new actions offered to a recommendation's alternatives, and one
error summary listing everything that stops sending."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ippcase import vocab as case_vocab
from recall import entries, services
from recall.models import ActionShortOfRecall, PpcsDecision, RecallRecommendation
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.conftest import client_for
from tests.test_recall_pages import _concern_data
from tests.test_recall_services import _draft_ready_to_send, _send, _sign


@pytest.fixture
def on_licence(team):
    return factories.make_case(
        team,
        recalled=False,
        released=factories.recently_released(),
        first_name="Lee",
        last_name="Hart",
    )


@pytest.fixture
def ready(on_licence, practitioner, manager, senior_manager):
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    return _sign(_sign(rec, manager, "spo"), senior_manager, "aco")


@pytest.fixture
def submitted(ready, practitioner):
    return services.recommendation_submit(
        rec_id=ready.pk, actor=practitioner, expected_version=ready.version
    )


def _action(person, actor, *, kind="warning_letter", details="Final warning.") -> None:
    entries.action_add(
        person=person,
        actor=actor,
        kind=kind,
        taken_on=timezone.localdate() - dt.timedelta(days=1),
        details=details,
    )


# ---------------------------------------------------------------------------------------------
# Check your answers, then the confirmation page


def test_the_check_page_lists_every_answer_with_change_links_and_the_send_button(
    on_licence, practitioner
):
    rec = _draft_ready_to_send(on_licence, practitioner)
    html = client_for(practitioner).get(reverse("recall:send_check", args=[rec.pk])).content
    html = html.decode()
    assert "Check your answers before sending for countersignature" in html
    assert rec.why_considered.splitlines()[0] in html
    for slug in ("why", "type", "criteria", "behaviours", "risk", "alternatives", "panel"):
        assert f'href="{reverse("recall:section", args=[rec.pk, slug])}"' in html, slug
    # Part A sections, each with its Change link, for a recall.
    assert 'id="part-a-answers"' in html
    assert f'action="{reverse("recall:send", args=[rec.pk])}"' in html
    assert "Send for countersignature</button>" in html
    # The recommendation page links to the check page rather than posting itself.
    page = client_for(practitioner).get(reverse("recall:recommendation", args=[rec.pk]))
    assert reverse("recall:send_check", args=[rec.pk]) in page.content.decode()
    assert f'action="{reverse("recall:send", args=[rec.pk])}"' not in page.content.decode()


def test_a_get_of_the_check_page_changes_nothing(on_licence, practitioner):
    rec = _draft_ready_to_send(on_licence, practitioner)
    client_for(practitioner).get(reverse("recall:send_check", args=[rec.pk]))
    rec.refresh_from_db()
    assert rec.status == Status.DRAFT


def test_sending_from_the_check_page_shows_the_confirmation_with_who_has_it(
    on_licence, practitioner
):
    rec = _draft_ready_to_send(on_licence, practitioner)
    client = client_for(practitioner)
    response = client.post(reverse("recall:send", args=[rec.pk]), {"version": rec.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("recall:sent", args=[rec.pk])
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_SPO
    html = client.get(response["Location"]).content.decode()
    assert "govuk-panel--confirmation" in html
    assert "Recommendation sent for countersignature" in html
    assert re.search(r'id="holder">The SPOs of the case', html)
    assert "What happens next" in html


def test_the_submit_check_page_has_no_change_links_and_submits(ready, practitioner, ppcs):
    client = client_for(practitioner)
    html = client.get(reverse("recall:submit_check", args=[ready.pk])).content.decode()
    assert "Check your answers before submitting to PPCS" in html
    assert reverse("recall:section", args=[ready.pk, "why"]) not in html  # not a draft
    assert "Submit to PPCS</button>" in html
    response = client.post(reverse("recall:submit", args=[ready.pk]), {"version": ready.version})
    assert response["Location"] == reverse("recall:submitted", args=[ready.pk])
    html = client.get(response["Location"]).content.decode()
    assert "Recall request submitted to PPCS" in html
    assert "The PPCS national queue: no caseworker has taken it yet" in html
    services.ppcs_assign(rec_id=ready.pk, actor=ppcs)
    html = client.get(response["Location"]).content.decode()
    assert f"{escape(ppcs.display_name)} (PPCS)" in html


def test_a_check_page_for_a_step_already_taken_goes_back_to_the_recommendation(
    submitted, practitioner
):
    response = client_for(practitioner).get(reverse("recall:send_check", args=[submitted.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("recall:recommendation", args=[submitted.pk])


def test_the_check_page_reads_a_bounded_number_of_queries(on_licence, practitioner):
    rec = _draft_ready_to_send(on_licence, practitioner)
    client = client_for(practitioner)
    url = reverse("recall:send_check", args=[rec.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first request of a session also reads what the session needs
    small = count()
    for i in range(8):
        _action(on_licence, practitioner, details=f"Warning {i}.")
    assert count() <= small


# ---------------------------------------------------------------------------------------------
# The error summary on sending lists everything that stops it


def test_the_error_summary_lists_every_finding_and_part_a_section(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    response = client_for(practitioner).post(
        reverse("recall:send", args=[rec.pk]), {"version": rec.version}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in html
    summary = html[
        html.index("govuk-error-summary__list") : html.index(
            "</ul>", html.index("govuk-error-summary__list")
        )
    ]
    # Rule findings and the unsaved Part A sections, at once.
    assert "Complete the Part A section" in summary
    assert summary.count("<li>") >= 3
    assert reverse("recall:section", args=[rec.pk, "whereabouts"]) in summary
    rec.refresh_from_db()
    assert rec.status == Status.DRAFT


# ---------------------------------------------------------------------------------------------
# PPCS: take, then authorise with a confirm step


def test_after_taking_the_take_button_is_gone_and_the_page_says_who_has_it(submitted, ppcs):
    client = client_for(ppcs)
    url = reverse("recall:ppcs_request", args=[submitted.pk])
    assert "Take this request" in client.get(url).content.decode()
    client.post(reverse("recall:ppcs_take", args=[submitted.pk]))
    html = client.get(url).content.decode()
    assert "Take this request" not in html and "Take over" not in html
    assert "You have taken this request" in html
    colleague = factories.UserFactory(username="ppcs2", roles=[case_vocab.Role.PPCS], team=None)
    html = client_for(colleague).get(url).content.decode()
    assert f"{escape(ppcs.display_name)} has taken this request" in html
    assert f"Take over this request from {escape(ppcs.display_name)}" in html


def test_authorising_needs_the_confirm_step(submitted, ppcs):
    client = client_for(ppcs)
    decide = reverse("recall:ppcs_decide", args=[submitted.pk])
    confirm = reverse("recall:ppcs_authorise", args=[submitted.pk])
    response = client.post(decide, {"outcome": "authorised"})
    assert response.status_code == 302 and response["Location"] == confirm
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and not PpcsDecision.objects.exists()
    page = client.get(confirm)
    html = page.content.decode()
    assert "You are about to revoke the licence of Lee Hart" in html
    assert "cannot be undone here" in html
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and not PpcsDecision.objects.exists()
    response = client.post(decide, {"outcome": "authorised", "confirmed": "yes"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.AUTHORISED and submitted.recall_id


def test_rejecting_needs_no_confirm_step(submitted, ppcs):
    response = client_for(ppcs).post(
        reverse("recall:ppcs_decide", args=[submitted.pk]),
        {"outcome": "rejected", "reject_reason": "Not enough evidence."},
    )
    assert response["Location"] == reverse("recall:ppcs_request", args=[submitted.pk])
    submitted.refresh_from_db()
    assert submitted.status == Status.REJECTED


def test_the_decision_form_uses_the_conditional_reveal_and_no_comment_shows(submitted, ppcs):
    html = client_for(ppcs).get(reverse("recall:ppcs_request", args=[submitted.pk]))
    html = html.content.decode()
    assert 'data-aria-controls="conditional-rejected"' in html
    assert 'data-aria-controls="conditional-info_requested"' in html
    assert "govuk-radios__conditional--hidden" in html
    assert "{#" not in html and "#}" not in html and "conditional reveal" not in html


# ---------------------------------------------------------------------------------------------
# Success banners, and who recorded each entry


def test_adding_a_concern_names_it_in_the_banner_and_the_log_shows_who(on_licence, practitioner):
    client = client_for(practitioner)
    response = client.post(reverse("recall:concern_add", args=[on_licence.crn]), _concern_data())
    html = client.get(response["Location"]).content.decode()
    assert "Concern added: Seen drunk outside the victim&#x27;s address." in html
    assert "govuk-notification-banner--success" in html
    assert "Recorded by" in html and escape(practitioner.display_name) in html


def test_adding_an_action_names_its_kind_in_the_banner(on_licence, practitioner):
    client = client_for(practitioner)
    day = timezone.localdate()
    data = {
        "kind": "warning_letter",
        "taken_on-day": str(day.day),
        "taken_on-month": str(day.month),
        "taken_on-year": str(day.year),
        "details": "Final warning.",
    }
    url = reverse("recall:action_add", args=[on_licence.crn])
    html = client.get(client.post(url, data)["Location"]).content.decode()
    assert "Action added: Warning letter" in html
    htmx = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert "Action added: Warning letter" in htmx


# ---------------------------------------------------------------------------------------------
# Actions recorded after the recommendation started are offered to it


def test_new_actions_are_offered_and_added_to_the_alternatives(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(practitioner)
    url = reverse("recall:recommendation", args=[rec.pk])
    assert 'id="new-actions"' not in client.get(url).content.decode()
    _action(on_licence, practitioner, details="Final warning about drinking.")
    _action(on_licence, practitioner, kind="curfew", details="Curfew 7pm to 7am.")
    html = client.get(url).content.decode()
    assert "2 new actions since you started: add them to alternatives?" in html
    section = client.get(reverse("recall:section", args=[rec.pk, "alternatives"]))
    assert "2 new actions since you started" in section.content.decode()
    rec.refresh_from_db()
    response = client.post(
        reverse("recall:add_new_actions", args=[rec.pk]), {"version": rec.version}
    )
    assert response["Location"] == url
    rec.refresh_from_db()
    assert rec.alternatives["warning_letter"]["status"] == "tried"
    assert "Final warning about drinking." in rec.alternatives["warning_letter"]["details"]
    assert "Curfew 7pm to 7am." in rec.alternatives["curfew"]["details"]
    html = client.get(url).content.decode()
    assert "2 actions added to the alternatives to recall." in html
    assert 'id="new-actions"' not in html
    # Posting again adds nothing twice: a clear error, and nothing changes.
    version = rec.version
    again = client.post(reverse("recall:add_new_actions", args=[rec.pk]), {"version": version})
    assert again.status_code == 200
    assert "There are no new actions to add" in again.content.decode()
    rec.refresh_from_db()
    assert rec.version == version
    assert rec.alternatives["curfew"]["details"].count("Curfew 7pm to 7am.") == 1


def test_adding_new_actions_with_a_stale_version_changes_nothing(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    _action(on_licence, practitioner)
    response = client_for(practitioner).post(
        reverse("recall:add_new_actions", args=[rec.pk]), {"version": rec.version + 5}
    )
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert RecallRecommendation.objects.get(pk=rec.pk).version == rec.version
    assert ActionShortOfRecall.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Words: acronyms as the service writes them, even inside a lower-cased label


def test_lower_cased_labels_keep_their_acronyms():
    from ippcase.core.words import lower

    assert lower("Awaiting SPO countersignature") == "awaiting SPO countersignature"
    assert lower("Submitted to PPCS") == "submitted to PPCS"
    assert lower("Electronic monitoring (GPS tag)") == "electronic monitoring (GPS tag)"
    assert lower("Recall request (Part A)") == "recall request (Part A)"
    assert (
        lower("Recall dossier (PPCS and Parole Board)") == "recall dossier (PPCS and Parole Board)"
    )
    assert lower("Risk of serious harm (RoSH), MAPPA, IOM, OPD, VLO, ACO") == (
        "risk of serious harm (RoSH), MAPPA, IOM, OPD, VLO, ACO"
    )


def test_a_refusal_names_the_status_with_its_acronym(submitted, practitioner):
    with pytest.raises(services.IllegalTransition, match="submitted to PPCS"):
        services.recommendation_send_for_countersignature(
            rec_id=submitted.pk, actor=practitioner, expected_version=submitted.version
        )


def test_no_template_lower_cases_a_label_with_the_plain_lower_filter():
    from pathlib import Path

    from django.conf import settings

    offenders = [
        str(p)
        for p in (Path(settings.BASE_DIR) / "templates" / "recall").rglob("*.html")
        if re.search(r"\|lower\b(?!_)", p.read_text())
    ]
    assert not offenders, f"use |lower_words, which keeps acronyms: {offenders}"
