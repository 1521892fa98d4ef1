"""Glossary abbreviations as <abbr> tooltips, put into a page's finished HTML.

After conversion, one scan of the page's HTML for runs of capitals finds the candidates
(a page holds few); each whole-word occurrence of a glossary abbreviation is wrapped, except
inside a tag, a comment, code, preformatted text, an existing abbreviation, a script, a
style or a button. This replaces Python-Markdown's ``abbr`` glossary option, which walked
every element of every page (a third of each page's Markdown time on a large corpus) and
never reached the HTML generated outside Markdown (cards, tables, lists).
"""

from __future__ import annotations

import html
import re

# Text inside these elements is never marked.
_SKIPPED = ("code", "pre", "abbr", "script", "style", "kbd", "samp", "textarea", "button",
            "svg", "title")
_SKIPPED_ELEMENT = re.compile(r"<(%s)\b[^>]*>.*?</\1\s*>|<!--.*?-->" % "|".join(_SKIPPED),
                              re.S | re.I)
_CAPITALS = re.compile(r"[A-Z][A-Z0-9]+")  # where an abbreviation can start


class Glossary:
    def __init__(self, definitions: dict[str, str]):
        self.titles = {abbr: html.escape(text, quote=True)
                       for abbr, text in definitions.items() if abbr and text}
        # Abbreviations that are not a run of capitals (« e-achat ») are searched one by one.
        self.others = sorted((w for w in self.titles if not _CAPITALS.fullmatch(w)),
                             key=len, reverse=True)

    def _occurrences(self, page_html: str):
        for match in _CAPITALS.finditer(page_html):
            if match.group() in self.titles:
                yield match.start(), match.end(), match.group()
        for word in self.others:
            at = page_html.find(word)
            while at != -1:
                yield at, at + len(word), word
                at = page_html.find(word, at + len(word))

    def apply(self, page_html: str) -> str:
        """``page_html`` with each glossary abbreviation of its text wrapped in <abbr>.

        One scan for runs of capitals, whole words only; an occurrence is kept as written
        inside a tag, a comment or a skipped element.
        """
        found, skipped, taken = [], None, -1
        for at, end, word in sorted(self._occurrences(page_html),
                                    key=lambda o: (o[0], o[0] - o[1])):
            if at < taken:
                continue  # overlaps a longer abbreviation found first
            if _word_char(page_html, at - 1) or _word_char(page_html, end):
                continue
            if page_html.rfind("<", 0, at) > page_html.rfind(">", 0, at):
                continue  # inside a tag (an attribute value)
            if skipped is None:
                skipped = [m.span() for m in _SKIPPED_ELEMENT.finditer(page_html)]
            if any(start <= at < stop for start, stop in skipped):
                continue
            found.append((at, end, word, self.titles[word]))
            taken = end
        if not found:
            return page_html
        out, last = [], 0
        for at, end, word, title in found:
            out += [page_html[last:at], f'<abbr title="{title}">{word}</abbr>']
            last = end
        out.append(page_html[last:])
        return "".join(out)


def _word_char(text: str, at: int) -> bool:
    return 0 <= at < len(text) and (text[at].isalnum() or text[at] == "_")
