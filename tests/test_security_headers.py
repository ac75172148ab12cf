"""Security headers on every response, a Content Security Policy that allows no inline script or
style, and the production settings' HTTPS headers (HSTS, secure cookies). docs/security.md."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import client_for

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
# Rendered to PDF by WeasyPrint, never served as HTML, so the browser's CSP does not apply.
PDF_TEMPLATES = {"recall/dossier/dossier.html", "recall/dossier/prisoner_letter.html"}
PDF_TEMPLATES |= {"recall/dntr_letter.html"}
PDF_TEMPLATES |= {
    "recall/dossier/prisoner_letter_easy_read.html",
    "recall/dntr_letter_easy_read.html",
}
# The recall paperwork (issue 15): the Part A and Part B PDFs and the dossier's partials.
PDF_TEMPLATES |= {
    "recall/dossier/part_a.html",
    "recall/dossier/part_b.html",
    "recall/dossier/_alternatives.html",
}
# The QA report's PDF (issue 19): rendered by WeasyPrint, never served as a page.
PDF_TEMPLATES |= {"quality/report_pdf.html"}

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def _assert_security_headers(response) -> None:
    assert _csp(response) == EXPECTED_CSP
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_sign_in_page_carries_the_security_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    _assert_security_headers(response)


def test_case_pages_dashboard_and_htmx_partials_carry_the_security_headers(
    practitioner, manager, person
):
    com = client_for(practitioner)
    for url in (
        reverse("caseload"),
        reverse("person_overview", args=[person.crn]),
        reverse("person_timeline", args=[person.crn]),
        reverse("recall:concerns", args=[person.crn]),
    ):
        response = com.get(url)
        assert response.status_code == 200, url
        _assert_security_headers(response)
    partial = com.get(reverse("caseload"), {"q": "Doe"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    _assert_security_headers(partial)
    spo = client_for(manager)
    panel = spo.get("/dashboard/panels/caseload-now/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    _assert_security_headers(panel)


def test_redirects_and_refusals_carry_the_security_headers(client, outsider, person):
    _assert_security_headers(client.get(reverse("caseload")))  # 302 to sign in
    refused = client_for(outsider).get(reverse("person_overview", args=[person.crn]))
    assert refused.status_code in (403, 404)
    _assert_security_headers(refused)


def test_pages_tell_htmx_not_to_inject_styles_or_evaluate_code(client):
    html = client.get(reverse("login")).content.decode()
    match = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert match, "the htmx-config meta element is missing"
    assert json.loads(match.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
    }
    css = (ROOT / "static" / "css" / "app.css").read_text()
    assert ".htmx-indicator" in css  # htmx's indicator style, from a file instead


def _markup(template: Path) -> str:
    text = template.read_text()
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)
    return re.sub(r"\{% comment %\}.*?\{% endcomment %\}", "", text, flags=re.DOTALL)


INLINE = {
    "inline <script> (no src)": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on attribute (needs eval)": re.compile(r"\shx-on", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_served_template_has_inline_script_style_or_handlers():
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        name = template.relative_to(TEMPLATES).as_posix()
        if name in PDF_TEMPLATES:
            continue
        markup = _markup(template)
        for what, pattern in INLINE.items():
            for match in pattern.finditer(markup):
                line = markup.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {what}")
    assert not found, "the CSP blocks these; move them to static/ files:\n" + "\n".join(found)


def test_the_inline_markup_check_catches_each_kind():
    samples = [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<svg style="max-width: 1px">',
        '<button onclick="go()">',
        '<div hx-on:click="go()">',
        '<a href="javascript:go()">',
    ]
    for sample, (what, pattern) in zip(samples, INLINE.items(), strict=True):
        assert pattern.search(sample), what
    assert not INLINE["inline <script> (no src)"].search('<script src="/static/js/app.js">')


# --- production settings ------------------------------------------------------------------------

PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

client = Client()
host = "ipp.example.justice.gov.uk"
secure = client.get("/cases/", HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
plain = client.get("/cases/", HTTP_HOST=host)
print(json.dumps({
    "secure": {"status": secure.status_code, "headers": dict(secure.headers)},
    "plain": {"status": plain.status_code, "location": plain.get("Location", "")},
    "settings": {
        name: getattr(settings, name)
        for name in (
            "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
            "CSRF_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT", "DEBUG",
        )
    },
}))
"""


@pytest.fixture(scope="module")
def production() -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.production",
        "DJANGO_SECRET_KEY": "a" * 10 + "-production-probe-" + "b" * 40,
        "ALLOWED_HOSTS": "ipp.example.justice.gov.uk",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_and_the_security_headers_over_https(production):
    secure = production["secure"]
    assert secure["status"] == 302  # to the sign-in page: the request was treated as HTTPS
    headers = secure["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe" not in headers["Content-Security-Policy"]


def test_production_redirects_plain_http_to_https(production):
    assert production["plain"]["status"] == 301
    assert production["plain"]["location"] == "https://ipp.example.justice.gov.uk/cases/"


def test_production_cookies_are_secure_and_http_only(production):
    assert production["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "DEBUG": False,
    }
