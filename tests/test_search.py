"""Search: real builds indexed by the real Pagefind binary, per variant, in French.

The index is read back from Pagefind's fragments (one per indexed page: URL, metadata,
filters, text), which is exactly what a browser receives for a result. The browser tests at
the end drive Debian's Chromium through the header search box and the clause finder.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest

from achats.problems import AchatsError
from achats.project import Project
from achats.site.search import (PARTS_KEY, _bundle_load, bundles_of, index_site, indexed_pages,
                           query_load, read_index_file, searchable_copy)
from achats.site.commands import build_site
from projects import make_project

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def intranet(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("recherche") / "projet")
    return build_site(project=Project(project), site_dir=str(project / "site"))


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("recherche-public") / "projet")
    # The contributors' guide quotes example values ("@acheteur-referent", "Clause d'insertion
    # sociale") that the leak audit cannot tell from the fixture's internal ones.
    (project / "content/pages/contribuer/format-des-fiches.md").write_text(
        "# Format des fiches\n\nVoir « achats schema ».\n", encoding="utf-8")
    return build_site(public=True, project=Project(project),
                      site_dir=str(project / "site-public"))


def by_id(site: Path) -> dict[str, dict]:
    return {page["meta"]["identifiant"]: page for page in indexed_pages(site)
            if "identifiant" in page["meta"]}


def test_index_is_written_in_the_site_in_french(intranet):
    """The build writes pagefind/ inside the site, one language: French."""
    entry = json.loads((intranet / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    assert list(entry["languages"]) == ["fr"]
    assert entry["languages"]["fr"]["page_count"] == len(indexed_pages(intranet))
    assert (intranet / "pagefind" / "pagefind-ui.js").is_file()


def test_bare_copies_give_the_index_of_the_whole_pages(intranet, tmp_path):
    """Pagefind reads bare copies of the indexed articles during the build (then removed):
    the index is the one it makes from the whole built pages."""
    assert not (intranet / "pagefind-source").exists()
    site = tmp_path / "site"
    shutil.copytree(intranet, site)
    index_site(site, "intranet")  # from the whole pages of the site
    whole = {p["url"]: (p["meta"], p["filters"], p["content"]) for p in indexed_pages(site)}
    built = {p["url"]: (p["meta"], p["filters"], p["content"]) for p in indexed_pages(intranet)}
    assert len(built) >= 7
    assert built == whole


def test_entry_pages_carry_kind_id_and_clause_filters(intranet):
    """Results show the kind of entry and its ID; clause pages carry the six facets."""
    pages = by_id(intranet)
    assert {"GU-001", "GU-002", "CL-001", "CL-002", "RA-001", "AP-001", "MA-001"} <= set(pages)
    clause = pages["CL-001"]
    assert clause["meta"]["fiche"] == "Clause"
    assert clause["meta"]["title"] == "Critère environnemental"  # no "¶" permalink
    assert pages["CL-002"]["meta"]["title"] == "Clause d'insertion"  # decoded once, not "&#x27;"
    assert clause["url"] == "/clauses/cl-001-environnement/"
    # The facts table is indexed, not its caption for screen readers ("Fiche"), which
    # Pagefind would glue to the first row's label.
    assert "Identifiant" in clause["content"] and "FicheIdentifiant" not in clause["content"]
    assert clause["filters"] == {
        "fiche": ["Clause"], "pilier": ["Environnemental"], "type": ["Critère d'attribution"],
        "famille": ["Services", "Prestations intellectuelles"],
        "catégorie": ["Restauration scolaire des lycées", "Études et prestations intellectuelles"],
        "article": ["L2152-7", "R2152-7"], "procédure": ["Procédure adaptée (MAPA)"],
        "statut": ["Validée"]}
    assert pages["CL-002"]["filters"]["statut"] == ["Proposée"]
    assert pages["RA-001"]["meta"]["fiche"] == "Rapport d'étonnement"
    assert pages["RA-001"]["filters"] == {"fiche": ["Rapport d'étonnement"]}
    assert pages["GU-001"]["meta"]["fiche"] == "Chapitre du guide"


def test_only_the_article_is_indexed(intranet):
    """The banner, path navigation and copy button are not words of the page; the text is."""
    clause = by_id(intranet)["CL-001"]
    assert "performance environnementale" in clause["content"]
    assert "Version intranet" not in clause["content"]
    assert "Copier le texte" not in clause["content"]
    assert "¶" not in clause["content"]
    # « Cité dans » lists other entries' titles: not words of this clause.
    assert "Cité dans" in (intranet / "clauses/cl-001-environnement/index.html").read_text(
        "utf-8")
    assert "Cité dans" not in clause["content"]
    chapter = by_id(intranet)["GU-001"]["content"]  # first step of the new-arrivals path
    assert "Suivant" not in chapter and "Un chapitre de test" in chapter


def test_listing_pages_are_left_out(intranet):
    """Catalogues, facet lists, the finder and tags only repeat titles: they are not results."""
    urls = {page["url"] for page in indexed_pages(intranet)}
    assert "/base-legale/" in urls and "/contribuer/format-des-fiches/" in urls
    assert not {"/clauses/", "/guides/", "/marches/", "/rapports/", "/aperos/"} & urls
    assert not [u for u in urls if re.match(r"/clauses/[^/]+/[^/]+/", u)
                or re.match(r"/clauses/(pilier|type|famille|categorie|article|statut)/", u)]
    assert "/trouver-une-clause/" not in urls and "/tags/" not in urls


def test_public_index_holds_no_internal_entry(public):
    """The public variant's index is built from the public site only."""
    pages = indexed_pages(public)
    ids = {page["meta"].get("identifiant") for page in pages}
    assert "CL-001" in ids
    assert "RA-001" not in ids and "CL-002" not in ids
    everything = json.dumps(pages, ensure_ascii=False)
    assert "canari" not in everything
    statuses = {s for page in pages for s in page["filters"].get("statut", [])}
    assert statuses == {"Validée"}


def test_header_has_a_french_search_button(intranet):
    """Every page has the header search (hidden until the script shows it)."""
    html = (intranet / "clauses" / "cl-001-environnement" / "index.html").read_text("utf-8")
    assert 'data-achats-recherche data-racine="../../"' in html
    assert 'aria-label="Rechercher dans le site"' in html
    assert '<dialog id="achats-recherche-dialogue"' in html
    assert re.search(r'<article class="md-content__inner md-typeset"\s+data-pagefind-body>', html)


def test_finder_exposes_pagefind_filters(intranet):
    """The clause finder maps each select to a Pagefind filter and each option to its label."""
    html = (intranet / "trouver-une-clause" / "index.html").read_text("utf-8")
    assert 'data-pagefind-filtre="pilier"' in html
    assert 'data-libelle="Environnemental"' in html
    assert 'data-fiche="Clause"' in html
    assert 'data-racine="../"' in html


def test_recherche_false_builds_without_index(tmp_path):
    """extra.recherche: false gives a site without index and without a search button."""
    project = make_project(tmp_path / "projet")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("recherche: true", "recherche: false"),
                      encoding="utf-8")
    site = build_site(project=Project(project), site_dir=str(project / "site"))
    assert not (site / "pagefind").exists()
    assert "data-achats-recherche" not in (site / "index.html").read_text("utf-8")


def test_reindexing_replaces_the_previous_index(intranet, tmp_path):
    """A stale index never survives: pagefind/ is rebuilt from scratch."""
    site = tmp_path / "site"
    shutil.copytree(intranet, site)
    stale = site / "pagefind" / "fragment" / "fr_perime.pf_fragment"
    stale.write_bytes(b"")
    stats = index_site(site, "intranet")
    assert not stale.exists()
    assert stats.pages == len(indexed_pages(site))
    assert "index de recherche (intranet)" in stats.summary()


def test_indexing_errors_are_french(tmp_path):
    """A missing or empty site is an AchatsError in French, not a traceback."""
    with pytest.raises(AchatsError, match="n'existe pas"):
        index_site(tmp_path / "absent", "intranet")
    (tmp_path / "vide").mkdir()
    with pytest.raises(AchatsError, match="aucune page HTML"):
        index_site(tmp_path / "vide", "intranet")


def test_query_load_is_computed_from_the_index(intranet):
    """The worst single-word query: entry + the two largest chunks (the word and its stem)
    + filters (+ metadata, results)."""
    load = query_load(intranet)
    assert load.chunk_sizes and load.largest_chunk == max(load.chunk_sizes)
    assert load.second_chunk == (load.chunk_sizes[1] if len(load.chunk_sizes) > 1 else 0)
    assert load.filters > 0 and load.entry > 0
    assert load.index == load.entry + load.largest_chunk + load.second_chunk + load.filters
    assert load.complete == load.index + load.meta + load.fragments


def in_two_parts(site: Path, target: Path) -> Path:
    """A copy of the built site indexed as a large site is: two Pagefind processes, two
    indexes (from bare copies of the pages, as during a build)."""
    shutil.copytree(site, target)
    source = target / "pagefind-source"
    for page in target.rglob("*.html"):
        copy = searchable_copy(page.read_text("utf-8"))
        if copy is not None and "pagefind" not in page.relative_to(target).parts[0]:
            (source / page.relative_to(target)).parent.mkdir(parents=True, exist_ok=True)
            (source / page.relative_to(target)).write_text(copy, "utf-8")
    stats = index_site(target, "intranet", source_dir=source, parts=2)
    shutil.rmtree(source)
    assert stats.parts == 2
    return target


def test_a_large_site_is_indexed_in_two_parts_that_hold_every_page(intranet, tmp_path):
    """Two Pagefind processes share the pages; the first index lists the second; together
    they hold exactly the pages (and texts) of the one-part index; the load of a query is
    the sum of both; nothing is left of the pages given to the second process."""
    site = in_two_parts(intranet, tmp_path / "site")
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    assert entry[PARTS_KEY] == ["../pagefind-2/"]
    assert [b.name for b in bundles_of(site)] == ["pagefind", "pagefind-2"]
    one = {p["url"]: (p["meta"], p["filters"], p["content"]) for p in indexed_pages(intranet)}
    two = {p["url"]: (p["meta"], p["filters"], p["content"]) for p in indexed_pages(site)}
    assert two == one
    parts = [len(list((b / "fragment").glob("*.pf_fragment"))) for b in bundles_of(site)]
    assert sum(parts) == len(one) and min(parts) >= len(one) // 2 - 1
    # The browser tests below search both: CL-001 is in the first part, CL-002 in the second.
    in_second = {json.loads(read_index_file(f))["url"]
                 for f in (site / "pagefind-2" / "fragment").glob("*.pf_fragment")}
    assert "/clauses/cl-002-insertion/" in in_second
    assert "/clauses/cl-001-environnement/" not in in_second
    assert not (site / "pagefind-source-2").exists()
    load = query_load(site)
    alone = [_bundle_load(b)[0] for b in bundles_of(site)]
    assert load.index == sum(part.index for part in alone) > query_load(intranet).index
    # Indexed again in one part: the second index goes, and the first lists nothing.
    index_site(site, "intranet")
    assert not (site / "pagefind-2").exists()
    assert PARTS_KEY not in json.loads((site / "pagefind" / "pagefind-entry.json").read_text())


# --- in a real browser -------------------------------------------------------------------


@pytest.fixture(scope="module", params=[1, 2], ids=["un-index", "deux-parties"])
def served(request, intranet, tmp_path_factory):
    """The built intranet site over HTTP (Pagefind fetches its files, so no file://); and
    the same site indexed in two parts, which the search must merge."""
    site = intranet if request.param == 1 else in_two_parts(
        intranet, tmp_path_factory.mktemp("deux-parties") / "site")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium de Debian absent")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.mark.browser
def test_header_search_finds_a_clause_with_kind_and_id(served, browser):
    """The header button opens Pagefind UI; a French word finds the clause, kind and ID shown."""
    page = browser.new_page()
    page.goto(served + "/guides/premier-chapitre/")
    button = page.get_by_role("button", name="Rechercher dans le site")
    button.click()
    dialog = page.get_by_role("dialog", name="Rechercher dans le site")
    dialog.get_by_role("textbox").fill("environnementale")
    first = dialog.locator(".pagefind-ui__result").first
    # A result shows a grey placeholder until its fragment is loaded; then comes its link.
    first.locator(".pagefind-ui__result-link").first.wait_for(timeout=10_000)
    title = first.locator(".pagefind-ui__result-title").first.inner_text()
    assert title == "Critère environnemental"
    tags = first.locator(".pagefind-ui__result-tag").all_inner_texts()
    assert "Fiche: Clause" in tags and "Identifiant: CL-001" in tags
    assert first.locator("a").first.get_attribute("href").startswith(
        "/clauses/cl-001-environnement/")
    # A page of the second part, when the site is indexed in two (see in_two_parts).
    dialog.get_by_role("textbox").fill("insertion")
    dialog.locator(".pagefind-ui__result-title", has_text="Clause d'insertion").first.wait_for(
        timeout=10_000)
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    page.close()


@pytest.mark.browser
def test_finder_full_text_with_filters(served, browser):
    """Words of the text plus a facet, through Pagefind: only matching clauses are listed."""
    page = browser.new_page()
    page.goto(served + "/trouver-une-clause/")
    page.get_by_label("Mots du texte").fill("heures")
    ranked = page.locator("[data-resultats-texte]")
    ranked.locator("li").first.wait_for(timeout=10_000)
    assert "CL-002" in ranked.inner_text() and "CL-001" not in ranked.inner_text()
    page.get_by_label("Pilier").select_option("environnemental")
    # Predicates as functions: a string one is run through eval(), which the page's
    # Content-Security-Policy rightly refuses.
    page.wait_for_function(
        "() => document.querySelector('[data-compteur]').textContent.startsWith('0 clause')")
    page.get_by_label("Mots du texte").fill("")
    page.wait_for_function("() => !document.querySelector('[data-resultats]').hidden")
    visible = page.locator("[data-resultats] li:not([hidden])").all_inner_texts()
    assert len(visible) == 1 and "CL-001" in visible[0]
    page.close()


@pytest.mark.browser
def test_finder_plain_filters_work_from_file(intranet, browser):
    """Opened from the disk (no index reachable), the select filters still work."""
    page = browser.new_page()
    page.goto((intranet / "trouver-une-clause" / "index.html").as_uri())
    page.get_by_label("Pilier").select_option("social")
    visible = page.locator("[data-resultats] li:not([hidden])").all_inner_texts()
    assert len(visible) == 1 and "CL-002" in visible[0]
    page.get_by_label("Mots du texte").fill("environnemental")
    page.get_by_label("Pilier").select_option("")
    page.wait_for_function(
        "() => document.querySelector('[data-compteur]').textContent.includes('titres')")
    visible = page.locator("[data-resultats] li:not([hidden])").all_inner_texts()
    assert len(visible) == 1 and "CL-001" in visible[0]
    page.close()
