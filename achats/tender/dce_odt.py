"""A tender piece as an OpenDocument text (odfpy), from the template's styles."""

from __future__ import annotations

from pathlib import Path

from achats.problems import AchatsError
from achats.tender.blocks import ClauseInsert, Heading, ListBlock, Para, Table
from achats.tender.dce import PieceDocument, require_styles

# Styles the export uses (internal names; LibreOffice shows the display names, e.g.
# « Titre de clause »): a template without one of them is refused, naming it.
REQUIRED_STYLES = ("Standard", "Title", "Subtitle", "Heading_20_1", "Heading_20_2",
                   "Heading_20_3", "Clause", "Titre_20_de_20_clause", "Avertissement",
                   "Fin_20_de_20_couverture", "Table_20_Contents", "Table_20_Heading",
                   "Parametre", "Code", "Puces", "Numeros")


def open_template(template: Path):
    from odf.element import Element
    from odf.namespaces import STYLENS
    from odf.opendocument import load

    # odfpy keeps the namespaces every element ever created in the process declared on one
    # class-level dict, and writes them all: the same piece came out differently depending
    # on what the process had made before. Emptied here, each file declares what it uses.
    Element.namespaces.clear()

    try:
        doc = load(str(template))
    except Exception as exc:  # not a zip, not an OpenDocument file…
        raise AchatsError(f"{template}: modèle ODT illisible ({type(exc).__name__} : {exc}) "
                          ": enregistrez-le au format OpenDocument texte (.odt).") from None
    if getattr(doc, "text", None) is None:
        raise AchatsError(f"{template}: le modèle n'est pas un document texte OpenDocument "
                          "(.odt).")
    names = {element.getAttrNS(STYLENS, "name") for element in doc.styles.childNodes
             if element.nodeType == element.ELEMENT_NODE}
    require_styles(template, "ODT", names, REQUIRED_STYLES)
    return doc


def write(piece: PieceDocument, template: Path, dest: Path) -> None:
    from odf.style import Style, TableCellProperties, TableColumnProperties

    doc = open_template(template)
    for child in list(doc.text.childNodes):  # the template's own text is not the piece's
        doc.text.removeChild(child)
    cell = Style(name="DceCellule", family="table-cell")
    cell.addElement(TableCellProperties(border="0.5pt solid #000000", padding="0.1cm"))
    doc.automaticstyles.addElement(cell)
    column = Style(name="DceColonne", family="table-column")
    column.addElement(TableColumnProperties(useoptimalcolumnwidth="true"))
    doc.automaticstyles.addElement(column)
    writer = _Writer(doc)
    writer.header(f"Marché {piece.tender_id} – {piece.title}")
    writer.cover(piece)
    for block in piece.blocks:
        writer.block(block)
    writer.clauses_table(piece)
    doc.save(str(dest))


class _Writer:
    def __init__(self, doc):
        self.doc = doc
        self.tables = 0

    def add(self, element) -> None:
        self.doc.text.addElement(element)

    def header(self, text: str) -> None:
        from odf.style import Header
        from odf.teletype import addTextToElement
        from odf.text import P

        for header in self.doc.masterstyles.getElementsByType(Header):
            paragraphs = header.getElementsByType(P)
            if paragraphs:
                for child in list(paragraphs[0].childNodes):
                    paragraphs[0].removeChild(child)
                addTextToElement(paragraphs[0], text)

    def paragraph(self, style: str, runs=None, text: str | None = None):
        from odf.teletype import addTextToElement
        from odf.text import P

        element = P(stylename=style)
        if text is not None:
            addTextToElement(element, text)
        if runs:
            self.runs(element, runs)
        return element

    def runs(self, element, runs) -> None:
        from odf.teletype import addTextToElement
        from odf.text import LineBreak, Span

        for item in runs:
            if item.text == "\n":
                element.addElement(LineBreak())
                continue
            style = "Parametre" if item.parameter else "Code" if item.code else None
            if item.bold or item.italic:
                style = style or self._emphasis(item.bold, item.italic)
            if style:
                span = Span(stylename=style)
                addTextToElement(span, item.text)
                element.addElement(span)
            else:
                addTextToElement(element, item.text)

    def _emphasis(self, bold: bool, italic: bool) -> str:
        from odf.style import Style, TextProperties

        name = "DceGras" if bold and not italic else "DceItalique" if italic and not bold \
            else "DceGrasItalique"
        known = {s.getAttribute("name") for s in self.doc.automaticstyles.childNodes
                 if s.qname[1] == "style"}
        if name not in known:
            style = Style(name=name, family="text")
            props = {}
            if bold:
                props["fontweight"] = "bold"
            if italic:
                props["fontstyle"] = "italic"
            style.addElement(TextProperties(**props))
            self.doc.automaticstyles.addElement(style)
        return name

    def cover(self, piece: PieceDocument) -> None:
        from odf.text import Span

        self.add(self.paragraph("Title", text=piece.title))
        self.add(self.paragraph("Subtitle", text=piece.tender_title))
        for label, value in (
                ("Objet du marché : ", piece.tender_object),
                ("Référence : ", f"{piece.tender_id} – {piece.kind}"),
                ("Document généré le ", f"{piece.generated.strftime('%d/%m/%Y')} depuis la "
                 f"base « Achats durables » ({piece.source}). Les passages surlignés entre "
                 "crochets restent à compléter.")):
            element = self.paragraph("Standard")
            strong = Span(stylename=self._emphasis(True, False))
            strong.addText(label)
            element.addElement(strong)
            element.addText(value)
            self.add(element)
        for warning in piece.warnings:
            self.add(self.paragraph("Avertissement", text=f"Attention : {warning}"))
        self.add(self.paragraph("Fin_20_de_20_couverture", text=""))

    def block(self, block, style: str = "Standard", parent=None) -> None:
        from odf.text import H

        add = parent.addElement if parent is not None else self.add
        if isinstance(block, Heading):
            level = min(block.level, 3)
            element = H(outlinelevel=level, stylename=f"Heading_20_{level}")
            self.runs(element, block.runs)
            add(element)
        elif isinstance(block, Para):
            add(self.paragraph(style, block.runs))
        elif isinstance(block, ListBlock):
            add(self.list(block, style))
        elif isinstance(block, Table):
            add(self.table(block))
        elif isinstance(block, ClauseInsert):
            add(self.paragraph("Titre_20_de_20_clause", text=f"Clause {block.clause_id} – "
                               f"{block.title} ({block.status_label})"))
            if block.warning:
                add(self.paragraph("Avertissement", text=f"Attention : {block.warning}"))
            for inner in block.blocks:
                self.block(inner, "Clause", parent)

    def list(self, block: ListBlock, style: str, nested: bool = False):
        from odf.text import List, ListItem

        element = List() if nested else List(stylename="Numeros" if block.ordered else "Puces")
        for item in block.items:
            li = ListItem()
            li.addElement(self.paragraph(style, item.runs))
            for child in item.children:
                li.addElement(self.list(child, style, nested=True))
            element.addElement(li)
        return element

    def table(self, block: Table, name: str | None = None):
        from odf.table import Table as OdfTable, TableCell, TableColumn, TableRow

        columns = max([len(block.header)] + [len(r) for r in block.rows])
        self.tables += 1
        element = OdfTable(name=name or f"Tableau{self.tables}")
        element.addElement(TableColumn(numbercolumnsrepeated=max(columns, 1),
                                       stylename="DceColonne"))
        rows = ([(block.header, True)] if block.header else []) + \
            [(row, False) for row in block.rows]
        for cells, is_header in rows:
            tr = TableRow()
            for c in range(columns):
                td = TableCell(stylename="DceCellule", valuetype="string")
                runs = cells[c] if c < len(cells) else []
                td.addElement(self.paragraph(
                    "Table_20_Heading" if is_header else "Table_20_Contents", runs))
                tr.addElement(td)
            element.addElement(tr)
        return element

    def clauses_table(self, piece: PieceDocument) -> None:
        from odf.text import H

        from achats.tender.blocks import Run

        title = H(outlinelevel=1, stylename="Heading_20_1")
        title.addText("Clauses utilisées")
        self.add(title)
        if not piece.clauses:
            self.add(self.paragraph("Standard",
                                    text="Cette pièce ne cite aucune clause de la bibliothèque."))
            return
        header = [[Run(label)] for label in ("Identifiant", "Titre", "Statut", "Base légale")]
        rows = [[[Run(row.id)], [Run(row.title)], [Run(row.status_label, bold=not row.validated)],
                 [Run(row.legal_basis)]] for row in piece.clauses]
        self.add(self.table(Table(header, rows), name="ClausesUtilisees"))
