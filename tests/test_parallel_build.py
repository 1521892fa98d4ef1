"""Page building on two cores (achats.site.parallel): same site, same failures.

A synthetic corpus with a real git history (the benchmark's generator) is built twice with
the real MkDocs build, once with the pages shared with a forked second process and once on
one core: the two sites must be the same file for file, history pages and sitemap included.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from achats.bench import generate_corpus, set_extra
from achats.problems import AchatsError
from achats.project import Project
from achats.site.commands import build_site
from projects import REPO

SHARED = "pages construites par un second processus"


def _digest(site: Path) -> dict[str, str]:
    # Pagefind orders its chunks differently on each run: left out, as in test_site.
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*"))
            if p.is_file() and not p.relative_to(site).as_posix().startswith("pagefind/")}


def _build(root: Path, site: Path, parallel: str, caplog) -> Path:
    set_extra(root / "mkdocs.yml", "parallele", parallel)
    set_extra(root / "mkdocs.yml", "pdf", "false")
    caplog.clear()
    return build_site(project=Project(root), site_dir=str(site))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("parallele") / "projet"
    generate_corpus(root, 40, 8, seed=11, source=Project(REPO))
    return root


def test_shared_build_equals_single_core_build(corpus, tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    caplog.set_level(logging.DEBUG, logger="mkdocs.plugins.achats")
    shared = _build(corpus, tmp_path / "partage", "true", caplog)
    assert any(SHARED in r.getMessage() for r in caplog.records), "no page was shared"
    single = _build(corpus, tmp_path / "seul", "false", caplog)
    assert not any(SHARED in r.getMessage() for r in caplog.records)
    first, second = _digest(shared), _digest(single)
    assert first == second
    # What the second process writes is really there: entries, pieces, history, sitemap.
    assert sum(1 for rel in first if rel.startswith("historique/")) >= 40
    assert sum(1 for rel in first if rel.startswith("marches/") and "/rc/" in rel) >= 8
    sitemap = (shared / "sitemap.xml").read_text(encoding="utf-8")
    # The standalone history pages are not MkDocs pages; the themed « Historique » is.
    assert sitemap.count("<loc>") == sum(
        1 for rel in first if rel.endswith("index.html")
        and not rel.startswith("admin/")  # the web editor, not a page
        and (not rel.startswith("historique/") or rel == "historique/index.html"))


def test_the_second_process_never_uses_this_process_git(corpus, tmp_path, caplog,
                                                         monkeypatch):
    """A one-core build leaves this process's persistent `git cat-file` running (it read
    the versions of the history pages); a shared build then forks: the second process,
    which writes the history pages, starts its own, and this one's is untouched (same
    process, still answering). Shared pipes would mix the two processes' answers."""
    from achats.git.repo import repository

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    caplog.set_level(logging.DEBUG, logger="mkdocs.plugins.achats")
    single = _build(corpus, tmp_path / "seul", "false", caplog)
    mine = repository(corpus)
    assert mine._cat is not None, "the one-core build read no old version"
    cat_file = mine._cat.proc.pid
    shared = _build(corpus, tmp_path / "partage", "true", caplog)
    assert any(SHARED in r.getMessage() for r in caplog.records), "no page was shared"
    assert _digest(shared) == _digest(single)
    assert repository(corpus) is mine and mine._cat.proc.pid == cat_file
    assert mine._cat.proc.poll() is None
    rel = "mkdocs.yml"
    assert mine.read_blobs([f"HEAD:{rel}"])[f"HEAD:{rel}"] is not None


def test_warnings_of_the_second_process_fail_a_strict_build(corpus, tmp_path, caplog):
    """A warning in shared pages fails the build, as on one core: here absolute links made
    warnings by mkdocs.yml (a setting `achats check` does not read; it reports broken
    relative links itself, before any build)."""
    broken = tmp_path / "casse"
    generate_corpus(broken, 40, 0, seed=11, source=Project(REPO))
    config = broken / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  links:\n" in text
    config.write_text(text.replace("\n  links:\n", "\n  links:\n    absolute_links: warn\n", 1),
                      encoding="utf-8")
    for path in sorted((broken / "clauses").glob("*.md")):
        path.write_text(path.read_text(encoding="utf-8") + "\n[Perdu](/nulle-part/)\n",
                        encoding="utf-8")
    caplog.set_level(logging.DEBUG, logger="mkdocs.plugins.achats")
    with pytest.raises(AchatsError) as failure:
        _build(broken, tmp_path / "site", "true", caplog)
    assert "strict" in str(failure.value)
    messages = [r.getMessage() for r in caplog.records]
    assert any(SHARED in m for m in messages)
    assert any("avertissement(s) pendant la construction des pages du second processus" in m
               for m in messages)


def test_unknown_setting_is_refused_in_french(corpus, tmp_path, caplog):
    with pytest.raises(AchatsError) as failure:
        _build(corpus, tmp_path / "site", "toujours", caplog)
    assert "extra.parallele doit valoir auto, true ou false" in str(failure.value)


def test_helper_takes_each_nav_title_from_its_source_once(tmp_path, monkeypatch):
    """The second process renders no nav page but shows their titles on every page it
    builds: each title is read from its (possibly very long) source once, not at each use."""
    from types import SimpleNamespace

    import mkdocs.structure.pages as pages_module
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File
    from mkdocs.structure.pages import Page

    from achats.site import parallel

    config = MkDocsConfig()
    config.load_dict({"site_name": "Essai", "docs_dir": str(tmp_path)})
    assert not config.validate()[0]
    source = tmp_path / "clauses" / "index.md"
    source.parent.mkdir()
    source.write_text("# Toutes les clauses\n\n" + "- [[CL-001]]\n" * 5000, encoding="utf-8")
    index = Page(None, File("clauses/index.md", str(tmp_path), str(tmp_path / "site"), True),
                 config)
    calls = []
    real = pages_module.get_markdown_title
    monkeypatch.setattr(pages_module, "get_markdown_title",
                        lambda source: calls.append(len(source)) or real(source))
    parallel.read_nav_sources(SimpleNamespace(pages=[index]), config)
    titles = [index.title for _ in range(5)]
    assert titles == ["Toutes les clauses"] * 5
    assert len(calls) == 1
