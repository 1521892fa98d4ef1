"""The « Conformité 2026 » box of a tender's page (intranet only): each obligation of
content/data/seuils.yml that achats check verifies, whether it applies to the tender and
which of its clauses meet it (achats.model.obligations.assess, the same rules as the
check).

Intranet only: the public variant holds only public clauses, so a box computed there
could call an obligation missing when an internal clause meets it.
"""

from __future__ import annotations

from achats.model.obligations import REQUIREMENTS, assess, facts_of, tender_facts
from achats.render.context import RenderContext, esc
from achats.render.html import raw


def compliance_section(ctx: RenderContext, entry, uri: str) -> str:
    if not ctx.settings.get("conformite") or entry.collection.name != "marche":
        return ""
    facts = tender_facts(entry)
    clauses = {}
    for ident in facts.used:
        clause = ctx.graph.by_id.get(ident)
        if clause is not None:
            clauses[ident] = facts_of(clause)
    items = assess(facts, clauses, ctx.vocab.calendar)
    if not items:
        return ""
    rows = []
    for item in items:
        state, css = _state(item)
        met = ", ".join(ctx.a_id(uri, i, i) for i in item.met_by) or "aucune"
        rows.append(
            f'<tr class="{css}"><td>{esc(item.obligation.libelle)}</td>'
            f"<td>{esc(item.article)}</td><td>{esc(item.note)}</td><td>{met}</td>"
            f"<td><strong>{esc(state)}</strong></td></tr>")
    missing = sum(1 for item in items if item.missing)
    to_plan = sum(1 for item in items if _state(item)[1] == "achats-a-prevoir")
    parts = []
    if missing:
        parts.append(f"{missing} obligation{'s' if missing > 1 else ''} non remplie"
                     f"{'s' if missing > 1 else ''}")
    if to_plan:
        parts.append(f"{to_plan} à prévoir avant le lancement")
    summary = " ; ".join(parts) or "aucune obligation applicable non remplie"
    return "## Conformité 2026 { .achats-conformite-titre }\n" + raw(
        '<div class="admonition achats-conformite">'
        f"<p>Obligations de la loi Climat et résilience vérifiées par « achats check » "
        f"(content/data/seuils.yml) : {esc(summary)}.</p>"
        '<div class="md-typeset__scrollwrap"><div class="md-typeset__table"><table>'
        "<caption>Obligations, applicabilité et clauses du marché qui les remplissent"
        "</caption><thead><tr>"
        + "".join(f'<th scope="col">{h}</th>' for h in
                  ("Obligation", "Article", "Applicable ?", "Clauses qui la remplissent",
                   "État"))
        + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div></div></div>")


def _state(item) -> tuple[str, str]:
    """French state (text, never a colour alone) and a CSS class."""
    kind = "critère" if REQUIREMENTS[item.obligation.id][0] == "critere_attribution" \
        else "condition"
    if item.exempted and item.applies is not False:
        return "dispensé (exemption_sociale)", "achats-dispense"
    if item.met_by:
        return "remplie", "achats-remplie"
    if item.applies is False:
        return "non applicable", "achats-non-applicable"
    if item.applies is None:
        return f"à prévoir : aucun {kind} de ce type" if kind == "critère" else \
            "à prévoir : aucune condition de ce type", "achats-a-prevoir"
    return "manquante", "achats-manquante"
