"""After the build: the site's full-text search index, made by Pagefind.

Pagefind reads the built HTML and writes ``pagefind/`` inside the site: a word index split
into chunks, one fragment per page and one file per filter, so a browser downloads only the
pieces a query needs (never the whole index, unlike Material's single search_index.json).
Each variant's site is indexed on its own, so the public index only ever sees public pages.

What is indexed is marked in the HTML: ``data-pagefind-body`` on the main article (theme
override ``content/theme/main.html``), and on entry pages the kind of entry, its ID and the
clause facets (``achats.render.search_meta``). This module only runs the binary that the
``pagefind_bin`` package installed (no download at run time) and reads what it wrote.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .problems import AchatsError

log = logging.getLogger("achats.search")

BUNDLE = "pagefind"  # folder of the index inside the site
LANGUAGE = "fr"
_FRAGMENT_MAGIC = b"pagefind_dcd"  # Pagefind's prefix inside each decompressed index file
# History and diff pages (achats.render.history), static assets, the index itself.
SKIPPED_FOLDERS = {"historique", "assets", BUNDLE}
# Not words of the page: "¶" permalinks, the copy button, path and history navigation, and
# « Cité dans » (other entries' titles: a search for a word of a title would also find
# every page citing it).
EXCLUDED = [".headerlink", ".achats-copier", ".achats-parcours", ".achats-historique",
            ".achats-cite-dans"]
BODY_MARK = "data-pagefind-body"  # pages without it are not indexed
_INDEXED_ARTICLE = re.compile(r"<article\b[^>]*\s" + BODY_MARK + r"[\s>]")


@dataclass
class SearchStats:
    """What one indexing run produced."""

    site_dir: Path
    variant: str
    pages: int
    words: int | None  # as reported by Pagefind (None if its output format changed)
    filters: int | None
    seconds: float
    bundle_bytes: int

    @property
    def bundle_dir(self) -> Path:
        return self.site_dir / BUNDLE

    def summary(self) -> str:
        words = f", {self.words} mots" if self.words is not None else ""
        return (f"index de recherche ({self.variant}) : {self.pages} pages{words}, "
                f"{self.bundle_bytes / 1024:.0f} Ko, en {self.seconds:.1f} s")


def pagefind_executable() -> Path:
    """The binary shipped in the ``pagefind_bin`` wheel (``pagefind[bin]``)."""
    try:
        import pagefind_bin
    except ImportError:
        raise AchatsError("Pagefind n'est pas installé : installez les dépendances du projet "
                          "(pip install -e .), qui comprennent « pagefind[bin] ».") from None
    try:
        return Path(pagefind_bin.get_executable())
    except (FileNotFoundError, OSError) as exc:
        raise AchatsError(f"exécutable Pagefind introuvable dans le paquet pagefind_bin "
                          f"({exc}) : réinstallez « pagefind[bin] ».") from None


def searchable_copy(page_html: str) -> str | None:
    """What Pagefind needs of a built page: its indexed article in a bare document, or None
    for a page that is not indexed. Pagefind then parses a fifth of each page (the theme's
    header, navigation and footer are most of it), for the same index."""
    opening = _INDEXED_ARTICLE.search(page_html)
    if opening is None:
        return None
    end = page_html.find("</article>", opening.end())
    if end == -1:
        return None
    return (f'<!doctype html><html lang="{LANGUAGE}"><head><meta charset="utf-8"></head>'
            f"<body>{page_html[opening.start():end + len('</article>')]}</body></html>")


def index_site(site_dir: Path, variant: str, source_dir: Path | None = None) -> SearchStats:
    """Index the built site in ``site_dir`` into ``site_dir/pagefind``; French, one variant.

    ``source_dir``, when given, holds the pages to read instead of the site's (the
    ``searchable_copy`` of each indexed page, at the same relative path, so the same URL).
    Any previous ``pagefind/`` folder is removed first, so an index can never keep pages of
    an earlier build (for the public variant: never an internal page). Raises AchatsError in
    French if the binary is missing or fails.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise AchatsError(f"indexation impossible : le dossier du site {site_dir} n'existe pas.")
    bundle = site_dir / BUNDLE
    if bundle.exists():
        shutil.rmtree(bundle)
    if source_dir is None:
        command = [str(pagefind_executable()), "--site", str(site_dir), "--glob",
                   _glob(site_dir), "--output-subdir", BUNDLE]
    else:
        command = [str(pagefind_executable()), "--site", str(source_dir),
                   "--output-path", str(bundle)]
    command += ["--force-language", LANGUAGE, "--exclude-selectors", ", ".join(EXCLUDED)]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", check=False)
    except OSError as exc:
        raise AchatsError(f"impossible de lancer Pagefind ({exc}).") from None
    seconds = time.perf_counter() - started
    output = done.stdout + done.stderr
    if done.returncode != 0 or not (bundle / "pagefind-entry.json").is_file():
        why = (" : le dossier ne contient aucune page HTML" if "any html files" in output
               else "")
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
        detail = "\n".join(dict.fromkeys(line.strip() for line in lines[-6:]))
        raise AchatsError(f"l'indexation de recherche de {site_dir} a échoué (Pagefind, code "
                          f"{done.returncode}){why}.\nMessage de Pagefind (en anglais) :\n"
                          f"{detail}")
    stats = SearchStats(
        site_dir=site_dir, variant=variant,
        pages=_count(r"Indexed (\d+) pages?", output) or _entry(bundle).get("page_count", 0),
        words=_count(r"Indexed (\d+) words?", output),
        filters=_count(r"Indexed (\d+) filters?", output),
        seconds=seconds,
        bundle_bytes=sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file()),
    )
    log.info("achats : %s.", stats.summary())
    return stats


def _glob(site_dir: Path) -> str:
    """The HTML files Pagefind reads: all, except in folders that hold no page to index
    (it would still parse each file only to find no data-pagefind-body)."""
    folders = sorted(p.name for p in site_dir.iterdir()
                     if p.is_dir() and p.name not in SKIPPED_FOLDERS)
    return "{" + ",".join(["*.html"] + [f"{_glob_escape(f)}/**/*.html" for f in folders]) + "}"


def _glob_escape(name: str) -> str:
    return re.sub(r"([\\{}\[\]*?,!])", r"\\\1", name)


def _count(pattern: str, text: str) -> int | None:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else None


def _entry(bundle: Path) -> dict:
    """The language entry of ``pagefind-entry.json`` (hash of the metadata file, page count)."""
    data = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return data["languages"].get(LANGUAGE) or next(iter(data["languages"].values()))


def read_index_file(path: Path) -> bytes:
    """The decompressed payload of a Pagefind index file (after its magic prefix)."""
    data = gzip.decompress(path.read_bytes())
    return data[len(_FRAGMENT_MAGIC):] if data.startswith(_FRAGMENT_MAGIC) else data


def indexed_pages(site_dir: Path) -> list[dict]:
    """Every page the index holds: url, meta (title, fiche, identifiant), filters, content.

    Read from the fragments, which is what a browser shows for a result; used by the tests
    and usable by an audit of the public index.
    """
    fragments = Path(site_dir) / BUNDLE / "fragment"
    return [json.loads(read_index_file(path)) for path in sorted(fragments.glob("*.pf_fragment"))]


@dataclass
class QueryLoad:
    """What one single-word query makes a browser download from the index, at worst
    (stored sizes in bytes: the files are gzip-compressed, this is what travels)."""

    entry: int  # pagefind-entry.json
    meta: int  # pagefind.<hash>.pf_meta: every page's hash and word count, chunk boundaries
    largest_chunk: int  # the biggest word-index chunk (a query loads the chunk of its word)
    filters: int  # every filter file (Pagefind UI loads them all to show facet counts)
    fragments: int  # the five largest fragments (Pagefind UI shows five results at first)
    chunk_sizes: list  # every word-index chunk, largest first

    @property
    def index(self) -> int:
        """Entry file + largest word chunk + filter files: the index data proper."""
        return self.entry + self.largest_chunk + self.filters

    @property
    def complete(self) -> int:
        """Everything the first screen of results needs: also the metadata and fragments."""
        return self.index + self.meta + self.fragments


RESULTS_SHOWN_FIRST = 5


def query_load(bundle: Path) -> QueryLoad:
    """Worst case of what one single-word query downloads from the index.

    Pagefind's client loads, for any search: the entry file and the language's metadata file
    (on the first search), then the word-index chunk whose word range holds the (stemmed)
    word, then one fragment per result displayed; Pagefind UI also loads every filter file
    to show the facet counts. The worst single-word query is thus the one whose word lies in
    the largest chunk: ``index`` counts entry + that chunk + all filter files, ``complete``
    adds the metadata file and the five largest fragments. The program and WebAssembly files
    are left out: their size does not depend on the number of pages, and browsers cache them.
    """
    bundle = Path(bundle)
    entry_file = bundle / "pagefind-entry.json"
    meta_file = bundle / f"pagefind.{_entry(bundle)['hash']}.pf_meta"
    chunks = sorted((p.stat().st_size for p in (bundle / "index").glob("*.pf_index")),
                    reverse=True)
    filters = [p.stat().st_size for p in (bundle / "filter").glob("*.pf_filter")]
    fragments = sorted((p.stat().st_size for p in (bundle / "fragment").glob("*.pf_fragment")),
                       reverse=True)
    return QueryLoad(entry=entry_file.stat().st_size, meta=meta_file.stat().st_size,
                     largest_chunk=chunks[0] if chunks else 0, filters=sum(filters),
                     fragments=sum(fragments[:RESULTS_SHOWN_FIRST]), chunk_sizes=chunks)
