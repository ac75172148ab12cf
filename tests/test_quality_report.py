"""The QA report of a sample and the trend across samples (issue 19; docs/quality-assurance.md,
"The report"): counts and percentages of the published reviews only, the avoidable decisions'
reasons and the warnings gone past in them, the PDF read back, the CSV parsed, access, and a
fixed number of queries whatever the size."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ippcase import vocab as case_vocab
from ippcase.quality import report, vocab
from ippcase.quality.models import QaItem, QaReview
from tests import factories, quality_data
from tests.conftest import client_for
from tests.quality_data import TODAY, not_recalled_decision, recall_decision, staff

J = vocab.Judgement
ANSWERS = {
    "legal_test": "yes",
    "causal_link": "partly",
    "risk_evidence": "no",
    "alternatives": "no",
    "agencies": "not_known",
    "oversight": "partly",
    "person_told": "yes",
}


@pytest.fixture
def people(team):
    return staff(team)


@pytest.fixture
def reviewer(team):
    return factories.UserFactory(roles=[case_vocab.Role.QA_LEAD], team=team)


def _sample(team, people, senior_manager, n, *, name="Leeds, last quarter", not_recalled=0):
    for day in range(1, n - not_recalled + 1):
        recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=day))
    for day in range(1, not_recalled + 1):
        not_recalled_decision(team, people, decided_on=TODAY - dt.timedelta(days=day))
    sample = quality_data.draw(senior_manager, f"team:{team.pk}", name=name, size=n)
    return sample, list(sample.items.order_by("position"))


def _review(item, reviewer, judgement, *, published=True, reasons=(), verdicts=None, **answers):
    return QaReview.objects.create(
        item=item,
        reviewer=reviewer,
        judgement=judgement,
        avoidable_reasons=list(reasons),
        override_verdicts=verdicts or {},
        status=vocab.ReviewStatus.PUBLISHED if published else vocab.ReviewStatus.DRAFT,
        published_at=timezone.now() if published else None,
        **{**ANSWERS, **answers},
    )


@pytest.fixture
def mixed(team, people, senior_manager, reviewer):
    """Seven decisions: three proportionate, two avoidable and one without enough information
    published; one avoidable in draft (not counted)."""
    sample, items = _sample(team, people, senior_manager, 7, not_recalled=1)
    for item in items[:3]:
        _review(item, reviewer, J.PROPORTIONATE)
    _review(
        items[3],
        reviewer,
        J.AVOIDABLE,
        reasons=["addresses_not_checked", "agencies_not_heard"],
        verdicts={"NO_PROGRESSION_PANEL": "wrong", "AP_EARLY_RECALL": "right"},
        legal_test="no",
    )
    _review(
        items[4],
        reviewer,
        J.AVOIDABLE,
        reasons=["addresses_not_checked"],
        verdicts={"NO_PROGRESSION_PANEL": "wrong"},
        legal_test="partly",
    )
    _review(items[5], reviewer, J.NOT_ENOUGH_INFORMATION)
    _review(
        items[6],
        reviewer,
        J.AVOIDABLE,
        published=False,
        reasons=["stale_allegation"],
        verdicts={"SPECULATIVE_RISK": "wrong"},
    )
    return sample, items


def _by_key(lines):
    return {line.key: (line.n, line.pct) for line in lines}


def test_percent_rounds_half_up_and_has_none_of_nothing():
    assert report.percent(1, 8) == 13  # 12.5
    assert report.percent(2, 3) == 67
    assert report.percent(1, 3) == 33
    assert report.percent(0, 0) is None


def test_the_report_counts_published_reviews_only(mixed):
    sample, _ = mixed
    found = report.sample_report(sample)
    assert (found.items, found.reviewed) == (7, 6)
    assert _by_key(found.judgements) == {
        J.PROPORTIONATE: (3, 50),
        J.AVOIDABLE: (2, 33),
        J.NOT_ENOUGH_INFORMATION: (1, 17),
    }
    assert (found.not_reviewed.n, found.not_reviewed.pct) == (1, 14)
    # The draft's reason and warning are not counted.
    assert _by_key(found.reasons) == {
        "addresses_not_checked": (2, 100),
        "agencies_not_heard": (1, 50),
    }
    assert [r.key for r in found.reasons] == ["addresses_not_checked", "agencies_not_heard"]
    overrides = {o.code: o for o in found.overrides}
    assert set(overrides) == {"NO_PROGRESSION_PANEL", "AP_EARLY_RECALL"}
    panel = overrides["NO_PROGRESSION_PANEL"]
    assert panel.total == 2 and {v.key: v.n for v in panel.verdicts} == {
        "right": 0,
        "wrong": 2,
        "unclear": 0,
    }
    assert panel.title.startswith("No IPP progression panel")
    questions = {q.key: q for q in found.questions}
    # legal_test: yes x4 (three proportionate and the one without enough information), no, partly.
    assert questions["legal_test"].answers == [4, 1, 1, 0]
    assert questions["agencies"].answers == [0, 0, 0, 6]
    assert [(g.name, g.items, g.reviewed) for g in found.by_team] == [("Leeds A", 7, 6)]
    assert [(g.name, g.items, g.reviewed) for g in found.by_pdu] == [("Leeds", 7, 6)]
    assert _by_key(found.by_team[0].judgements)[J.AVOIDABLE] == (2, 33)


def test_the_report_by_team_and_pdu_splits_the_decisions(
    team, other_team_same_pdu, people, senior_manager, reviewer
):
    recs = [
        recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=day))
        for day in (1, 2, 3)
    ]
    moved = recs[0].person
    moved.team = other_team_same_pdu  # moved before the draw: counted with Leeds B
    moved.save()
    sample = quality_data.draw(senior_manager, f"pdu:{team.pdu_id}", name="Leeds", size=3)
    items = {item.recommendation_id: item for item in sample.items.all()}
    _review(items[recs[0].pk], reviewer, J.AVOIDABLE, reasons=["other"])
    _review(items[recs[1].pk], reviewer, J.PROPORTIONATE)
    later = recs[1].person
    later.team = other_team_same_pdu  # moved after the draw: still counted with Leeds A
    later.save()
    found = report.sample_report(sample)
    teams = {g.name: g for g in found.by_team}
    assert (teams["Leeds B"].items, teams["Leeds B"].reviewed) == (1, 1)
    assert _by_key(teams["Leeds B"].judgements)[J.AVOIDABLE] == (1, 100)
    assert (teams["Leeds A"].items, teams["Leeds A"].reviewed) == (2, 1)
    assert [(g.name, g.items, g.reviewed) for g in found.by_pdu] == [("Leeds", 3, 2)]
    # An item drawn before the team was kept on it: the case's team today.
    QaItem.objects.filter(pk=items[recs[1].pk].pk).update(team=None, pdu=None)
    teams = {g.name: g for g in report.sample_report(sample).by_team}
    assert (teams["Leeds B"].items, teams["Leeds A"].items) == (2, 1)


def test_the_report_page_shows_the_counts_and_links(mixed, senior_manager):
    sample, _ = mixed
    response = client_for(senior_manager).get(reverse("quality:report", args=[sample.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reviewed: 6 of 7" in html
    assert reverse("quality:report_pdf", args=[sample.pk]) in html
    assert reverse("quality:report_csv", args=[sample.pk]) in html
    assert "NO_PROGRESSION_PANEL" in html and "SPECULATIVE_RISK" not in html
    page = client_for(senior_manager).get(reverse("quality:sample", args=[sample.pk]))
    assert reverse("quality:report", args=[sample.pk]) in page.content.decode()
    listing = client_for(senior_manager).get(reverse("quality:samples")).content.decode()
    assert reverse("quality:report", args=[sample.pk]) in listing
    assert reverse("quality:trend") in listing


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_reads_back_the_counts(mixed, senior_manager):
    sample, _ = mixed
    response = client_for(senior_manager).get(reverse("quality:report_pdf", args=[sample.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = _pdf_text(response.content)
    assert "Leeds, last quarter" in text
    assert "Reviewed: 6 of 7" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Proportionate 3 50%" in lines
    assert "Could have been avoided 2 33%" in lines
    assert "Not enough information 1 17%" in lines
    assert "Known addresses not checked 2 100%" in lines


def test_the_csv_has_a_row_a_decision(mixed, senior_manager):
    sample, items = mixed
    response = client_for(senior_manager).get(reverse("quality:report_csv", args=[sample.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 7
    assert [int(r["Item"]) for r in rows] == [i.position for i in items]
    assert rows[0]["CRN"] == items[0].recommendation.person.crn
    assert {r["Team"] for r in rows} == {"Leeds A"} and {r["PDU"] for r in rows} == {"Leeds"}
    judgements = [r["Judgement"] for r in rows]
    assert judgements.count("Proportionate") == 3
    assert judgements.count("Could have been avoided") == 2
    assert rows[6]["Judgement"] == "Not yet reviewed"  # the draft
    assert rows[6]["Avoidable reasons"] == ""
    assert rows[3]["Avoidable reasons"] == "Known addresses not checked; Other agencies not heard"
    assert rows[3][str(vocab.Question.LEGAL_TEST.label)] == "No"
    assert rows[6][str(vocab.Question.LEGAL_TEST.label)] == ""
    kinds = {r["Decision"] for r in rows}
    assert kinds == {"Recall", "Decision not to recall"}
    assert all(dt.date.fromisoformat(r["Decision date"]) <= TODAY for r in rows)


def test_the_trend_has_a_row_a_sample(team, people, senior_manager, reviewer):
    _, items = _sample(team, people, senior_manager, 2, name="First")
    _review(items[0], reviewer, J.PROPORTIONATE)
    _review(items[1], reviewer, J.AVOIDABLE, published=False, reasons=["other"])
    second = quality_data.draw(senior_manager, f"team:{team.pk}", name="Second", size=2, seed=7)
    for item in second.items.all():
        _review(item, reviewer, J.AVOIDABLE, reasons=["other"])
    rows = report.trend(senior_manager)
    assert [r.sample.name for r in rows] == ["First", "Second"]
    assert (rows[0].items, rows[0].reviewed) == (2, 1)
    assert _by_key(rows[0].judgements)[J.PROPORTIONATE] == (1, 100)
    assert _by_key(rows[0].judgements)[J.AVOIDABLE] == (0, 0)
    assert _by_key(rows[1].judgements)[J.AVOIDABLE] == (2, 100)
    response = client_for(senior_manager).get(reverse("quality:trend"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 of 2" in html and "2 (100%)" in html
    # The chart: a stacked bar a sample with published reviews, by judgement.
    chart = html[html.index('id="trend-figure"') :]
    chart = chart[: chart.index("</svg>")]
    drawn = rows[0].sample.drawn_at
    assert f"First ({drawn:%b %Y})" in chart and "Second" in chart
    assert "Proportionate" in chart and "Could have been avoided" in chart


def test_the_trend_has_no_chart_before_a_review_is_published(team, people, senior_manager):
    _sample(team, people, senior_manager, 2, name="First")
    html = client_for(senior_manager).get(reverse("quality:trend")).content.decode()
    assert 'id="trend"' in html and 'id="trend-figure"' not in html


URLS = ("quality:report", "quality:report_pdf", "quality:report_csv")


def test_out_of_scope_is_not_found_and_practitioners_are_refused(
    mixed, other_pdu_team, practitioner
):
    sample, _ = mixed
    elsewhere = factories.UserFactory(roles=[case_vocab.Role.SENIOR_MANAGER], team=other_pdu_team)
    for name in URLS:
        url = reverse(name, args=[sample.pk])
        assert client_for(elsewhere).get(url).status_code == 404
        assert client_for(practitioner).get(url).status_code == 403
    assert client_for(practitioner).get(reverse("quality:trend")).status_code == 403
    trend = client_for(elsewhere).get(reverse("quality:trend"))
    assert trend.status_code == 200 and sample.name not in trend.content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["quality:report", "quality:report_csv", "quality:report_pdf"])
def test_report_queries_do_not_grow_with_the_sample(
    name, team, other_team_same_pdu, people, senior_manager, reviewer
):
    small, items = _sample(team, people, senior_manager, 2, name="Small")
    _review(items[0], reviewer, J.PROPORTIONATE)
    others = staff(other_team_same_pdu)
    for day in range(1, 7):
        recall_decision(other_team_same_pdu, others, recalled_on=TODAY - dt.timedelta(days=day))
    large = quality_data.draw(
        senior_manager, f"team:{other_team_same_pdu.pk}", name="Large", size=6
    )
    for n, item in enumerate(large.items.all()):
        _review(
            item,
            reviewer,
            J.AVOIDABLE if n % 2 else J.PROPORTIONATE,
            reasons=["other"] if n % 2 else [],
            verdicts={"NO_PROGRESSION_PANEL": "wrong"} if n % 2 else None,
        )
    client = client_for(senior_manager)
    client.get(reverse("quality:samples"))  # the session's first reads, out of the count
    assert _queries(client, reverse(name, args=[small.pk])) == _queries(
        client, reverse(name, args=[large.pk])
    )


def test_trend_queries_do_not_grow_with_the_samples(team, people, senior_manager, reviewer):
    client = client_for(senior_manager)
    _sample(team, people, senior_manager, 1, name="One")
    client.get(reverse("quality:samples"))
    few = _queries(client, reverse("quality:trend"))
    for n in range(3):
        sample = quality_data.draw(
            senior_manager, f"team:{team.pk}", name=f"More {n}", size=1, seed=n
        )
        _review(sample.items.get(), reviewer, J.PROPORTIONATE)
    assert _queries(client, reverse("quality:trend")) == few


def test_the_csv_quotes_a_stored_formula(team, people, senior_manager):
    """A team's name is typed by an administrator: in the CSV it cannot become a formula."""
    sample, _ = _sample(team, people, senior_manager, 1)
    team.name = '=HYPERLINK("http://x","y")'
    team.save()
    response = client_for(senior_manager).get(reverse("quality:report_csv", args=[sample.pk]))
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert row["Team"] == "'" + team.name
