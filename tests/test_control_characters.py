"""A NUL byte or another control character in a URL (issue 18): every route with a parameter
that could hold one answers 404, never a server error (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import client_for

GROUP = re.compile(r"\(\?P<(\w+)>([^)]*)\)")
SAMPLES = ("x1", "1", "00000000-0000-0000-0000-000000000001")
HOSTILE = "a\x00b"


def leaves(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(name, regex)`` of every leaf pattern in the URLconf, includes' prefixes joined."""
    for entry in patterns:
        here = prefix + str(entry.pattern.regex.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            yield from leaves(entry.url_patterns, here)
        elif isinstance(entry, URLPattern):
            yield entry.name or "(unnamed)", here


def _sample(group_pattern: str) -> str:
    first = group_pattern.split("|")[0]
    for value in (*SAMPLES, first):
        if re.fullmatch(group_pattern, value):
            return value
    raise AssertionError(f"no sample value for {group_pattern!r}")


def hostile_urls() -> list[tuple[str, str]]:
    """One URL per (route, string parameter): the parameter holds a NUL, the others a sample."""
    urls = []
    for name, regex in leaves(get_resolver().url_patterns):
        groups = GROUP.findall(regex)
        for target, pattern in groups:
            if not re.fullmatch(pattern, HOSTILE):
                continue  # an int, slug or uuid: the resolver itself refuses the NUL

            def fill(match: re.Match[str], target: str = target) -> str:
                if match.group(1) == target:
                    return HOSTILE.replace("\x00", "%00")
                return _sample(match.group(2))

            path = "/" + GROUP.sub(fill, regex).replace("\\", "")
            urls.append((f"{name}:{target}", path))
    return urls


def test_the_walk_finds_the_string_routes():
    found = dict(hostile_urls())
    assert found["person_overview:crn"] == "/cases/a%00b/"
    assert found["dashboard_practitioner:username"] == "/dashboard/practitioners/a%00b/"
    assert len(found) > 50


def test_a_nul_in_any_string_parameter_is_404(admin_user):
    client = client_for(admin_user)
    client.raise_request_exception = False
    answers = {route: client.get(url).status_code for route, url in hostile_urls()}
    assert {route: status for route, status in answers.items() if status != 404} == {}


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1f", "\x7f", "\n", "\r", "\t"])
def test_control_characters_in_a_path_are_404_and_ordinary_text_is_not(char, admin_user, db):
    client = client_for(admin_user)
    client.raise_request_exception = False
    encoded = f"%{ord(char):02X}"
    assert client.get(f"/cases/X1{encoded}/").status_code == 404
    assert client.post(f"/recall/cases/X1{encoded}/concerns/add/").status_code == 404
    # Non-ASCII letters and spaces are not control characters: the page's own 404 (no such case).
    assert client.get("/cases/Ward%C3%A9%20X/").status_code == 404
