"""After the build: the new-arrivals path as one PDF, for the trainers' course.

The PDF is made from the site's own printable page, ``parcours/imprimer/index.html`` (every
chapter of the path, rendered by MkDocs with the site's Markdown extensions, glossary
abbreviations and resolved links), so the PDF and the site can never say different things.
From that page this module keeps the chapters and adds a cover and a table of contents; it
writes ``parcours/parcours-nouveaux-arrivants.pdf`` next to the path's first page, which
links to it.

Engine: WeasyPrint. The course needs a table of contents *with page numbers*, page numbers
on every page, a running header with the chapter's title, and links that still work in the
PDF. Those are CSS Paged Media features (``@page`` margin boxes, ``counter(page)``,
``target-counter()`` for the page a link points to, ``string-set`` for running headers,
``bookmark-level`` for the PDF outline), which WeasyPrint implements. Chromium's printing
(what Playwright's ``page.pdf()`` drives) has no ``target-counter()``, so no paginated table
of contents, and it would put a browser in every build. WeasyPrint is a Python package
(pinned in pyproject.toml) over Debian's Pango: ``libpango-1.0-0``, ``libpangoft2-1.0-0``
and ``libharfbuzz-subset0`` (Pango 1.44 or newer), plus a font (``fonts-dejavu-core``).
Without them the build stops with a French message naming the packages, not a traceback;
``extra.pdf: false`` in mkdocs.yml turns the step off.

Links in the PDF: a link to another chapter of the path is a link inside the PDF (the
printable page already makes it an anchor); any other link to the site becomes an absolute
address under ``site_url``, so that it opens the site from the PDF (without ``site_url``,
the text stays and the link is dropped). External links are kept as they are.

Determinism: the cover's date and the PDF's creation date are the edition's, never the
build's: ``SOURCE_DATE_EPOCH`` when set (as for reproducible builds), else the date of the
newest commit of the path's chapters and of parcours.yml (from the build's one `git log`);
without git history, no date at all. Two builds of the same commit give the same bytes.

What the PDF may read: only files of the built site. WeasyPrint fetches what the document
references (images, attachments with rel="attachment", stylesheets); its ``url_fetcher``
here serves files inside the site folder (symbolic links resolved) and refuses everything
else, ``file:`` outside the site (/etc, /proc/self/environ…), ``http(s):`` and any other
scheme, with a French error naming the chapter: content cannot pull a file of the build
machine or a remote resource into the PDF.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import html
import logging
import mimetypes
import os
import re
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from achats.index.graph import Graph
from achats.problems import AchatsError
from achats.project import DATA_DIR
from achats.render.context import RenderContext
from achats.render.path import (DEFAULT_TITLE, INDEX_URI, PDF_PATH, PRINT_URI, chapter_anchor,
                          path_steps, path_title)

log = logging.getLogger("mkdocs.plugins.achats")

PRINT_PAGE = "parcours/imprimer/index.html"  # the printable page in the built site
MIN_PANGO = (1, 44)

# Debian package of each shared library WeasyPrint loads (soname -> package).
SYSTEM_LIBRARIES = {
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libpango-1.0.so.0": "libpango-1.0-0",
    "libpangoft2-1.0.so.0": "libpangoft2-1.0-0",
    "libharfbuzz.so.0": "libharfbuzz0b",
    "libharfbuzz-subset.so.0": "libharfbuzz-subset0",
    "libfontconfig.so.1": "libfontconfig1",
}
INSTALL_HINT = ("installez-les (Debian : apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
                "libharfbuzz-subset0 fonts-dejavu-core) ou désactivez le PDF "
                "(extra.pdf: false dans mkdocs.yml)")

_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset"[^>]*>(.*)</article>',
                      re.DOTALL)
_CHAPTER_START = re.compile(r'<h2\b[^>]*\bclass="[^"]*\bachats-chapitre\b[^"]*"[^>]*>')
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)
_HREF = re.compile(r'(<a\b[^>]*?\s)href="([^"]*)"')
_H3 = re.compile(r"<h3\b([^>]*)>(.*?)</h3>", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
NOT_IN_TOC = "achats-clauses-recommandees"  # class of headings left out of the contents
_TAG = re.compile(r"<[^>]+>")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


@dataclass
class PdfResult:
    """What one PDF run produced."""

    path: Path
    chapters: int
    pages: int
    seconds: float

    def summary(self) -> str:
        return (f"PDF du parcours : {self.chapters} chapitres, {self.pages} pages, "
                f"en {self.seconds:.1f} s ({self.path.name})")


def check_system_libraries() -> None:
    """Fail in French, naming the Debian packages, when Pango & co. cannot be loaded.

    WeasyPrint itself would print an English notice and raise OSError at import time.
    Only on Linux, where the library names are the Debian sonames.
    """
    if not sys.platform.startswith("linux"):
        return
    missing = []
    for soname, package in SYSTEM_LIBRARIES.items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(f"{soname} (paquet {package})")
    if missing:
        raise AchatsError("PDF du parcours impossible : bibliothèques système introuvables : "
                          + ", ".join(missing) + f" ; {INSTALL_HINT}.")
    version = ctypes.CDLL("libpango-1.0.so.0").pango_version()
    found = (version // 10000, version // 100 % 100)
    if found < MIN_PANGO:
        raise AchatsError(f"PDF du parcours impossible : Pango {found[0]}.{found[1]} est trop "
                          f"ancien (WeasyPrint demande Pango {MIN_PANGO[0]}.{MIN_PANGO[1]} ou "
                          "plus récent) ; mettez le système à jour ou désactivez le PDF "
                          "(extra.pdf: false dans mkdocs.yml).")


def _weasyprint():
    check_system_libraries()
    try:
        import weasyprint
    except ImportError:
        raise AchatsError("PDF du parcours impossible : WeasyPrint n'est pas installé ; "
                          "installez les dépendances du projet (pip install -e .) ou "
                          "désactivez le PDF (extra.pdf: false dans mkdocs.yml).") from None
    except OSError as exc:  # a library present but unusable (another platform, a broken one)
        raise AchatsError(f"PDF du parcours impossible : WeasyPrint ne peut pas charger les "
                          f"bibliothèques système ({exc}) ; {INSTALL_HINT}.") from None
    return weasyprint


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _weasyprint_messages():
    """WeasyPrint's warnings and errors (a missing image, an unknown CSS rule), collected to
    be reported through the build's logger; its step-by-step progress messages silenced."""
    main, progress = logging.getLogger("weasyprint"), logging.getLogger("weasyprint.progress")
    saved = main.propagate, main.level, progress.level
    handler = _Collect()
    main.addHandler(handler)
    main.propagate, main.level, progress.level = False, logging.WARNING, logging.WARNING
    try:
        yield handler.messages
    finally:
        main.removeHandler(handler)
        main.propagate, main.level, progress.level = saved


def build_date(history=None, steps=(), path_file: str | None = None) -> dt.datetime | None:
    """The edition's date, UTC: SOURCE_DATE_EPOCH when set, else the newest commit of the
    path's chapters and of ``path_file`` (git history), else None. Never the build's date,
    so the same commit always gives the same PDF."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    if history is None or not getattr(history, "available", False):
        return None
    dates = [history.entry_updated(e) for e in steps]
    if path_file:
        dates.append(history.updated(path_file))
    dates = [d.astimezone(dt.timezone.utc) for d in dates if d is not None]
    return max(dates, default=None)


def site_fetcher(site_dir: Path, chapters_html: str, base: str, steps: list):
    """WeasyPrint's url_fetcher for the PDF: files of ``site_dir`` only (see module doc)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    site = Path(site_dir).resolve()

    class Refused(FatalURLFetchingError):
        """Stops the rendering (WeasyPrint only warns on other exceptions)."""

    class SiteOnly(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme.lower() == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path)).resolve()
                if path.is_relative_to(site) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(),
                                              {"Content-Type": kind})
            where = _chapter_of(url, chapters_html, base, steps)
            raise Refused(f"PDF du parcours impossible : {where} fait lire « {url} » au PDF, "
                          "hors du site construit ; le PDF ne lit que les fichiers du site "
                          "(ni fichier de la machine, ni adresse http(s)). Retirez cette "
                          "image, ce lien ou cette pièce jointe.")

    return SiteOnly(), Refused


_REFERENCE = re.compile(r'\b(?:src|href|data)="([^"]*)"')


def _chapter_of(url: str, chapters_html: str, base: str, steps: list) -> str:
    """« le chapitre GU-001 (guides/x.md) » whose HTML references ``url``, or the page."""
    starts = [(m.start(), _ID.search(m.group(0))) for m in _CHAPTER_START.finditer(chapters_html)]
    by_anchor = {chapter_anchor(e): e for e in steps}
    for (start, ident), (end, _next) in zip(starts, starts[1:] + [(len(chapters_html), None)]):
        for ref in _REFERENCE.findall(chapters_html[start:end]):
            if urljoin(base, html.unescape(ref)) == url or html.unescape(ref) == url:
                entry = by_anchor.get(ident.group(1)) if ident else None
                if entry is not None:
                    return f"le chapitre {entry.id} ({entry.rel})"
    return f"la page imprimable du parcours ({PRINT_PAGE})"


def write_path_pdf(site_dir: Path, graph: Graph, *, site_url: str = "",
                   site_name: str = "Achats durables", variant: str = "intranet",
                   history=None) -> PdfResult:
    """Write the path's PDF into the built site ``site_dir``; return what was written.

    ``graph`` is the variant's graph (in the public build, only public chapters);
    ``history`` (achats.git.history.History) dates the edition. Raises AchatsError, in French,
    when the printable page is missing or incomplete, when the system libraries are
    missing, or when the document references anything outside the site (site_fetcher).
    """
    started = time.perf_counter()
    site_dir = Path(site_dir)
    ctx = RenderContext(graph, variant)
    steps = path_steps(ctx)
    target = site_dir / PDF_PATH
    if not steps:
        log.info("achats : parcours vide, pas de PDF.")
        return PdfResult(target, 0, 0, 0.0)
    source = site_dir / PRINT_PAGE
    if not source.is_file():
        raise AchatsError(f"PDF du parcours impossible : la page imprimable {PRINT_PAGE} "
                          f"n'a pas été construite dans {site_dir}.")
    chapters = extract_chapters(source.read_text(encoding="utf-8"),
                                [chapter_anchor(e) for e in steps])
    chapters = rewrite_links(chapters, _page_address(site_url, PRINT_URI))
    date = build_date(history, steps, f"{DATA_DIR}/parcours.yml")
    document = compose(ctx, steps, chapters, site_url=site_url, site_name=site_name,
                       date=date)
    temporary = target.with_name(f".{target.name}.tmp")
    with _weasyprint_messages() as messages:
        weasyprint = _weasyprint()  # inside: importing it logs its progress too
        base = source.resolve().as_uri()
        fetcher, refused = site_fetcher(site_dir, chapters, base, steps)
        try:
            rendered = weasyprint.HTML(string=document, base_url=base,
                                       url_fetcher=fetcher).render()
            target.parent.mkdir(parents=True, exist_ok=True)
            # Tagged PDF: headings, lists, tables and reading order for screen readers.
            # Written under a temporary name first: a refused attachment leaves no PDF.
            rendered.write_pdf(temporary, pdf_tags=True)
            temporary.replace(target)
        except refused as exc:
            raise AchatsError(str(exc)) from None
        finally:
            temporary.unlink(missing_ok=True)
    for message in messages:
        # A warning: under `--strict` (always, with `achats build`) the build fails on it,
        # as it does for a broken link in a page.
        log.warning("achats : PDF du parcours : WeasyPrint signale : %s", message)
    result = PdfResult(target, len(steps), len(rendered.pages), time.perf_counter() - started)
    log.info("achats : %s.", result.summary())
    return result


def extract_chapters(page_html: str, anchors: list[str]) -> str:
    """The chapters' HTML from the built printable page: from the first chapter heading to
    the end of the article, permalink signs removed. Every anchor must be there."""
    match = _ARTICLE.search(page_html)
    start = _CHAPTER_START.search(match.group(1)) if match else None
    if start is None:
        raise AchatsError(f"PDF du parcours impossible : aucun chapitre dans {PRINT_PAGE} "
                          "(la page imprimable a-t-elle changé de forme ?).")
    body = _HEADERLINK.sub("", match.group(1)[start.start():]).strip()
    missing = [a.upper() for a in anchors if f'id="{a}"' not in body]
    if missing:
        raise AchatsError(f"PDF du parcours impossible : chapitres absents de {PRINT_PAGE} : "
                          + ", ".join(missing) + ".")
    # Folded blocks (pymdownx.details) are printed open.
    return re.sub(r"<details(?![^>]*\bopen\b)", "<details open", body)


def _page_address(site_url: str, uri: str) -> str:
    """Absolute address of a page of the site, or "" without site_url."""
    if not site_url:
        return ""
    path = uri[: -len("index.md")] if uri.endswith("index.md") else uri[:-3] + "/"
    return urljoin(site_url if site_url.endswith("/") else site_url + "/", path)


def rewrite_links(fragment: str, page_address: str) -> str:
    """Anchors stay inside the PDF, links to the site become absolute (or are dropped)."""

    def rewrite(match: re.Match) -> str:
        before, target = match.group(1), html.unescape(match.group(2))
        if target.startswith("#") or _SCHEME.match(target):
            return match.group(0)
        if not page_address:
            return f'{before}data-lien-site="{html.escape(target)}"'
        return f'{before}href="{html.escape(urljoin(page_address, target))}"'

    return _HREF.sub(rewrite, fragment)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub("", fragment))).strip()


def _table_of_contents(steps: list, chapters: str) -> str:
    """Chapters and their sections, each with the page it starts on (target-counter)."""
    starts = [m.start() for m in _CHAPTER_START.finditer(chapters)] + [len(chapters)]
    parts = {}
    for a, b in zip(starts, starts[1:]):
        heading = chapters[a:chapters.find(">", a) + 1]
        ident = _ID.search(heading)
        if ident:
            parts[ident.group(1)] = chapters[a:b]
    items = []
    for i, entry in enumerate(steps, 1):
        anchor = chapter_anchor(entry)
        part = parts.get(anchor, "")
        sections = "".join(
            f'<li><a href="#{ident.group(1)}">{html.escape(_text(title))}</a></li>'
            for attrs, title in _H3.findall(part)
            for ident in [_ID.search(attrs)] if ident and NOT_IN_TOC not in attrs)
        items.append(f'<li><a href="#{anchor}"><span class="numero">{i}.</span> '
                     f'{html.escape(entry.title)}</a>'
                     + (f'<ol class="sections">{sections}</ol>' if sections else "") + "</li>")
    return ('<nav class="sommaire" aria-labelledby="sommaire-titre">'
            '<h1 id="sommaire-titre">Sommaire</h1><ol>' + "".join(items) + "</ol></nav>")


def compose(ctx: RenderContext, steps: list, chapters: str, *, site_url: str, site_name: str,
            date: dt.datetime | None) -> str:
    """The whole PDF document: cover, table of contents, chapters, with the PDF stylesheet."""
    title = path_title(ctx) or DEFAULT_TITLE
    introduction = str(ctx.vocab.path.get("introduction") or "").strip()
    online = _page_address(site_url, INDEX_URI)
    n = len(steps)
    variant = ("Version intranet : contient des informations internes, ne pas diffuser."
               if ctx.variant == "intranet" else "Version publique.")
    cover = [
        '<section class="couverture">',
        f'<p class="couverture-site">{html.escape(site_name)}</p>',
        f'<h1 class="couverture-titre">{html.escape(title)}</h1>',
        f'<p class="couverture-intro">{html.escape(introduction)}</p>' if introduction else "",
        f'<p class="couverture-meta">{n} chapitre{"s" if n > 1 else ""}'
        + (f' · édition du {date.strftime("%d/%m/%Y")}' if date else "") + "</p>",
        f'<p class="couverture-variante">{html.escape(variant)}</p>',
        (f'<p class="couverture-lien">Version en ligne : <a href="{html.escape(online)}">'
         f"{html.escape(online)}</a></p>") if online else "",
        "</section>",
    ]
    meta = [f'<meta name="author" content="{html.escape(site_name)}">',
            f'<meta name="description" content="{html.escape(introduction)}">',
            # Also the modification date: WeasyPrint would otherwise write none, but a
            # reader may take the file's date; both are the edition's.
            *([f'<meta name="dcterms.created" content="{date.strftime("%Y-%m-%dT%H:%M:%SZ")}">',
               f'<meta name="dcterms.modified" content="{date.strftime("%Y-%m-%dT%H:%M:%SZ")}">']
              if date else []),
            '<meta name="generator" content="Achats durables (WeasyPrint)">']
    return ("<!DOCTYPE html>\n"
            f'<html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            + "".join(meta) + f"<style>{PDF_CSS}</style></head><body>"
            + "".join(cover) + _table_of_contents(steps, chapters)
            + f'<main class="chapitres">{chapters}</main></body></html>')


# The PDF's own stylesheet (the site's Material CSS is for screens and is not loaded).
PDF_CSS = """
@page {
  size: A4;
  margin: 22mm 18mm 20mm;
  @top-left { content: string(chapitre, first-except); font-size: 8pt; color: #4d4d4d; }
  @bottom-left { content: string(document); font-size: 8pt; color: #4d4d4d; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #4d4d4d; }
}
@page :first {
  margin: 0;
  @top-left { content: none; } @bottom-left { content: none; } @bottom-right { content: none; }
}
html { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 10pt;
       line-height: 1.45; color: #1a1a1a; }
body { margin: 0; }
a { color: #0b4d1b; text-decoration: none; }
a[href^="http"] { text-decoration: underline; text-decoration-color: #8fb996; }
abbr { text-decoration: none; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: .88em; }
pre { white-space: pre-wrap; background: #f3f5f3; padding: .6em .8em; }

.couverture { height: 297mm; box-sizing: border-box; padding: 55mm 24mm 20mm;
              background: #1b5e20; color: #fff; break-after: page; }
.couverture a { color: #fff; }
.couverture-site { font-size: 13pt; letter-spacing: .06em; text-transform: uppercase;
                   margin: 0 0 14mm; }
.couverture-titre { font-size: 30pt; line-height: 1.15; margin: 0 0 12mm; font-weight: bold;
                    string-set: document content(text); bookmark-level: 1; }
.couverture-intro { font-size: 12pt; line-height: 1.5; max-width: 150mm; }
.couverture-meta { margin-top: 18mm; font-size: 11pt; }
.couverture-variante { font-size: 10pt; font-style: italic; }
.couverture-lien { font-size: 9pt; margin-top: 10mm; }

.sommaire { break-after: page; }
.sommaire h1 { font-size: 20pt; margin: 0 0 8mm; color: #1b5e20; bookmark-level: 1;
               string-set: chapitre content(text); }
.sommaire ol { list-style: none; padding: 0; margin: 0; }
.sommaire > ol > li { margin: 0 0 3mm; font-weight: bold; break-inside: avoid; }
.sommaire ol.sections { margin: 1mm 0 0 6mm; font-weight: normal; font-size: 9pt; }
.sommaire ol.sections li { margin: .6mm 0; }
.sommaire a { color: inherit; display: block; }
.sommaire a::after { content: leader(".") " " target-counter(attr(href url), page);
                     font-weight: normal; }
.sommaire .numero { color: #1b5e20; }

h2.achats-chapitre { break-before: page; font-size: 17pt; line-height: 1.2; color: #1b5e20;
                     margin: 0 0 4mm; padding-bottom: 2mm; border-bottom: 1.5pt solid #1b5e20;
                     string-set: chapitre content(text); bookmark-level: 1; }
h3 { font-size: 12.5pt; margin: 6mm 0 2mm; bookmark-level: 2; break-after: avoid; }
h4 { font-size: 10.5pt; margin: 4mm 0 1.5mm; bookmark-level: none; break-after: avoid; }
h5, h6 { font-size: 10pt; bookmark-level: none; break-after: avoid; }
p, li { orphans: 3; widows: 3; }
p { margin: 0 0 2.5mm; }
ul, ol { margin: 0 0 2.5mm; padding-left: 6mm; }
li { margin: 0 0 1mm; }
.achats-resume { font-size: 11pt; color: #4d4d4d; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; font-size: 8.5pt;
        break-inside: avoid; }
th, td { border: .5pt solid #bbb; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #e8f1e8; }
.admonition, details { border-left: 3pt solid #1b5e20; background: #f3f7f3; margin: 3mm 0;
                       padding: 2mm 4mm; break-inside: avoid; font-size: 9pt; }
.admonition.warning, .admonition.danger, .admonition.caution, .admonition.attention,
details.warning { border-left-color: #b35c00; background: #fbf4ec; }
.admonition-title, summary { font-weight: bold; margin: 0 0 1mm; display: block; }
.admonition > :last-child, details > :last-child { margin-bottom: 0; }
blockquote { margin: 3mm 0; padding-left: 4mm; border-left: 2pt solid #bbb; color: #333; }
img, svg { max-width: 100%; }
[hidden] { display: none; }
"""
