"""achats.model.links: links parsed once, code left out, file lines kept."""

from __future__ import annotations

from pathlib import Path

from achats.model import links
from achats.model.load import load_entries
from achats.problems import ProblemList
from achats.project import Project


def targets(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    return [(link.line, link.target) for link in links.parse(text, first_line, "guides/a.md").ids]


def test_id_links_with_their_file_lines_and_labels():
    found = links.parse("Intro\n\nVoir [[CL-001]] et [[GU-0042|le guide]].\n\n[[RA-001]]",
                        7, "guides/a.md")
    assert [(l.line, l.target, l.label) for l in found.ids] == [
        (9, "CL-001", None), (9, "GU-0042", "le guide"), (11, "RA-001", None)]


def test_lowercase_or_short_ids_are_not_links():
    assert targets("[[cl-001]] [[CL-01]] [[C-001]] [[CL-001|]]") == []


def test_backtick_fence_hides_links_until_it_closes():
    text = "[[CL-001]]\n```\n[[CL-002]]\n```\n[[CL-003]]"
    assert targets(text) == [(1, "CL-001"), (5, "CL-003")]


def test_tilde_fence_is_not_closed_by_backticks():
    text = "~~~~\n[[CL-002]]\n```\n[[CL-003]]\n~~~~\n[[CL-004]]"
    assert targets(text) == [(6, "CL-004")]


def test_longer_fence_needs_as_long_a_closing_run():
    text = "````md\n```\n[[CL-002]]\n```\n````\n[[CL-003]]"
    assert targets(text) == [(6, "CL-003")]


def test_unclosed_fence_runs_to_the_end():
    assert targets("[[CL-001]]\n```python\n[[CL-002]]\n[[CL-003]]") == [(1, "CL-001")]


def test_inline_code_spans_hide_links_on_their_line_only():
    text = "Écrivez `[[CL-001]]` pour citer [[CL-002]].\n``[[CL-003]] ` x``\n[[CL-004]]"
    assert targets(text) == [(1, "CL-002"), (3, "CL-004")]


def test_indented_code_block_hides_links():
    text = "Exemple :\n\n    [[CL-001]]\n    [[CL-002]]\n\nFin [[CL-003]]"
    assert targets(text, 10) == [(15, "CL-003")]


def test_indented_lines_of_a_list_or_admonition_are_not_code():
    text = ("- premier point\n\n    suite du point [[CL-001]]\n    - sous-point [[CL-002]]\n\n"
            "!!! note \"À savoir\"\n\n    Voir [[CL-003]].\n\nParagraphe.\n\n    [[CL-004]]")
    assert targets(text) == [(3, "CL-001"), (4, "CL-002"), (8, "CL-003")]


def test_indented_lines_continuing_a_paragraph_are_not_code():
    assert targets("Un paragraphe\n    continué [[CL-001]]") == [(2, "CL-001")]


def test_relative_source_links_resolved_from_the_file():
    found = links.parse("[c](../clauses/cl-003.md#a) `[x](y.md)` [p](/abs.md) [h](../../h.md)",
                        4, "guides/a.md")
    assert [(l.line, l.written, l.path) for l in found.sources] == [
        (4, "../clauses/cl-003.md", "clauses/cl-003.md"), (4, "/abs.md", None),
        (4, "../../h.md", None)]


def test_change_outside_code_leaves_code_as_written():
    text = "a [[CL-001]] `b [[CL-001]]`\n```\n[[CL-001]]\n```\n\n    [[CL-001]]"
    changed = links.change_outside_code(text, lambda part: part.replace("[[CL-001]]", "X"))
    assert changed == "a X `b [[CL-001]]`\n```\n[[CL-001]]\n```\n\n    [[CL-001]]"


def test_entries_carry_their_links_from_the_loader(tmp_path: Path):
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "gu-001.md").write_text(
        "---\nid: GU-001\ntitre: Guide\n---\nTexte [[CL-001]]\n\n```\n[[CL-009]]\n```\n",
        encoding="utf-8")
    tender = tmp_path / "content" / "marches" / "m"
    tender.mkdir(parents=True)
    (tender / "index.md").write_text("---\nid: MA-001\n---\n", encoding="utf-8")
    (tender / "cctp.md").write_text("# Article\n\nVoir [[CL-002]].\n", encoding="utf-8")
    entries = {e.id: e for e in load_entries(Project(tmp_path), ProblemList())}
    assert [(l.line, l.target) for l in entries["GU-001"].links.ids] == [(5, "CL-001")]
    piece = entries["MA-001"].pieces[0]
    assert [(l.line, l.target) for l in piece.links.ids] == [(3, "CL-002")]


def test_code_text_is_what_the_site_shows_as_code():
    text = ("Prose CL-001 et `CL-002` en ligne.\n\n"
            "~~~\nCL-003 dans un bloc\n```\nCL-004 toujours dedans\n~~~\n\n"
            "    CL-005 en retrait\n\n"
            "- liste\n\n    CL-006 suite de l'élément, pas du code\n")
    parts = links.code_text(text)
    joined = "\n".join(parts)
    assert "CL-002" in parts
    for inside in ("CL-003", "CL-004", "CL-005"):
        assert inside in joined
    for outside in ("CL-001", "CL-006"):
        assert outside not in joined
