"""What every renderer needs: the graph, the variant, where each page lives, and links."""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field as dc_field

from achats.index.graph import Graph
from achats.model.load import Entry, Piece
from achats.project import PAGES_DIR
from achats.model.links import ID_LINK, SOURCE_LINK, change_outside_code, source_target
from achats.variant import INTERNAL_PLACEHOLDER, INTRANET


def uri_of(entry: Entry) -> str:
    """Source URI of an entry's page in the site (MkDocs turns it into a URL)."""
    base = entry.collection.url_folder
    if entry.collection.in_folders:
        return f"{base}/{entry.slug}/index.md"
    return f"{base}/{entry.slug}.md"


def source_files(entries: list[Entry]) -> dict:
    """Source file of every entry and piece -> (entry ID, piece file name or None)."""
    found = {}
    for entry in entries:
        if entry.id:
            found[entry.rel] = (entry.id, None)
            for piece in entry.pieces:
                found[piece.rel] = (entry.id, piece.path.name)
    return found


def piece_uri(entry: Entry, piece: Piece) -> str:
    return f"{entry.collection.url_folder}/{entry.slug}/{piece.path.name}"


def relative_path(target: str, start: str) -> str:
    """``posixpath.relpath(target, start)`` for paths relative to the same root.

    relpath makes both paths absolute first (two calls to the working directory and a
    normalisation each): over the 70,000 links of a 10,000-entry site, a visible cost.
    Generated URIs are already clean; anything unusual ("..") goes to relpath.
    """
    if ".." in target or ".." in start or target.startswith("/") or start.startswith("/"):
        return posixpath.relpath(target, start)
    to_parts = [p for p in target.split("/") if p and p != "."]
    from_parts = [p for p in start.split("/") if p and p != "."]
    common = 0
    for a, b in zip(to_parts, from_parts):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(from_parts) - common) + to_parts[common:]) or "."


def rel(from_uri: str, to_uri: str) -> str:
    """Relative Markdown link from one source URI to another (MkDocs resolves .md links)."""
    return relative_path(to_uri, posixpath.dirname(from_uri) or ".")


def esc(text) -> str:
    """Text safe inside Markdown and HTML: HTML-escaped, Markdown link brackets neutralised."""
    value = html.escape(str(text), quote=True)
    return value.replace("[", "&#91;").replace("]", "&#93;").replace("|", "&#124;")


@dataclass
class RenderContext:
    """How one variant renders: its view of the data (achats.variant) and where pages go.

    ``graph`` and ``history`` hold only what the variant may show; renderers show what they
    are given and never test the variant.
    """

    graph: Graph
    variant: str = INTRANET  # a label (the PDF's cover), never tested by renderers
    history: object = None  # a history view (achats.variant) when git history is available
    site_url: str = ""
    pdf: bool = True  # the path's PDF is written after this build (not under `serve`)
    extra_sections: list = dc_field(default_factory=list)
    settings: dict = dc_field(default_factory=dict)  # mkdocs.yml « extra » (site settings)
    # Every entry's and piece's source file (project-relative) -> (ID, piece file name or
    # None), both variants: relative Markdown links between source files (what editors and
    # GitLab write) go to the right page, or degrade like [[ID]] in the public variant.
    sources: dict = dc_field(default_factory=dict)

    @classmethod
    def of_view(cls, view, **options) -> "RenderContext":
        """The context of an ``achats.variant.View``."""
        return cls(view.graph, view.name, view.history, **options)

    @property
    def vocab(self):
        return self.graph.vocab

    def label(self, vocab: str, key) -> str:
        return self.vocab.label(vocab, key)

    def a(self, from_uri: str, entry: Entry, text: str | None = None) -> str:
        """An HTML link to an entry (generated structures are raw HTML: Markdown's inline
        processing of thousands of generated links dominated the build)."""
        return f'<a href="{href(from_uri, uri_of(entry))}">{esc(text or entry.title)}</a>'

    def a_id(self, from_uri: str, ident: str, text: str | None = None) -> str:
        """An HTML link by ID; plain text when the entry is not in this variant."""
        target = self.graph.by_id.get(ident)
        if target is None:
            return esc(text) if text and text != ident else INTERNAL_PLACEHOLDER
        return self.a(from_uri, target, text)

    def link(self, from_uri: str, entry: Entry, text: str | None = None) -> str:
        return f"[{esc(text or entry.title)}]({rel(from_uri, uri_of(entry))})"

    def link_id(self, from_uri: str, ident: str, text: str | None = None) -> str:
        """A link to an entry by ID; plain text when the entry is not in this variant.

        The plain text is the link's own label, unless that label is the ID itself (tables
        label links by ID): the ID of an internal entry must not reach the public site.
        """
        target = self.graph.by_id.get(ident)
        if target is None:
            return esc(text) if text and text != ident else INTERNAL_PLACEHOLDER
        return self.link(from_uri, target, text)

    def text_html(self, from_uri: str, text: str) -> str:
        """A plain text as HTML, its [[ID]] links made links (or plain text, as a_id)."""
        out, last = [], 0
        for match in ID_LINK.finditer(text):
            out += [esc(text[last:match.start()]),
                    self.a_id(from_uri, match.group(1), match.group(2))]
            last = match.end()
        return "".join(out) + esc(text[last:])

    def resolve_source_links(self, body: str, from_uri: str, source: str) -> str:
        """Relative Markdown links to source files (``[x](../clauses/cl-003-….md#ancre)``),
        written from the file ``source``, turned into links to the pages built from them
        (plain text for an entry not in this variant, as [[ID]] does). Links to the pages
        folder go to those pages; anything else is left as written (`achats check` reports
        a target that does not exist)."""
        if "](" not in body or ".md" not in body:
            return body
        folder = posixpath.dirname(source)

        def replace(match: re.Match) -> str:
            label, target, anchor = match.group(1), match.group(2), match.group(3) or ""
            resolved = source_target(folder, target)
            if resolved is None:
                return match.group(0)
            if resolved.startswith(PAGES_PREFIX):
                return f"[{label}]({rel(from_uri, resolved[len(PAGES_PREFIX):])}{anchor})"
            known = self.sources.get(resolved)
            if known is None:
                return match.group(0)
            ident, piece_name = known
            entry = self.graph.by_id.get(ident)
            if entry is None:  # not in this variant
                return esc(label) if label and label != ident else INTERNAL_PLACEHOLDER
            uri = uri_of(entry) if piece_name is None else \
                f"{entry.collection.url_folder}/{entry.slug}/{piece_name}"
            return f"[{label}]({rel(from_uri, uri)}{anchor})"

        return change_outside_code(body, lambda part: SOURCE_LINK.sub(replace, part)
                                   if "](" in part else part)

    def resolve_body(self, body: str, from_uri: str, source: str | None = None) -> str:
        """Replace [[ID]] and [[ID|texte]] outside code blocks by links (or plain text);
        with ``source`` (the file the body comes from), relative links to source files too."""
        if source is not None:
            body = self.resolve_source_links(body, from_uri, source)
        if "[[" not in body:
            return body
        # Code keeps the syntax as written (the contributors' guide shows it).
        return change_outside_code(body, lambda part: ID_LINK.sub(
            lambda m: self.link_id(from_uri, m.group(1), m.group(2)), part)
            if "[[" in part else part)


PAGES_PREFIX = PAGES_DIR + "/"


def page_url(uri: str) -> str:
    """The directory URL MkDocs gives a source URI (use_directory_urls: true)."""
    if uri == "index.md":
        return ""
    if uri.endswith("/index.md"):
        return uri[: -len("index.md")]
    return uri[:-3] + "/"


def href(from_uri: str, to_uri: str) -> str:
    """Relative URL for raw HTML (MkDocs rewrites only Markdown links)."""
    target, here = page_url(to_uri), page_url(from_uri)
    path = relative_path(target or ".", here or ".")
    return "./" if path == "." else path + "/"
