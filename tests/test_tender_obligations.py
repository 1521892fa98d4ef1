"""The 2026 obligations on tenders (achats check): environmental award criterion (L2152-7),
environmental execution condition (L2112-2), social execution condition at or above the
European thresholds (L2112-2-1) unless exempted; date and thresholds from seuils.yml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from projects import REPO, make_project

from achats.project import Project
from achats.model.validate import check_project

# Test data in the structure of content/data/seuils.yml (achats/model/schema/legal.py).
SEUILS = """seuils:
  - id: europeen-fcs-collectivites
    libelle: Seuil européen fournitures et services
    montant_ht: 216000
    objet: fournitures_services
    acheteurs: Collectivités
    du: 2026-01-01
    au: 2027-12-31
    articles: [CCP-ANNEXE-2]
    source: essai
  - id: europeen-travaux
    libelle: Seuil européen travaux
    montant_ht: 5404000
    objet: travaux
    acheteurs: Tous
    du: 2026-01-01
    au: 2027-12-31
    articles: [CCP-ANNEXE-2]
    source: essai
obligations:
  - id: critere-environnemental
    libelle: Au moins un critère d'attribution environnemental
    exige: un critère
    depuis: 2026-08-21
    declencheur: lancement
    objet: tous
    articles: [L2152-7]
  - id: condition-environnementale
    libelle: Une condition d'exécution environnementale
    exige: une condition
    depuis: 2026-08-21
    declencheur: lancement
    objet: tous
    articles: [L2112-2]
  - id: condition-sociale-fcs
    libelle: Une condition d'exécution sociale (fournitures et services)
    exige: une condition
    depuis: 2026-08-21
    declencheur: lancement
    objet: fournitures_services
    seuil: europeen-fcs-collectivites
    articles: [L2112-2-1]
  - id: condition-sociale-travaux
    libelle: Une condition d'exécution sociale (travaux)
    exige: une condition
    depuis: 2026-08-21
    declencheur: lancement
    objet: travaux
    seuil: europeen-travaux
    articles: [L2112-2-1]
"""
TENDER = "content/marches/essai/index.md"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = make_project(tmp_path / "projet", corpus=None)
    shutil.copytree(REPO / "clauses", root / "clauses")
    (root / "content/data/seuils.yml").write_text(SEUILS, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def tender(root: Path, lancement: str, clauses: list[str], montant=50000,
           familles="[services]", extra: str = "") -> Path:
    path = root / TENDER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""---
id: MA-050
titre: Marché d'essai
objet: Un achat pour tester les obligations
direction: autre
procedure: appel_offres_ouvert
familles: {familles}
montant_estime: {montant}
lancement: {lancement}
statut: brouillon
roles:
  gestionnaire: "@acheteur"
clauses: [{", ".join(clauses)}]
{extra}---
Texte.
""", encoding="utf-8")
    return path


def problems(run_cli) -> list[str]:
    code, out, _err = run_cli("check", "--sans-cache")
    return [line for line in out.splitlines() if line.startswith(TENDER)]


def line_of(path: Path, start: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1)
                if line.startswith(start))


def test_before_the_date_nothing_required(project, run_cli):
    tender(project, "2026-08-20", ["CL-001"], montant=900000)
    assert problems(run_cli) == []


def test_from_the_date_environmental_criterion_and_condition_required(project, run_cli):
    path = tender(project, "2026-08-21", ["CL-001"])  # a participation condition only
    found = problems(run_cli)
    line = line_of(path, "clauses:")
    assert len(found) == 2, found
    assert found[0].startswith(f"{TENDER}:{line}: clauses: erreur: aucun critère d'attribution "
                               "environnemental")
    assert "(article L2152-7 ;" in found[0] and "depuis le 21/08/2026" in found[0]
    assert found[1].startswith(f"{TENDER}:{line}: clauses: erreur: aucune condition "
                               "d'exécution environnementale")
    assert "(article L2112-2 ;" in found[1]
    code, _out, _err = run_cli("check")
    assert code == 1


def test_environmental_clauses_satisfy_below_the_threshold(project, run_cli):
    tender(project, "2026-09-01", ["CL-010", "CL-011"], montant=215999)
    assert problems(run_cli) == []


def test_clauses_cited_in_pieces_count(project, run_cli):
    path = tender(project, "2026-09-01", ["CL-010"])
    (path.parent / "ccap.md").write_text("---\ntitre: CCAP\n---\n[[CL-002]] – déplacements.\n",
                                         encoding="utf-8")
    assert problems(run_cli) == []  # CL-002 is an environmental execution condition


@pytest.mark.parametrize("montant", [216000, 300000])
def test_at_or_above_the_european_threshold_social_condition_required(project, run_cli,
                                                                      montant):
    path = tender(project, "2026-09-01", ["CL-010", "CL-011", "CL-009"], montant=montant)
    found = problems(run_cli)
    assert len(found) == 1, found  # CL-009 is a social criterion, not a condition
    assert found[0].startswith(f"{TENDER}:{line_of(path, 'clauses:')}: clauses: erreur: "
                               "aucune condition d'exécution sociale")
    assert "article L2112-2-1" in found[0] and "seuil de 216\u202f000 € HT" in found[0]
    assert "en vigueur du 01/01/2026 au 31/12/2027" in found[0]


def test_social_condition_or_exemption_satisfies(project, run_cli):
    tender(project, "2026-09-01", ["CL-010", "CL-011", "CL-003"], montant=300000)
    assert problems(run_cli) == []
    tender(project, "2026-09-01", ["CL-010", "CL-011"], montant=300000, extra=(
        "exemption_sociale:\n  motif: absence_de_lien\n  justification: \"Fourniture "
        "d'énergie sans main-d'œuvre sur place.\"\n"))
    assert problems(run_cli) == []
    tender(project, "2026-09-01", ["CL-010", "CL-011"], montant=300000, extra=(
        "exemption_sociale:\n  motif: parce_que\n  justification: \"…\"\n"))
    found = problems(run_cli)
    assert len(found) == 1 and "exemption_sociale.motif: erreur: valeur inconnue" in found[0]


def test_works_have_their_own_threshold(project, run_cli):
    tender(project, "2026-09-01", ["CL-010", "CL-011"], montant=300000, familles="[travaux]")
    assert problems(run_cli) == []
    tender(project, "2026-09-01", ["CL-010", "CL-011"], montant=5404000, familles="[travaux]")
    assert len(problems(run_cli)) == 1


def test_thresholds_from_the_data_file(project, run_cli):
    seuils = project / "content/data/seuils.yml"
    path = tender(project, "2026-09-01", ["CL-010", "CL-011"], montant=300000)
    seuils.write_text(SEUILS.replace("montant_ht: 216000", "montant_ht: 400000"),
                      encoding="utf-8")
    assert problems(run_cli) == []  # the threshold is read, not written in code
    seuils.write_text(SEUILS.replace("depuis: 2026-08-21", "depuis: 2026-10-01"),
                      encoding="utf-8")
    assert problems(run_cli) == []  # so is the date
    seuils.write_text(SEUILS.replace("au: 2027-12-31", "au: 2026-06-30"), encoding="utf-8")
    out = run_cli("check", "--sans-cache")[1]
    assert f"{TENDER}:{line_of(path, 'lancement:')}: lancement: avertissement: aucun seuil " \
           "« europeen-fcs-collectivites »" in out
    seuils.unlink()
    out = run_cli("check", "--sans-cache")[1]
    assert "content/data/seuils.yml absent ou sans les obligations" in out


def test_missing_amount_warned(project, run_cli):
    path = tender(project, "2026-09-01", ["CL-010", "CL-011"], montant=1)
    path.write_text(path.read_text(encoding="utf-8").replace("montant_estime: 1\n", ""),
                    encoding="utf-8")
    found = problems(run_cli)
    assert len(found) == 1 and ": montant_estime: avertissement: montant estimé manquant" \
        in found[0]


def test_same_result_in_one_process_and_with_the_cache(project, run_cli):
    tender(project, "2026-09-01", ["CL-001"], montant=300000)
    direct = [p.format() for p in check_project(Project(project)).problems.sorted()
              if p.path == TENDER]
    assert len(direct) == 3
    run_cli("check")  # fills the cache
    code, out, _err = run_cli("check")  # read from the cache
    assert [line for line in out.splitlines() if line.startswith(TENDER)] == direct


def test_mixed_tender_reported_once_at_the_lowest_threshold(project, run_cli):
    tender(project, "2026-09-01", ["CL-010", "CL-011"], montant=300000,
           familles="[fournitures, travaux]")
    found = problems(run_cli)
    assert len(found) == 1 and "seuil de 216\u202f000 € HT" in found[0]


def test_repository_data_file_holds_every_checked_obligation():
    from achats.problems import ProblemList
    from achats.model.schema import load_vocabularies
    from achats.model.obligations import REQUIREMENTS

    found = ProblemList()
    vocab = load_vocabularies(REPO / "content/data", "content/data", found)
    assert not found.errors
    ids = {ob.id for ob in vocab.calendar.obligations}
    assert set(REQUIREMENTS) <= ids
    for ob in vocab.calendar.obligations:
        if ob.id in REQUIREMENTS and ob.seuil:
            assert vocab.calendar.threshold(ob.seuil, ob.depuis) is not None
