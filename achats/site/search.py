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

import json
import logging
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from achats.problems import AchatsError
from achats.site.search_chunks import ChunkReport, bound_chunks, read_index_file, write_entry

log = logging.getLogger("achats.site.search")

BUNDLE = "pagefind"  # folder of the index inside the site
LANGUAGE = "fr"
# History and diff pages (achats.render.history), static assets, the index itself.
SKIPPED_FOLDERS = {"historique", "assets", BUNDLE}
# Not words of the page: "¶" permalinks, the copy button, path and history navigation,
# « Cité dans » (other entries' titles: a search for a word of a title would also find
# every page citing it), and labels only screen readers get (the facts table's caption,
# which Pagefind would glue to the first row: "FicheIdentifiant").
EXCLUDED = [".headerlink", ".achats-copier", ".achats-parcours", ".achats-historique",
            ".achats-cite-dans", ".achats-invisible"]
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
    chunks: ChunkReport | None = None  # what achats.site.search_chunks cut after Pagefind
    parts: int = 1  # Pagefind indexes written side by side (pagefind/, pagefind-2/)

    def summary(self) -> str:
        words = f", {self.words} mots" if self.words is not None else ""
        cut = (f", {self.chunks.cut} morceaux trop gros redécoupés (le plus gros : "
               f"{self.chunks.largest_after / 1024:.0f} Ko)" if self.chunks and self.chunks.cut
               else "")
        parts = f", en {self.parts} parties" if self.parts > 1 else ""
        return (f"index de recherche ({self.variant}) : {self.pages} pages{words}{parts}, "
                f"{self.bundle_bytes / 1024:.0f} Ko{cut}, en {self.seconds:.1f} s")


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


def index_site(site_dir: Path, variant: str, source_dir: Path | None = None,
               parts: int | None = None) -> SearchStats:
    """Index the built site in ``site_dir`` into ``site_dir/pagefind``; French, one variant.

    ``source_dir``, when given, holds the pages to read instead of the site's (the
    ``searchable_copy`` of each indexed page, at the same relative path, so the same URL).
    Pagefind works mostly on one core: from ``PARTS_FROM`` pages (or with ``parts=2``) the
    pages are shared between two Pagefind processes running side by side, which write two
    indexes, ``pagefind/`` and ``pagefind-2/``; the first one's ``pagefind-entry.json`` lists
    the others (key ``achats_parties``) and the site's search merges them in the browser
    (Pagefind's ``mergeIndex``). Previous index folders are removed first, so an index can
    never keep pages of an earlier build (for the public variant: never an internal page).
    Raises AchatsError in French if the binary is missing or fails.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise AchatsError(f"indexation impossible : le dossier du site {site_dir} n'existe pas.")
    for old in site_dir.iterdir():
        if old.is_dir() and re.fullmatch(re.escape(BUNDLE) + r"(-\d+)?", old.name):
            shutil.rmtree(old)
    started = time.perf_counter()
    sources = _share(Path(source_dir), parts) if source_dir is not None else [None]
    bundles = [site_dir / _bundle_name(i) for i in range(len(sources))]
    runs: list[subprocess.Popen] = []
    try:
        for source, bundle in zip(sources, bundles):
            runs.append(_start_pagefind(site_dir, source, bundle))
        outputs = [_finish_pagefind(site_dir, run, bundle) for run, bundle in zip(runs, bundles)]
    finally:
        for run in runs:  # after a failure, no Pagefind left running
            if run.poll() is None:
                run.kill()
                run.communicate()
        for extra in sources[1:]:  # made by _share beside the given folder
            shutil.rmtree(extra, ignore_errors=True)
    reports = [bound_chunks(bundle) for bundle in bundles]
    if len(bundles) > 1:
        _list_parts(bundles)
    seconds = time.perf_counter() - started
    counts = [_count(r"Indexed (\d+) pages?", out) or _entry(b).get("page_count", 0)
              for out, b in zip(outputs, bundles)]
    stats = SearchStats(
        site_dir=site_dir, variant=variant, pages=sum(counts),
        # Each part counts its own words: their sum would count shared words twice.
        words=_count(r"Indexed (\d+) words?", outputs[0]) if len(bundles) == 1 else None,
        filters=_count(r"Indexed (\d+) filters?", outputs[0]),
        seconds=seconds,
        bundle_bytes=sum(p.stat().st_size for b in bundles for p in b.rglob("*") if p.is_file()),
        chunks=_combined(reports), parts=len(bundles),
    )
    log.info("achats : %s.", stats.summary())
    return stats


PARTS_FROM = 500  # indexed pages from which two Pagefind processes share the work
PARTS_KEY = "achats_parties"  # in the first index's pagefind-entry.json


def _bundle_name(part: int) -> str:
    return BUNDLE if part == 0 else f"{BUNDLE}-{part + 1}"


def _share(source_dir: Path, parts: int | None) -> list[Path]:
    """The source folder, or it and a sibling holding every other page (sorted by path,
    so both get pages of every kind): one folder per Pagefind process."""
    pages = sorted(source_dir.rglob("*.html"))
    if parts is None:
        parts = 2 if len(pages) >= PARTS_FROM else 1
    if parts < 2 or len(pages) < 2:
        return [source_dir]
    second = source_dir.with_name(source_dir.name + "-2")
    if second.exists():
        shutil.rmtree(second)
    for page in pages[1::2]:
        target = second / page.relative_to(source_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        page.replace(target)
    return [source_dir, second]


def _start_pagefind(site_dir: Path, source: Path | None, bundle: Path) -> subprocess.Popen:
    if source is None:
        command = [str(pagefind_executable()), "--site", str(site_dir), "--glob",
                   _glob(site_dir), "--output-subdir", BUNDLE]
    else:
        command = [str(pagefind_executable()), "--site", str(source),
                   "--output-path", str(bundle)]
    command += ["--force-language", LANGUAGE, "--exclude-selectors", ", ".join(EXCLUDED)]
    try:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise AchatsError(f"impossible de lancer Pagefind ({exc}).") from None


def _finish_pagefind(site_dir: Path, run: subprocess.Popen, bundle: Path) -> str:
    stdout, stderr = run.communicate()
    output = stdout + stderr
    if run.returncode != 0 or not (bundle / "pagefind-entry.json").is_file():
        why = (" : le dossier ne contient aucune page HTML" if "any html files" in output
               else "")
        lines = (stderr.strip() or stdout.strip()).splitlines()
        detail = "\n".join(dict.fromkeys(line.strip() for line in lines[-6:]))
        raise AchatsError(f"l'indexation de recherche de {site_dir} a échoué (Pagefind, code "
                          f"{run.returncode}){why}.\nMessage de Pagefind (en anglais) :\n"
                          f"{detail}")
    return output


def _list_parts(bundles: list[Path]) -> None:
    """Name the other parts in the first one's entry file, relative to it."""
    entry_path = bundles[0] / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    entry[PARTS_KEY] = [f"../{bundle.name}/" for bundle in bundles[1:]]
    write_entry(entry_path, entry)


def bundles_of(site_dir: Path) -> list[Path]:
    """Every index folder of a built site: ``pagefind/`` and the parts it lists."""
    first = Path(site_dir) / BUNDLE
    entry = json.loads((first / "pagefind-entry.json").read_text(encoding="utf-8"))
    return [first] + [(first / part).resolve() for part in entry.get(PARTS_KEY, [])]


def _combined(reports: list[ChunkReport]) -> ChunkReport:
    return ChunkReport(
        chunks_before=sum(r.chunks_before for r in reports),
        chunks_after=sum(r.chunks_after for r in reports), cut=sum(r.cut for r in reports),
        capped_words=sum(r.capped_words for r in reports),
        largest_before=max(r.largest_before for r in reports),
        largest_after=max(r.largest_after for r in reports))


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


def indexed_pages(site_dir: Path) -> list[dict]:
    """Every page the index holds: url, meta (title, fiche, identifiant), filters, content.

    Read from the fragments, which is what a browser shows for a result; used by the tests
    and usable by an audit of the public index.
    """
    return [json.loads(read_index_file(path)) for bundle in bundles_of(site_dir)
            for path in sorted((bundle / "fragment").glob("*.pf_fragment"))]


@dataclass
class QueryLoad:
    """What one single-word query makes a browser download from the index, at worst
    (stored sizes in bytes: the files are gzip-compressed, this is what travels)."""

    entry: int  # pagefind-entry.json
    meta: int  # pagefind.<hash>.pf_meta: every page's hash and word count, chunk boundaries
    largest_chunk: int  # the biggest word-index chunk
    second_chunk: int  # the next biggest (a query looks up its word and the word's stem)
    filters: int  # every filter file (Pagefind UI loads them all to show facet counts)
    fragments: int  # the five largest fragments (Pagefind UI shows five results at first)
    chunk_sizes: list  # every word-index chunk, largest first

    @property
    def index(self) -> int:
        """Entry file + the two largest word chunks + filter files: the index data proper."""
        return self.entry + self.largest_chunk + self.second_chunk + self.filters

    @property
    def complete(self) -> int:
        """Everything the first screen of results needs: also the metadata and fragments."""
        return self.index + self.meta + self.fragments


RESULTS_SHOWN_FIRST = 5


def query_load(site_dir: Path) -> QueryLoad:
    """Worst case of what one single-word query downloads from the index.

    Pagefind's client loads, for any search: the entry file and the language's metadata file
    (on the first search), then the word-index chunk whose word range holds the word as typed
    (accents folded) and the one that holds its stem, two at most (they are often the same
    one); then one fragment per result displayed; Pagefind UI also loads every filter file
    to show the facet counts. The worst case counted here is thus entry + the two largest
    chunks + all filter files (``index``); ``complete`` adds the metadata file and the five
    largest fragments. With several parts (``pagefind-2/``…, listed by the first), a query
    searches each: their loads add up. The program and WebAssembly files are left out: their
    size does not depend on the number of pages, and browsers cache them.
    """
    measured = [_bundle_load(part) for part in bundles_of(site_dir)]
    loads = [load for load, _ in measured]
    fragments = sorted((size for _, sizes in measured for size in sizes), reverse=True)
    return QueryLoad(
        entry=sum(load.entry for load in loads), meta=sum(load.meta for load in loads),
        largest_chunk=sum(load.largest_chunk for load in loads),
        second_chunk=sum(load.second_chunk for load in loads),
        filters=sum(load.filters for load in loads),
        fragments=sum(fragments[:RESULTS_SHOWN_FIRST]),
        chunk_sizes=sorted((c for load in loads for c in load.chunk_sizes), reverse=True))


def _bundle_load(bundle: Path) -> tuple[QueryLoad, list[int]]:
    """One index's share of the load, and the sizes of its fragments."""
    entry_file = bundle / "pagefind-entry.json"
    meta_file = bundle / f"pagefind.{_entry(bundle)['hash']}.pf_meta"
    chunks = sorted((p.stat().st_size for p in (bundle / "index").glob("*.pf_index")),
                    reverse=True)
    filters = [p.stat().st_size for p in (bundle / "filter").glob("*.pf_filter")]
    fragments = [p.stat().st_size for p in (bundle / "fragment").glob("*.pf_fragment")]
    return QueryLoad(entry=entry_file.stat().st_size, meta=meta_file.stat().st_size,
                     largest_chunk=chunks[0] if chunks else 0,
                     second_chunk=chunks[1] if len(chunks) > 1 else 0, filters=sum(filters),
                     fragments=0, chunk_sizes=chunks), fragments
