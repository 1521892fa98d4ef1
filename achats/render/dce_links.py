"""Download links to a tender's pieces in Word and OpenDocument, on its intranet page.

The files are written after the build (achats.tender.dce.write_site_documents), next to the
page, when « extra.dce » is true; never in the public variant, never under `serve` (the
links would point to files not written).
"""

from __future__ import annotations

from achats.tender.dce import SITE_FOLDER, site_file_names
from achats.render.context import RenderContext, esc
from achats.render.html import raw

FORMATS = (("docx", "Word"), ("odt", "OpenDocument"))


def dce_enabled(ctx: RenderContext) -> bool:
    return bool(ctx.settings.get("dce"))


def dce_section(ctx: RenderContext, entry, uri: str) -> str:
    if entry.collection.name != "marche" or not entry.pieces or not dce_enabled(ctx):
        return ""
    items = []
    for title, stem in site_file_names(entry):
        links = ", ".join(
            f'<a href="{SITE_FOLDER}/{esc(stem)}.{ext}" download>{label} (.{ext})</a>'
            for ext, label in FORMATS)
        items.append(f"<li>{esc(title)} : {links}</li>")
    return ("## Dossier de consultation à télécharger\n" + raw(
        '<div class="achats-dce"><p>Chaque pièce avec le texte des clauses citées, leurs '
        "paramètres à compléter surlignés et le tableau des clauses utilisées (généré à la "
        "construction du site ; les clauses non validées y sont signalées).</p><ul>"
        + "".join(items) + "</ul></div>"))
