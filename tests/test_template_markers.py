"""No template syntax ever reaches the user (issue 16). Django's ``{# #}`` comment is one line
only: a ``{#`` whose ``#}`` is on a later line shows as text. So:

- every template file has each ``{#`` closed on the same line (a multi-line note uses
  ``{% comment %}``);
- every GET page of tests/test_url_access.py's data set (every URL pattern outside the Django
  admin, each persona that may see it) shows none of ``{#``, ``#}``, ``{%``, ``%}``, ``{{``,
  ``}}`` in its visible text (tags, scripts, styles and attributes stripped)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.urls import get_resolver

from tests.test_url_access import (
    STAFF_ONLY_NAMESPACES,
    build_world,
    client_as,
    request,
    url_for,
    walk,
)

MARKERS = ("{#", "#}", "{%", "%}", "{{", "}}")
TEMPLATE_DIRS = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]


def test_every_template_comment_closes_on_its_own_line():
    problems = []
    files = [p for d in TEMPLATE_DIRS for p in d.rglob("*") if p.suffix in (".html", ".txt")]
    assert len(files) > 50, "found too few templates"
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            # every "{#" on the line must have its "#}" after it on the same line
            for match in re.finditer(r"\{#", line):
                if "#}" not in line[match.end() :]:
                    problems.append(f"{path}:{number}: {line.strip()[:80]}")
    assert not problems, "a {# comment spans lines (use {% comment %}):\n" + "\n".join(problems)


class _VisibleText(HTMLParser):
    """The text a browser shows: not tags, attributes, scripts, styles or comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def test_visible_text_leaves_out_markup_and_scripts():
    html = '<p title="{{ x }}">Shown</p><script>let a = "{%";</script><!-- {# -->'
    assert visible_text(html).strip() == "Shown"
    assert "{#" in visible_text("<p>Oops {# a note</p>")


def test_no_page_shows_template_syntax(
    team, practitioner, manager, senior_manager, ppcs, admin_user, no_role_user, outsider
):
    users = {
        "practitioner": practitioner,
        "manager": manager,
        "senior_manager": senior_manager,
        "ppcs": ppcs,
        "admin_user": admin_user,
        "no_role_user": no_role_user,
        "outsider": outsider,
    }
    world = build_world({"anonymous": None, **users}, team)
    routes = [
        r
        for r in walk(get_resolver().url_patterns)
        if r.name and r.namespace not in STAFF_ONLY_NAMESPACES
    ]
    clients = {persona: client_as(user) for persona, user in users.items()}
    pages = 0
    problems = []
    for route in routes:
        url = url_for(route, world)
        for persona, client in clients.items():
            response, _ = request(client, "GET", url)
            content_type = response.get("Content-Type", "")
            if response.status_code != 200 or not content_type.startswith("text/html"):
                continue
            pages += 1
            text = visible_text(response.content.decode())
            shown = [m for m in MARKERS if m in text]
            if shown:
                at = text.index(shown[0])
                problems.append(
                    f"{route.name} as {persona}: {shown} in …{text[at - 60 : at + 60]}…"
                )
    assert pages > 100, f"only {pages} pages rendered: the walk is broken"
    assert not problems, "template syntax shown to the user:\n" + "\n".join(problems)
