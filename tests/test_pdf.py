"""The new-arrivals path as a PDF: written during real builds, read back with poppler."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from achats.project import Project
from achats.render.path import PDF_PATH
from achats.site.commands import build_site
from achats.model.validate import check_project
from projects import make_project

INTERNAL_CHAPTER = """---
id: GU-003
titre: Chapitre réservé à l'intranet
etape: besoin
ordre: 3
visibilite: interne
resume: Un chapitre interne glissé dans le parcours.
---
Texte interne du parcours.
"""


def poppler(tool: str) -> str:
    """Path of a poppler-utils tool; skipped outside CI when missing, a failure in CI."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} introuvable : installez poppler-utils (apt-get install poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdf_text(pdf: Path) -> str:
    done = subprocess.run([poppler("pdftotext"), "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True)
    return done.stdout


def pdf_info(pdf: Path, *options: str) -> str:
    done = subprocess.run([poppler("pdfinfo"), *options, str(pdf)], check=True,
                          capture_output=True, text=True)
    return done.stdout


def folded(text: str) -> str:
    """Text with runs of white space folded, apostrophes normalised (as pdftotext reads)."""
    return re.sub(r"\s+", " ", text.replace("’", "'"))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The fixture corpus with an internal chapter placed in the middle of the path."""
    root = make_project(tmp_path_factory.mktemp("pdf") / "projet")
    (root / "guides" / "chapitre-interne.md").write_text(INTERNAL_CHAPTER, encoding="utf-8")
    (root / "content/data/parcours.yml").write_text(
        "titre: Parcours de test\nintroduction: Trois chapitres, dont un interne.\n"
        "etapes: [GU-001, GU-003, GU-002]\n", encoding="utf-8")
    # The contributors' guide quotes example values (« Clause d'insertion sociale ») that
    # contain internal values of the fixture corpus (CL-002's title): the public leak audit
    # would rightly refuse the public site. A plain page keeps this test about the PDF.
    (root / "content/pages/contribuer/format-des-fiches.md").write_text(
        "# Format des fiches\n\nVoir le guide du contributeur.\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def path_titles(project) -> list[str]:
    """The path's chapter titles, from the content itself (parcours.yml + check_project)."""
    result = check_project(Project(project))
    by_id = {e.id: e for e in result.entries}
    return [by_id[i].title for i in result.vocab.path["etapes"]]


@pytest.fixture(scope="module")
def intranet_pdf(project) -> Path:
    site = build_site(project=Project(project), site_dir=str(project / "site"))
    return site / PDF_PATH


@pytest.fixture(scope="module")
def public_pdf(project) -> Path:
    site = build_site(public=True, project=Project(project),
                      site_dir=str(project / "site-public"))
    return site / PDF_PATH


def test_build_writes_the_path_pdf_linked_from_the_path_page(intranet_pdf):
    """The build writes parcours/parcours-nouveaux-arrivants.pdf; the path's page links it."""
    assert intranet_pdf.is_file()
    assert intranet_pdf.read_bytes().startswith(b"%PDF-")
    index = (intranet_pdf.parent / "index.html").read_text(encoding="utf-8")
    assert f'href="{intranet_pdf.name}"' in index
    assert "Télécharger le PDF" in index


def test_pdf_has_cover_contents_and_every_chapter(intranet_pdf, path_titles):
    """pdftotext finds the cover, the table of contents and every chapter, in path order."""
    text = folded(pdf_text(intranet_pdf))
    assert text.strip().startswith("ACHATS DURABLES Parcours de test")
    assert "Sommaire" in text
    positions = []
    for number, title in enumerate(path_titles, 1):
        heading = f"{number}. {folded(title)}"
        assert heading in text, heading
        positions.append(text.rindex(heading))
    assert positions == sorted(positions)


def test_contents_give_the_page_each_chapter_starts_on(intranet_pdf, path_titles):
    """Each contents line ends with the page number where pdftotext finds the chapter."""
    pages = pdf_text(intranet_pdf).split("\f")
    contents = folded(pages[1])
    for number, title in enumerate(path_titles, 1):
        match = re.search(re.escape(f"{number}. {folded(title)}") + r" \.{3,} (\d+)", contents)
        assert match, f"pas de numéro de page pour « {title} » dans le sommaire"
        page = int(match.group(1))
        assert folded(pages[page - 1]).count(folded(title)) >= 1, (title, page)


def test_every_page_after_the_cover_is_numbered(intranet_pdf):
    """Pages 2..n carry « k / n » in their footer; the cover does not."""
    pages = pdf_text(intranet_pdf).split("\f")
    pages = [p for p in pages if p.strip()]
    n = len(pages)
    assert n == int(re.search(r"Pages:\s+(\d+)", pdf_info(intranet_pdf)).group(1))
    assert not re.search(rf"\b1\s*/\s*{n}\b", pages[0])
    for k, page in enumerate(pages[1:], 2):
        assert re.search(rf"\b{k}\s*/\s*{n}\b", page), f"page {k} sans numéro"


def test_links_are_kept_inside_the_pdf_and_to_the_site(intranet_pdf):
    """Chapters are named destinations; links to other pages point to the site's address."""
    destinations = pdf_info(intranet_pdf, "-dests")
    for anchor in ("gu-001", "gu-002", "gu-003"):
        assert anchor in destinations, anchor
    urls = pdf_info(intranet_pdf, "-url")
    assert "http://localhost:8000/clauses/cl-001-environnement/" in urls
    assert "http://localhost:8000/parcours/" in urls  # the cover's link to the online path
    assert "file:" not in urls


def test_pdf_is_tagged_and_titled(intranet_pdf):
    """Tagged PDF (structure for screen readers), with the path's title as document title."""
    info = pdf_info(intranet_pdf)
    assert re.search(r"Tagged:\s+yes", info)
    assert re.search(r"Title:\s+Parcours de test", info)


def test_public_pdf_leaves_out_internal_chapters(public_pdf, intranet_pdf):
    """The public PDF holds only public chapters, renumbered; the intranet one holds all."""
    assert "Chapitre réservé à l'intranet" in folded(pdf_text(intranet_pdf))
    text = folded(pdf_text(public_pdf))
    assert "réservé à l'intranet" not in text and "Texte interne" not in text
    assert "1. Premier chapitre" in text and "2. Second chapitre" in text
    assert "Version publique." in text and "Version intranet" not in text


def test_extra_pdf_false_builds_no_pdf(tmp_path):
    """extra.pdf: false in mkdocs.yml turns the step off (e.g. for the benchmark)."""
    root = make_project(tmp_path / "projet")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert re.search(r"(?m)^  pdf: true$", text), "extra.pdf absent de mkdocs.yml"
    config.write_text(re.sub(r"(?m)^  pdf: true$", "  pdf: false", text), encoding="utf-8")
    site = build_site(project=Project(root), site_dir=str(tmp_path / "site"))
    assert (site / "parcours/imprimer/index.html").is_file()
    assert not (site / PDF_PATH).exists()


def test_missing_system_library_is_a_french_error(tmp_path, monkeypatch, run_cli):
    """Without Pango & co., `achats build` stops with the packages to install, no traceback."""
    import achats.site.pdf

    monkeypatch.setattr(achats.site.pdf, "SYSTEM_LIBRARIES",
                        {"libachats-absente.so.0": "libachats-absente0",
                         **achats.site.pdf.SYSTEM_LIBRARIES})
    root = make_project(tmp_path / "projet")
    monkeypatch.chdir(root)
    code, out, err = run_cli("build", "--site-dir", str(tmp_path / "site"))
    assert code != 0
    assert "PDF du parcours impossible" in err
    assert "libachats-absente.so.0 (paquet libachats-absente0)" in err
    assert "apt-get install libpango-1.0-0" in err
    assert "Traceback" not in err + out
