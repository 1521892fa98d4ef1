"""`achats export`: the site as a docs tree that plain MkDocs (no hooks) and Zensical build.

The bundled content (a copy, in a real git repository for the history pages) is exported,
built by `mkdocs build` and by `zensical build`, and both are compared with `achats build`:
every clause page, the catalogue, the facets, the legal index, the history pages; the
pages that differ are listed with their reason (achats.site.export.NOT_EXPORTED).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
import yaml

from achats.model.load import load_entries
from achats.problems import ProblemList
from achats.project import Project
from achats.render.context import page_url, uri_of
from achats.render.glossary import Glossary
from achats.site.audit import audit_public_site
from achats.site.commands import build_site
from achats.site.export import (EXPORT_MARKER, HOOK_ONLY_TEMPLATES, NOT_EXPORTED, compare_pages,
                                export_page, export_tree, site_pages)
from projects import REPO, make_project, public_site_url
from test_inert_content import active_parts

BIN = Path(sys.executable).parent


def run(*command: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=900)
    assert done.returncode == 0, (command, done.stdout[-3000:], done.stderr[-3000:])
    return done


def zensical_executable() -> Path:
    """Zensical's command, or the test skipped with the reason (failed under CI=true)."""
    executable = BIN / "zensical"
    if executable.is_file() and importlib.util.find_spec("zensical"):
        return executable
    reason = ("Zensical n'est pas installé (bash scripts/installer.sh test, ou pip install -e "
              "'.[export]')")
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " ; requis sous CI=true.")
    pytest.skip(reason)


def git_repository(root: Path) -> None:
    """A real repository with the copied content committed (history pages need one)."""
    for command in (["git", "init", "-q", "-b", "main"],
                    ["git", "-c", "user.name=Équipe Achats", "-c",
                     "user.email=achats@region.example", "add", "-A"],
                    ["git", "-c", "user.name=Équipe Achats", "-c",
                     "user.email=achats@region.example", "commit", "-q", "-m",
                     "Contenu livré"]):
        run(*command, cwd=root)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    """The repository's bundled content, copied with its configuration, in a git repo."""
    root = tmp_path_factory.mktemp("export") / "projet"
    root.mkdir()
    for name in ("mkdocs.yml", "mkdocs.public.yml", "hooks", "content", "clauses", "guides"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    public_site_url(root)
    git_repository(root)
    return root


@pytest.fixture(scope="module")
def ours(bundled) -> Path:
    return build_site(project=Project(bundled), site_dir=str(bundled.parent / "site-achats"))


@pytest.fixture(scope="module")
def exported(bundled):
    return export_tree(out=bundled.parent / "export", project=Project(bundled))


@pytest.fixture(scope="module")
def mkdocs_site(exported) -> Path:
    site = exported.out.parent / "site-mkdocs"
    run(str(BIN / "mkdocs"), "build", "-f", str(exported.out / "mkdocs.yml"), "-d", str(site))
    return site


@pytest.fixture(scope="module")
def zensical_site(exported) -> Path:
    executable = zensical_executable()
    copy = exported.out.parent / "export-zensical"
    shutil.copytree(exported.out, copy)  # Zensical writes a cache beside its config
    run(str(executable), "build", "-f", str(copy / "mkdocs.yml"))
    return copy / "site"


def expected_pages(root: Path) -> dict[str, str]:
    """What both builds must have, derived from the content: page file -> what it is."""
    problems = ProblemList()
    entries = load_entries(Project(root), problems)
    assert not problems.errors, problems.as_text()
    clauses = [e for e in entries if e.collection.name == "clause"]
    assert len(clauses) >= 60
    pages = {page_url(uri_of(e)) + "index.html": f"clause {e.id}" for e in clauses}
    pages["clauses/index.html"] = "catalogue des clauses"
    pages["base-legale/index.html"] = "index des bases légales"
    for facet in ("pilier", "categorie", "etape", "type", "article"):
        pages[f"clauses/{facet}/index.html"] = f"facette {facet}"
    pages["nouveautes/index.html"] = "nouveautés"
    pages["trouver-une-clause/index.html"] = "recherche de clauses"
    for e in entries:
        pages[f"historique/{e.id.lower()}/index.html"] = f"historique de {e.id}"
    return pages


def check_built(site: Path, root: Path) -> None:
    missing = [f"{rel} ({what})" for rel, what in expected_pages(root).items()
               if not (site / rel).is_file()]
    assert not missing, missing
    # The generated files beside the pages: feed, version data of the history pages.
    assert "<feed" in (site / "nouveautes.xml").read_text(encoding="utf-8")
    assert list((site / "historique").rglob("*.json"))


def test_export_has_no_hook_and_no_plugin(exported):
    config = yaml.safe_load((exported.out / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "hooks" not in config and config["plugins"] == []
    assert config["docs_dir"] == "docs" and config["theme"]["custom_dir"] == "theme"
    theme = {p.relative_to(exported.out / "theme").as_posix()
             for p in (exported.out / "theme").rglob("*.html")}
    assert "main.html" in theme and not theme & HOOK_ONLY_TEMPLATES
    main = (exported.out / "theme/main.html").read_text(encoding="utf-8")
    assert "achats_csp(" not in main and "| texte_brut" not in main
    assert (exported.out / EXPORT_MARKER).is_file()
    assert exported.as_html == []  # the bundled content renders as Markdown, nothing cleaned
    # No generated block left for a hook to unwrap.
    for page in (exported.out / "docs").rglob("*.md"):
        assert "<!--achats-html:" not in page.read_text(encoding="utf-8"), page
    # The hand-written pages' [[ID]] links resolved (on_page_markdown's work), code aside.
    hand_written = REPO / "content/pages"
    resolved = 0
    for source in hand_written.rglob("*.md"):
        text = re.sub(r"```.*?```|`[^`]*`", "", source.read_text(encoding="utf-8"), flags=re.S)
        if re.search(r"\[\[[A-Z]{2}-\d{3}", text):
            resolved += 1
            page = exported.out / "docs" / source.relative_to(hand_written)
            written = re.sub(r"```.*?```|`[^`]*`", "", page.read_text(encoding="utf-8"),
                             flags=re.S)
            assert not re.search(r"\[\[[A-Z]{2}-\d{3}", written), page
    assert resolved, "aucune page écrite à la main n'a de lien [[ID]] : rien n'est vérifié"


def test_mkdocs_builds_every_page_of_our_build(bundled, ours, mkdocs_site):
    check_built(mkdocs_site, bundled)
    explained, unexplained = compare_pages(ours, mkdocs_site)
    assert unexplained == []
    # The differences are exactly the listed ones, each with its reason.
    assert {line.split(" : ")[0] for line in explained} == {
        rel for rel in site_pages(ours) if rel.startswith(tuple(NOT_EXPORTED))}


def test_mkdocs_export_pages_read_as_ours(ours, mkdocs_site):
    """A clause page's article: same text, same links, same glossary tooltips."""
    rel = next(r for r in sorted(site_pages(ours)) if r.startswith("clauses/cl-003"))
    mine, theirs = (article(ours / rel), article(mkdocs_site / rel))
    assert words(mine) == words(theirs)
    assert links(mine, rel) == links(theirs, rel)
    assert re.findall(r"<abbr title=\"[^\"]+\">(\w+)</abbr>", mine) == \
        re.findall(r"<abbr title=\"[^\"]+\">(\w+)</abbr>", theirs)


def test_zensical_builds_the_same_pages(bundled, ours, mkdocs_site, zensical_site):
    check_built(zensical_site, bundled)
    explained, unexplained = compare_pages(ours, zensical_site)
    assert unexplained == []
    assert site_pages(zensical_site) == site_pages(mkdocs_site)
    # Links of raw HTML are absolute: Zensical and MkDocs resolve them alike.
    rel = next(r for r in sorted(site_pages(ours)) if r.startswith("clauses/cl-003"))
    assert links(article(zensical_site / rel), rel) == links(article(ours / rel), rel)
    assert words(article(zensical_site / rel)) == words(article(ours / rel))
    assert 'data-pagefind-body' in (zensical_site / rel).read_text(encoding="utf-8")


def article(path: Path) -> str:
    match = re.search(r"<article[^>]*>(.*?)</article>", path.read_text(encoding="utf-8"), re.S)
    assert match, path
    return match.group(1)


def words(fragment: str) -> list[str]:
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("¶", " ").split()


def links(fragment: str, rel: str) -> list[str]:
    """Every link of the fragment, resolved against the page's address."""
    import html
    from urllib.parse import urljoin

    page = "http://site/" + rel
    return [urljoin(page, html.unescape(href)) for href in re.findall(r'href="([^"]*)"', fragment)]


def test_public_export_holds_nothing_internal(bundled, tmp_path):
    result = export_tree(public=True, out=tmp_path / "export-public", project=Project(bundled))
    docs = result.out / "docs"
    internal = [e for e in result.state.result.entries if e not in result.state.graph.entries]
    assert internal, "le contenu livré n'a aucune fiche interne : le test ne prouverait rien"
    for entry in internal:
        assert not (docs / uri_of(entry)).exists(), entry.id
    site = tmp_path / "site-public"
    run(str(BIN / "mkdocs"), "build", "-f", str(result.out / "mkdocs.yml"), "-d", str(site))
    audit_public_site(site, result.state)  # raises on any internal value
    assert result.state.public_leaks_checked
    assert "Version intranet" not in (site / "index.html").read_text(encoding="utf-8")


def test_out_folder_refusals_change_nothing(bundled, run_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(bundled)
    mine = tmp_path / "mes-notes"
    mine.mkdir()
    (mine / "note.txt").write_text("à garder", encoding="utf-8")
    for out in (str(mine), "clauses", "clauses/export", ".", "content/pages", ".git"):
        code, _out, err = run_cli("export", "--out", out)
        assert code == 2, (out, err)
        assert "refusé" in err and "Rien n'a été modifié" in err, err
    assert (mine / "note.txt").read_text(encoding="utf-8") == "à garder"
    assert not (bundled / "clauses/export").exists()
    code, _out, err = run_cli("export")
    assert code == 1 and "--out" in err


def test_a_failed_export_leaves_the_previous_one(bundled, exported, run_cli, monkeypatch):
    """Re-export in place works; content with errors writes nothing (previous export kept)."""
    monkeypatch.chdir(bundled)
    before = sorted(p.relative_to(exported.out).as_posix() for p in exported.out.rglob("*"))
    clause = next((bundled / "clauses").glob("cl-001-*.md"))
    original = clause.read_text(encoding="utf-8")
    clause.write_text(original.replace("\n---\n", "\n---\n<script>alert(1)</script>\n", 1)
                      + "\n[x](javascript:alert(1))\n", encoding="utf-8")
    try:
        code, _out, err = run_cli("export", "--out", str(exported.out))
    finally:
        clause.write_text(original, encoding="utf-8")
    assert code == 1
    assert f"clauses/{clause.name}:" in err and "script" in err and "javascript" in err
    after = sorted(p.relative_to(exported.out).as_posix() for p in exported.out.rglob("*"))
    assert after == before
    assert not list(exported.out.parent.glob(f".{exported.out.name}.construction-*"))


def test_sanitiser_runs_at_export():
    """A page whose Markdown the check would have refused (raw script, javascript: link,
    event attribute in a generated block) is exported inert, as the build's hooks would
    make it: the export does not rely on `achats check` alone."""
    import base64

    from achats.model.sanitize import MARKDOWN_EXTENSIONS

    block = base64.b64encode(b'<p><img src="x" onerror="alert(3)"> CCAG</p>').decode()
    page = ("---\ntitle: Piège\n---\n# Piège\n\n<script>alert(1)</script>\n\n"
            "[lien](javascript:alert(2)) et le CCAG.\n\n"
            f"<!--achats-html:{block}-->\n")
    converter = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS)
    glossary = Glossary({"CCAG": "Cahier des clauses <b>administratives</b>"})
    written, cleaned = export_page(page, "guides/piege.md", glossary, {}, converter)
    assert cleaned and written.startswith("---\ntitle: Piège\n---\n")
    converter.reset()
    built = converter.convert(written.split("---\n", 2)[2])
    assert active_parts(built) == [] and "alert(3)" not in built
    assert "javascript" not in built and "<script" not in built
    assert '<abbr title="Cahier des clauses &lt;b&gt;administratives&lt;/b&gt;">CCAG</abbr>' \
        in built
    # Clean Markdown stays Markdown (its headings feed the table of contents).
    block = base64.b64encode(b'<div class="x"><a href="../autre/">Autre</a></div>').decode()
    written, cleaned = export_page(f"## Titre\n\nLe CCAG.\n\n<!--achats-html:{block}-->\n",
                                   "guides/page.md", glossary,
                                   {"CCAG": "Cahier des clauses"}, converter)
    assert not cleaned and written.startswith("## Titre\n")
    assert '<a href="/guides/autre/">' in written  # the page is /guides/page/
    assert "*[CCAG]: Cahier des clauses" in written


# The inline scripts of Material's base.html (the start active_parts shows of each).
THEME_SCRIPTS = ("<script>__md_scope=new URL(",
                 "<script>var target=document.getElementById(location.hash.slice(1))")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """Inputs `achats check` accepts that careless rendering would turn into markup (as in
    test_inert_content): escaped markup in a heading and a title, markup in a vocabulary
    label and in the glossary."""
    root = make_project(tmp_path_factory.mktemp("export-hostile") / "projet")
    chapter = root / "guides/premier-chapitre.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "titre: Premier chapitre", "titre: 'Premier &lt;img src=x onerror=alert(1)&gt;'")
        + "\n## Section &lt;script&gt;alert(2)&lt;/script&gt; et `<script>`\n\nLe CCTP.\n",
        encoding="utf-8")
    vocab = root / "content/data/vocabulaires.yml"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace(
        "  social: Social\n", "  social: 'Social <img src=x onerror=alert(1)>'\n", 1),
        encoding="utf-8")
    glossary = root / "content/data/glossaire.yml"
    glossary.write_text(glossary.read_text(encoding="utf-8")
                        + 'CCTP: "Cahier <img src=x onerror=alert(1)> des clauses"\n',
                        encoding="utf-8")
    (root / "content/pages/contribuer/format-des-fiches.md").write_text(
        "# Format des fiches\n\nVoir le guide.\n", encoding="utf-8")
    return root


def test_hostile_content_stays_inert_in_the_exported_build(hostile):
    result = export_tree(out=hostile.parent / "export", project=Project(hostile))
    site = hostile.parent / "site"
    run(str(BIN / "mkdocs"), "build", "-f", str(result.out / "mkdocs.yml"), "-d", str(site))
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        # No CSP in the export (see achats.site.export): active_parts counts every inline
        # script; none but Material's two (base.html) may be there.
        found = [f for f in active_parts(text) if not f.startswith(THEME_SCRIPTS)]
        assert not found, (page.relative_to(site), found)
    chapter = (site / "guides/premier-chapitre/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in chapter
    assert re.search(r'<abbr title="Cahier &lt;img src=x onerror=alert\(1\)&gt; des clauses">'
                     r"CCTP</abbr>", chapter)
