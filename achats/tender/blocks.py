"""Markdown of a tender piece -> a small document model that the DOCX and ODT writers share.

The Markdown is first made inert: every "<" and "&" is escaped, so raw HTML written in a
piece stays text (no tag, no entity, no image reaches the document) and the HTML produced by
Python-Markdown is well-formed XML. Links keep their text only; images their description:
nothing is fetched or read from the machine that exports.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field as dc_field

import markdown

from achats.problems import AchatsError
from achats.model.links import ID_LINK

# Parameters left for the buyer to fill: "[à fixer]", "[montant à fixer]"…, possibly over
# several source lines of one paragraph; not "[[ID]]".
PARAMETER = re.compile(r"(?<!\[)\[[^\[\]]+\](?!\])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INLINE = re.compile(f"{ID_LINK.pattern}|{PARAMETER.pattern}")


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    parameter: bool = False  # "[…]" to fill, highlighted
    ref: str | None = None  # entry ID when the run is a citation [[ID]]


@dataclass
class Heading:
    level: int  # 1: article, 2 and more: sub-headings
    runs: list[Run]


@dataclass
class Para:
    runs: list[Run]
    style: str = "texte"  # texte, code


@dataclass
class ListItem:
    runs: list[Run]
    children: list["ListBlock"] = dc_field(default_factory=list)


@dataclass
class ListBlock:
    ordered: bool
    items: list[ListItem]


@dataclass
class Table:
    header: list[list[Run]]
    rows: list[list[list[Run]]]


@dataclass
class ClauseInsert:
    """A clause's text inserted after the block that cites it first in a piece."""

    clause_id: str
    title: str
    status: str  # key of statuts_clause
    status_label: str
    blocks: list  # Para / ListBlock… of the clause's `texte`
    warning: str | None  # French, when the clause is not validated


Block = Heading | Para | ListBlock | Table | ClauseInsert


def markdown_blocks(text: str, where: str) -> list:
    """Blocks of a Markdown text; ``where`` (a file) names it in errors."""
    # Control characters are not allowed in XML (nor in DOCX/ODT): dropped.
    text = _CONTROL.sub("", text)
    inert = text.replace("&", "&amp;").replace("<", "&lt;")
    html = markdown.markdown(inert, extensions=["tables"], output_format="xhtml")
    try:
        root = ET.fromstring(f"<div>{html}</div>")
    except ET.ParseError as exc:  # should not happen once the text is inert; said anyway
        raise AchatsError(f"{where}: texte illisible pour l'export ({exc}).") from None
    return _blocks(root)


def _blocks(parent: ET.Element) -> list:
    out: list = []
    for element in parent:
        tag = element.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            out.append(Heading(max(1, int(tag[1]) - 1), _runs(element)))
        elif tag == "p":
            out.append(Para(_runs(element)))
        elif tag in ("ul", "ol"):
            out.append(_list(element))
        elif tag == "table":
            out.append(_table(element))
        elif tag == "pre":
            out.append(Para([Run("".join(element.itertext()).rstrip("\n"), code=True)],
                            style="code"))
        elif tag == "blockquote":
            out += _blocks(element)
        elif tag == "hr":
            continue
        else:  # anything else Markdown may produce: its text, as a paragraph
            text = "".join(element.itertext()).strip()
            if text:
                out.append(Para(split_inline(text, Run(""))))
    return out


def _list(element: ET.Element) -> ListBlock:
    items = []
    for li in element.findall("li"):
        children = [_list(sub) for sub in li if sub.tag in ("ul", "ol")]
        paragraphs = [sub for sub in li if sub.tag == "p"]
        if paragraphs:  # "loose" list: the item's text is in paragraphs
            runs: list[Run] = []
            for p in paragraphs:
                if runs:
                    runs.append(Run(" "))
                runs += _runs(p)
        else:
            runs = _runs(li, skip=("ul", "ol"))
        items.append(ListItem(runs, children))
    return ListBlock(element.tag == "ol", items)


def _table(element: ET.Element) -> Table:
    header = [_runs(th) for th in element.iter("th")]
    rows = []
    for tr in element.iter("tr"):
        cells = [_runs(td) for td in tr.findall("td")]
        if cells:
            rows.append(cells)
    return Table(header, rows)


def _runs(element: ET.Element, skip: tuple = ()) -> list[Run]:
    runs: list[Run] = []
    _walk(element, Run(""), runs, skip)
    # Markdown keeps the source's line breaks inside a paragraph: they are spaces.
    for run in runs:
        if not run.code and run.text != "\n":
            run.text = re.sub(r"[ \t]*\n[ \t]*", " ", run.text)
    if runs:
        runs[0].text = runs[0].text.lstrip()
        runs[-1].text = runs[-1].text.rstrip()
    return [r for r in runs if r.text]


def _walk(element: ET.Element, style: Run, out: list, skip: tuple) -> None:
    """Runs of ``element``'s own text and of its children; each child's tail takes the
    style of ``element``."""
    if element.text:
        out += split_inline(element.text, style)
    for child in element:
        tag = child.tag
        if tag in skip:
            pass
        elif tag in ("strong", "b"):
            _walk(child, Run("", True, style.italic), out, skip)
        elif tag in ("em", "i"):
            _walk(child, Run("", style.bold, True), out, skip)
        elif tag == "code":  # as written: no citation nor parameter inside code
            out.append(Run("".join(child.itertext()), style.bold, style.italic, code=True))
        elif tag == "br":
            out.append(Run("\n", style.bold, style.italic))
        elif tag == "img":  # never fetched: its description only
            out.append(Run(f"[image : {child.get('alt') or 'sans description'}]",
                           style.bold, style.italic))
        else:  # links (their text only), spans…
            _walk(child, style, out, skip)
        if child.tail:
            out += split_inline(child.tail, style)


def split_inline(text: str, style: Run) -> list[Run]:
    """Runs of a text: citations [[ID]] and parameters [ … ] set apart."""
    runs, last = [], 0
    for match in _INLINE.finditer(text):
        if match.start() > last:
            runs.append(Run(text[last:match.start()], style.bold, style.italic))
        if match.group(1):  # [[ID]] or [[ID|label]]
            runs.append(Run(match.group(2) or match.group(1), style.bold, style.italic,
                            ref=match.group(1)))
        else:
            runs.append(Run(match.group(0), style.bold, style.italic, parameter=True))
        last = match.end()
    if last < len(text):
        runs.append(Run(text[last:], style.bold, style.italic))
    return runs


def refs_in(block) -> list[str]:
    """Entry IDs cited in a block, in reading order."""
    found: list[str] = []

    def runs(rs):
        found.extend(r.ref for r in rs if r.ref)

    if isinstance(block, (Heading, Para)):
        runs(block.runs)
    elif isinstance(block, ListBlock):
        for item in block.items:
            runs(item.runs)
            for child in item.children:
                found.extend(refs_in(child))
    elif isinstance(block, Table):
        for cell in block.header:
            runs(cell)
        for row in block.rows:
            for cell in row:
                runs(cell)
    return found


def plain(runs: list[Run]) -> str:
    return "".join(r.text for r in runs)
