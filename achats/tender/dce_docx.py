"""A tender piece as a Word file (python-docx), from the template's styles."""

from __future__ import annotations

from pathlib import Path

from achats.problems import AchatsError
from achats.tender.blocks import ClauseInsert, Heading, ListBlock, Para, Table
from achats.tender.dce import PieceDocument, require_styles

# Styles the export uses: a template without one of them is refused, naming it.
REQUIRED_STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3",
                   "List Bullet", "List Bullet 2", "List Number", "List Number 2",
                   "Table Grid", "Clause", "Titre de clause", "Avertissement", "Paramètre",
                   "Code")


def open_template(template: Path):
    from docx import Document

    try:
        doc = Document(str(template))
    except Exception as exc:  # not a zip, not a Word document, a .dotx…
        raise AchatsError(f"{template}: modèle DOCX illisible ({type(exc).__name__} : {exc}) "
                          ": enregistrez-le au format Word (.docx).") from None
    names = {style.name for style in doc.styles}
    require_styles(template, "DOCX", names, REQUIRED_STYLES)
    return doc


def write(piece: PieceDocument, template: Path, dest: Path) -> None:
    from docx.oxml.ns import qn

    doc = open_template(template)
    body = doc.element.body
    for child in list(body):  # the template's own text, if any, is not part of the piece
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _header_footer(doc, piece)
    _cover(doc, piece)
    for block in piece.blocks:
        _block(doc, block)
    _clauses_table(doc, piece)
    doc.core_properties.title = f"{piece.tender_id} – {piece.title}"
    doc.core_properties.subject = piece.tender_object[:250]
    doc.core_properties.author = "Achats durables (achats dce)"
    doc.save(str(dest))


def _header_footer(doc, piece: PieceDocument) -> None:
    section = doc.sections[0]
    header = section.header.paragraphs[0] if section.header.paragraphs \
        else section.header.add_paragraph()
    header.text = f"Marché {piece.tender_id} – {piece.title}"
    footer = section.footer
    if "PAGE" not in footer._element.xml:  # a restyled template lost its page numbers
        paragraph = footer.add_paragraph("Page ")
        add_field(paragraph, "PAGE")


def add_field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES…) at the end of ``paragraph``; Word computes it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _cover(doc, piece: PieceDocument) -> None:
    doc.add_paragraph(piece.title, style="Title")
    doc.add_paragraph(piece.tender_title, style="Subtitle")
    _labelled(doc, "Objet du marché : ", piece.tender_object)
    _labelled(doc, "Référence : ", f"{piece.tender_id} – {piece.kind}")
    _labelled(doc, "Document généré le ",
              f"{piece.generated.strftime('%d/%m/%Y')} depuis la base « Achats durables » "
              f"({piece.source}). Les passages surlignés entre crochets restent à compléter.")
    for warning in piece.warnings:
        doc.add_paragraph(f"Attention : {warning}", style="Avertissement")
    doc.add_page_break()


def _labelled(doc, label: str, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(text)


def _runs(paragraph, runs) -> None:
    for item in runs:
        if item.text == "\n":
            paragraph.add_run().add_break()
            continue
        run = paragraph.add_run(item.text)
        if item.parameter:
            run.style = "Paramètre"
        elif item.code:
            run.style = "Code"
        if item.bold:
            run.bold = True
        if item.italic:
            run.italic = True


def _block(doc, block, paragraph_style: str = "Normal") -> None:
    if isinstance(block, Heading):
        _runs(doc.add_paragraph(style=f"Heading {min(block.level, 3)}"), block.runs)
    elif isinstance(block, Para):
        _runs(doc.add_paragraph(style=paragraph_style), block.runs)
    elif isinstance(block, ListBlock):
        _list(doc, block, 1)
    elif isinstance(block, Table):
        _table(doc, block)
    elif isinstance(block, ClauseInsert):
        doc.add_paragraph(f"Clause {block.clause_id} – {block.title} ({block.status_label})",
                          style="Titre de clause")
        if block.warning:
            doc.add_paragraph(f"Attention : {block.warning}", style="Avertissement")
        for inner in block.blocks:
            _block(doc, inner, "Clause")


def _list(doc, block: ListBlock, depth: int) -> None:
    style = ("List Number" if block.ordered else "List Bullet") + (" 2" if depth > 1 else "")
    for item in block.items:
        _runs(doc.add_paragraph(style=style), item.runs)
        for child in item.children:
            _list(doc, child, depth + 1)


def _table(doc, block: Table) -> None:
    columns = max([len(block.header)] + [len(r) for r in block.rows])
    if not columns:
        return
    rows = ([block.header] if block.header else []) + block.rows
    table = doc.add_table(rows=len(rows), cols=columns)
    table.style = "Table Grid"
    for r, cells in enumerate(rows):
        for c, runs in enumerate(cells[:columns]):
            paragraph = table.cell(r, c).paragraphs[0]
            _runs(paragraph, runs)
            if r == 0 and block.header:
                for run in paragraph.runs:
                    run.bold = True
    doc.add_paragraph()


def _clauses_table(doc, piece: PieceDocument) -> None:
    doc.add_paragraph("Clauses utilisées", style="Heading 1")
    if not piece.clauses:
        doc.add_paragraph("Cette pièce ne cite aucune clause de la bibliothèque.")
        return
    table = doc.add_table(rows=1 + len(piece.clauses), cols=4)
    table.style = "Table Grid"
    for c, label in enumerate(("Identifiant", "Titre", "Statut", "Base légale")):
        table.cell(0, c).paragraphs[0].add_run(label).bold = True
    for r, row in enumerate(piece.clauses, start=1):
        for c, value in enumerate((row.id, row.title, row.status_label, row.legal_basis)):
            run = table.cell(r, c).paragraphs[0].add_run(value)
            if c == 2 and not row.validated:
                run.bold = True
