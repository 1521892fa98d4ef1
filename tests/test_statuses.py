"""content/data/statuts.yml: the statuses' life cycle is data, checked like the entries
(file, line, field), and what it says is what the review check and the visibility do."""

from __future__ import annotations

from pathlib import Path

from achats.model.load import entry_of, load_entries, split_front_matter
from achats.model.schema import COLLECTIONS
from achats.model.schema.workflow import read_workflow
from achats.problems import ProblemList
from achats.project import Project
from achats.review.checks import _check_status

STATUSES = "content/data/statuts.yml"
TENDER = "content/marches/achat-test/index.md"


def _edit(project: Path, old: str, new: str) -> None:
    path = project / STATUSES
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unknown_status_is_named_with_file_line_and_field(project_dir, run_cli):
    _edit(project_dir, "    - de: valide\n      vers: [publie]\n",
          "    - de: valide\n      vers: [publiee]\n")
    line = (project_dir / STATUSES).read_text(encoding="utf-8").splitlines().index(
        "      vers: [publiee]") + 1
    code, out, err = run_cli("check")
    assert code == 1
    assert (f"{STATUSES}:{line}: marche.transitions[2].vers[0]: erreur: valeur inconnue "
            "« publiee » (vocabulaire « statuts_marche »)") in out, out
    assert "Traceback" not in out + err


def test_a_status_described_twice_and_a_missing_list_are_problems(project_dir, run_cli):
    _edit(project_dir, "    - de: retiree\n      vers: []\n",
          "    - de: proposee\n      vers: [retiree]\n")
    _edit(project_dir, "  publies: [publie, attribue, infructueux, evalue]\n", "")
    lines = (project_dir / STATUSES).read_text(encoding="utf-8").splitlines()
    second = [i for i, text in enumerate(lines, start=1) if text == "    - de: proposee"][1]
    code, out, _err = run_cli("check")
    assert code == 1
    assert (f"{STATUSES}:{second}: clause.transitions[3].de: erreur: statut « proposee » "
            "déjà décrit plus haut") in out, out
    assert f"{STATUSES}:" in out and "marche.publies: erreur: champ obligatoire manquant" in out


def test_a_missing_file_is_an_error_and_publishes_no_tender(project_dir, run_cli):
    (project_dir / STATUSES).unlink()
    code, out, _err = run_cli("check")
    assert code == 1
    assert f"{STATUSES}:1: fichier: erreur: fichier de données manquant." in out
    entries = load_entries(Project(project_dir), ProblemList())
    tender = next(e for e in entries if e.rel == TENDER)
    assert tender.meta["statut"] == "infructueux" and tender.visibility == "interne"


def test_published_statuses_come_from_the_file(project_dir):
    project = Project(project_dir)
    tender = next(e for e in load_entries(project, ProblemList()) if e.rel == TENDER)
    assert tender.visibility == "public"  # infructueux: published, as the file says
    _edit(project_dir, "  publies: [publie, attribue, infructueux, evalue]\n",
          "  publies: [publie, attribue, evalue]\n")
    tender = next(e for e in load_entries(project, ProblemList()) if e.rel == TENDER)
    assert tender.visibility == "interne"


def test_allowed_transitions_come_from_the_file(project_dir):
    project = Project(project_dir)

    def tender(status: str, workflow):
        text = f"---\nid: MA-009\ntitre: Essai\nstatut: {status}\n---\n"
        rel = "content/marches/essai/index.md"
        return entry_of(COLLECTIONS["marche"], project_dir / rel, rel,
                        split_front_matter(text, rel, ProblemList()), workflow)

    def jump_refused() -> bool:
        workflow = read_workflow(project.data_dir)
        problems = ProblemList()
        _check_status(tender("brouillon", workflow), tender("publie", workflow), "main",
                      problems)
        return any("passage de statut interdit" in p.message for p in problems)

    assert jump_refused()
    _edit(project_dir, "    - de: brouillon\n      vers: [en_revue]\n",
          "    - de: brouillon\n      vers: [en_revue, publie]\n")
    assert not jump_refused()
