"""Links in a Markdown text, and the code that keeps them from being links.

One place for the syntax every stage relies on: the entry ID pattern, ``[[ID]]`` and
``[[ID|texte]]`` references, relative Markdown links between source files
(``[x](../clauses/cl-003-….md#ancre)``), and where code stands (fenced blocks with backticks
or tildes, indented blocks, inline code spans): a link shown inside code is text.

The loader parses each entry's and each piece's body once (:func:`parse`) and keeps the
result on it (``entry.links``); the validator, the graph, the review checks and the tender
documents read that. The renderer rewrites texts with :func:`change_outside_code`, which uses
the same code detection.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from dataclasses import dataclass

# An entry ID: two capital letters (the collection's prefix), a dash, three digits or more.
# The schema builds each collection's own pattern as prefix + ID_NUMBER.
ID_NUMBER = r"-\d{3,}"
ID = r"[A-Z]{2}" + ID_NUMBER
ID_PATTERN = re.compile(ID)
# Case-insensitive spelling, for texts that must not leak an ID however it is written.
ID_ANY_CASE = r"[A-Za-z]{2}" + ID_NUMBER
ID_LINK = re.compile(rf"\[\[({ID})(?:\|([^\]\n]+))?\]\]")
ID_LINK_ANY_CASE = re.compile(rf"\[\[({ID_ANY_CASE})(?:\|([^\]\n]+))?\]\]")
# [[ID]] escaped by a rich-text editor (Decap's, for one): a page would show it as text.
ESCAPED_ID_LINK = re.compile(rf"\\\[\\?\[({ID_ANY_CASE})(?:\|[^\]\n]*)?\\?\]\\?\]")
# [label](relative/path.md#anchor): a link between source files, as editors and GitLab's web
# view write them (no scheme, not absolute); the label without brackets.
SOURCE_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*([^()\s:#]+\.md)(#[^()\s]*)?\s*\)")
# Any other inline link target (images, files, folders), with an optional title.
OTHER_LINK = re.compile(r"\]\(\s*([^()\s]+?)\s*(?:\"[^\"]*\"\s*)?\)")

# An opening or closing fence: three backticks or tildes or more, indented or not.
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
# An inline code span: a run of backticks, text, the same run (Python-Markdown's rule: one
# line, an escaped backtick opens nothing).
INLINE_CODE = re.compile(r"(?<![\\`])(`+)(?!`)(.+?)(?<!`)\1(?!`)")
# Blocks whose content is indented by four spaces without being code: list items (their
# paragraphs and nested lists), admonitions (!!!), collapsible blocks (???) and tabs (===).
_CONTAINER = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)]|!!!|\?\?\?\+?|===)(?:\s|$)")


def _indent(line: str) -> int:
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def code_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it is code: a fenced block (fences included) or an indented
    block (four spaces after a blank line, outside a list item or an admonition)."""
    code = [False] * len(lines)
    fence = None  # the opening run while inside a fenced block
    after_blank = True  # the text's start counts as a blank line
    in_container = False
    in_indented = False
    for index, line in enumerate(lines):
        if fence is not None:
            code[index] = True
            closing = line.strip()
            if closing.startswith(fence) and not closing.strip(fence[0]):
                fence = None
            continue
        if not line.strip():
            after_blank = True
            continue
        indent = _indent(line)
        if indent >= 4 and (in_indented or (after_blank and not in_container)):
            code[index] = in_indented = True
            after_blank = False
            continue
        in_indented = False
        marker = FENCE.match(line)
        if marker:
            fence = marker.group(1)
            code[index] = True
        elif indent < 4:
            if _CONTAINER.match(line):
                in_container = True
            elif after_blank:
                in_container = False
        after_blank = False
    return code


def _line_starts(text: str) -> list[int]:
    starts = [0]
    position = text.find("\n")
    while position != -1:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


class CodeMap:
    """Where code stands in a text, to tell whether a position is inside it."""

    def __init__(self, text: str):
        lines = text.split("\n")
        self.starts = _line_starts(text)
        self.code = code_lines(lines) if ("```" in text or "~~~" in text
                                          or "    " in text or "\t" in text) \
            else [False] * len(lines)
        self.spans: dict[int, list[tuple[int, int]]] = {}  # line index -> inline code spans
        if "`" in text:
            for index, line in enumerate(lines):
                if "`" in line and not self.code[index]:
                    self.spans[index] = [m.span() for m in INLINE_CODE.finditer(line)]

    def line_index(self, position: int) -> int:
        return bisect_right(self.starts, position) - 1

    def covers(self, position: int) -> bool:
        index = self.line_index(position)
        if self.code[index]:
            return True
        column = position - self.starts[index]
        return any(a <= column < b for a, b in self.spans.get(index, ()))


def outside_code(text: str, pattern: re.Pattern, first_line: int = 1):
    """(file line, match) for each match of ``pattern`` that does not start inside code;
    ``first_line`` is the file line of the text's first line."""
    code = None
    for match in pattern.finditer(text):
        if code is None:
            code = CodeMap(text)
        if not code.covers(match.start()):
            yield first_line + code.line_index(match.start()), match


def code_text(text: str) -> list[str]:
    """The parts of ``text`` that are code, as the site shows them: each code line (fenced or
    indented block) and each inline code span of the other lines."""
    lines = text.split("\n")
    parts = []
    for line, is_code in zip(lines, code_lines(lines)):
        if is_code:
            parts.append(line)
        elif "`" in line:
            parts += [match.group(2) for match in INLINE_CODE.finditer(line)]
    return parts


def change_outside_code(text: str, change) -> str:
    """``text`` with ``change`` (str -> str) applied to each part of a line outside code."""
    lines = text.split("\n")
    code = code_lines(lines)
    out = []
    for line, is_code in zip(lines, code):
        if is_code:
            out.append(line)
            continue
        parts, last = [], 0
        if "`" in line:
            for match in INLINE_CODE.finditer(line):
                parts += [change(line[last:match.start()]), match.group(0)]
                last = match.end()
        parts.append(change(line[last:]))
        out.append("".join(parts))
    return "\n".join(out)


def source_target(folder: str, target: str) -> str | None:
    """The project-relative path a relative link from ``folder`` designates (None for an
    absolute link or one that leaves the project)."""
    if target.startswith("/"):
        return None
    resolved = posixpath.normpath(posixpath.join(folder, target))
    return None if resolved == ".." or resolved.startswith("../") else resolved


@dataclass(frozen=True)
class IdLink:
    """``[[target]]`` or ``[[target|label]]`` at a file line."""

    line: int
    target: str
    label: str | None = None


@dataclass(frozen=True)
class SourceLink:
    """A relative link to a .md file: as written, and the project-relative path it
    designates (None when absolute or outside the project)."""

    line: int
    written: str
    path: str | None


@dataclass(frozen=True)
class Links:
    """The links of one text, outside code, in reading order."""

    ids: tuple[IdLink, ...] = ()
    sources: tuple[SourceLink, ...] = ()

    def targets(self) -> list[str]:
        """The IDs cited, in reading order, with repeats."""
        return [link.target for link in self.ids]


NO_LINKS = Links()


def parse(text: str, first_line: int, source: str) -> Links:
    """The links of ``text`` (the body of the file ``source``, project-relative, whose first
    line is the file line ``first_line``), code left out."""
    ids: tuple[IdLink, ...] = ()
    sources: tuple[SourceLink, ...] = ()
    if "[[" in text:
        ids = tuple(IdLink(line, m.group(1), m.group(2))
                    for line, m in outside_code(text, ID_LINK, first_line))
    if "](" in text and ".md" in text:
        folder = posixpath.dirname(source)
        sources = tuple(SourceLink(line, m.group(2), source_target(folder, m.group(2)))
                        for line, m in outside_code(text, SOURCE_LINK, first_line))
    return Links(ids, sources) if ids or sources else NO_LINKS
