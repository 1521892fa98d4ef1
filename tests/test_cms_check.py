"""`achats check` catches what a rich-text editor leaves in a body: an escaped [[ID]] link,
which the page would show as text."""

from __future__ import annotations

from achats.project import Project
from achats.model.validate import check_project
from projects import make_project


def test_escaped_id_link_is_an_error_with_its_line(tmp_path):
    root = make_project(tmp_path / "projet")
    clause = next((root / "clauses").glob("*.md"))
    text = clause.read_text(encoding="utf-8")
    lines = text.count("\n")
    clause.write_text(text + "\nVoir \\[[CL-001]] et \\[\\[CL-002|la suite\\]\\].\n"
                      "`\\[[CL-001]]` dans du code reste permis.\n", encoding="utf-8")
    problems = check_project(Project(root)).problems
    found = [p for p in problems if "lien échappé" in p.message]
    rel = clause.relative_to(root).as_posix()
    assert [(p.path, p.line, p.field) for p in found] == [(rel, lines + 2, "texte")] * 2
    assert "Écrivez [[CL-001]], sans barre oblique inverse." in found[0].message
    assert "« \\[\\[CL-002|la suite\\]\\] »" in found[1].message
    assert all(p.is_error for p in found)


def test_escaped_id_link_in_a_tender_piece_is_an_error(tmp_path):
    """The pieces (rc.md…) are edited through the web editor too."""
    root = make_project(tmp_path / "projet")
    pieces = [p for p in (root / "content/marches").glob("*/*.md") if p.name != "index.md"]
    assert pieces, "le corpus de test doit avoir une pièce de marché"
    piece = pieces[0]
    text = piece.read_text(encoding="utf-8")
    piece.write_text(text + "\nVoir \\[[CL-001]].\n", encoding="utf-8")
    problems = check_project(Project(root)).problems
    found = [p for p in problems if "lien échappé" in p.message]
    rel = piece.relative_to(root).as_posix()
    assert [(p.path, p.line, p.field) for p in found] == [(rel, text.count("\n") + 2, "texte")]
    assert found[0].is_error
