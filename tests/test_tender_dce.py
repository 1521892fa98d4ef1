"""achats dce: the tender pieces in Word and OpenDocument, opened back with python-docx and
odfpy; bad input refused without writing anything."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document
from odf import teletype
from odf.opendocument import load as load_odt
from odf.text import H, P, Span

from projects import REPO, make_project

from achats.model.links import ID_LINK

MA001 = "content/marches/sensibilisation-eco-citoyennete-jeunes"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def bundled(tmp_path, monkeypatch) -> Path:
    """A project with the repository's own clauses, tenders and templates (MA-001)."""
    root = make_project(tmp_path / "projet", corpus=None)
    for name in ("clauses", "content/marches"):  # content/modeles: in every project
        shutil.copytree(REPO / name, root / name)
    monkeypatch.chdir(root)
    return root


def clause_texts(root: Path) -> dict:
    out = {}
    for path in (root / "clauses").glob("*.md"):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        out[meta["id"]] = meta
    return out


def cited(piece: Path) -> list[str]:
    found = []
    for match in ID_LINK.finditer(piece.read_text(encoding="utf-8")):
        if match.group(1).startswith("CL-") and match.group(1) not in found:
            found.append(match.group(1))
    return found


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return norm(" ".join(parts))


def odt_text(path: Path) -> str:
    doc = load_odt(str(path))
    paragraphs = doc.text.getElementsByType(H) + doc.text.getElementsByType(P)
    return norm(" ".join(teletype.extractText(p) for p in paragraphs))


def test_ma001_exports_both_formats_with_each_clause_in_the_piece_that_cites_it(
        bundled, run_cli, tmp_path):
    out = tmp_path / "sortie"
    code, stdout, stderr = run_cli("dce", "MA-001", "--out", str(out))
    assert code == 0, stderr
    clauses = clause_texts(bundled)
    pieces = {"rc": bundled / MA001 / "rc.md", "ccap": bundled / MA001 / "ccap.md",
              "cctp": bundled / MA001 / "cctp.md"}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"MA-001-{k}.{ext}" for k in pieces for ext in ("docx", "odt"))
    for kind, source in pieces.items():
        ids = cited(source)
        assert ids, f"{kind} cite des clauses"
        for ext, read in (("docx", docx_text), ("odt", odt_text)):
            text = read(out / f"MA-001-{kind}.{ext}")
            assert "MA-001 – " + kind.upper() in text  # cover: reference
            assert norm(clauses["CL-001"]["titre"]) in docx_text(out / "MA-001-rc.docx")
            for ident, meta in clauses.items():
                inserted = norm(meta["texte"]) in text
                assert inserted == (ident in ids), (kind, ext, ident)
            assert "Clauses utilisées" in text


def test_docx_cover_parameters_table_and_page_numbers(bundled, run_cli, tmp_path):
    out = tmp_path / "sortie"
    assert run_cli("dce", "MA-001", "--format", "docx", "--out", str(out))[0] == 0
    assert not list(out.glob("*.odt"))
    doc = Document(str(out / "MA-001-ccap.docx"))
    objet = yaml.safe_load((bundled / MA001 / "index.md").read_text(
        encoding="utf-8").split("---")[1])["objet"]
    assert doc.paragraphs[0].style.name == "Title"
    assert any(objet in p.text for p in doc.paragraphs[:5])
    highlighted = [r.text for p in doc.paragraphs for r in p.runs
                   if r.style is not None and r.style.name == "Paramètre"]
    assert "[montant à fixer]" in highlighted  # CL-011's parameter, inserted in the CCAP
    assert all(t.startswith("[") and t.endswith("]") for t in highlighted)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0].startswith("Article 1 – ") and headings[-1] == "Clauses utilisées"
    table = doc.tables[-1]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Identifiant", "Titre", "Statut", "Base légale"]
    assert [r[0] for r in rows[1:]] == cited(bundled / MA001 / "ccap.md")
    assert ["Validée", "L2112-2"] == rows[1][2:]  # CL-011
    assert "À valider" in [r[2] for r in rows]  # CL-024
    with zipfile.ZipFile(out / "MA-001-ccap.docx") as z:
        footers = "".join(z.read(n).decode() for n in z.namelist() if "footer" in n)
    assert 'w:instr="PAGE"' in footers


def test_unvalidated_clause_warned_in_document_and_output(bundled, run_cli, tmp_path):
    out = tmp_path / "sortie"
    code, stdout, stderr = run_cli("dce", "MA-001", "--out", str(out))
    assert code == 0
    assert re.search(rf"{MA001}/cctp.md:\d+: texte: avertissement: clause CL-025 .* non "
                     r"validée \(statut : Proposée\)", stderr)
    assert "CL-011" not in stderr  # validated
    doc = Document(str(out / "MA-001-cctp.docx"))
    warnings = [p.text for p in doc.paragraphs if p.style.name == "Avertissement"]
    assert any("CL-025" in w for w in warnings)
    assert not any("CL-013" in w and "Validée" in w for w in warnings)
    odt = load_odt(str(out / "MA-001-cctp.odt"))
    odt_warnings = [teletype.extractText(p) for p in odt.text.getElementsByType(P)
                    if p.getAttribute("stylename") == "Avertissement"]
    assert any("CL-025" in w for w in odt_warnings)
    spans = [teletype.extractText(s) for s in odt.text.getElementsByType(Span)
             if s.getAttribute("stylename") == "Parametre"]
    assert "[nombre à préciser]" in spans
    with zipfile.ZipFile(out / "MA-001-cctp.odt") as z:
        assert b"text:page-number" in z.read("styles.xml")


def test_unknown_tender_refused_nothing_written(bundled, run_cli, tmp_path):
    out = tmp_path / "sortie"
    code, _out, err = run_cli("dce", "MA-999", "--out", str(out))
    assert code == 1
    assert "aucun marché ne porte l'identifiant « MA-999 »" in err and "MA-001" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dce")] == []


def test_tender_without_pieces_refused(bundled, run_cli, tmp_path):
    for piece in (bundled / MA001).glob("*.md"):
        if piece.name != "index.md":
            piece.unlink()
    out = tmp_path / "sortie"
    code, _out, err = run_cli("dce", "MA-001", "--out", str(out))
    assert code == 1
    assert f"{MA001}/index.md: pieces: le marché MA-001 n'a aucune pièce" in err
    assert not out.exists()


def test_missing_template_refused_and_nothing_half_written(bundled, run_cli, tmp_path):
    (bundled / "content/modeles/dce.odt").unlink()
    out = tmp_path / "sortie"
    out.mkdir()
    (out / "ancien.txt").write_text("garder", encoding="utf-8")
    code, _out, err = run_cli("dce", "MA-001", "--out", str(out))
    assert code == 1
    assert "content/modeles/dce.odt: modèle ODT introuvable" in err
    assert [p.name for p in out.iterdir()] == ["ancien.txt"]  # no DOCX either


def test_broken_or_incomplete_template_refused(bundled, run_cli, tmp_path):
    bad = tmp_path / "faux.docx"
    bad.write_text("pas un document", encoding="utf-8")
    out = tmp_path / "sortie"
    code, _out, err = run_cli("dce", "MA-001", "--format", "docx", "--modele-docx", str(bad),
                              "--out", str(out))
    assert code == 1 and "modèle DOCX illisible" in err and str(bad) in err
    assert not out.exists() and not list(tmp_path.glob(".dce-*"))
    plain = tmp_path / "nu.docx"
    Document().save(str(plain))  # python-docx's own template: none of our styles
    code, _out, err = run_cli("dce", "MA-001", "--format", "docx", "--modele-docx", str(plain),
                              "--out", str(out))
    assert code == 1 and "styles absents du modèle DOCX" in err and "Titre de clause" in err
    assert not out.exists()


def test_unknown_cited_clause_names_piece_and_line(bundled, run_cli, tmp_path):
    rc = bundled / MA001 / "rc.md"
    rc.write_text(rc.read_text(encoding="utf-8") + "\n[[CL-999]] – clause fantôme.\n",
                  encoding="utf-8")
    line = rc.read_text(encoding="utf-8").split("\n").index("[[CL-999]] – clause fantôme.") + 1
    out = tmp_path / "sortie"
    code, _out, err = run_cli("dce", "MA-001", "--out", str(out))
    assert code == 1
    assert f"{MA001}/rc.md:{line}: texte: référence inconnue « CL-999 »" in err
    assert not out.exists()


def test_hostile_piece_stays_text(bundled, run_cli, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("CONTENU-SECRET", encoding="utf-8")
    ae = bundled / MA001 / "ae.md"
    ae.write_text("---\ntitre: Acte d'engagement\n---\n## Parties\n\n"
                  f"<script>alert(1)</script> &amp; ![photo]({secret}) "
                  f"[lien]({secret.as_uri()}) \x0b fin [[CL-011]]\n\n"
                  "```\n[[CL-010]] dans du code\n```\n", encoding="utf-8")
    out = tmp_path / "sortie"
    code, _out, err = run_cli("dce", "MA-001", "--out", str(out))
    assert code == 0, err
    for ext, read in (("docx", docx_text), ("odt", odt_text)):
        text = read(out / f"MA-001-ae.{ext}")
        assert "<script>alert(1)</script> &amp; [image : photo] lien" in text
        assert "Article 1 – Parties" in text  # numbered although written without « Article »
        assert "CONTENU-SECRET" not in text
        assert "[[CL-010]] dans du code" in text
        assert clause_texts(bundled)["CL-010"]["titre"] not in text  # code is not a citation
    for path in out.iterdir():
        with zipfile.ZipFile(path) as z:
            assert all(b"CONTENU-SECRET" not in z.read(n) for n in z.namelist())


def test_bundled_templates_are_what_the_script_writes(tmp_path):
    """The templates in content/modeles come from scripts/modeles_dce.py (same styles)."""
    import runpy

    module = runpy.run_path(str(REPO / "scripts/modeles_dce.py"))
    module["main"]([str(tmp_path)])
    from achats.tender import dce_docx, dce_odt

    for fmt, opener in (("docx", dce_docx.open_template), ("odt", dce_odt.open_template)):
        opener(tmp_path / f"dce.{fmt}")
        opener(REPO / f"content/modeles/dce.{fmt}")


def test_same_content_gives_the_same_bytes(bundled, run_cli, tmp_path):
    """Fixed dates in the archives, and odfpy's process-wide namespaces emptied per file:
    a site that writes these files builds identically twice."""
    first, second = tmp_path / "un", tmp_path / "deux"
    assert run_cli("dce", "MA-001", "--out", str(first))[0] == 0
    assert run_cli("dce", "MA-001", "--out", str(second))[0] == 0
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice absent (paquet Debian libreoffice-writer-nogui)")
def test_libreoffice_opens_both_formats(bundled, run_cli, tmp_path):
    """A real word processor reads the files: LibreOffice turns each into a PDF whose text
    has the clause inserted in the CCAP, and page numbers."""
    import subprocess

    out = tmp_path / "sortie"
    assert run_cli("dce", "MA-001", "--out", str(out))[0] == 0
    texte = norm(clause_texts(bundled)["CL-011"]["texte"])
    for ext in ("docx", "odt"):
        pdf_dir = tmp_path / f"pdf-{ext}"
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                        "--convert-to", "pdf", "--outdir", str(pdf_dir),
                        str(out / f"MA-001-ccap.{ext}")], check=True, capture_output=True,
                       timeout=300)
        text = subprocess.run(["pdftotext", str(pdf_dir / "MA-001-ccap.pdf"), "-"],
                              check=True, capture_output=True, text=True).stdout
        assert texte in norm(text), ext
        assert "Page 2 sur" in text, ext


def test_parameter_over_several_source_lines_is_one_highlight(bundled, run_cli, tmp_path):
    out = tmp_path / "sortie"
    assert run_cli("dce", "MA-001", "--format", "docx", "--out", str(out))[0] == 0
    doc = Document(str(out / "MA-001-rc.docx"))
    highlighted = [r.text for p in doc.paragraphs for r in p.runs
                   if r.style is not None and r.style.name == "Paramètre"]
    # CL-010's text writes this parameter over three lines.
    assert any(t.startswith("[sous-critères à adapter") and t.endswith("utilisés]")
               for t in highlighted)


def _site_documents(root: Path, site: Path, cache) -> dict[str, bytes]:
    import datetime as dt

    from achats.index.graph import build_graph
    from achats.model.validate import check_project
    from achats.project import Project
    from achats.tender.dce import write_site_documents

    result = check_project(Project(root))
    graph = build_graph(result.entries, result.vocab)
    write_site_documents(Project(root), graph, site, today=dt.date(2026, 11, 30), cache=cache)
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*.*")}


def test_site_documents_come_from_the_cache_until_their_content_changes(bundled, tmp_path):
    """The intranet build copies a piece's file it already wrote for the same content,
    template and code (about 0.09 s a file otherwise), and rewrites it once any changes."""
    from achats.tender.dce import DocumentCache

    cache = DocumentCache(tmp_path / "cache")
    first = _site_documents(bundled, tmp_path / "site1", cache)
    stored = sorted(cache.folder.iterdir())
    assert len(stored) == len(first) >= 6
    # Same content again: every file is the cached one (a marked cache file shows it).
    marked = stored[0]
    original = marked.read_bytes()
    marked.write_bytes(b"copie du cache")
    second = _site_documents(bundled, tmp_path / "site2", cache)
    assert sorted(second.values()).count(b"copie du cache") == 1
    marked.write_bytes(original)
    assert _site_documents(bundled, tmp_path / "site3", cache) == first
    # A change of a piece's text: that piece's two files are written anew, the others are not.
    rc = bundled / MA001 / "rc.md"
    rc.write_text(rc.read_text(encoding="utf-8") + "\nUne phrase ajoutée.\n", encoding="utf-8")
    third = _site_documents(bundled, tmp_path / "site4", cache)
    changed = sorted(name for name in first if third[name] != first[name])
    assert changed and all(name.endswith(("-rc.docx", "-rc.odt")) for name in changed)
    assert len(sorted(cache.folder.iterdir())) == len(stored) + len(changed)
    # A cache folder that cannot be written only means no cache.
    blocked = tmp_path / "fichier"
    blocked.write_text("x", encoding="utf-8")
    assert _site_documents(bundled, tmp_path / "site5", DocumentCache(blocked / "dce")) == third
