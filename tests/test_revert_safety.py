"""`achats revert` never writes over a file git does not hold as it is: untracked, ignored,
or a symbolic link at a path it would restore. Real git repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_history import commit_all, git, make_repo

TENDER = "content/marches/achat-test"


@pytest.fixture
def with_removed_piece(tmp_path, monkeypatch) -> tuple[Path, str]:
    """A tender whose CCTP was committed, then removed: (repository, version with it)."""
    root = make_repo(tmp_path / "projet")
    (root / TENDER / "cctp.md").write_text("# CCTP\n\nAncien texte.\n", encoding="utf-8")
    commit_all(root, "Ajoute le CCTP")
    version = git(root, "log", "-1", "--format=%h").strip()
    git(root, "rm", "-q", f"{TENDER}/cctp.md")
    commit_all(root, "Retire le CCTP")
    monkeypatch.chdir(root)
    return root, version


def _state(root: Path) -> tuple[str, str]:
    return git(root, "rev-parse", "HEAD"), git(root, "status", "--porcelain", "--ignored")


def test_untracked_file_at_a_restored_path_is_not_overwritten(with_removed_piece, run_cli):
    root, version = with_removed_piece
    work = root / TENDER / "cctp.md"
    work.write_text("# CCTP\n\nTravail en cours, jamais enregistré.\n", encoding="utf-8")
    before = _state(root)
    code, out, err = run_cli("revert", "MA-001", "--to", version)
    assert code == 1, out
    assert f"la restauration écrirait sur {TENDER}/cctp.md" in err
    assert "Rien n'a été modifié." in err
    assert work.read_text(encoding="utf-8") == "# CCTP\n\nTravail en cours, jamais enregistré.\n"
    assert _state(root) == before


def test_ignored_file_at_a_restored_path_is_not_overwritten(with_removed_piece, run_cli):
    root, version = with_removed_piece
    (root / ".git/info/exclude").write_text("cctp.md\n", encoding="utf-8")
    work = root / TENDER / "cctp.md"
    work.write_text("brouillon ignoré par git\n", encoding="utf-8")
    code, _out, err = run_cli("revert", "MA-001", "--to", version)
    assert code == 1
    assert f"{TENDER}/cctp.md" in err
    assert work.read_text(encoding="utf-8") == "brouillon ignoré par git\n"


def test_symbolic_link_at_a_restored_path_is_not_followed(with_removed_piece, run_cli,
                                                          tmp_path):
    root, version = with_removed_piece
    outside = tmp_path / "dehors.txt"
    outside.write_text("hors du dépôt\n", encoding="utf-8")
    (root / TENDER / "cctp.md").symlink_to(outside)
    code, _out, err = run_cli("revert", "MA-001", "--to", version)
    assert code == 1
    assert outside.read_text(encoding="utf-8") == "hors du dépôt\n"
    assert "Traceback" not in err


def test_clean_tree_still_restores(with_removed_piece, run_cli):
    root, version = with_removed_piece
    code, out, err = run_cli("revert", "MA-001", "--to", version)
    assert code == 0, err
    assert (root / TENDER / "cctp.md").read_text(encoding="utf-8") == "# CCTP\n\nAncien texte.\n"
    assert git(root, "status", "--porcelain") == ""
