"""The obligations in force since the loi Climat et résilience (article 35), checked on every
tender launched on or after their date (achats check):

- at least one environmental award criterion among its clauses (article L2152-7);
- at least one environmental execution condition (article L2112-2);
- at or above the European threshold for its kind of purchase, at least one social
  execution condition (article L2112-2-1), unless the tender records a legal exemption in
  « exemption_sociale ».

Dates, thresholds (with their period of validity), kinds of purchase and articles come from
content/data/seuils.yml (« obligations » and « seuils », read by achats/schema/legal.py),
never from code; this module only knows which clauses meet which obligation (REQUIREMENTS).
Defence or security contracts (decp.nature: marche_defense_securite) are excluded, as the
file's « exclusions » say.

The check crosses entries (a tender and the clauses it uses) and runs after the per-entry
checks, from what each entry's Record carries (facts_of): parsed entries do not cross the
process border of the parallel check.
"""

from __future__ import annotations

import datetime as dt

from ..problems import WARNING, ProblemList
from ..project import DATA_DIR

SEUILS = f"{DATA_DIR}/seuils.yml"
WORKS = "travaux"
SUPPLIES_SERVICES = "fournitures_services"
# A tender's purchase families -> the « objet » of seuils.yml.
CATEGORY_OF_FAMILY = {"fournitures": SUPPLIES_SERVICES, "services": SUPPLIES_SERVICES,
                      "prestations_intellectuelles": SUPPLIES_SERVICES, "travaux": WORKS}

# Obligation of seuils.yml -> (clause type, pillar) that meets it, and what is missing.
# Obligations not listed here (the end of price-only award, free online documents, advance
# payment) are not about the library's clauses and are not checked on tenders.
REQUIREMENTS = {
    "critere-environnemental": ("critere_attribution", "environnemental",
                                "aucun critère d'attribution environnemental"),
    "condition-environnementale": ("condition_execution", "environnemental",
                                   "aucune condition d'exécution environnementale"),
    "condition-sociale-fcs": ("condition_execution", "social",
                              "aucune condition d'exécution sociale"),
    "condition-sociale-travaux": ("condition_execution", "social",
                                  "aucune condition d'exécution sociale"),
}
EXAMPLES = {"critere-environnemental": "CL-010", "condition-environnementale": "CL-011",
            "condition-sociale-fcs": "CL-018", "condition-sociale-travaux": "CL-018"}
# Obligations the tender may be exempted from, with its « exemption_sociale » field.
EXEMPTABLE = {"condition-sociale-fcs", "condition-sociale-travaux"}


def facts_of(entry) -> tuple:
    """What the cross-entry check needs of one entry (small, picklable)."""
    meta = entry.meta
    name = entry.collection.name
    if name == "clause":
        pillars = meta.get("piliers")
        return ("clause", str(meta.get("type")),
                tuple(p for p in pillars if isinstance(p, str))
                if isinstance(pillars, list) else (),
                str(meta.get("statut")))
    if name != "marche" or not isinstance(meta.get("lancement"), dt.date):
        return ()
    from .decp import used_clause_ids

    families = meta.get("familles")
    amount = meta.get("montant_estime")
    decp = meta.get("decp") if isinstance(meta.get("decp"), dict) else {}
    return ("marche", meta["lancement"], entry.line("lancement"), entry.line("clauses"),
            tuple(f for f in families if isinstance(f, str))
            if isinstance(families, list) else (),
            amount if isinstance(amount, (int, float)) and not isinstance(amount, bool)
            else None,
            entry.line("montant_estime"), tuple(used_clause_ids(entry)),
            isinstance(meta.get("exemption_sociale"), dict),
            decp.get("nature") == "marche_defense_securite")


def check_obligations(vocab, records: list, problems: ProblemList) -> None:
    """Report, for each tender launched on or after an obligation's date, each obligation
    its clauses do not meet (records: achats.validate.Record, ``facts`` from facts_of;
    vocab.calendar: seuils.yml)."""
    tenders = [r for r in records if r.facts and r.facts[0] == "marche"]
    if not tenders:
        return
    calendar = vocab.calendar
    checked = [ob for ob in calendar.obligations if ob.id in REQUIREMENTS]
    if not checked:
        for record in tenders:
            problems.add(record.rel, record.facts[2], "lancement",
                         f"{SEUILS} absent ou sans les obligations "
                         f"{', '.join(REQUIREMENTS)} : les obligations de la loi Climat et "
                         "résilience ne peuvent pas être vérifiées.", WARNING)
        return
    clauses = {r.id: r.facts for r in records if r.facts and r.facts[0] == "clause"}
    for record in tenders:
        _check_tender(record, calendar, checked, clauses, problems)


def _has(used: tuple, clauses: dict, kind: str, pillar: str) -> bool:
    for ident in used:
        facts = clauses.get(ident)
        if facts and facts[1] == kind and pillar in facts[2] and facts[3] != "retiree":
            return True
    return False


def _check_tender(record, calendar, checked: list, clauses: dict,
                  problems: ProblemList) -> None:
    (_kind, launched, launch_line, clauses_line, families, amount, amount_line, used,
     exempted, defence) = record.facts
    if defence:
        return
    categories = {CATEGORY_OF_FAMILY[f] for f in families if f in CATEGORY_OF_FAMILY} \
        or {SUPPLIES_SERVICES, WORKS}  # unknown kind: every threshold applies
    day = launched.strftime("%d/%m/%Y")
    reported: set = set()
    for ob in checked:
        if launched < ob.depuis or (ob.objet != "tous" and ob.objet not in categories):
            continue
        kind, pillar, missing = REQUIREMENTS[ob.id]
        if _has(used, clauses, kind, pillar) or (exempted and ob.id in EXEMPTABLE):
            continue
        article = ob.articles[0] if ob.articles else "?"
        since = ob.depuis.strftime("%d/%m/%Y")
        limit_text = ""
        if ob.seuil:
            limit = calendar.threshold(ob.seuil, launched)
            if limit is None:
                problems.add(record.rel, launch_line, "lancement",
                             f"aucun seuil « {ob.seuil} » de {SEUILS} en vigueur le {day} : "
                             f"l'obligation « {ob.libelle} » ({article}) n'a pas pu être "
                             "vérifiée.", WARNING)
                continue
            if amount is None:
                problems.add(record.rel, launch_line, "montant_estime",
                             f"montant estimé manquant : impossible de savoir si l'obligation "
                             f"« {ob.libelle} » ({article}, seuil de {_euros(limit.montant_ht)} "
                             "€ HT) s'applique.", WARNING)
                continue
            if not limit.reached(amount):
                continue
            period = f"du {limit.du.strftime('%d/%m/%Y')}" + (
                f" au {limit.au.strftime('%d/%m/%Y')}" if limit.au else "")
            limit_text = (f"marché de {_euros(amount)} € HT, seuil de "
                          f"{_euros(limit.montant_ht)} € HT en vigueur {period} ; ")
        if (missing, article) in reported:  # both social obligations for a mixed tender
            continue
        reported.add((missing, article))
        hint = " ou indiquez le motif légal de dispense dans « exemption_sociale »" \
            if ob.id in EXEMPTABLE else ""
        problems.add(record.rel, clauses_line, "clauses",
                     f"{missing} parmi les clauses du marché (article {article} ; "
                     f"{limit_text}obligation applicable aux consultations lancées depuis le "
                     f"{since}, marché lancé le {day}) : ajoutez une clause de type {kind} au "
                     f"pilier {pillar} (par exemple {EXAMPLES[ob.id]}){hint}.")


def _euros(amount) -> str:
    return f"{amount:,.0f}".replace(",", "\u202f")
