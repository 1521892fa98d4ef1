"""IDs are never reused: `achats new`, `achats review-check` and `achats identifiants`
read every ID git's history ever saw (one `git log`), in real repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from achats.git.identifiers import read_id_history
from achats.project import Project
from achats.review.checks import review_changes
from projects import make_project
from test_history import commit_all, edit, git

CL2 = "clauses/cl-002-insertion.md"
APERO = "content/aperos/ap-001-defi.md"


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = make_project(tmp_path / "projet")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "Import")
    git(root, "tag", "base")
    monkeypatch.chdir(root)
    return root


def review_errors(root: Path, base: str = "base") -> list[str]:
    return [p.format() for p in review_changes(Project(root), base).problems.errors]


def clause_text(ident: str, title: str) -> str:
    return (Path(__file__).parent / "fixtures/corpus" / CL2).read_text(encoding="utf-8") \
        .replace("CL-002", ident).replace("titre: Clause d'insertion", f"titre: {title}")


def test_new_after_deleting_the_highest_id_skips_it(repo, run_cli):
    """AP-001 is the only apéro; deleted and committed, the next one is AP-002, not AP-001."""
    (repo / APERO).unlink()
    commit_all(repo, "Suppression de l'apéro")
    code, out, _err = run_cli("new", "apero", "--title", "Un autre défi")
    assert code == 0 and "content/aperos/ap-002-un-autre-defi.md" in out


def test_new_skips_an_id_that_only_existed_in_an_old_commit(repo, run_cli):
    """CL-007 lived in one commit and was deleted in the next: new clauses start at CL-008."""
    (repo / "clauses/cl-007-essai.md").write_text(clause_text("CL-007", "Essai"),
                                                  encoding="utf-8")
    commit_all(repo, "Essai")
    (repo / "clauses/cl-007-essai.md").unlink()
    commit_all(repo, "Essai retiré")
    code, out, _err = run_cli("new", "clause", "--title", "Nouvelle")
    assert code == 0 and "clauses/cl-008-nouvelle.md" in out


def test_new_outside_git_warns_and_uses_present_entries(tmp_path, monkeypatch, run_cli):
    root = make_project(tmp_path / "projet")
    monkeypatch.chdir(root)
    code, out, err = run_cli("new", "clause", "--title", "Hors git")
    assert code == 0 and "cl-003-hors-git.md" in out
    assert "pas dans un dépôt git" in err


def test_review_refuses_an_id_of_a_deleted_entry_for_another_subject(repo):
    """The issue's case: CL-002 deleted (earlier commit), another file takes CL-002."""
    (repo / CL2).unlink()
    for rel in ("guides/premier-chapitre.md", "content/marches/achat-test/index.md", APERO):
        text = (repo / rel).read_text(encoding="utf-8")
        (repo / rel).write_text(text.replace("CL-002", "CL-001"), encoding="utf-8")
    commit_all(repo, "CL-002 supprimée")
    git(repo, "tag", "-f", "base")
    (repo / "clauses/cl-002-tout-autre-chose.md").write_text(
        clause_text("CL-002", "Tout autre chose"), encoding="utf-8")
    [found] = review_errors(repo)
    assert found.startswith("clauses/cl-002-tout-autre-chose.md:2: id: erreur: identifiant "
                            "réutilisé : CL-002 a déjà désigné « Clause d'insertion » "
                            f"({CL2}, commit ")


def test_review_refuses_delete_and_recreate_in_the_same_merge_request(repo):
    """Same ID, new file, new subject, in one merge request."""
    (repo / CL2).unlink()
    (repo / "clauses/cl-002-autre-sujet.md").write_text(
        clause_text("CL-002", "Autre sujet entièrement"), encoding="utf-8")
    found = review_errors(repo)
    assert any(f.startswith("clauses/cl-002-autre-sujet.md:2: id: erreur: identifiant "
                            "réutilisé : CL-002 est, dans base") for f in found)


def test_review_accepts_an_entry_brought_back(repo):
    """A deleted entry restored at its path (git revert) keeps its ID: same lineage."""
    text = (repo / APERO).read_text(encoding="utf-8")
    (repo / APERO).unlink()
    commit_all(repo, "Apéro supprimé")
    git(repo, "tag", "-f", "base")
    (repo / APERO).write_text(text, encoding="utf-8")
    assert review_errors(repo) == []


def test_review_accepts_a_retitled_entry_in_place(repo):
    edit(repo, CL2, "titre: Clause d'insertion", "titre: Clause d'insertion sociale")
    assert review_errors(repo) == []


def test_identifiants_lists_retired_ids_with_last_title(repo, run_cli):
    edit(repo, APERO, "titre: ", "titre: Dernier titre — ")
    commit_all(repo, "Titre")
    (repo / APERO).unlink()
    commit_all(repo, "Suppression")
    code, out, _err = run_cli("identifiants", "--format", "json")
    [retired] = json.loads(out)
    assert code == 0 and retired["id"] == "AP-001" and retired["fichier"] == APERO
    assert retired["titre"].startswith("Dernier titre — ")
    code, out, _err = run_cli("identifiants")
    assert "AP-001  « Dernier titre — " in out and "1 identifiant retiré" in out


def test_history_is_read_with_one_git_log(repo, monkeypatch):
    """One git process, the log (whether the clone is shallow is read from its files)."""
    from git_processes import git_processes

    with git_processes(monkeypatch) as started:
        history = read_id_history(Project(repo))
    assert {"CL-001", "CL-002", "AP-001"} <= set(history.ids)
    assert started.commands() == ["log"]
