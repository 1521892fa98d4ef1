"""Écrit les modèles des pièces exportées par « achats dce » : content/modeles/dce.docx et
content/modeles/dce.odt.

Usage : python scripts/modeles_dce.py [DOSSIER]   (par défaut : content/modeles)

Les modèles ne portent que des styles (polices, couleurs, marges, pied de page numéroté) :
la Région peut les ouvrir dans Word ou LibreOffice, modifier les styles et les enregistrer
sous le même nom, sans toucher au code. Les noms de styles utilisés par l'export sont listés
dans achats/tender/dce_docx.py et dce_odt.py (REQUIRED_STYLES) ; un modèle auquel il en
manque est refusé avec un message qui les nomme. Relancer ce script écrase les modèles.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT = "Liberation Sans"
BLUE = "1F3864"
RED = "C00000"


def write_docx(dest: Path) -> None:
    from docx import Document

    from achats.tender.dce_docx import add_field
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_COLOR_INDEX
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    styles = doc.styles
    styles["Normal"].font.name = FONT
    styles["Normal"].font.size = Pt(10.5)

    def shade(style, fill, border=None):
        ppr = style.element.get_or_add_pPr()
        if border:
            bdr = OxmlElement("w:pBdr")
            for side in ("top", "left", "bottom", "right"):
                edge = OxmlElement(f"w:{side}")
                edge.set(qn("w:val"), "single")
                edge.set(qn("w:sz"), "8")
                edge.set(qn("w:space"), "4")
                edge.set(qn("w:color"), border)
                bdr.append(edge)
            ppr.append(bdr)
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), fill)
        ppr.append(shd)

    clause = styles.add_style("Clause", WD_STYLE_TYPE.PARAGRAPH)
    clause.base_style = styles["Normal"]
    clause.paragraph_format.left_indent = Cm(0.6)
    clause.paragraph_format.right_indent = Cm(0.3)
    shade(clause, "EEF3FA", border="8EAADB")

    clause_title = styles.add_style("Titre de clause", WD_STYLE_TYPE.PARAGRAPH)
    clause_title.base_style = styles["Normal"]
    clause_title.paragraph_format.left_indent = Cm(0.6)
    clause_title.paragraph_format.right_indent = Cm(0.3)
    # Its own border colour: Word and LibreOffice join the borders of consecutive
    # paragraphs with the same ones, which would put a title in the previous clause's box.
    shade(clause_title, "DCE6F2", border=BLUE)
    clause_title.font.bold = True
    clause_title.font.color.rgb = RGBColor.from_string(BLUE)
    clause_title.paragraph_format.keep_with_next = True
    clause_title.paragraph_format.space_before = Pt(6)

    warning = styles.add_style("Avertissement", WD_STYLE_TYPE.PARAGRAPH)
    warning.base_style = styles["Normal"]
    warning.font.bold = True
    warning.font.color.rgb = RGBColor.from_string(RED)
    shade(warning, "FDECEA", border=RED)

    parameter = styles.add_style("Paramètre", WD_STYLE_TYPE.CHARACTER)
    parameter.font.bold = True
    parameter.font.highlight_color = WD_COLOR_INDEX.YELLOW  # Word
    shading = OxmlElement("w:shd")  # LibreOffice ignores a character style's highlight
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "FFFF00")
    parameter.element.get_or_add_rPr().append(shading)

    code = styles.add_style("Code", WD_STYLE_TYPE.CHARACTER)
    code.font.name = "Liberation Mono"

    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        styles[name].font.name = FONT
        styles[name].font.color.rgb = RGBColor.from_string(BLUE)

    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.2))
    footer = section.footer.paragraphs[0]
    footer.alignment = 1  # centred
    footer.add_run("Page ")
    add_field(footer, "PAGE")
    footer.add_run(" sur ")
    add_field(footer, "NUMPAGES")
    section.header.paragraphs[0].style = styles["Header"]

    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    doc.core_properties.title = "Modèle des pièces de marché (achats dce)"
    doc.core_properties.author = "Achats durables"
    dest.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(dest))


def write_odt(dest: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.style import (Footer, Header, ListLevelProperties, MasterPage, PageLayout,
                           PageLayoutProperties, ParagraphProperties, Style, TextProperties)
    from odf.text import (ListLevelStyleBullet, ListLevelStyleNumber, ListStyle, P,
                          PageCount, PageNumber)

    doc = OpenDocumentText()
    styles = doc.styles

    def paragraph_style(name, display, parent="Standard", text=None, para=None, **extra):
        style = Style(name=name, displayname=display, family="paragraph",
                      parentstylename=parent, **extra)
        if para:
            style.addElement(ParagraphProperties(**para))
        if text:
            style.addElement(TextProperties(**text))
        styles.addElement(style)

    standard = Style(name="Standard", family="paragraph")
    standard.addElement(TextProperties(fontname=FONT, fontfamily=FONT, fontsize="10.5pt"))
    standard.addElement(ParagraphProperties(margintop="0cm", marginbottom="0.2cm"))
    styles.addElement(standard)
    heading = {"fontweight": "bold", "color": f"#{BLUE}"}
    paragraph_style("Title", "Title", text={**heading, "fontsize": "24pt"},
                    para={"marginbottom": "0.5cm"})
    paragraph_style("Subtitle", "Subtitle", text={"fontsize": "14pt", "color": f"#{BLUE}"},
                    para={"marginbottom": "0.4cm"})
    for level, size in ((1, "15pt"), (2, "13pt"), (3, "11.5pt")):
        paragraph_style(f"Heading_20_{level}", f"Heading {level}", defaultoutlinelevel=level,
                        text={**heading, "fontsize": size},
                        para={"margintop": "0.45cm", "marginbottom": "0.2cm",
                              "keepwithnext": "always"})
    paragraph_style("Clause", "Clause", text={},
                    para={"marginleft": "0.6cm", "marginright": "0.3cm",
                          "backgroundcolor": "#EEF3FA", "border": "0.5pt solid #8EAADB",
                          "padding": "0.1cm"})
    # Its own border colour: consecutive paragraphs with the same borders are joined, which
    # would put a title in the previous clause's box.
    paragraph_style("Titre_20_de_20_clause", "Titre de clause",
                    text={"fontweight": "bold", "color": f"#{BLUE}"},
                    para={"keepwithnext": "always", "margintop": "0.2cm",
                          "marginleft": "0.6cm", "marginright": "0.3cm",
                          "backgroundcolor": "#DCE6F2", "border": f"0.5pt solid #{BLUE}",
                          "padding": "0.1cm"})
    paragraph_style("Avertissement", "Avertissement",
                    text={"fontweight": "bold", "color": f"#{RED}"},
                    para={"backgroundcolor": "#FDECEA", "border": f"0.75pt solid #{RED}",
                          "padding": "0.1cm"})
    paragraph_style("Fin_20_de_20_couverture", "Fin de couverture", para={"breakafter": "page"})
    paragraph_style("Table_20_Contents", "Table Contents", para={"margintop": "0.05cm"})
    paragraph_style("Table_20_Heading", "Table Heading", parent="Table_20_Contents",
                    text={"fontweight": "bold"})
    paragraph_style("Header", "Header", text={"fontsize": "8.5pt", "color": "#555555"})
    paragraph_style("Footer", "Footer", text={"fontsize": "8.5pt"},
                    para={"textalign": "center"})

    parameter = Style(name="Parametre", displayname="Paramètre", family="text")
    parameter.addElement(TextProperties(backgroundcolor="#FFFF00", fontweight="bold"))
    styles.addElement(parameter)
    code = Style(name="Code", displayname="Code", family="text")
    code.addElement(TextProperties(fontname="Liberation Mono", fontfamily="Liberation Mono"))
    styles.addElement(code)

    bullets = ListStyle(name="Puces", displayname="Puces")
    numbers = ListStyle(name="Numeros", displayname="Numéros")
    for level in range(1, 5):
        indent = f"{0.6 * level:.1f}cm"
        bullets.addElement(_level(ListLevelStyleBullet(level=level, bulletchar="•" if level == 1
                                                       else "–"),
                                  ListLevelProperties, indent))
        numbers.addElement(_level(ListLevelStyleNumber(level=level, numformat="1",
                                                       numsuffix="."),
                                  ListLevelProperties, indent))
    styles.addElement(bullets)
    styles.addElement(numbers)

    layout = PageLayout(name="A4")
    layout.addElement(PageLayoutProperties(pagewidth="21cm", pageheight="29.7cm",
                                           margintop="2cm", marginbottom="2cm",
                                           marginleft="2.2cm", marginright="2.2cm"))
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    header = Header()
    header.addElement(P(stylename="Header", text=""))
    master.addElement(header)
    footer = Footer()
    line = P(stylename="Footer", text="Page ")
    line.addElement(PageNumber(selectpage="current", text="1"))
    line.addText(" sur ")
    line.addElement(PageCount(text="1"))
    footer.addElement(line)
    master.addElement(footer)
    doc.masterstyles.addElement(master)
    dest.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(dest))


def _level(level_style, properties, indent):
    level_style.addElement(properties(spacebefore=indent, minlabelwidth="0.6cm"))
    return level_style


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "content" / "modeles"
    write_docx(folder / "dce.docx")
    write_odt(folder / "dce.odt")
    print(f"Modèles écrits : {folder / 'dce.docx'}, {folder / 'dce.odt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
