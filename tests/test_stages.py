"""Each stage of the flow on its own, without MkDocs: load -> validate -> index -> variant
-> render on the fixture corpus (tests/fixtures/corpus), and git on real repositories made
here. The real builds are tested elsewhere (test_site.py, test_public_variant.py…); these
tests pin what each stage hands to the next, and that none of them needs MkDocs.

Expected answers are worked out by hand from the corpus files (what they cite, which are
public), never copied from the code's output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# The stages' entry points, in flow order: the one place to adapt when a module moves.
from achats.model.load import load_entries
from achats.model.validate import check_project
from achats.index.graph import build_graph
from achats.git.log import read_history
from achats.variant import INTERNAL_PLACEHOLDER, make_view, shown_settings
from achats.render import RenderContext, render_site
from achats.render.context import source_files
from achats.render.history import history_data, history_html_pages
from achats.render.html import unwrap
from achats.problems import ProblemList
from achats.project import Project
from projects import REPO, make_project

ALL_IDS = {"GU-001", "GU-002", "CL-001", "CL-002", "RA-001", "AP-001", "MA-001"}
# Public by their collection's rule: guides and apéros always, a clause once « validee »
# (CL-002 is « proposee »), a tender once published (MA-001 is « infructueux »), never a
# rapport d'étonnement (RA-001).
PUBLIC_IDS = {"GU-001", "GU-002", "CL-001", "AP-001", "MA-001"}
SITE_URL = "https://achats-durables.example.org/"
AUTHOR = "Zoé Lefèvre-Ñúñez"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Project:
    """The fixture corpus in a project, shared by the tests that only read it."""
    return Project(make_project(tmp_path_factory.mktemp("etapes") / "projet"))


@pytest.fixture(scope="module")
def checked(corpus):
    return check_project(corpus)


def by_id(entries) -> dict:
    return {e.id: e for e in entries}


def line_of(path: Path, start: str) -> int:
    """The file line (1-based) of the first line starting with ``start``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line.startswith(start):
            return number
    raise AssertionError(f"{start!r} absent de {path}")


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": AUTHOR, "GIT_AUTHOR_EMAIL": "zoe@region.example",
           "GIT_COMMITTER_NAME": AUTHOR, "GIT_COMMITTER_EMAIL": "zoe@region.example"}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True,
                          text=True).stdout


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def render(result, public: bool, history=None, with_history_pages: bool = False) -> dict:
    """Every page one variant generates, as the build hands them over, with the generated
    HTML blocks put back (achats.render.html.raw wraps them in base64: a test reading the
    wrapped text would see none of their links or titles)."""
    view = make_view(public, build_graph(result.entries, result.vocab), history)
    ctx = RenderContext.of_view(view, site_url=SITE_URL, pdf=False,
                                settings=shown_settings(public, {}),
                                sources=source_files(result.entries))
    pages = {uri: unwrap(page) for uri, page in render_site(ctx).items()}
    if with_history_pages:
        pages.update(history_html_pages(ctx, []))
        pages.update(history_data(ctx))
    return pages


# -- model: load ---------------------------------------------------------------------------------

def test_load_gives_every_entry_with_the_lines_of_its_fields(corpus):
    problems = ProblemList()
    entries = by_id(load_entries(corpus, problems))
    assert not problems
    assert set(entries) == ALL_IDS
    guide = entries["GU-001"]
    assert guide.rel == "guides/premier-chapitre.md"
    assert guide.collection.name == "guide"
    for field in ("id", "titre", "etape", "clauses", "tags"):
        assert guide.line(field) == line_of(guide.path, f"{field}:"), field
    # The body starts after the closing « --- », its first line counted in the file.
    assert guide.body_line == line_of(guide.path, "Ce chapitre recommande")
    tender = entries["MA-001"]
    assert tender.line("roles.gestionnaire") == line_of(tender.path, "  gestionnaire:")
    assert tender.line("resultat.issue") == line_of(tender.path, "  issue:")
    # A tender's pieces travel with it, not as entries of their own.
    assert [(p.kind, p.rel) for p in tender.pieces] == [
        ("RC", "content/marches/achat-test/rc.md")]


# -- model: validate -----------------------------------------------------------------------------

def test_the_fixture_corpus_is_valid_with_two_known_warnings(checked):
    assert not checked.problems.errors
    # A public entry whose field cites the internal CL-002 is warned about: CL-001's
    # clauses_liees and MA-001's clauses (GU-001 cites CL-002 only in its text).
    assert sorted((p.path, p.line, p.field) for p in checked.problems.warnings) == [
        ("clauses/cl-001-environnement.md", 20, "clauses_liees[0]"),
        ("content/marches/achat-test/index.md", 13, "clauses[1]"),
    ]


def test_validate_names_file_line_and_field_of_each_seeded_defect(tmp_path):
    root = make_project(tmp_path / "projet")
    # Guides named after « second-chapitre.md »: the corpus's GU-001 is read first, so the
    # duplicate is reported on the copy.
    write(root, "guides/troisieme-chapitre.md", """
        ---
        id: GU-001
        titre: Doublon
        etape: besoin
        ordre: 2
        ---
        Texte.
        """)
    write(root, "guides/quatrieme-chapitre.md", """
        ---
        id: GU-004
        titre: Références perdues
        etape: besoin
        ordre: 3
        clauses: [CL-001, CL-099]
        ---
        Premier paragraphe.

        Voir [[RA-404]], mais pas `[[RA-405]]` (du code).
        """)
    write(root, "guides/cinquieme-chapitre.md", """
        ---
        id: GU-005
        titre: Étape inventée
        etape: pendant_la_pause
        ordre: 4
        ---
        Texte.
        """)
    write(root, "guides/sixieme-chapitre.md", """
        ---
        id: GU-006
        titre: Script caché
        etape: besoin
        ordre: 5
        ---
        Un paragraphe.

        <script>alert("canari")</script>
        """)
    write(root, "guides/septieme-chapitre.md", """
        ---
        id: GU-007
        titre: YAML cassé: deux points de trop
        etape: besoin
        ordre: 6
        ---
        Texte.
        """)
    result = check_project(Project(root))
    found = {(p.path, p.line, p.field): p.message for p in result.problems.errors}
    assert sorted(found) == [
        ("guides/cinquieme-chapitre.md", 4, "etape"),
        ("guides/quatrieme-chapitre.md", 6, "clauses[1]"),
        ("guides/quatrieme-chapitre.md", 10, "texte"),
        ("guides/septieme-chapitre.md", 3, "en-tête"),
        ("guides/sixieme-chapitre.md", 9, "texte"),
        ("guides/troisieme-chapitre.md", 2, "id"),
    ]
    assert "pendant_la_pause" in found[("guides/cinquieme-chapitre.md", 4, "etape")]
    assert "CL-099" in found[("guides/quatrieme-chapitre.md", 6, "clauses[1]")]
    assert "RA-404" in found[("guides/quatrieme-chapitre.md", 10, "texte")]
    assert "YAML invalide" in found[("guides/septieme-chapitre.md", 3, "en-tête")]
    assert "<script>" in found[("guides/sixieme-chapitre.md", 9, "texte")]
    assert "guides/premier-chapitre.md:2" in found[("guides/troisieme-chapitre.md", 2, "id")]
    # The broken file is still an entry (without metadata): later steps go on.
    broken = [e for e in result.entries if e.rel == "guides/septieme-chapitre.md"]
    assert len(broken) == 1 and not broken[0].parsed and broken[0].meta == {}


# -- git -----------------------------------------------------------------------------------------

def test_one_log_gives_each_file_its_versions_across_renames_and_deletions(tmp_path):
    root = make_project(tmp_path / "projet")
    git(root, "init", "-q", "-b", "main")
    first = commit_all(root, "Import du corpus")
    git(root, "mv", "guides/second-chapitre.md", "guides/suite-du-parcours.md")
    renamed = commit_all(root, "Renomme le second chapitre")
    (root / "content/aperos/ap-001-defi.md").unlink()
    deleted = commit_all(root, "Supprime l'apéro de test")
    clause = root / "clauses/cl-002-insertion.md"
    clause.write_text(clause.read_text(encoding="utf-8").replace("5 %", "7 %"),
                      encoding="utf-8")
    changed = commit_all(root, "Relève le taux d'insertion")

    history = read_history(root, public=False)
    assert history.available and history.complete

    def seen(rel):
        return [(v.commit, v.status, v.path, v.old_path, v.subject)
                for v in history.versions(rel)]

    # Newest first; a renamed file keeps the versions it had under its old name.
    assert seen("guides/suite-du-parcours.md") == [
        (renamed, "R", "guides/suite-du-parcours.md", "guides/second-chapitre.md",
         "Renomme le second chapitre"),
        (first, "A", "guides/second-chapitre.md", None, "Import du corpus"),
    ]
    assert seen("content/aperos/ap-001-defi.md") == [
        (deleted, "D", "content/aperos/ap-001-defi.md", None, "Supprime l'apéro de test"),
        (first, "A", "content/aperos/ap-001-defi.md", None, "Import du corpus"),
    ]
    assert [(v.commit, v.status) for v in history.versions("clauses/cl-002-insertion.md")] \
        == [(changed, "M"), (first, "A")]
    assert [v.commit for v in history.versions("clauses/cl-001-environnement.md")] == [first]
    assert history.versions("guides/second-chapitre.md") == []  # now known by its new name
    assert history.commit_files(deleted) == {"content/aperos/ap-001-defi.md"}
    assert {v.author for v in history.versions("clauses/cl-002-insertion.md")} == {AUTHOR}
    # The public variant's log is read without names or addresses.
    public = read_history(root, public=True)
    versions = public.versions("clauses/cl-002-insertion.md")
    assert [v.commit for v in versions] == [changed, first]
    assert all(v.author is None and v.email is None for v in versions)


# -- index ---------------------------------------------------------------------------------------

def test_graph_references_backlinks_and_tender_use(checked):
    graph = build_graph(checked.entries, checked.vocab)
    assert set(graph.by_id) == ALL_IDS
    # By hand, from the corpus: front-matter fields, then [[ID]] in bodies and pieces.
    assert sorted((r.source.id, r.target.id, r.field) for r in graph.references) == sorted([
        ("GU-001", "CL-001", "clauses"),
        ("GU-001", "CL-001", "texte"), ("GU-001", "CL-002", "texte"),
        ("GU-001", "RA-001", "texte"),
        ("GU-002", "GU-001", "texte"),
        ("CL-001", "CL-002", "clauses_liees"),
        ("RA-001", "CL-001", "clauses"), ("RA-001", "CL-001", "texte"),
        ("MA-001", "CL-001", "clauses"), ("MA-001", "CL-002", "clauses"),
        ("MA-001", "CL-001", "texte"),  # from its piece rc.md
        ("AP-001", "CL-002", "texte"),
    ])

    def cited(ident):
        return {name: [e.id for e in found]
                for name, found in graph.cited_by(graph.by_id[ident]).items()}

    assert cited("CL-001") == {"guide": ["GU-001"], "rapport": ["RA-001"], "marche": ["MA-001"]}
    assert cited("CL-002") == {"guide": ["GU-001"], "clause": ["CL-001"],
                               "marche": ["MA-001"], "apero": ["AP-001"]}
    assert cited("RA-001") == {"guide": ["GU-001"]}
    assert cited("GU-001") == {"guide": ["GU-002"]}
    assert cited("GU-002") == cited("AP-001") == cited("MA-001") == {}
    tenders, failed = graph.tender_use(graph.by_id["CL-001"])
    assert [t.id for t in tenders] == [t.id for t in failed] == ["MA-001"]  # infructueux


def test_facets_count_every_known_value(checked):
    graph = build_graph(checked.entries, checked.vocab)

    def facet(field, vocab):
        return {value: [e.id for e in found]
                for value, found in graph.facet_values(field, vocab).items()}

    def known(vocab, **used):
        """Every value of the vocabulary, in its order (zero counts kept), then ``used``."""
        return list(({value: [] for value in checked.vocab.vocabularies[vocab]} | used).items())

    assert list(facet("piliers", "piliers").items()) == known(
        "piliers", environnemental=["CL-001"], social=["CL-002"])
    assert list(facet("statut", "statuts_clause").items()) == known(
        "statuts_clause", proposee=["CL-002"], validee=["CL-001"])
    assert list(facet("familles", "familles").items()) == known(
        "familles", services=["CL-001"], prestations_intellectuelles=["CL-001"],
        travaux=["CL-002"])
    assert list(facet("type", "types_clause").items()) == known(
        "types_clause", critere_attribution=["CL-001"], condition_execution=["CL-002"])
    assert list(facet("categories", "categories_achat").items()) == known(
        "categories_achat", restauration_scolaire=["CL-001"], etudes=["CL-001"])
    articles = facet("base_legale", None)
    assert list(articles) == list(checked.vocab.articles)
    assert {a: ids for a, ids in articles.items() if ids} == {
        "L2152-7": ["CL-001"], "R2152-7": ["CL-001"], "L2112-2": ["CL-002"]}


# -- variant -------------------------------------------------------------------------------------

def test_views_keep_internal_entries_and_fields_on_the_intranet_only(checked):
    graph = build_graph(checked.entries, checked.vocab)
    intranet = make_view(False, graph, None)
    public = make_view(True, graph, None)
    assert set(intranet.graph.by_id) == ALL_IDS
    assert set(public.graph.by_id) == PUBLIC_IDS
    assert "roles" in intranet.graph.by_id["MA-001"].meta
    tender = public.graph.by_id["MA-001"]
    assert "roles" not in tender.meta  # internal field
    assert tender.meta["clauses"] == ["CL-001", "CL-002"]  # public field, kept as written
    # The public copies leave the loaded entries as they were.
    assert "roles" in by_id(checked.entries)["MA-001"].meta
    # Backlinks are those of the public entries only.
    assert {name: [e.id for e in found] for name, found
            in public.graph.cited_by(public.graph.by_id["CL-001"]).items()} == {
        "guide": ["GU-001"], "marche": ["MA-001"]}
    assert public.graph.cited_by(public.graph.by_id["GU-001"]) == {
        "guide": [public.graph.by_id["GU-002"]]}
    assert shown_settings(True, {"dce": True})["dce"] is False
    assert shown_settings(False, {"dce": True})["dce"] is True


SECRET = "Phrase du brouillon canari-ancien a ne jamais publier."


def _guide_once_internal(tmp_path) -> tuple[Path, list[str]]:
    """The corpus in git, GU-002 internal in its first commit, public in the next two."""
    root = make_project(tmp_path / "projet")
    guide = root / "guides/second-chapitre.md"
    public_text = guide.read_text(encoding="utf-8")
    guide.write_text(public_text.replace("ordre: 1\n", "ordre: 1\nvisibilite: interne\n")
                     + f"\n{SECRET}\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    commits = [commit_all(root, "Brouillon canari-message du second chapitre")]
    guide.write_text(public_text, encoding="utf-8")
    commits.append(commit_all(root, "Publie le second chapitre"))
    guide.write_text(public_text + "\nVoir aussi la clause d'insertion.\n", encoding="utf-8")
    commits.append(commit_all(root, "Renvoie à CL-002 depuis la suite du parcours"))
    return root, commits


def test_public_history_never_shows_a_version_that_was_internal(tmp_path):
    root, (draft, published, edited) = _guide_once_internal(tmp_path)
    result = check_project(Project(root))
    assert not result.problems.errors
    graph = build_graph(result.entries, result.vocab)

    intranet = make_view(False, graph, read_history(root, public=False))
    entry = intranet.graph.by_id["GU-002"]
    groups = intranet.history.entry_commits(entry)
    assert [g[0].commit for g in groups] == [edited, published, draft]
    assert intranet.history.authors(entry) == [AUTHOR]
    assert intranet.history.subject(groups[-1][0]) == \
        "Brouillon canari-message du second chapitre"

    public = make_view(True, graph, read_history(root, public=True))
    entry = public.graph.by_id["GU-002"]
    history = public.history
    groups = history.entry_commits(entry)
    assert [g[0].commit for g in groups] == [edited, published]
    assert history.authors(entry) == []
    # The commit that published it was written about the internal draft: no message; an
    # internal entry's ID in a public message is masked.
    assert history.describe(entry, groups[1]) == "première version publique"
    assert history.describe(entry, groups[0]) == \
        f"modifiée : Renvoie à {INTERNAL_PLACEHOLDER} depuis la suite du parcours"
    assert [(w.entry.id, w.version.commit, w.why) for w in history.withheld] == [
        ("GU-002", draft, "interne")]
    draft_version = next(v for v in read_history(root, public=True)
                         .versions("guides/second-chapitre.md") if v.commit == draft)
    assert history.version(entry, draft_version) is None
    assert history.change(entry, groups[1][0]).old is None  # nothing before it is compared


# -- render --------------------------------------------------------------------------------------

def test_catalogue_and_facet_pages_link_the_clauses_each_variant_shows(checked):
    intranet, public = render(checked, False), render(checked, True)
    catalogue = intranet["clauses/index.md"]
    # From clauses/ (the catalogue's URL) to each clause's page.
    assert '<a href="cl-001-environnement/">Critère environnemental</a>' in catalogue
    assert '<a href="cl-002-insertion/">Clause d&#x27;insertion</a>' in catalogue
    assert "**2 clauses**" in catalogue
    assert '<a href="cl-001-environnement/">Critère environnemental</a>' \
        in public["clauses/index.md"]
    assert "cl-002-insertion" not in public["clauses/index.md"]
    # A facet page one folder down: clauses/pilier/social/ -> ../../cl-002-insertion/.
    assert '<a href="../../cl-002-insertion/">' in intranet["clauses/pilier/social.md"]
    assert "0 clause." in public["clauses/pilier/social.md"]
    assert "cl-002" not in public["clauses/pilier/social.md"].lower()


def test_entry_pages_resolve_links_and_list_backlinks(checked):
    intranet, public = render(checked, False), render(checked, True)
    guide = intranet["guides/premier-chapitre.md"]
    assert "# Premier chapitre\n" in guide
    # [[ID]] in the body: a Markdown link from guides/ to the cited page's source file.
    assert "[Critère environnemental](../clauses/cl-001-environnement.md)" in guide
    assert "[la clause sociale](../clauses/cl-002-insertion.md)" in guide
    assert "[rapport interne](../rapports/ra-001-visite.md)" in guide
    shown = public["guides/premier-chapitre.md"]
    assert "[Critère environnemental](../clauses/cl-001-environnement.md)" in shown
    # Internal entries become their label, as plain text.
    assert "cite la clause sociale." in shown and "rapport rapport interne." in shown
    assert "cl-002" not in shown.lower() and "ra-001" not in shown.lower()
    # « Cité dans » on the clause's page (URL clauses/cl-001-environnement/).
    clause = intranet["clauses/cl-001-environnement.md"]
    cited = clause[clause.index("## Cité dans"):]
    assert '<a href="../../guides/premier-chapitre/">Premier chapitre</a>' in cited
    assert '<a href="../../rapports/ra-001-visite/">' in cited
    assert '<a href="../../marches/achat-test/">Marché de test</a>' in cited
    cited = public["clauses/cl-001-environnement.md"]
    cited = cited[cited.index("## Cité dans"):]
    assert '<a href="../../guides/premier-chapitre/">Premier chapitre</a>' in cited
    assert "rapports" not in cited
    # The internal field of a public tender is on the intranet's page only.
    assert "@acheteur" in intranet["marches/achat-test/index.md"]
    assert "@acheteur" not in public["marches/achat-test/index.md"]


def test_legal_index_lists_each_article_with_the_clauses_citing_it(checked):
    intranet, public = render(checked, False), render(checked, True)

    def article(page, name):
        start = page.index(f"### {name} — ")
        end = page.find("\n### ", start + 1)
        return page[start:end if end != -1 else None]

    page = intranet["base-legale/index.md"]
    assert f"{{ #{'l2152-7'} }}" in article(page, "L2152-7")
    assert '<a href="../clauses/cl-001-environnement/">Critère environnemental</a>' \
        in article(page, "R2152-7")
    assert '<a href="../clauses/cl-002-insertion/">' in article(page, "L2112-2")
    assert "Aucune clause" in article(page, "L2111-1")
    # In public, CL-002 is not there: its article says no clause relies on it.
    assert "Aucune clause" in article(public["base-legale/index.md"], "L2112-2")
    assert "cl-002" not in public["base-legale/index.md"].lower()


HOSTILE_TITLE = 'Prix < 5 € & "délais" > 2 | [x](y.md) </p><b>'
ESCAPED_TITLE = ("Prix &lt; 5 € &amp; &quot;délais&quot; &gt; 2 &#124; &#91;x&#93;(y.md) "
                 "&lt;/p&gt;&lt;b&gt;")
SCRIPTED_TITLE = "Pièce <img src=x onerror=alert(1)>"


def test_hostile_titles_are_escaped_wherever_they_are_shown(tmp_path):
    root = make_project(tmp_path / "projet")
    for rel, ident, title in (("guides/troisieme-chapitre.md", "GU-003", HOSTILE_TITLE),
                              ("guides/quatrieme-chapitre.md", "GU-004", SCRIPTED_TITLE)):
        write(root, rel, f"""
            ---
            id: {ident}
            titre: '{title}'
            etape: besoin
            ordre: 2
            ---
            Voir [[CL-001]].
            """)
    result = check_project(Project(root))
    # Markup that runs code is refused where it is written; text that merely looks like
    # markup is accepted.
    assert [(p.path, p.line, p.field) for p in result.problems.errors] == [
        ("guides/quatrieme-chapitre.md", 3, "titre")]
    # Rendered all the same (defence in depth), both titles are shown as text: on their
    # own page's heading and in the link of the page they cite.
    pages = render(result, True)
    clause = pages["clauses/cl-001-environnement.md"]
    assert f"# {ESCAPED_TITLE}\n" in pages["guides/troisieme-chapitre.md"]
    assert f'<a href="../../guides/troisieme-chapitre/">{ESCAPED_TITLE}</a>' in clause
    scripted = "Pièce &lt;img src=x onerror=alert(1)&gt;"
    assert f"# {scripted}\n" in pages["guides/quatrieme-chapitre.md"]
    assert f'<a href="../../guides/quatrieme-chapitre/">{scripted}</a>' in clause
    for uri, page in pages.items():
        assert "</p><b>" not in page and "[x](y.md)" not in page and "<img" not in page, uri


def test_public_render_holds_nothing_internal(tmp_path):
    root, _commits = _guide_once_internal(tmp_path)
    result = check_project(Project(root))
    # The rapport's title, text and participants, the draft's sentence, the draft's
    # message: every internal place of the corpus holds « canari ».
    intranet = render(result, False, read_history(root, public=False), True)
    public = render(result, True, read_history(root, public=True), True)
    assert any("canari-ancien" in page for page in intranet.values())  # the test can see it
    assert any("canari-message" in page for page in intranet.values())
    assert any("canari-participant" in page for page in intranet.values())
    leaks = sorted(uri for uri, page in public.items() if "canari" in page.lower())
    assert leaks == []
    # Authors are named on the intranet's history only.
    assert any(AUTHOR in page for page in intranet.values())
    assert not any(AUTHOR in page for page in public.values())
    assert not any(uri.startswith("rapports/ra-001") for uri in public)
    assert any(uri.startswith("rapports/ra-001") for uri in intranet)
    assert not any("RA-001" in page or "CL-002" in page for page in public.values())


# -- no MkDocs -----------------------------------------------------------------------------------

# The chain above (this module's imports and ``render``), run in a fresh interpreter.
CHAIN = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import test_stages as stages

root = Path(sys.argv[1])
result = stages.check_project(stages.Project(root))
assert not result.problems.errors, result.problems.as_text()
pages = sum(len(stages.render(result, public, stages.read_history(root, public), True))
            for public in (False, True))
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("mkdocs", "material"))
print(pages, loaded)
"""


def test_the_stages_run_without_mkdocs(tmp_path):
    root, _commits = _guide_once_internal(tmp_path)
    done = subprocess.run([sys.executable, "-c", CHAIN, str(root), str(Path(__file__).parent)],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    pages, loaded = done.stdout.strip().split(" ", 1)
    assert int(pages) > 2 * len(ALL_IDS)  # the chain did run, both variants
    assert loaded == "[]"


def test_links_written_in_a_clause_s_risks_are_checked_and_rendered(tmp_path):
    # « risques » is shown on the clause's page: an [[ID]] there is a link, checked like one
    # written in the body (it used to reach the page as raw « [[CL-004]] » text).
    root = make_project(tmp_path / "projet")
    path = root / "clauses/cl-001-environnement.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  - Critère sans lien avec l'objet.",
        "  - Critère sans lien avec l'objet (voir [[CL-002]]).\n"
        "  - Une clause absente, [[CL-999|la clause perdue]]."), encoding="utf-8")
    result = check_project(Project(root))
    dangling = [(p.path, p.line, p.field) for p in result.problems if p.severity == "erreur"]
    assert dangling == [("clauses/cl-001-environnement.md", line_of(path, "  - Une clause"),
                         "risques[1]")]
    fixed = path.read_text(encoding="utf-8").replace("[[CL-999|la clause perdue]]", "rien")
    path.write_text(fixed, encoding="utf-8")
    result = check_project(Project(root))
    intranet = render(result, public=False)["clauses/cl-001-environnement.md"]
    public = render(result, public=True)["clauses/cl-001-environnement.md"]
    risks = intranet.split("## Risques", 1)[1].split("##", 1)[0]
    assert '(voir <a href="../cl-002-insertion/">' in risks
    assert "[[" not in risks
    public_risks = public.split("## Risques", 1)[1].split("##", 1)[0]
    assert f"(voir {INTERNAL_PLACEHOLDER})" in public_risks
    assert "CL-002" not in public_risks and "cl-002" not in public_risks


def test_hostile_risk_text_is_refused_by_check_and_inert_when_rendered(tmp_path):
    # A risk whose link label and text carry markup: achats check refuses it with file, line
    # and field, and a build that renders it anyway shows text, never an element.
    root = make_project(tmp_path / "projet")
    path = root / "clauses/cl-001-environnement.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  - Critère sans lien avec l'objet.",
        "  - \"[[CL-002|<img src=x onerror=alert(1)>]] <script>alert(2)</script> "
        "[lien](javascript:alert(3))\""), encoding="utf-8")
    result = check_project(Project(root))
    line = line_of(path, "  - \"[[CL-002")
    assert ("clauses/cl-001-environnement.md", line, "risques[0]") in {
        (p.path, p.line, p.field) for p in result.problems if p.severity == "erreur"}
    for public in (False, True):
        page = render(result, public=public)["clauses/cl-001-environnement.md"]
        risks = page.split("## Risques", 1)[1].split("##", 1)[0]
        assert "<img" not in risks and "<script" not in risks
        assert 'href="javascript' not in risks
        assert "&lt;script&gt;" in risks
