"""`achats new`: a valid entry for each collection, the next free ID, never an overwrite."""

from __future__ import annotations

import pytest

from achats.project import Project
from achats.model.validate import check_project

EXPECTED = {
    "guide": ("GU-003", "guides/un-titre-a-l-essai.md"),
    "clause": ("CL-003", "clauses/cl-003-un-titre-a-l-essai.md"),
    "rapport": ("RA-002", "content/rapports/ra-002-un-titre-a-l-essai.md"),
    "apero": ("AP-002", "content/aperos/ap-002-un-titre-a-l-essai.md"),
    "marche": ("MA-002", "content/marches/un-titre-a-l-essai/index.md"),
}


@pytest.mark.parametrize("collection", sorted(EXPECTED))
def test_new_entry_round_trip(collection, project_dir, run_cli):
    """The new file gets the next ID, passes check with only TODO warnings, and is found."""
    ident, rel = EXPECTED[collection]
    code, out, err = run_cli("new", collection, "--title", "Un titre : à l'essai")
    assert code == 0, err
    assert f"créé : {rel}" in out
    result = check_project(Project(project_dir))
    assert not result.problems.errors, result.problems.as_text()
    mine = [p for p in result.problems if p.path == rel]
    assert mine and all("TODO" in p.message for p in mine)
    entry = next(e for e in result.entries if e.rel == rel)
    assert entry.id == ident
    assert entry.title == "Un titre : à l'essai"


def test_new_tender_has_its_pieces(project_dir, run_cli):
    """A tender is a folder with its record and the RC, CCAP and CCTP pieces."""
    run_cli("new", "marche", "--title", "Achat de vélos")
    folder = project_dir / "content" / "marches" / "achat-de-velos"
    assert sorted(p.name for p in folder.iterdir()) == ["ccap.md", "cctp.md", "index.md", "rc.md"]


def test_new_refuses_to_overwrite(project_dir, run_cli):
    """A second entry with the same title is refused and the first file is untouched."""
    run_cli("new", "guide", "--title", "Même titre")
    path = project_dir / "guides" / "meme-titre.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nMon texte.\n", encoding="utf-8")
    before = path.read_bytes()
    code, _, err = run_cli("new", "guide", "--title", "Même titre")
    assert code == 1
    assert "existe déjà : rien n'a été écrit" in err
    assert path.read_bytes() == before


def test_new_requires_a_known_collection(project_dir, run_cli):
    """An unknown collection is a usage error (exit 2), nothing written."""
    code, _, err = run_cli("new", "recette", "--title", "x")
    assert code == 2
    assert "choix invalide" in err
