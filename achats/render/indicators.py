"""The « Indicateurs » page of the Marchés section and its CSV: by year of notification,
the attributed tenders with an environmental consideration, a social one, a reserved
market, against the targets of the national plan for sustainable procurement (PNAD), and
the use of each clause.

Counted: every tender of the variant's graph whose result is « attribue » and whose « decp »
block gives a notification date; the considerations are those of the DECP export
(achats.tender.decp.considerations, from the clauses the tender uses). The public variant
counts only public tenders and public clauses; with « extra.indicateurs_publics: false » its
page gives no figure at all (the Region keeps them for the intranet).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field as dc_field

from achats.model.validate import used_clause_ids
from achats.tender.decp import NO_ENVIRONMENTAL, NO_SOCIAL, considerations, is_attributed
from achats.render.context import RenderContext, esc
from achats.render.html import raw

PAGE_URI = "marches/indicateurs.md"
CSV_URI = "marches/indicateurs.csv"
# Plan national pour des achats durables 2022-2025 (3e édition, mars 2022): targets for 2025.
TARGETS = {"environnemental": 100, "social": 30}
TARGETS_SOURCE = ("Plan national pour des achats durables (PNAD) 2022-2025 : d'ici 2025, "
                  "100 % des contrats de la commande publique notifiés dans l'année avec au "
                  "moins une considération environnementale et 30 % avec au moins une "
                  "considération sociale.")


@dataclass
class Year:
    year: int
    count: int = 0
    amount: float = 0
    environmental: int = 0
    environmental_amount: float = 0
    social: int = 0
    social_amount: float = 0
    reserved: int = 0
    reserved_amount: float = 0
    clauses: dict = dc_field(default_factory=dict)  # clause ID -> tenders using it

    def share(self, count: int) -> float:
        return 100 * count / self.count if self.count else 0.0


def yearly(ctx: RenderContext) -> list[Year]:
    years: dict[int, Year] = {}
    for tender in ctx.graph.of("marche"):
        data = tender.meta.get("decp")
        if not is_attributed(tender) or not isinstance(data, dict):
            continue
        notified = data.get("date_notification")
        if not isinstance(notified, dt.date):
            continue
        amount = data.get("montant")
        amount = amount if isinstance(amount, (int, float)) and not isinstance(amount, bool) \
            else 0
        used = [i for i in used_clause_ids(tender) if i in ctx.graph.by_id]
        social, environmental = considerations([ctx.graph.by_id[i].meta for i in used])
        year = years.setdefault(notified.year, Year(notified.year))
        year.count += 1
        year.amount += amount
        if environmental != [NO_ENVIRONMENTAL]:
            year.environmental += 1
            year.environmental_amount += amount
        if social != [NO_SOCIAL]:
            year.social += 1
            year.social_amount += amount
        if "Marché réservé" in social:
            year.reserved += 1
            year.reserved_amount += amount
        for ident in used:
            year.clauses[ident] = year.clauses.get(ident, 0) + 1
    return [years[y] for y in sorted(years)]


def published(ctx: RenderContext) -> bool:
    return bool(ctx.settings.get("indicateurs", True))


def indicators_page(ctx: RenderContext) -> str:
    out = ["# Indicateurs des achats durables\n"]
    if not published(ctx):
        out.append("Les indicateurs des marchés de la Région sont publiés sur son intranet.\n")
        return "\n".join(out)
    years = yearly(ctx)
    out.append("Par année de notification, les marchés attribués (bloc « decp » de leur fiche) "
               "qui comportent au moins une considération environnementale, une considération "
               "sociale, un marché réservé, comparés aux cibles nationales. Les considérations "
               "sont déduites des clauses de la bibliothèque que chaque marché utilise, comme "
               "dans les données essentielles publiées (achats decp).\n")
    if ctx.settings.get("comptes_publics_seulement"):
        out.append("_Variante publique : seuls les marchés et clauses publics sont comptés._\n")
    out.append(f"Cibles : {esc(TARGETS_SOURCE)}\n")
    if not years:
        out.append("_Aucun marché attribué avec une date de notification : aucun indicateur "
                   "à calculer._\n")
        return "\n".join(out)
    out.append(raw('<figure class="achats-indicateurs-figure">' + chart_svg(years)
                   + "<figcaption>Part des marchés notifiés avec une considération "
                   "environnementale et sociale, par année, et cibles du PNAD</figcaption>"
                   "</figure>"))
    out.append(f"Les mêmes données, avec les montants : [télécharger le tableau (CSV)]"
               f"(indicateurs.csv).\n")
    head = ["Année", "Marchés notifiés", "Montant (€ HT)",
            "Considération environnementale", "Montant", "Part (cible 100 %)",
            "Considération sociale", "Montant", "Part (cible 30 %)",
            "Marché réservé", "Montant"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + " --- |" * len(head))
    for y in years:
        out.append("| " + " | ".join([
            str(y.year), str(y.count), _euros(y.amount),
            str(y.environmental), _euros(y.environmental_amount),
            _percent(y.share(y.environmental)),
            str(y.social), _euros(y.social_amount), _percent(y.share(y.social)),
            str(y.reserved), _euros(y.reserved_amount)]) + " |")
    out.append("\n## Utilisation des clauses\n")
    out.append("Nombre de marchés notifiés qui utilisent chaque clause (champ « clauses » et "
               "clauses citées dans les pièces).\n")
    used = sorted({i for y in years for i in y.clauses})
    head = ["Clause", "Titre"] + [str(y.year) for y in years] + ["Total"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + " --- |" * len(head))
    for ident in used:
        counts = [y.clauses.get(ident, 0) for y in years]
        out.append("| " + " | ".join(
            [ctx.link_id(PAGE_URI, ident, ident), esc(ctx.graph.by_id[ident].title)]
            + [str(c) for c in counts] + [str(sum(counts))]) + " |")
    return "\n".join(out) + "\n"


def indicators_csv(ctx: RenderContext) -> str:
    """The table of the page, one line per year (figures only when the page has them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["annee", "marches_notifies", "montant_ht",
                     "avec_consideration_environnementale", "montant_environnemental_ht",
                     "part_environnementale_pct", "cible_environnementale_pct",
                     "avec_consideration_sociale", "montant_social_ht", "part_sociale_pct",
                     "cible_sociale_pct", "avec_marche_reserve", "montant_marche_reserve_ht"])
    if published(ctx):
        for y in yearly(ctx):
            writer.writerow([y.year, y.count, _number(y.amount), y.environmental,
                             _number(y.environmental_amount),
                             f"{y.share(y.environmental):.1f}", TARGETS["environnemental"],
                             y.social, _number(y.social_amount), f"{y.share(y.social):.1f}",
                             TARGETS["social"], y.reserved, _number(y.reserved_amount)])
    return buffer.getvalue()


WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 560, 320, 50, 60, 20


def chart_svg(years: list[Year]) -> str:
    """Bars: share of tenders with an environmental and a social consideration per year;
    dashed lines: the PNAD targets. Title and description for screen readers; every bar
    also has its value as text."""
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 10) / max(len(years), 1)
    bar = min(36.0, slot / 3)

    def y_of(percent: float) -> float:
        return TOP + plot_h * (1 - percent / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-labelledby="indicateurs-titre indicateurs-desc" class="achats-indicateurs">',
        '<title id="indicateurs-titre">Part des marchés notifiés avec une considération '
        "environnementale et sociale, par année</title>",
        '<desc id="indicateurs-desc">Pour chaque année, deux barres : la part des marchés avec '
        "une considération environnementale (vert) et avec une considération sociale (bleu), "
        "de 0 à 100 %. Deux lignes pointillées marquent les cibles du PNAD (100 % et 30 %). "
        "Les mêmes données figurent dans le tableau qui suit.</desc>",
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="currentColor"/>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 10}" y2="{TOP + plot_h}" '
        'stroke="currentColor"/>',
    ]
    for index, (label, colour) in enumerate((("considération environnementale", "#2e7d32"),
                                             ("considération sociale", "#1565c0"))):
        x = LEFT + 10 + index * 220
        parts.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{x + 14}" y="{HEIGHT - 5}" font-size="11" '
                     f'fill="currentColor">{label}</text>')
    for tick in (0, 30, 50, 100):
        parts.append(f'<text x="{LEFT - 6}" y="{y_of(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="currentColor">{tick} %</text>')
    for name, label, colour in (("environnemental", "environnementale", "#2e7d32"),
                                ("social", "sociale", "#1565c0")):
        target = TARGETS[name]
        parts.append(f'<line x1="{LEFT}" y1="{y_of(target):.1f}" x2="{WIDTH - 10}" '
                     f'y2="{y_of(target):.1f}" stroke="{colour}" stroke-dasharray="5 4"/>'
                     f'<text x="{WIDTH - 12}" y="{y_of(target) - 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="currentColor">cible {label} {target} %</text>')
    for index, y in enumerate(years):
        x0 = LEFT + index * slot + (slot - 2 * bar) / 2
        for offset, (label, share, colour) in enumerate((
                ("environnementale", y.share(y.environmental), "#2e7d32"),
                ("sociale", y.share(y.social), "#1565c0"))):
            x = x0 + offset * bar
            top = y_of(share)
            parts.append(
                f'<g><title>{y.year}, considération {label} : {_percent(share)}</title>'
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar - 2:.1f}" '
                f'height="{TOP + plot_h - top:.1f}" fill="{colour}"/>'
                f'<text x="{x + (bar - 2) / 2:.1f}" y="{top - 3:.1f}" text-anchor="middle" '
                f'font-size="10" fill="currentColor">{share:.0f}</text></g>')
        parts.append(f'<text x="{x0 + bar:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                     f'text-anchor="middle" font-size="12" fill="currentColor">{y.year}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _euros(amount: float) -> str:
    return f"{amount:,.0f}".replace(",", "\u202f")


def _number(amount: float) -> str:
    return f"{amount:.2f}".rstrip("0").rstrip(".")


def _percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " %"
