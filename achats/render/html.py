"""HTML for generated structures (cards, tables, lists), kept out of Markdown's way.

Generated pages are Markdown (headings feed the table of contents, bodies are the authors'
Markdown), but their cards, tables and lists are built here as HTML. On a large corpus,
handing that HTML to Python-Markdown was the slowest part of the build: its HTML block
parser is pure Python and visits every tag. So each generated block travels through the
Markdown conversion as one opaque comment, ``<!--achats-html:…-->`` (base64, which never
contains "--"), and ``unwrap`` puts the HTML back in the converted page. Callers escape
what they put in.
"""

from __future__ import annotations

import base64
import re

_MARKER = re.compile(r"<!--achats-html:([A-Za-z0-9+/=]*)-->")


def raw(html: str) -> str:
    """A block of ready HTML, as a Markdown block that conversion leaves untouched."""
    encoded = base64.b64encode(html.encode("utf-8")).decode("ascii")
    return f"\n\n<!--achats-html:{encoded}-->\n\n"


def unwrap(page_html: str) -> str:
    """The converted page with every generated block back in place."""
    if "<!--achats-html:" not in page_html:
        return page_html
    return _MARKER.sub(lambda m: base64.b64decode(m.group(1)).decode("utf-8"), page_html)


def html_list(items, ordered: bool = False) -> str:
    """An HTML list of ready-made HTML items."""
    tag = "ol" if ordered else "ul"
    return raw(f"<{tag}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{tag}>")


def html_table(headers: list[str], rows) -> str:
    """An HTML table in Material's scrolling wrapper, with column headers."""
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return raw('<div class="md-typeset__scrollwrap"><div class="md-typeset__table"><table>'
               f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></div>")
