"""The page's <title>, with "Error: " in front whenever the page shows an error summary.

GOV.UK asks for "Error: " at the start of the title of any page that shows an error summary. Doing
it template by template missed pages (issue 16), so base.html wraps its title in
`{% page_title %}…{% endpage_title %}` and this tag decides once, for every page: it prefixes
"Error: " when the template's context holds a truthy value under a key that ends in `errors`
(`errors`, `concern_errors`, `action_errors`: what templates/govuk/error_summary.html is given)
or a bound form with errors. A title that already starts with "Error: " is left as it is.
Registered as a template library in settings (TEMPLATES OPTIONS "libraries").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms, template
from django.template.base import NodeList, Parser, Token

register = template.Library()

ERROR_PREFIX = "Error: "


def context_has_errors(values: Mapping[Any, Any]) -> bool:
    """True when anything the page was given would show an error summary."""
    for key, value in values.items():
        if isinstance(key, str) and key.endswith("errors") and value:
            return True
        if isinstance(value, forms.BaseForm) and value.is_bound and value.errors:
            return True
        if isinstance(value, forms.BaseFormSet) and value.is_bound and value.total_error_count():
            return True
    return False


class PageTitleNode(template.Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        title = self.nodelist.render(context).strip()
        if not title.startswith(ERROR_PREFIX) and context_has_errors(context.flatten()):
            title = ERROR_PREFIX + title
        return title


@register.tag("page_title")
def page_title(parser: Parser, token: Token) -> PageTitleNode:
    nodelist = parser.parse(("endpage_title",))
    parser.delete_first_token()
    return PageTitleNode(nodelist)
