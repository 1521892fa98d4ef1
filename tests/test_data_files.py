"""Every file of content/data/ is declared with its schema (achats.model.schema.data) and checked
like the entries: French problem, file, line, field. Unknown files only warn."""

from __future__ import annotations

import json

import pytest

from achats.model.schema.data import DATA_FILES, DataFile
from projects import REPO


def test_every_bundled_data_file_is_declared():
    bundled = {p.name for p in (REPO / "content/data").iterdir() if not p.name.startswith(".")}
    assert bundled <= set(DATA_FILES)
    assert {"vocabulaires.yml", "articles.yml", "glossaire.yml", "parcours.yml",
            "mire.yml"} <= set(DATA_FILES)


def test_bundled_content_passes(run_cli, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out, _err = run_cli("check")
    assert code == 0, out
    assert "content/data/" not in out


BROKEN = {
    # file -> (content, expected error line)
    "vocabulaires.yml": ("piliers: {social: Social}\netapes: [besoin]\n",
                         "content/data/vocabulaires.yml:2: etapes: erreur: type incorrect : "
                         "attendu un dictionnaire (clé: valeur), trouvé une liste."),
    "glossaire.yml": ("CAO: Commission d'appel d'offres.\nAE: 12\n",
                      "content/data/glossaire.yml:2: AE: erreur: type incorrect : attendu un "
                      "texte, trouvé le nombre 12."),
    "parcours.yml": ("titre: Parcours\netapes: []\n",
                     "content/data/parcours.yml:2: etapes: erreur: au moins 1 valeur(s) "
                     "attendue(s)."),
    "mire.yml": ("propositions:\n  - id: P01\n    libelle: Un\n    impact: 0\n"
                 "    faisabilite: 3\n",
                 "content/data/mire.yml:4: propositions[0].impact: erreur: valeur hors limites "
                 "(0) : attendu entre 1 et 5."),
    "articles.yml": ("L2152-7:\n  titre: Critères\n  permet: Attribuer.\n  abroge: oui\n",
                     "content/data/articles.yml:4: L2152-7.abroge: erreur: clé inconnue "
                     "« abroge »."),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_data_file_gives_file_line_field(project_dir, run_cli, name):
    content, expected = BROKEN[name]
    (project_dir / "content/data" / name).write_text(content, encoding="utf-8")
    code, out, err = run_cli("check")
    assert code == 1
    assert any(line.startswith(expected) for line in out.splitlines()), out
    assert "Traceback" not in out + err


def test_a_data_file_that_is_not_a_mapping(project_dir, run_cli):
    (project_dir / "content/data/mire.yml").write_text("- une\n- liste\n", encoding="utf-8")
    code, out, _err = run_cli("check")
    assert code == 1
    assert ("content/data/mire.yml:1: mire: erreur: type incorrect : attendu un dictionnaire "
            "(clé: valeur), trouvé une liste.") in out


@pytest.mark.parametrize("name", ["notes.yml", "brouillon.txt", "sauvegarde-articles.yml"])
def test_unknown_data_file_is_a_warning_only(project_dir, run_cli, name):
    """A file declared nowhere (a maintainer's notes, a copy) never breaks a check, even
    when it is not valid YAML: it is not read."""
    (project_dir / "content/data" / name).write_text("valeur: [non, declaree\n",
                                                     encoding="utf-8")
    code, out, _err = run_cli("check")
    assert code == 0, out
    assert (f"content/data/{name}:1: fichier: avertissement: fichier de données inconnu"
            in out)


def test_declaring_a_file_is_all_it_takes(project_dir, run_cli, monkeypatch):
    """A declared file that is not YAML is known (no warning) and not parsed."""
    monkeypatch.setitem(DATA_FILES, "annuaire.txt",
                        DataFile("annuaire.txt", "annuaire des acheteurs", yaml=False))
    (project_dir / "content/data/annuaire.txt").write_text("acheteur: [pas du YAML\n",
                                                           encoding="utf-8")
    code, out, _err = run_cli("check")
    assert code == 0, out
    assert "annuaire" not in out


def test_data_schemas_are_json_schemas():
    """The declarations give editors a JSON Schema, free keys included."""
    from achats.model.schema import CheckContext, json_schema

    schema = json_schema(DATA_FILES["vocabulaires.yml"].schema, CheckContext({}, {}))
    assert "piliers" in schema["properties"]  # a vocabulary every collection needs
    assert schema["additionalProperties"]["additionalProperties"]["type"] == "string"
    json.dumps(schema)
