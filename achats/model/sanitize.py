"""The one allow-list for HTML that comes from content, and what it would remove.

Anyone with a merge request writes the Markdown and the front matter, so whatever HTML they
produce (raw HTML, attr_list attributes, link targets) must be inert in a reader's browser.
One policy, applied by nh3 (Ammonia): the elements and attributes our Markdown extensions
produce, no event attributes, no URL scheme but http, https, mailto and tel (checked after
entity decoding), no iframe/object/embed/base/meta/form/style from content.

Two uses, one policy:
- ``achats check`` calls :func:`body_findings` and :func:`text_findings`, which say what the
  sanitiser would remove from content (and where), so authors learn it before the build;
  the build refuses to start while ``achats check`` finds any;
- the build still passes every page's content through :func:`clean_generated` (defence in
  depth): the same rules for attributes and URLs, with the few elements our own code adds
  around content (the clause finder's form, the copy button, the chart's SVG, data-*
  attributes for our scripts) - which content itself cannot bring, since the check refused
  them. :func:`clean_content` applies the content policy alone. :func:`plain_text` is for
  content strings that leave HTML (feed, search metadata).

No MkDocs here: Python-Markdown alone renders a text the way the site does, for the check.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

from achats.model.links import code_lines

# The extensions of mkdocs.yml (markdown_extensions) that shape the HTML a text becomes;
# tests/test_inert_content.py checks both lists agree.
MARKDOWN_EXTENSIONS = ["abbr", "attr_list", "md_in_html", "tables", "toc", "admonition",
                       "pymdownx.details", "pymdownx.superfences"]

URL_SCHEMES = {"http", "https", "mailto", "tel"}
URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "data", "poster",
                  "background", "srcset", "xlink:href", "longdesc", "usemap", "ping"}
STYLE_PROPERTIES = {"text-align"}  # the tables extension aligns columns with style=

_GLOBAL = {"id", "class", "title", "lang", "dir", "hidden", "role"}
_ARIA = {"aria-label", "aria-labelledby", "aria-describedby", "aria-hidden", "aria-live",
         "aria-current", "aria-expanded", "aria-controls", "aria-haspopup"}

CONTENT_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "nav", "ol", "p",
    "pre", "q", "s", "samp", "section", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
}
CONTENT_ATTRIBUTES = {
    "*": _GLOBAL | _ARIA,
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "details": {"open"},
    "time": {"datetime"},
}

# What our own code adds around content: the clause finder's form, the copy button, the
# chart (SVG), the search metadata (data-pagefind-*) and the scripts' hooks (data-*).
GENERATED_TAGS = CONTENT_TAGS | {
    "form", "input", "select", "option", "label", "button", "fieldset", "legend", "output",
    "svg", "g", "title", "desc", "rect", "line", "circle", "text",
}
GENERATED_ATTRIBUTES = {
    **CONTENT_ATTRIBUTES,
    "a": CONTENT_ATTRIBUTES["a"] | {"rel", "type"},
    "input": {"type", "name", "value", "placeholder", "autocomplete"},
    "select": {"name"},
    "option": {"value", "selected"},
    "label": {"for"},
    "button": {"type"},
    "svg": {"xmlns", "viewBox", "width", "height", "focusable"},
    "rect": {"x", "y", "width", "height", "fill", "stroke", "stroke-width"},
    "line": {"x1", "y1", "x2", "y2", "stroke", "stroke-dasharray", "stroke-width"},
    "circle": {"cx", "cy", "r", "fill"},
    "text": {"x", "y", "text-anchor", "font-size", "fill", "transform"},
}
GENERATED_PREFIXES = {"data-"}


def _nh3_options(tags, attributes, prefixes=None) -> dict:
    return dict(tags=tags, attributes=attributes, url_schemes=URL_SCHEMES,
                filter_style_properties=STYLE_PROPERTIES, link_rel=None,
                generic_attribute_prefixes=prefixes or None,
                clean_content_tags={"script", "style"})


_CLEANERS: dict[str, nh3.Cleaner] = {}


def _cleaner(kind: str) -> nh3.Cleaner:
    """One nh3 Cleaner per policy, built once (rebuilding it for every page cost 40 % of
    the sanitising time)."""
    cleaner = _CLEANERS.get(kind)
    if cleaner is None:
        options = {
            "content": _nh3_options(CONTENT_TAGS, CONTENT_ATTRIBUTES),
            "generated": _nh3_options(GENERATED_TAGS, GENERATED_ATTRIBUTES, GENERATED_PREFIXES),
        }[kind]
        cleaner = _CLEANERS[kind] = nh3.Cleaner(**options)
    return cleaner


def clean_content(fragment: str) -> str:
    """``fragment`` (HTML from content) with everything outside the allow-list removed."""
    if not fragment:
        return fragment
    return _cleaner("content").clean(fragment)


def clean_generated(fragment: str) -> str:
    """HTML built by our code around content strings (a whole page's content, in the build):
    same rules for attributes and URLs, more elements (see GENERATED_TAGS)."""
    if not fragment:
        return fragment
    return _cleaner("generated").clean(fragment)


def plain_text(text: str) -> str:
    """A content string as plain text: markup removed, entities decoded (for values that go
    into attributes, a feed or the search index, escaped again by whoever writes them).
    Repeated until stable, so that the result holds no markup even once decoded again
    (« &lt;img onerror=…&gt; » does not come back as an element)."""
    for _ in range(4):
        if "<" not in text and "&" not in text:
            return text
        cleaned = html.unescape(nh3.clean(text, tags=set(),
                                          clean_content_tags={"script", "style"}))
        if cleaned == text:
            return text
        text = cleaned
    return text


# --- What the sanitiser would remove, for `achats check` -------------------------------

@dataclass(frozen=True)
class Finding:
    """One thing the sanitiser would remove; ``needles`` help find its line in the source."""

    message: str
    needles: tuple[str, ...]


_SCRIPT_MESSAGE = "balise <script> interdite : le contenu ne peut pas exécuter de code."


def _scheme(value: str) -> str | None:
    """The scheme of a URL as a browser reads it (entities decoded, blanks and controls
    removed), or None for a relative URL."""
    decoded = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(value)).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", decoded)
    if match is None or "/" in decoded[:decoded.find(":")]:
        return None
    return match.group(1)


class _Walker(HTMLParser):
    """Visits every element and attribute of a fragment and lists what the policy forbids."""

    def __init__(self, tags, attributes):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes = tags, attributes
        self.findings: list[Finding] = []

    def _add(self, message: str, *needles: str) -> None:
        self.findings.append(Finding(message, tuple(n for n in needles if n)))

    def handle_comment(self, data):
        if data.strip().startswith("achats-html"):
            self._add("commentaire « <!--achats-html: » interdit : il est réservé aux blocs que "
                      "le site génère lui-même.", "<!--")

    def handle_starttag(self, tag, attrs):
        self._visit(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._visit(tag, attrs)

    def _visit(self, tag: str, attrs) -> None:
        if tag not in self.tags:
            if tag == "script":
                self._add(_SCRIPT_MESSAGE, "<script")
            else:
                self._add(f"balise <{tag}> interdite : seul le HTML que produit le Markdown "
                          "(texte, liens, images, listes, tableaux, encadrés) est permis ; "
                          "ni cadre, ni objet, ni formulaire, ni style, ni SVG.", f"<{tag}")
        allowed = self.attributes.get("*", set()) | self.attributes.get(tag, set())
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self._add(f"attribut « {name} » (gestionnaire d'événement JavaScript) "
                          "interdit.", name)
            elif tag in self.tags and name not in allowed:
                self._add(f"attribut « {name} » interdit sur <{tag}> : il ne fait pas partie "
                          "du HTML que produit le Markdown.", name)
            elif name in URL_ATTRIBUTES:
                scheme = _scheme(value)
                if scheme is not None and scheme not in URL_SCHEMES:
                    self._add(f"lien « {scheme}: » interdit : seules les adresses http, https, "
                              "mailto et tel et les liens relatifs sont permis.",
                              value.strip(), html.unescape(value).strip(), scheme)
            elif name == "style":
                for declaration in value.split(";"):
                    prop = declaration.split(":", 1)[0].strip().lower()
                    if prop and prop not in STYLE_PROPERTIES:
                        self._add(f"propriété de style « {prop} » interdite : seul "
                                  "l'alignement des colonnes d'un tableau est permis.",
                                  prop)


def html_findings(fragment: str, tags=CONTENT_TAGS, attributes=CONTENT_ATTRIBUTES) -> list[Finding]:
    """What clean_content would remove from an HTML fragment, element by element."""
    walker = _Walker(tags, attributes)
    walker.feed(fragment)
    walker.close()
    return walker.findings


# Anything that can turn into markup or a link in Markdown: raw HTML or an autolink ("<"),
# attr_list ("{"), or a link target ("](" inline, "]:" by reference) whose scheme, entities
# decoded, is not allowed. An entity alone never makes an element: "&lt;" stays text.
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]*)|^ {0,3}\[[^\]\n]+\]:[ \t]*<?(\S+)", re.M)


def _may_hold_markup(text: str) -> bool:
    """Whether ``text`` needs rendering to be checked: plain substring tests first, since
    almost no text has any of these (rendering costs about a millisecond per text)."""
    if "<" in text or "{" in text:
        return True
    if "](" not in text and "]:" not in text:
        return False
    return any(_scheme(m.group(1) or m.group(2) or "") not in (None, *URL_SCHEMES)
               for m in _LINK_TARGET.finditer(text))


_MARKDOWN = None


def markdown_html(text: str) -> str:
    """``text`` rendered by Python-Markdown with the site's extensions."""
    global _MARKDOWN
    import markdown

    if _MARKDOWN is None:
        _MARKDOWN = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS)
    _MARKDOWN.reset()
    return _MARKDOWN.convert(text)


def body_findings(text: str, first_line: int) -> list[tuple[int, str]]:
    """(file line, French message) for each thing the build's sanitiser would remove from
    the page ``text`` (Markdown) becomes; empty for almost every text, without rendering."""
    if not _may_hold_markup(text):
        return []
    findings = html_findings(markdown_html(text))
    return _locate(findings, text, first_line)


def text_findings(text: str) -> list[str]:
    """French messages for what the sanitiser would remove from a front-matter string,
    read as HTML and as Markdown (some fields are Markdown, all end up in pages)."""
    if not _may_hold_markup(text):
        return []
    messages = [f.message for f in html_findings(text)]
    messages += [f.message for f in html_findings(markdown_html(text))]
    return list(dict.fromkeys(messages))


def _locate(findings: list[Finding], text: str, first_line: int) -> list[tuple[int, str]]:
    """Line of each finding: the first line (after the previous one with the same needle)
    holding one of its needles, raw or with entities decoded; else the text's first line."""
    lines = text.split("\n")
    folded = [(line.lower(), html.unescape(line).lower()) for line in lines]
    # Lines of code blocks show markup as text: never where a finding comes from.
    for index, is_code in enumerate(code_lines(lines)):
        if is_code:
            folded[index] = ("", "")
    resume: dict[tuple, int] = {}
    out = []
    for finding in findings:
        needles = [n.lower() for n in finding.needles]
        start = resume.get(finding.needles, 0)
        found = None
        for index in range(start, len(lines)):
            raw, decoded = folded[index]
            if any(n in raw or n in decoded for n in needles):
                found = index
                break
        if found is None and start:
            found = start - 1  # same needle again on the line already found
        resume[finding.needles] = (found + 1) if found is not None else 0
        out.append((first_line + (found or 0), finding.message))
    return list(dict.fromkeys(out))
