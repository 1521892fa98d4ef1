"""Cutting Pagefind's oversized word-index chunks (achats.site.search_chunks), on real indexes.

The bundles come from the real Pagefind binary over a real build of the fixture project;
they are cut with a tiny budget so that a small site has chunks to cut and words to cap.
What must hold: every word keeps every page it was on, the files the metadata names are
exactly the files present, the bounds are the ones Pagefind itself computes, and a browser
running Pagefind's own client finds the same pages before and after.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import cbor2
import pytest

from achats.site import search_chunks
from achats.problems import AchatsError
from achats.project import Project
from achats.site.search import pagefind_executable
from achats.site.search_chunks import (MAGIC, _bounds, _chunk_bytes, _words, bound_chunks,
                                  decode_index_file, packed, positions)
from achats.site.commands import build_site
from projects import make_project

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TINY = 100  # bytes: a budget that the commonest words of a fifty-page site go over


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("morceaux") / "projet")
    return build_site(project=Project(project), site_dir=str(project / "site"))


def bundle_copy(site: Path, target: Path) -> Path:
    shutil.copytree(site / "pagefind", target)
    return target


def meta_of(bundle: Path):
    entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    return decode_index_file(bundle / f"pagefind.{entry['languages']['fr']['hash']}.pf_meta")


def chunk_words(bundle: Path) -> list[list]:
    """The words of each chunk, in the metadata's order."""
    return [decode_index_file(bundle / "index" / f"{name}.pf_index")[0]
            for _, _, name in meta_of(bundle)[2]]


def positions_by_word(bundle: Path) -> dict[str, dict[str, dict[int, int]]]:
    """word -> spelling -> page number -> how many positions (Pagefind stores the gaps
    between page numbers)."""
    out = {}
    for words in chunk_words(bundle):
        for word in words:
            spellings = {word[0]: word[1]} | {v[0]: v[1] for v in word[2]}
            out[word[0]] = {}
            for spelling, pages in spellings.items():
                number, counts = 0, {}
                for page in pages:
                    number += page[0]
                    counts[number] = len(positions(page[1]))
                out[word[0]][spelling] = counts
    return out


def pages_by_word(bundle: Path) -> dict[str, dict[str, set[int]]]:
    return {word: {spelling: set(counts) for spelling, counts in spellings.items()}
            for word, spellings in positions_by_word(bundle).items()}


def test_positions_are_read_and_written_as_pagefind_packs_them(site):
    """Unpacking then packing every position list of a real index gives it back, byte for
    byte; so does copying each word's own bytes out of a chunk."""
    lists = [page[1] for words in chunk_words(site / "pagefind") for word in words
             for pages in [word[1]] + [v[1] for v in word[2]] for page in pages]
    assert len(lists) > 1000
    assert any(sum(1 for v in locs if v < 0) > 1 for locs in lists)  # several weights
    for locs in lists:
        assert packed(positions(locs)) == locs
    for _, _, name in meta_of(site / "pagefind")[2]:
        path = site / "pagefind" / "index" / f"{name}.pf_index"
        data = gzip.decompress(path.read_bytes())[len(MAGIC):]
        words = _words(data, path)
        assert _chunk_bytes(words) == data
        assert all(cbor2.dumps(word) == part for word, part in words)


def finely_chunked(site: Path, out: Path) -> Path:
    """An index of the site that Pagefind itself cut into many small chunks."""
    env = dict(os.environ, PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE="40")
    subprocess.run([str(pagefind_executable()), "--site", str(site), "--output-path", str(out),
                    "--force-language", "fr", "--glob", "{clauses,guides,marches}/**/*.html"],
                   check=True, capture_output=True, env=env)
    return out


def test_bounds_are_the_ones_pagefind_computes(site, tmp_path):
    """Pagefind made to cut its index very finely: bounding its chunks with our port of its
    rule gives back its own from/to, chunk after chunk."""
    out = finely_chunked(site, tmp_path / "fin")
    meta = meta_of(out)
    chunks = chunk_words(out)
    assert len(chunks) >= 10
    pieces = [[(word, b"") for word in words] for words in chunks]
    assert _bounds(pieces, chunks[0][0][0], chunks[-1][-1][0]) == [[f, t] for f, t, _ in meta[2]]


def test_oversized_chunks_are_cut_and_every_page_kept(site, tmp_path):
    bundle = bundle_copy(site, tmp_path / "pagefind")
    before = pages_by_word(bundle)
    counts_before = positions_by_word(bundle)
    report = bound_chunks(bundle, budget=TINY, kept=1)
    assert report.cut > 0 and report.capped_words > 0
    assert report.chunks_after > report.chunks_before
    assert pages_by_word(bundle) == before  # same words, spellings and pages
    # The metadata names exactly the files present, and the entry file names the metadata.
    named = {name for _, _, name in meta_of(bundle)[2]}
    assert named == {p.stem for p in (bundle / "index").glob("*.pf_index")}
    assert len(list(bundle.glob("pagefind.*.pf_meta"))) == 1
    assert not list(bundle.rglob("*.tmp"))
    for words, (_, _, name) in zip(chunk_words(bundle), meta_of(bundle)[2]):
        size = (bundle / "index" / f"{name}.pf_index").stat().st_size
        assert size <= TINY or len(words) == 1, name
    # A page keeps at least one position of a word it had positions of (some words are
    # only in a page's metadata: no position in its text, before as after).
    for word, spellings in positions_by_word(bundle).items():
        for spelling, counts in spellings.items():
            for page, count in counts.items():
                had = counts_before[word][spelling][page]
                assert (count >= 1 if had else count == 0) and count <= had
    # The commonest word ("de") is too big for the budget alone: one position per page left.
    common = max(counts_before, key=lambda w: sum(sum(c.values())
                                                  for c in counts_before[w].values()))
    assert common == "de" and max(counts_before["de"]["de"].values()) > 1
    assert set(positions_by_word(bundle)["de"]["de"].values()) == {1}
    # Cut again: only the single words still over the budget are "cut", into themselves.
    again = bound_chunks(bundle, budget=TINY, kept=1)
    assert again.chunks_after == again.chunks_before == report.chunks_after
    assert pages_by_word(bundle) == before


def test_many_chunks_are_cut_side_by_side_with_the_same_result(site, tmp_path, monkeypatch):
    """Many chunks over the budget (cut by two processes when the machine has two cores):
    pages kept word by word, and the same files as when cut one after the other."""
    bundle = finely_chunked(site, tmp_path / "fin")
    shutil.copytree(bundle, tmp_path / "un-par-un")
    before = pages_by_word(bundle)
    over = [name for _, _, name in meta_of(bundle)[2]
            if (bundle / "index" / f"{name}.pf_index").stat().st_size > TINY]
    assert len(over) >= search_chunks.PARALLEL_FROM
    report = bound_chunks(bundle, budget=TINY, kept=1)
    assert report.cut == len(over)
    assert pages_by_word(bundle) == before
    monkeypatch.setattr(search_chunks, "PARALLEL_FROM", 10 ** 9)  # one after the other
    bound_chunks(tmp_path / "un-par-un", budget=TINY, kept=1)
    files = {p.relative_to(bundle): p.read_bytes() for p in bundle.rglob("*") if p.is_file()}
    other = tmp_path / "un-par-un"
    assert files == {p.relative_to(other): p.read_bytes() for p in other.rglob("*")
                     if p.is_file()}


def test_small_chunks_are_left_as_pagefind_wrote_them(site, tmp_path):
    bundle = bundle_copy(site, tmp_path / "pagefind")
    files = {p.name: p.read_bytes() for p in bundle.rglob("*") if p.is_file()}
    report = bound_chunks(bundle, budget=10 * 1024 * 1024)
    assert report.cut == 0
    assert {p.name: p.read_bytes() for p in bundle.rglob("*") if p.is_file()} == files


def test_an_index_of_another_pagefind_version_is_refused_in_french(site, tmp_path):
    bundle = bundle_copy(site, tmp_path / "pagefind")
    entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    entry["version"] = "2.0.0"
    (bundle / "pagefind-entry.json").write_text(json.dumps(entry), "utf-8")
    with pytest.raises(AchatsError, match="format de Pagefind 2.0.0 non pris en charge"):
        bound_chunks(bundle, budget=TINY)


# --- in a real browser: Pagefind's own client, before and after ------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


QUERY = """async ([bundle, words]) => {
  const pagefind = await import(bundle + "pagefind.js");
  await pagefind.options({ basePath: bundle });
  await pagefind.init();
  const found = {};
  for (const word of words) {
    const search = await pagefind.search(word);
    const data = await Promise.all(search.results.map((r) => r.data()));
    found[word] = data.map((d) => d.url).sort();
  }
  return found;
}"""


@pytest.mark.browser
def test_a_browser_finds_the_same_pages_after_the_cut(site, tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium de Debian absent")
    root = tmp_path / "servi"
    root.mkdir()
    (root / "index.html").write_text('<!doctype html><html lang="fr"><body></body></html>',
                                     "utf-8")
    bundle_copy(site, root / "avant")
    bound_chunks(bundle_copy(site, root / "apres"), budget=TINY, kept=1)
    # The commonest words (capped), accents typed or not, a prefix, a rarer word.
    words = ["de", "la", "clause", "critère", "critere", "marché", "environnement", "envir",
             "insertion", "heures", "sociale"]
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            found = {}
            for name in ("avant", "apres"):
                page = browser.new_page()
                page.goto(url + "/index.html")
                found[name] = page.evaluate(QUERY, [f"/{name}/", words])
                page.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert found["apres"] == found["avant"]
    assert all(found["avant"][w] for w in words)
