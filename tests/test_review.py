"""`achats review-check`: what a merge request may change, against a real base revision."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from achats.project import Project
from achats.review.checks import review_changes
from projects import make_project
from signing import Key, sign_file
from test_history import commit_all, edit, git

CLAUSE = "clauses/cl-002-insertion.md"
TENDER = "content/marches/achat-test/index.md"
RC = "content/marches/achat-test/rc.md"


@pytest.fixture
def repo(tmp_path, monkeypatch, legal_key) -> Path:
    """The fixture project in git, with the legal service's key in its signers file, its
    first commit tagged « base », as cwd."""
    root = make_project(tmp_path / "projet")
    legal_key.allow(root)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "Import")
    git(root, "tag", "base")
    monkeypatch.chdir(root)
    return root


def legal(root: Path) -> Key:
    """The legal service's key made by the ``legal_key`` fixture, beside the project."""
    return Key(root.parent / "cles" / "dajcp")


def set_status(root: Path, rel: str, status: str) -> None:
    """Write ``status`` (with a matching validation, signed by the legal service, for a
    validated clause)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^statut: .*$", f"statut: {status}", text, count=1, flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")
    if status == "validee":
        sign_file(root, rel, legal(root))


def rebase_at(root: Path, rel: str, status: str) -> None:
    """Make ``status`` the base state of ``rel`` (a new commit, tagged « base »)."""
    set_status(root, rel, status)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", f"Base : {status}")
    git(root, "tag", "-f", "base")


def errors(root: Path, base: str = "base", head: str | None = None) -> list[str]:
    return [p.format() for p in review_changes(Project(root), base, head).problems.errors]


CLAUSE_CASES = [
    ("proposee", "a_valider", True), ("a_valider", "validee", True),
    ("validee", "retiree", True), ("a_valider", "proposee", True),
    ("validee", "a_valider", True), ("proposee", "validee", False),
    ("proposee", "retiree", False), ("retiree", "validee", False),
    ("validee", "proposee", False), ("retiree", "a_valider", False),
]
TENDER_CASES = [
    ("brouillon", "en_revue", True), ("en_revue", "valide", True), ("valide", "publie", True),
    ("publie", "attribue", True), ("publie", "infructueux", True),
    ("attribue", "evalue", True), ("infructueux", "evalue", True),
    ("en_revue", "brouillon", True), ("brouillon", "publie", False),
    ("publie", "brouillon", False), ("evalue", "attribue", False),
    ("valide", "en_revue", False), ("brouillon", "valide", False),
]


@pytest.mark.parametrize("rel, before, after, allowed",
                         [(CLAUSE, *case) for case in CLAUSE_CASES]
                         + [(TENDER, *case) for case in TENDER_CASES])
def test_status_transitions(repo, rel, before, after, allowed):
    """A status moves one allowed step per merge request; others are errors on « statut »."""
    rebase_at(repo, rel, before)
    set_status(repo, rel, after)
    found = errors(repo)
    if allowed:
        assert found == []
    else:
        assert len(found) == 1
        assert re.match(rf"{re.escape(rel)}:\d+: statut: erreur: passage de statut interdit : "
                        rf"« {before} » \(dans base \(\w+\)\) → « {after} »", found[0])


def test_unchanged_status_is_fine(repo):
    """No change at all: nothing to say."""
    assert errors(repo) == []


def test_clause_becoming_validated_needs_a_validation(repo):
    """a_valider → validee written by hand, without validation: error naming what is missing."""
    rebase_at(repo, CLAUSE, "a_valider")
    edit(repo, CLAUSE, "statut: a_valider", "statut: validee")
    [found] = errors(repo)
    assert f"{CLAUSE}:" in found and ": validation: erreur:" in found
    assert "manque : par, le, empreinte" in found and "achats validate CL-002" in found


def test_validation_must_match_the_text(repo):
    """A validation whose fingerprint is not the text's: error on validation.empreinte."""
    rebase_at(repo, CLAUSE, "a_valider")
    set_status(repo, CLAUSE, "validee")
    edit(repo, CLAUSE, "5 %", "6 %")
    [found] = errors(repo)
    assert ": validation.empreinte: erreur:" in found


def test_new_clause_may_arrive_validated_only_with_its_validation(repo):
    """A new file « validee » with a wrong fingerprint is refused."""
    text = (repo / CLAUSE).read_text(encoding="utf-8").replace("CL-002", "CL-003")
    text = text.replace("statut: proposee", "statut: validee\nvalidation: {par: DAJCP, "
                        "le: 2026-11-20, empreinte: \"sha256:faux\"}")
    (repo / "clauses/cl-003-nouvelle.md").write_text(text, encoding="utf-8")
    [found] = errors(repo)
    assert found.startswith("clauses/cl-003-nouvelle.md:") and "empreinte" in found


@pytest.mark.parametrize("status, frozen", [("en_revue", False), ("valide", False),
                                            ("publie", True), ("attribue", True),
                                            ("infructueux", True), ("evalue", True)])
def test_pieces_of_a_published_tender_are_frozen(repo, status, frozen):
    """Changing the RC once the tender is published is an error on the piece."""
    rebase_at(repo, TENDER, status)
    edit(repo, RC, "s'applique", "ne s'applique plus")
    found = errors(repo)
    if not frozen:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(f"{RC}:1: texte: erreur: pièce RC "
                                                       "modifiée alors que le marché MA-001")


@pytest.mark.parametrize("change, word", [("ajout", "ajoutée"), ("suppression", "supprimée")])
def test_pieces_cannot_be_added_or_removed_after_publication(repo, change, word):
    """Adding a CCTP or deleting the RC of a published tender is an error too."""
    rebase_at(repo, TENDER, "publie")
    if change == "ajout":
        (repo / "content/marches/achat-test/cctp.md").write_text("# CCTP\n", encoding="utf-8")
    else:
        (repo / RC).unlink()
    [found] = errors(repo)
    assert f"{word} alors que le marché MA-001" in found


def test_status_and_result_of_a_published_tender_may_still_change(repo):
    """publie → attribue with its result: the index changes, the pieces do not."""
    rebase_at(repo, TENDER, "publie")
    set_status(repo, TENDER, "attribue")
    edit(repo, TENDER, "issue: infructueux", "issue: attribue")
    assert errors(repo) == []


def test_deleting_a_cited_entry_is_an_error(repo):
    """CL-002 deleted while a guide, a tender and an apéro still cite it."""
    (repo / CLAUSE).unlink()
    [found] = errors(repo)
    assert found.startswith(f"{CLAUSE}:2: id: erreur: la fiche CL-002")
    for place in ("guides/premier-chapitre.md:", f"{TENDER}:", "content/aperos/ap-001-defi.md:"):
        assert place in found


def test_deleting_an_entry_nobody_cites_is_fine(repo):
    """The apéro AP-001 is cited by no entry: it may go."""
    (repo / "content/aperos/ap-001-defi.md").unlink()
    assert errors(repo) == []


def test_changing_an_id_is_an_error(repo):
    """Same file, new ID: error on « id » of that file, naming the former ID."""
    edit(repo, "guides/second-chapitre.md", "id: GU-002", "id: GU-009")
    found = errors(repo)
    assert "guides/second-chapitre.md:2: id: erreur: identifiant modifié : ce fichier portait " \
           "« GU-002 »" in found[0]


def test_renaming_a_file_keeps_its_id(repo):
    """git mv with the same ID: fine."""
    git(repo, "mv", CLAUSE, "clauses/cl-002-insertion-sociale.md")
    assert errors(repo) == []


def test_renaming_a_file_and_changing_its_id_is_an_error(repo):
    """git mv and a new ID: the rename is followed and the ID change reported."""
    git(repo, "mv", "guides/second-chapitre.md", "guides/suite.md")
    edit(repo, "guides/suite.md", "id: GU-002", "id: GU-009")
    found = errors(repo)
    assert any(f.startswith("guides/suite.md:2: id: erreur: identifiant modifié") for f in found)


def test_head_revision_instead_of_working_tree(repo):
    """--head compares a commit: the change is found once committed."""
    edit(repo, "guides/second-chapitre.md", "id: GU-002", "id: GU-009")
    commit_all(repo, "Change l'identifiant")
    git(repo, "checkout", "-q", "--", ".")
    assert any("identifiant modifié" in f for f in errors(repo, head="HEAD"))
    assert errors(repo, head="base") == []


def test_cli_exit_code_0_with_summary(repo, run_cli):
    """Nothing wrong: exit 0 and a French summary."""
    code, out, _err = run_cli("review-check", "--base", "base")
    assert code == 0 and "Revue par rapport à base (" in out and "0 erreur" in out


def test_cli_exit_code_1_with_located_messages(repo, run_cli):
    """An error: exit 1, « path:line: field: erreur: message »."""
    rebase_at(repo, CLAUSE, "proposee")
    set_status(repo, CLAUSE, "validee")
    code, out, _err = run_cli("review-check", "--base", "base")
    assert code == 1 and re.search(rf"^{CLAUSE}:\d+: statut: erreur: ", out, re.MULTILINE)


@pytest.mark.parametrize("args", [["--base", "origin/inexistante"],
                                  ["--base", "base", "--head", "pas-une-revision"],
                                  []])
def test_cli_usage_errors_exit_2(repo, run_cli, args):
    """Unknown revision or missing --base: exit 2, French message, no traceback."""
    code, _out, err = run_cli("review-check", *args)
    assert code == 2 and "erreur d'utilisation" in err and "Traceback" not in err


def test_cli_outside_git_exits_2(tmp_path, monkeypatch, run_cli):
    """A project outside git: no base to compare with, exit 2."""
    root = make_project(tmp_path / "projet")
    monkeypatch.chdir(root)
    code, _out, err = run_cli("review-check", "--base", "main")
    assert code == 2 and "dépôt git" in err


def test_published_tender_cannot_be_deleted(repo):
    """A published tender stays in the tenders' memory: deleting its folder is an error."""
    rebase_at(repo, TENDER, "publie")
    for path in sorted((repo / "content/marches/achat-test").iterdir()):
        path.unlink()
    found = errors(repo)
    assert any("un marché publié reste dans la mémoire des marchés" in f for f in found)


def test_unreadable_file_is_left_to_check(repo):
    """A YAML error in a cited entry is `achats check`'s business, not a « deletion »."""
    edit(repo, CLAUSE, "titre: Clause d'insertion", "titre: [non fermé")
    assert errors(repo) == []
