"""Glossary abbreviations as <abbr> tooltips, put into a page's finished HTML.

One regular-expression pass over the page's HTML, after conversion: tags are stepped over,
text inside code, preformatted text, existing abbreviations, scripts, styles and buttons is
left as written. This replaces Python-Markdown's ``abbr``
glossary option, which walked every element of every page (a third of each page's
Markdown time on a large corpus) and never reached the HTML generated outside Markdown
(cards, tables, lists).
"""

from __future__ import annotations

import html
import re

# Text inside these elements is never marked.
_SKIPPED = ("code", "pre", "abbr", "script", "style", "kbd", "samp", "textarea", "button",
            "svg", "title")


class Glossary:
    def __init__(self, definitions: dict[str, str]):
        self.titles = {abbr: html.escape(text, quote=True)
                       for abbr, text in definitions.items() if abbr and text}
        words = sorted(self.titles, key=len, reverse=True)
        self.pattern = re.compile(
            r"(<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>)|\b(" +
            "|".join(re.escape(w) for w in words) + r")\b", re.S) if words else None

    def apply(self, page_html: str) -> str:
        """``page_html`` with each glossary abbreviation of its text wrapped in <abbr>."""
        if self.pattern is None:
            return page_html
        skipped = []  # open elements whose text is left alone

        def mark(match: re.Match) -> str:
            tag = match.group(1)
            if tag is not None:
                name = (match.group(3) or "").lower()
                if name in _SKIPPED and not tag.endswith("/>"):
                    if match.group(2):
                        if name in skipped:
                            del skipped[len(skipped) - 1 - skipped[::-1].index(name)]
                    else:
                        skipped.append(name)
                return tag
            word = match.group(4)
            if skipped:
                return word
            return f'<abbr title="{self.titles[word]}">{word}</abbr>'

        return self.pattern.sub(mark, page_html)
