"""achats decp: attributed tenders in DECP 2.0.3 JSON, validated against the official schema
(tests/fixtures/decp, public domain); bad fields refused without writing anything."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from projects import REPO, make_project

from achats.tender.decp import considerations

SCHEMA = Path(__file__).resolve().parent / "fixtures" / "decp" / "schema_decp_v2.0.3.json"
MA001 = "content/marches/sensibilisation-eco-citoyennete-jeunes"
SIRET_REGION = "23000000000017"  # made up for the tests

ATTRIBUTED = """resultat:
  offres_recues: 3
  issue: attribue
decp:
  cpv: "79952000"
  nature: marche
  montant: 48500
  date_notification: 2026-10-05
  date_publication: 2026-10-20
  duree_mois: 10
  titulaires:
    - nom: "Association Jeunes et Climat"
      siret: "12345678900012"
  forme_prix: forfaitaire
  types_prix: [definitif_ferme]
  ccag: prestations_intellectuelles
  lieu_execution: {code: "84", type_code: code_region}
"""


def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture
def attributed(tmp_path, monkeypatch) -> Path:
    """The bundled clauses and MA-001, plus MA-002: a copy of it, attributed, with its DECP."""
    root = make_project(tmp_path / "projet", corpus=None)
    for name in ("clauses", "content/marches"):
        shutil.copytree(REPO / name, root / name)
    source = root / MA001
    target = root / "content/marches/marche-attribue"
    shutil.copytree(source, target)
    index = target / "index.md"
    text = index.read_text(encoding="utf-8").replace("id: MA-001", "id: MA-002")
    text = text.replace("statut: brouillon", "statut: attribue")
    head, body = text.split("\n---\n", 1)
    index.write_text(head + "\n" + ATTRIBUTED + "---\n" + body, encoding="utf-8")
    set_siret(root, SIRET_REGION)
    monkeypatch.chdir(root)
    return root


def set_siret(root: Path, value: str) -> None:
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r'siret_acheteur: ".*"', f'siret_acheteur: "{value}"', text),
                      encoding="utf-8")


def line_of(path: Path, start: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1)
                if line.strip().startswith(start))


def test_attributed_tender_valid_against_official_schema(attributed, run_cli, tmp_path):
    out = tmp_path / "decp.json"
    code, _out, err = run_cli("decp", "--out", str(out))
    assert code == 0, err
    data = json.loads(out.read_text(encoding="utf-8"))
    errors = [e.message for e in validator().iter_errors(data)]
    assert errors == []
    [record] = data["marches"]["marche"]  # MA-001 is a draft: not published
    assert record["id"] == "MA-002" and record["acheteur"] == {"id": SIRET_REGION}
    assert record["procedure"] == "Procédure adaptée"
    assert record["ccag"] == "Prestations intellectuelles"
    assert record["offresRecues"] == 3 and record["montant"] == 48500
    assert record["dateNotification"] == "2026-10-05"
    assert record["titulaires"] == [{"titulaire": {"typeIdentifiant": "SIRET",
                                                   "id": "12345678900012"}}]
    # MA-001's clauses: CL-010 and CL-026 are criteria, the others conditions or
    # specifications; CL-013 and CL-024 also serve the social pillar.
    assert record["considerationsEnvironnementales"]["considerationEnvironnementale"] == [
        "Clause environnementale", "Critère environnemental"]
    assert record["considerationsSociales"]["considerationSociale"] == [
        "Clause sociale", "Critère social"]
    assert "Attention" not in err and "1 marché attribué écrit" in err


def test_schema_rejects_what_the_export_guards_against(attributed, run_cli, tmp_path):
    """The fixture schema is strict enough for the validation above to mean something."""
    out = tmp_path / "decp.json"
    assert run_cli("decp", "--out", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    data["marches"]["marche"][0]["formePrix"] = "Forfait"
    data["marches"]["marche"][0]["acheteur"]["id"] = "123"
    messages = " ".join(e.message for e in validator().iter_errors(data))
    assert "'Forfait' is not one of" in messages and "does not match" in messages


def test_field_out_of_vocabulary_named_and_nothing_written(attributed, run_cli, tmp_path):
    index = attributed / "content/marches/marche-attribue/index.md"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "forme_prix: forfaitaire", "forme_prix: forfait"), encoding="utf-8")
    out = tmp_path / "decp.json"
    out.write_text("ancien contenu", encoding="utf-8")
    code, _out, err = run_cli("decp", "--out", str(out))
    assert code == 1
    line = line_of(index, "forme_prix:")
    assert (f"content/marches/marche-attribue/index.md:{line}: decp.forme_prix: erreur: "
            "valeur inconnue « forfait » (vocabulaire « decp_formes_prix »)") in err
    assert out.read_text(encoding="utf-8") == "ancien contenu"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".decp")] == []


def test_vocabulary_label_outside_the_format_refused(attributed, run_cli, tmp_path):
    vocab = attributed / "content/data/vocabulaires.yml"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace(
        "  forfaitaire: Forfaitaire", "  forfaitaire: Prix forfaitaire"), encoding="utf-8")
    code, _out, err = run_cli("decp", "--out", str(tmp_path / "decp.json"))
    assert code == 1
    assert "content/data/vocabulaires.yml:1: decp_formes_prix.forfaitaire: erreur: " \
           "« Prix forfaitaire » n'est pas une valeur du format DECP 2.0.3" in err
    assert not (tmp_path / "decp.json").exists()


def test_missing_fields_and_buyer_siret(attributed, run_cli, tmp_path):
    set_siret(attributed, "")
    code, _out, err = run_cli("decp", "--out", str(tmp_path / "a.json"))
    assert code == 1 and "mkdocs.yml: extra.siret_acheteur: SIRET de l'acheteur manquant" in err
    set_siret(attributed, SIRET_REGION)
    index = attributed / "content/marches/marche-attribue/index.md"
    text = index.read_text(encoding="utf-8")
    index.write_text(text.replace('  cpv: "79952000"\n', "").replace(
        'siret: "12345678900012"', 'siret: "1234"'), encoding="utf-8")
    code, _out, err = run_cli("decp", "--out", str(tmp_path / "a.json"))
    assert code == 1
    assert "decp.cpv: erreur: champ obligatoire manquant" in err
    assert "decp.titulaires[0].siret: erreur: format incorrect « 1234 »" in err
    assert not (tmp_path / "a.json").exists()


def test_attributed_without_decp_block(attributed, run_cli):
    index = attributed / "content/marches/marche-attribue/index.md"
    text = index.read_text(encoding="utf-8")
    index.write_text(text[:text.index("decp:")] + text[text.index("---\n## Origine"):],
                     encoding="utf-8")
    code, _out, err = run_cli("decp")
    assert code == 1
    assert re.search(r"marche-attribue/index.md:\d+: decp: erreur: marché attribué sans "
                     "données essentielles", err)


def test_nothing_attributed_gives_an_empty_valid_file(tmp_path, run_cli, monkeypatch):
    root = make_project(tmp_path / "projet", corpus=None)
    shutil.copytree(REPO / "clauses", root / "clauses")
    shutil.copytree(REPO / "content/marches", root / "content/marches")
    monkeypatch.chdir(root)
    code, out, err = run_cli("decp")  # no SIRET needed when there is nothing to publish
    assert code == 0, err
    data = json.loads(out)
    assert data == {"marches": {"marche": []}}
    assert list(validator().iter_errors(data)) == []


@pytest.mark.parametrize("clauses, social, environmental", [
    ([], ["Pas de considération sociale"], ["Pas de considération environnementale"]),
    ([{"type": "marche_reserve", "piliers": ["social"]}], ["Marché réservé"],
     ["Pas de considération environnementale"]),
    ([{"type": "critere_attribution", "piliers": ["environnemental"]},
      {"type": "condition_participation", "piliers": ["economique"]}],
     ["Pas de considération sociale"], ["Critère environnemental"]),
    ([{"type": "condition_execution", "piliers": ["social", "environnemental"]},
      {"type": "marche_reserve", "piliers": ["social"]}],
     ["Clause sociale", "Marché réservé"], ["Clause environnementale"]),
])
def test_considerations_derived_from_clause_type_and_pillars(clauses, social, environmental):
    assert considerations(clauses) == (social, environmental)
