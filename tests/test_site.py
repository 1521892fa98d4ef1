"""Real MkDocs builds of the fixture corpus: pages, indexes, backlinks, determinism."""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from achats.problems import AchatsError
from achats.project import Project
from achats.site.commands import build_site
from achats.site.sitedir import write_marker
from projects import make_project


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture project built once (intranet) for the read-only tests below."""
    project = make_project(tmp_path_factory.mktemp("site") / "projet")
    site = build_site(project=Project(project), site_dir=str(project / "site"))
    return site


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    """Visible text of the article, tags removed, spaces folded."""
    article = _article(html)
    article = re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "", article)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", article))
    return re.sub(r"\s+([,.)])", r"\1", re.sub(r"\s+", " ", text)).strip()


def _article(html: str) -> str:
    """The page's main article (Material's content area), whatever its extra attributes."""
    return re.split(r"<article [^>]*>", html, maxsplit=1)[1].split("</article>", 1)[0]


def test_every_entry_has_a_page(built):
    """Each collection's entries become pages at stable URLs."""
    for rel in ["guides/premier-chapitre/index.html", "clauses/cl-001-environnement/index.html",
                "rapports/ra-001-visite/index.html", "aperos/ap-001-defi/index.html",
                "marches/achat-test/index.html", "marches/achat-test/rc/index.html"]:
        assert (built / rel).is_file(), rel


def test_clause_page_shows_card_text_and_copy_button(built):
    """A clause page shows labels (not raw keys), the text to paste and a copy button."""
    html = read(built, "clauses/cl-001-environnement/index.html")
    text = text_of(html)
    assert "Type Critère d'attribution" in text
    assert "critere_attribution" not in text
    assert 'id="texte-cl-001"' in html
    assert 'data-copier="texte-cl-001"' in html
    assert "compte pour 15 % de la note" in text
    # Purchase categories are shown with their labels, each a link to its facet page.
    assert "Catégories d'achat Restauration scolaire des lycées, Études et prestations " \
        "intellectuelles" in text
    assert 'href="../categorie/restauration_scolaire/"' in html
    # A clause without categories gets no empty row.
    assert "Catégories d'achat" not in text_of(read(built, "clauses/cl-002-insertion/index.html"))


def test_demonstration_validation_is_shown_with_its_badge(built):
    """CL-001 is signed by the demonstration signer: who, when, and the visible badge."""
    html = read(built, "clauses/cl-001-environnement/index.html")
    text = text_of(html)
    assert re.search(r"Validée par demonstration@achats\.invalid le \d\d/\d\d/\d{4} : "
                     r"signature de démonstration", text)
    assert '<span class="achats-badge-demonstration">validation de démonstration</span>' in html
    assert "aucun service juridique n'a encore relu ce texte" in text


def test_backlinks_group_citing_entries(built):
    """CL-001 is cited by the guide chapter, the tender and the rapport, each linked."""
    html = read(built, "clauses/cl-001-environnement/index.html")
    cited = html.split('id="cite-dans"', 1)[1]
    assert '<a href="../../guides/premier-chapitre/">Premier chapitre</a>' in cited
    assert '<a href="../../marches/achat-test/">Marché de test</a>' in cited
    assert "Chapitres du guide" in cited and "Marchés" in cited


def test_clause_use_in_tenders_counts_unsuccessful(built):
    """CL-001 is used in one tender, which was unsuccessful."""
    text = text_of(read(built, "clauses/cl-001-environnement/index.html"))
    assert "Utilisée dans 1 marché, dont 1 infructueux." in text


def test_id_links_resolve_to_titles(built):
    """[[CL-001]] becomes a link with the clause title; [[CL-002|…]] keeps its label."""
    html = read(built, "guides/premier-chapitre/index.html")
    assert '<a href="../../clauses/cl-001-environnement/">Critère environnemental</a>' in html
    assert '<a href="../../clauses/cl-002-insertion/">la clause sociale</a>' in html


@pytest.mark.parametrize("facet, expected", [
    ("pilier/environnemental", ["CL-001"]),
    ("pilier/social", ["CL-002"]),
    ("pilier/economique", []),
    ("type/condition_execution", ["CL-002"]),
    ("famille/services", ["CL-001"]),
    ("categorie/restauration_scolaire", ["CL-001"]),
    ("categorie/vehicules", []),
    ("article/L2112-2", ["CL-002"]),
    ("statut/validee", ["CL-001"]),
])
def test_facet_pages_list_exactly_the_matching_clauses(built, facet, expected):
    """Each facet page lists exactly the clauses carrying that value."""
    html = read(built, f"clauses/{facet}/index.html")
    assert sorted(set(re.findall(r"<code>(CL-\d+)</code>", html))) == expected


def test_catalogue_counts(built):
    """The catalogue gives each facet value with its count."""
    text = text_of(read(built, "clauses/index.html"))
    assert "La bibliothèque compte 2 clauses" in text
    assert "Environnemental (1)" in text and "Économique (0)" in text


def test_legal_index_lists_every_article_used(built):
    """Every article cited by a clause appears with the clauses relying on it."""
    html = read(built, "base-legale/index.html")
    for article in ["L2152-7", "R2152-7", "L2112-2"]:
        section = html.split(f'id="{article.lower()}"', 1)[1].split("<h3", 1)[0]
        assert "clause" in section
    l2112 = html.split('id="l2112-2"', 1)[1].split("<h3", 1)[0]
    assert "Clause d&#x27;insertion" in l2112 or "Clause d'insertion" in l2112
    assert "version du 21/08/2026" in l2112 and "Applicable depuis le 21/08/2026" in l2112


def test_legal_index_shows_thresholds_and_dated_obligations(built):
    """The thresholds and obligations of seuils.yml are on the legal-basis page."""
    text = text_of(read(built, "base-legale/index.html"))
    tables = text.split("Seuils et obligations datées", 1)[1].split("Les articles", 1)[0]
    assert "216 000 € du 01/01/2026 au 31/12/2027" in tables  # narrow space folded
    assert "Au moins un critère d'attribution environnemental 21/08/2026" in tables


def test_tender_memory_table(built):
    """The memory of tenders gives procedure, amount, clauses and outcome."""
    text = text_of(read(built, "marches/index.html"))
    assert "MA-001 Marché de test Procédure adaptée (MAPA) 50 000 € CL-001, CL-002" in text
    assert "Infructueux" in text


def test_apero_archive_by_year_and_challenge(built):
    """The apéro-défi archive groups editions by year and by challenge."""
    text = text_of(read(built, "aperos/index.html"))
    assert "Par année 2012 Apéro-défi de test (n° 1)" in text
    assert "Par défi Un défi : Apéro-défi de test" in text


def test_glossary_abbreviations_on_every_page(built):
    """Abbreviations of the glossary become <abbr> tooltips."""
    html = read(built, "guides/premier-chapitre/index.html")
    assert '<abbr title="Commission d&#x27;appel d&#x27;offres">CAO</abbr>' in html or \
        "<abbr title=\"Commission d'appel d'offres\">CAO</abbr>" in html


def test_chart_is_accessible_svg_with_table(built):
    """The impact/feasibility chart is an SVG with title and description, plus a table."""
    html = read(built, "mire/index.html")
    assert 'role="img"' in html and "<title id=\"mire-titre\">" in html
    assert "<desc id=\"mire-desc\">" in html
    assert "<td>P01</td>" in html


def test_path_pages_show_position_and_neighbours(built):
    """A chapter of the new-arrivals path shows « 1 / 2 » and a link to the next one."""
    html = read(built, "guides/premier-chapitre/index.html")
    assert "1 / 2" in html
    assert "Suivant : Second chapitre" in html


def test_no_generated_page_is_written_into_the_source_tree(built):
    """Generated pages exist only in the build output."""
    project = built.parent
    assert not (project / "content" / "pages" / "clauses").exists()
    assert not (project / "clauses" / "index.md").exists()


def test_nav_stays_bounded_whatever_the_corpus_size(tmp_path):
    """The number of nav links on an entry page does not grow with the number of entries."""
    counts = []
    for extra in (0, 40):
        project = make_project(tmp_path / f"p{extra}")
        for i in range(extra):
            (project / "guides" / f"g{i:03d}.md").write_text(
                f"---\nid: GU-{100 + i}\ntitre: Chapitre {i}\netape: besoin\n---\nTexte.\n",
                encoding="utf-8")
        site = build_site(project=Project(project), site_dir=str(project / "site"))
        html = read(site, "clauses/cl-002-insertion/index.html")
        counts.append(html.count('class="md-nav__link'))
    assert counts[0] == counts[1]
    assert counts[0] < 40


def _digest(site: Path) -> dict[str, str]:
    # Pagefind names its chunks by content hash and orders them per run (threads): its index
    # is searched, not compared. Everything we generate must be byte-identical.
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*"))
            if p.is_file() and not p.relative_to(site).as_posix().startswith("pagefind/")}


def test_two_builds_in_one_process_are_identical(tmp_path, monkeypatch):
    """Two consecutive builds (as under `mkdocs serve`) give byte-identical output."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project(tmp_path / "projet")
    first = _digest(build_site(project=Project(project), site_dir=str(tmp_path / "a")))
    second = _digest(build_site(project=Project(project), site_dir=str(tmp_path / "b")))
    assert first == second


def test_build_fails_on_content_errors(tmp_path, monkeypatch, run_cli):
    """A content error stops the build with the French problem list; nothing is built."""
    project = make_project(tmp_path / "projet")
    (project / "guides" / "casse.md").write_text(
        "---\nid: GU-099\ntitre: Cassé\netape: besoin\n---\nVoir [[CL-404]].\n",
        encoding="utf-8")
    monkeypatch.chdir(project)
    code, out, err = run_cli("build")
    assert code == 1
    assert "guides/casse.md:6: texte: erreur: référence inconnue « CL-404 »" in err
    assert not (project / "site").exists()


def test_plain_mkdocs_strict_build_passes(tmp_path):
    """`mkdocs build --strict` (the hooks without our CLI) passes on the fixture."""
    project = make_project(tmp_path / "projet")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                            cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "clauses" / "index.html").is_file()


def test_plain_mkdocs_build_reports_content_errors(tmp_path):
    """Under plain `mkdocs build`, the hooks abort on content errors with the French list."""
    project = make_project(tmp_path / "projet")
    (project / "clauses" / "cl-002-insertion.md").write_text("---\nid: [\n---\n",
                                                             encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"],
                            cwd=project, capture_output=True, text=True)
    assert result.returncode != 0
    assert "clauses/cl-002-insertion.md:" in result.stderr
    assert "YAML invalide" in result.stderr


def test_without_pdf_the_path_offers_no_pdf_link(tmp_path):
    """With extra.pdf false, no PDF is written and no page links to one."""
    project = make_project(tmp_path / "projet")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  pdf: true\n" in text
    config.write_text(text.replace("\n  pdf: true\n", "\n  pdf: false\n"), encoding="utf-8")
    site = build_site(project=Project(project), site_dir=str(project / "site"))
    assert not list(site.rglob("*.pdf"))
    assert "Télécharger le PDF" not in read(site, "parcours/index.html")
    assert "Version imprimable" in read(site, "parcours/index.html")


def test_no_generated_block_marker_reaches_the_output(built):
    """Every generated HTML block is put back: no transport marker is left in any page."""
    leftovers = [p for p in built.rglob("*.html") if "achats-html:" in p.read_text("utf-8")]
    assert leftovers == []


def test_navigation_rendered_once_per_folder_equals_materials_own(tmp_path, monkeypatch):
    """The sidebar navigation and tabs reused across the pages of a folder
    (content/theme/partials/nav.html, tabs.html) are exactly what Material renders for each
    page: the same site, file for file, without those two overrides."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    cached = make_project(tmp_path / "cache")
    plain = make_project(tmp_path / "material")
    for name in ("nav.html", "tabs.html"):
        (plain / "content/theme/partials" / name).unlink()
    first = _digest(build_site(project=Project(cached), site_dir=str(tmp_path / "a")))
    second = _digest(build_site(project=Project(plain), site_dir=str(tmp_path / "b")))
    assert len(first) > 40
    assert first == second


def test_wrong_setting_stops_before_the_site_is_touched(tmp_path):
    """A wrong extra setting is refused with its file and line, before MkDocs empties the
    site folder: the previous site is still there."""
    project = make_project(tmp_path / "projet")
    config = project / "mkdocs.yml"
    lines = config.read_text(encoding="utf-8").split("\n")
    at = lines.index("extra:") + 1
    lines.insert(at, "  historique_diffs: -2")
    config.write_text("\n".join(lines), encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    write_marker(site)  # a site built earlier
    (site / "ancien.html").write_text("ancien", encoding="utf-8")
    with pytest.raises(AchatsError) as failure:
        build_site(project=Project(project), site_dir=str(site))
    assert (f"mkdocs.yml:{at + 1} : extra.historique_diffs doit être un nombre entier positif "
            "ou nul (trouvé « -2 »)") in str(failure.value)
    assert (site / "ancien.html").read_text(encoding="utf-8") == "ancien"


def test_relative_links_are_those_of_posixpath_relpath():
    """Generated links use a faster relpath: same result on every pair of paths tried,
    including the odd ones (``..``, ``.``, doubled or trailing slashes)."""
    import itertools
    import posixpath

    from achats.render.context import relative_path

    paths = [".", "", "a", "a/", "a/b", "a/b/c", "a/b/d", "a/x", "b", "a//b", "./a/b",
             "index.md", "clauses", "clauses/cl-001-achat.md", "clauses/pilier/social.md",
             "clauses/pilier", "historique/cl-001", "marches/ma-002/rc", "../dehors", "a/../b",
             "/racine/a"]
    for target, start in itertools.product(paths, repeat=2):
        expected = posixpath.relpath(target or ".", start or ".")
        assert relative_path(target or ".", start or ".") == expected, (target, start)
