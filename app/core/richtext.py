"""Rich text in catalogue descriptions: a small set of allowed markup, sanitised with nh3 when a
person saves it and again wherever it is shown (stored HTML is never trusted), and its plain text
for meta descriptions, counts and search."""

from __future__ import annotations

import html

import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "h3", "h4", "blockquote"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitise_html(text: str) -> str:
    """Description HTML with only the allowed markup: scripts, styles, event handlers, unknown tags
    and javascript: links go. Run on every save and again wherever it is shown: never trusted."""
    return nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def html_to_text(text: str) -> str:
    """The readable text of description HTML (for meta descriptions, counts and search)."""
    return html.unescape(nh3.clean(text, tags=set())).strip()


def rich(text: str) -> Markup:
    """Jinja filter: description HTML, sanitised, marked safe for the template."""
    return Markup(sanitise_html(text))  # noqa: S704 (sanitised just above)
