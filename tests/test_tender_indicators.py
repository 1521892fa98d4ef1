"""The « Indicateurs » page (Marchés section) and its CSV, in real MkDocs builds: counts
by year of notification, PNAD targets, accessible SVG with the same data as the table,
public variant limited to public tenders and clauses, or without figures (a setting)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from achats.project import Project
from achats.site.commands import build_site
from projects import make_project
from test_site import read, text_of

DECP = """resultat:
  offres_recues: 2
  issue: attribue
decp:
  cpv: "79952000"
  nature: marche
  montant: {montant}
  date_notification: {notification}
  duree_mois: 6
  titulaires:
    - siret: "12345678900012"
  forme_prix: forfaitaire
  types_prix: [definitif_ferme]
  ccag: prestations_intellectuelles
  lieu_execution: {{code: "84", type_code: code_region}}
"""


def add_tender(root, ident: str, clauses: str, montant: int, notification: str) -> None:
    folder = root / "content/marches" / ident.lower()
    folder.mkdir(parents=True)
    (folder / "index.md").write_text(f"""---
id: {ident}
titre: Marché {ident}
objet: Prestation {ident}
direction: autre
procedure: procedure_adaptee
familles: [services]
montant_estime: {montant}
statut: attribue
roles:
  gestionnaire: "@acheteur"
clauses: {clauses}
{DECP.format(montant=montant, notification=notification)}---
Texte.
""", encoding="utf-8")


def project(tmp_path_factory, public_figures: bool = True):
    root = make_project(tmp_path_factory.mktemp("indicateurs") / "projet")
    # CL-001 (fixture): environmental award criterion, public; CL-002: social execution
    # condition, internal (proposed).
    add_tender(root, "MA-010", "[CL-001, CL-002]", 40000, "2025-06-01")
    add_tender(root, "MA-011", "[CL-001]", 60000, "2026-03-01")
    add_tender(root, "MA-012", "[]", 100000, "2026-09-15")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("\n  pdf: true\n", "\n  pdf: false\n").replace(
        "\n  recherche: true\n", "\n  recherche: false\n")
    if not public_figures:
        text = text.replace("indicateurs_publics: true", "indicateurs_publics: false")
    config.write_text(text, encoding="utf-8")
    # The contributors' page shows examples named like the fixture's internal CL-002 and
    # editor: renamed so that the public audit does not take them for leaks.
    clause = root / "clauses/cl-002-insertion.md"
    clause.write_text(clause.read_text(encoding="utf-8").replace(
        "Clause d'insertion", "Condition sociale d'essai"), encoding="utf-8")
    tender = root / "content/marches/achat-test/index.md"
    tender.write_text(tender.read_text(encoding="utf-8").replace("@redacteur", "@plume"),
                      encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def intranet(tmp_path_factory):
    root = project(tmp_path_factory)
    return build_site(project=Project(root), site_dir=str(root / "site"))


def rows(site) -> dict:
    data = (site / "marches/indicateurs.csv").read_text(encoding="utf-8")
    return {r["annee"]: r for r in csv.DictReader(io.StringIO(data))}


def test_counts_by_year_of_notification(intranet):
    by_year = rows(intranet)
    assert set(by_year) == {"2025", "2026"}  # MA-001 of the fixture is not attributed
    assert by_year["2025"]["marches_notifies"] == "1"
    assert by_year["2025"]["avec_consideration_sociale"] == "1"
    assert by_year["2025"]["part_sociale_pct"] == "100.0"
    assert by_year["2026"]["marches_notifies"] == "2"
    assert by_year["2026"]["montant_ht"] == "160000"
    assert by_year["2026"]["avec_consideration_environnementale"] == "1"
    assert by_year["2026"]["montant_environnemental_ht"] == "60000"
    assert by_year["2026"]["part_environnementale_pct"] == "50.0"
    assert by_year["2026"]["avec_consideration_sociale"] == "0"
    assert by_year["2026"]["cible_environnementale_pct"] == "100"
    assert by_year["2026"]["cible_sociale_pct"] == "30"


def test_page_chart_and_table_carry_the_same_data(intranet):
    page = read(intranet, "marches/indicateurs/index.html")
    svg = re.search(r"<svg[^>]*class=\"achats-indicateurs\".*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title id=\"indicateurs-titre\">" in svg
    assert "<desc id=\"indicateurs-desc\">" in svg
    bars = re.findall(r"<title>(\d{4}), considération (\w+) : ([\d,]+) %</title>", svg)
    assert ("2026", "environnementale", "50,0") in bars
    assert ("2025", "sociale", "100,0") in bars
    text = text_of(page)
    assert "2026 2 160 000 1 60 000 50,0 % 0 0 0,0 % 0 0" in text.replace("\u202f", " ")
    assert 'href="../indicateurs.csv"' in page
    assert "Utilisation des clauses" in text
    assert re.search(r"CL-001 Critère environnemental[^|]*? 1 1 2", text)
    nav = read(intranet, "marches/index.html")
    assert "Indicateurs" in nav


def test_public_variant_counts_only_public_clauses(tmp_path_factory):
    root = project(tmp_path_factory)
    site = build_site(public=True, project=Project(root), site_dir=str(root / "public"))
    by_year = rows(site)
    assert by_year["2025"]["avec_consideration_sociale"] == "0"  # CL-002 is internal
    assert by_year["2025"]["avec_consideration_environnementale"] == "1"
    assert "seuls les marchés et clauses publics" in text_of(
        read(site, "marches/indicateurs/index.html"))


def test_region_may_keep_the_figures_for_the_intranet(tmp_path_factory):
    root = project(tmp_path_factory, public_figures=False)
    site = build_site(public=True, project=Project(root), site_dir=str(root / "public"))
    assert rows(site) == {}
    text = text_of(read(site, "marches/indicateurs/index.html"))
    assert "publiés sur son intranet" in text and "2026" not in text
