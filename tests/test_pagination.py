"""The one GOV.UK pagination include (templates/govuk/pagination.html): the caseload, the
unallocated list and the staff list keep their filters in every page link."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string


def _html(number: int, params: str = "") -> str:
    page = Paginator(range(30), 10).page(number)
    return render_to_string("govuk/pagination.html", {"page": page, "params": params})


def test_middle_page_links_both_ways_keeping_the_filters():
    html = _html(2, "q=O%27Brien&team=leeds-a&")
    assert 'href="?q=O%27Brien&amp;team=leeds-a&amp;page=1" rel="prev"' in html
    assert 'href="?q=O%27Brien&amp;team=leeds-a&amp;page=3" rel="next"' in html
    assert 'aria-current="page">2</a>' in html
    assert "Page 2 of 3" in html


def test_first_and_last_pages_have_one_direction_and_a_single_page_none():
    assert 'rel="prev"' not in _html(1) and 'href="?page=2" rel="next"' in _html(1)
    assert 'rel="next"' not in _html(3)
    single = Paginator(range(5), 10).page(1)
    assert render_to_string("govuk/pagination.html", {"page": single}).strip() == ""
