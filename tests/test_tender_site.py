"""The « Conformité 2026 » box on a tender's page, in a real MkDocs build: intranet only,
the same rules as achats check."""

from __future__ import annotations

import shutil

import pytest

from achats.project import Project
from achats.site.commands import build_site
from projects import REPO, make_project
from test_site import read, text_of

TENDER = "content/marches/achat-test/index.md"


def _project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("conformite") / "projet")
    shutil.copy2(REPO / "content/data/seuils.yml", root / "content/data/seuils.yml")
    index = root / TENDER
    index.write_text(index.read_text(encoding="utf-8").replace(
        "montant_estime: 50000", "montant_estime: 300000"), encoding="utf-8")
    # The contributors' page shows an example clause « Clause d'insertion sociale » and an
    # editor « @redacteur-exemple »: the fixture's internal CL-002 and editor are renamed so
    # that the public audit does not take the example for a leak.
    clause = root / "clauses/cl-002-insertion.md"
    clause.write_text(clause.read_text(encoding="utf-8").replace(
        "Clause d'insertion", "Condition sociale d'essai"), encoding="utf-8")
    index.write_text(index.read_text(encoding="utf-8").replace("@redacteur", "@plume"),
                     encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "\n  pdf: true\n", "\n  pdf: false\n").replace(
        "\n  recherche: true\n", "\n  recherche: false\n"), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return _project(tmp_path_factory)


def test_box_shows_each_obligation_with_its_state(root):
    """A tender not launched yet (no « lancement »): the box says what to plan."""
    site = build_site(project=Project(root), site_dir=str(root / "site"))
    text = text_of(read(site, "marches/achat-test/index.html"))
    assert "Conformité 2026" in text
    assert "1 à prévoir avant le lancement" in text and "non remplie" not in text
    # CL-001: environmental award criterion; CL-002: social execution condition; nothing
    # meets the environmental execution condition.
    criterion = text.split("Au moins un critère d'attribution environnemental", 1)[1]
    assert criterion.lstrip().startswith("L2152-7")
    assert "date de lancement non renseignée CL-001 remplie" in criterion
    row = text.split("Une condition d'exécution environnementale", 1)[1]
    assert row.split("aucune", 1)[1].lstrip().startswith("à prévoir")
    social = text.split("Une condition d'exécution sociale à partir du seuil européen "
                        "(fournitures et services)", 1)[1]
    assert social.split("CL-002", 1)[1].lstrip().startswith("remplie")
    assert "(travaux)" not in text  # not a works contract


def test_public_variant_has_no_box(root):
    site = build_site(public=True, project=Project(root), site_dir=str(root / "public"))
    page = read(site, "marches/achat-test/index.html")
    assert "Conformité 2026" not in page and "achats-conformite" not in page


def test_launched_the_check_reports_what_the_box_announced(root, run_cli, monkeypatch):
    index = root / TENDER
    index.write_text(index.read_text(encoding="utf-8").replace(
        "montant_estime: 300000", "montant_estime: 300000\nlancement: 2026-09-01"),
        encoding="utf-8")
    monkeypatch.chdir(root)
    _code, out, _err = run_cli("check", "--sans-cache")
    lines = [line for line in out.splitlines()
             if line.startswith(TENDER) and ": erreur: " in line]
    assert len(lines) == 1 and "aucune condition d'exécution environnementale" in lines[0]
    with pytest.raises(Exception, match="le contenu contient des erreurs"):
        build_site(project=Project(root), site_dir=str(root / "refus"))


def test_intranet_offers_each_piece_in_word_and_opendocument(root):
    from docx import Document
    from odf import teletype
    from odf.opendocument import load
    from odf.text import P

    site = root / "site"  # built by the first test of this module
    page = read(site, "marches/achat-test/index.html")
    assert 'href="dce/MA-001-rc.docx"' in page and 'href="dce/MA-001-rc.odt"' in page
    clause = (root / "clauses/cl-001-environnement.md").read_text(encoding="utf-8")
    first_line = clause.split("texte:", 1)[1].split("\n")[1].strip()
    docx = " ".join(p.text for p in Document(str(site / "marches/achat-test/dce/"
                                                    "MA-001-rc.docx")).paragraphs)
    assert first_line in docx
    odt = load(str(site / "marches/achat-test/dce/MA-001-rc.odt"))
    assert first_line in " ".join(teletype.extractText(p)
                                  for p in odt.text.getElementsByType(P))


def test_public_variant_offers_no_file(root):
    site = root / "public"  # built by test_public_variant_has_no_box
    assert not list(site.rglob("*.docx")) and not list(site.rglob("*.odt"))
    assert "Dossier de consultation à télécharger" not in read(
        site, "marches/achat-test/index.html")


def test_missing_template_stops_the_intranet_build(tmp_path_factory):
    from achats.problems import AchatsError

    root = _project(tmp_path_factory)
    (root / "content/modeles/dce.odt").unlink()
    with pytest.raises(AchatsError, match=r"content/modeles/dce.odt: modèle ODT introuvable"):
        build_site(project=Project(root), site_dir=str(root / "site"))
