"""`achats check` on valid content, Windows-written files, and its output formats."""

from __future__ import annotations

import json
from pathlib import Path


def test_fixture_corpus_is_valid(project_dir, run_cli):
    """The fixture corpus has no error: exit 0 and a French summary."""
    code, out, _ = run_cli("check")
    assert code == 0
    assert "7 fiches vérifiées : 0 erreur" in out


def test_crlf_and_bom_files_are_accepted(project_dir, run_cli):
    """A file written on Windows (BOM + CRLF) passes, with lines counted as in an editor."""
    text = ("---\nid: GU-060\ntitre: Écrit sous Windows\netape: besoin\n---\n"
            "Voir [[CL-001]].\n")
    path = project_dir / "guides" / "windows.md"
    path.write_bytes("\ufeff".encode() + text.replace("\n", "\r\n").encode("utf-8"))
    code, out, _ = run_cli("check")
    assert code == 0, out
    path.write_bytes("\ufeff".encode() + text.replace("[[CL-001]]", "[[CL-777]]")
                     .replace("\n", "\r\n").encode("utf-8"))
    code, out, _ = run_cli("check")
    assert code == 1
    assert "guides/windows.md:6: texte: erreur: référence inconnue « CL-777 »" in out


def test_json_format_lists_problems_with_location(project_dir, run_cli):
    """--format json gives counts and each problem's path, line, field and severity."""
    (project_dir / "guides" / "faux.md").write_text(
        "---\nid: GU-061\ntitre: Faux\netape: nulle-part\n---\n", encoding="utf-8")
    code, out, _ = run_cli("check", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["erreurs"] == 1
    problem = [p for p in data["problemes"] if p["severity"] == "erreur"][0]
    assert problem["path"] == "guides/faux.md"
    assert problem["line"] == 4
    assert problem["field"] == "etape"
    assert "nulle-part" in problem["message"]


def test_usage_error_exits_2_in_french(project_dir, run_cli):
    """A wrong option is a usage error: exit 2 and a French message."""
    code, _, err = run_cli("check", "--format", "xml")
    assert code == 2
    assert "erreur d'utilisation" in err
    assert "choix invalide" in err


def test_outside_a_project_is_a_clear_error(tmp_path, monkeypatch, run_cli):
    """Run outside any project: exit 1, French message, no traceback."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("check")
    assert code == 1
    assert "aucun projet « Achats durables » trouvé" in err
    assert "Traceback" not in err


def test_broken_vocabulary_file_is_reported_with_line(project_dir, run_cli):
    """A YAML error in a data file names the data file and the line."""
    vocab = project_dir / "content" / "data" / "vocabulaires.yml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + "\ncasse: [a\n", encoding="utf-8")
    code, out, _ = run_cli("check")
    assert code == 1
    assert "content/data/vocabulaires.yml:" in out
    assert "YAML invalide" in out


def test_help_is_french_with_examples(run_cli):
    """Each command's --help is in French and shows an example."""
    from achats.cli import COMMANDS
    for name in COMMANDS:
        code, out, _ = run_cli(name.replace("_", "-"), "--help")
        assert code == 0
        assert "Exemple" in out, name


def test_readme_lists_every_command():
    """The README's command table names each command the CLI has (none forgotten)."""
    from achats.cli import COMMANDS
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## La commande `achats`", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in COMMANDS if f"`achats {name.replace('_', '-')}" not in table]
    assert not missing, missing


def test_parallel_check_finds_exactly_what_the_serial_one_finds(project_dir, monkeypatch):
    """Spreading `achats check` over worker processes changes nothing in its findings."""
    import shutil
    from pathlib import Path

    from achats.model import validate
    from achats.project import Project

    golden = Path(__file__).resolve().parent / "golden"
    for case in ("guide-id-double", "marche-reference-champ", "clause-vocabulaire",
                 "apero-script", "guide-reference-inconnue"):
        shutil.copytree(golden / case / "input", project_dir, dirs_exist_ok=True)
    serial = validate.check_project(Project(project_dir))
    monkeypatch.setattr(validate, "PARALLEL_FROM", 1)
    monkeypatch.setattr(validate, "TASK_SIZE", 3)  # many small tasks shared by the workers
    parallel = validate.check_project(Project(project_dir), parallel=True)
    assert parallel.entries == []  # the workers kept them: this really ran in parallel
    assert parallel.count == serial.count
    assert parallel.problems.as_text() == serial.problems.as_text()
    assert len(serial.problems.errors) >= 5


# --- the cache of per-entry findings (achats/model/checkcache.py) --------------------------------

CACHE = ".cache/achats/check.pickle"


def test_cache_reuses_findings_and_rechecks_what_changed(project_dir, run_cli):
    """A second run gives the same findings from the cache; a changed entry, a new entry
    (cross-entry checks) and a changed vocabulary are checked again."""
    clause = project_dir / "clauses" / "cl-050-vocab.md"
    clause.write_text("---\nid: CL-050\ntitre: Clause\ntype: critere\n---\nTexte.\n",
                      encoding="utf-8")
    first = run_cli("check")
    assert first[0] == 1 and "clauses/cl-050-vocab.md:4: type: erreur: valeur inconnue" \
        in first[1]
    assert (project_dir / CACHE).is_file()
    assert run_cli("check") == first
    assert run_cli("check", "--sans-cache") == first

    # The entry changed: checked again.
    clause.write_text(clause.read_text("utf-8").replace("critere", "critere_attribution"),
                      encoding="utf-8")
    code, out, _ = run_cli("check")
    assert "cl-050-vocab.md:4" not in out

    # A new file takes an ID already used by a cached entry: found across entries.
    (project_dir / "guides" / "double.md").write_text(
        "---\nid: GU-001\ntitre: Double\netape: besoin\n---\nTexte.\n", encoding="utf-8")
    code, out, _ = run_cli("check")
    assert code == 1 and "identifiant « GU-001 » en double" in out, out
    assert run_cli("check", "--sans-cache") == (code, out, "")
    (project_dir / "guides" / "double.md").unlink()

    # The vocabulary changed: every cached finding is thrown away.
    vocabularies = project_dir / "content" / "data" / "vocabulaires.yml"
    text = vocabularies.read_text("utf-8")
    assert "  critere_attribution:" in text
    vocabularies.write_text(text.replace("  critere_attribution:", "  critere_attrib:"),
                            encoding="utf-8")
    code, out, _ = run_cli("check")
    assert code == 1
    assert "clauses/cl-050-vocab.md:4: type: erreur: valeur inconnue « critere_attribution »" \
        in out
    assert run_cli("check", "--sans-cache") == (code, out, "")


def test_unreadable_cache_is_ignored(project_dir, run_cli):
    """A truncated or foreign cache file is not an error: everything is checked again."""
    expected = run_cli("check", "--sans-cache")
    cache = project_dir / CACHE
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"\x80\x05pas un cache")
    assert run_cli("check") == expected
    assert cache.read_bytes() != b"\x80\x05pas un cache"  # rewritten


def test_check_without_cache_writes_nothing(project_dir, run_cli):
    run_cli("check", "--sans-cache")
    assert not (project_dir / ".cache").exists()
