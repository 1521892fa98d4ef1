"""The obligations in force since the loi Climat et résilience (article 35), checked on every
tender launched on or after their date (achats check):

- at least one environmental award criterion among its clauses (article L2152-7);
- at least one environmental execution condition (article L2112-2);
- at or above the European threshold for its kind of purchase, at least one social
  execution condition (article L2112-2-1), unless the tender records a legal exemption in
  « exemption_sociale ».

Dates, thresholds (with their period of validity), kinds of purchase and articles come from
content/data/seuils.yml (« obligations » and « seuils », read by achats/model/schema/legal.py),
never from code; this module only knows which clauses meet which obligation (REQUIREMENTS).
Defence or security contracts (decp.nature: marche_defense_securite) are excluded, as the
file's « exclusions » say.

The check crosses entries (a tender and the clauses it uses) and runs after the per-entry
checks, from what each entry's Record carries (facts_of): parsed entries do not cross the
process border of the parallel check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from achats.problems import WARNING, ProblemList
from achats.project import DATA_DIR

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


@dataclass(frozen=True)
class TenderFacts:
    """What the obligations need of a tender (small and picklable: it crosses the process
    border of the parallel check inside a Record)."""

    launched: dt.date | None
    launch_line: int
    clauses_line: int
    families: tuple
    amount: float | None
    used: tuple  # clause IDs: « clauses » field, then those cited in the pieces
    exempted: bool
    defence: bool


@dataclass(frozen=True)
class ClauseFacts:
    type: str
    pillars: tuple
    status: str


@dataclass
class Assessment:
    """One obligation for one tender: whether it applies, and whether its clauses meet it."""

    obligation: object  # achats.model.schema.legal.Obligation
    article: str
    applies: bool | None  # None: cannot tell (no launch date, no amount, no threshold)
    met_by: list  # IDs of the clauses that meet it
    exempted: bool
    note: str  # French: why it applies or not
    warning: str = ""  # French: why it could not be told (for achats check)
    threshold_text: str = ""

    @property
    def missing(self) -> bool:
        return bool(self.applies) and not self.met_by and not self.exempted


def tender_facts(entry) -> TenderFacts:
    from achats.model.validate import used_clause_ids  # validate imports this module

    meta = entry.meta
    families = meta.get("familles")
    amount = meta.get("montant_estime")
    decp = meta.get("decp") if isinstance(meta.get("decp"), dict) else {}
    launched = meta.get("lancement")
    return TenderFacts(
        launched if isinstance(launched, dt.date) else None, entry.line("lancement"),
        entry.line("clauses"),
        tuple(f for f in families if isinstance(f, str)) if isinstance(families, list) else (),
        amount if isinstance(amount, (int, float)) and not isinstance(amount, bool) else None,
        tuple(used_clause_ids(entry)), isinstance(meta.get("exemption_sociale"), dict),
        decp.get("nature") == "marche_defense_securite")


def facts_of(entry):
    """What the cross-entry check needs of one entry: ClauseFacts, TenderFacts for a tender
    with a launch date, else None."""
    meta = entry.meta
    name = entry.collection.name
    if name == "clause":
        pillars = meta.get("piliers")
        return ClauseFacts(str(meta.get("type")),
                           tuple(p for p in pillars if isinstance(p, str))
                           if isinstance(pillars, list) else (), str(meta.get("statut")))
    if name == "marche" and isinstance(meta.get("lancement"), dt.date):
        return tender_facts(entry)
    return None


def checked_obligations(calendar) -> list:
    return [ob for ob in calendar.obligations if ob.id in REQUIREMENTS]


def assess(tender: TenderFacts, clauses: dict, calendar) -> list[Assessment]:
    """Each obligation of seuils.yml that REQUIREMENTS knows, for the tender's kinds of
    purchase (``clauses``: ID -> ClauseFacts of the clauses it may use)."""
    categories = {CATEGORY_OF_FAMILY[f] for f in tender.families if f in CATEGORY_OF_FAMILY} \
        or {SUPPLIES_SERVICES, WORKS}  # unknown kind: every threshold applies
    out = []
    for ob in checked_obligations(calendar):
        if ob.objet != "tous" and ob.objet not in categories:
            continue
        kind, pillar, _missing = REQUIREMENTS[ob.id]
        met_by = [i for i in tender.used if _meets(clauses.get(i), kind, pillar)]
        article = ob.articles[0] if ob.articles else "?"
        since = ob.depuis.strftime("%d/%m/%Y")
        item = Assessment(ob, article, None, met_by, tender.exempted and ob.id in EXEMPTABLE,
                          "")
        out.append(item)
        if tender.defence:
            item.applies, item.note = False, "marché de défense ou de sécurité : non soumis"
            continue
        if tender.launched is None:
            item.note = (f"applicable aux consultations lancées depuis le {since} : date de "
                         "lancement non renseignée")
            continue
        day = tender.launched.strftime("%d/%m/%Y")
        if tender.launched < ob.depuis:
            item.applies = False
            item.note = f"marché lancé le {day}, avant le {since}"
            continue
        item.note = f"marché lancé le {day}, obligation applicable depuis le {since}"
        if not ob.seuil:
            item.applies = True
            continue
        limit = calendar.threshold(ob.seuil, tender.launched)
        if limit is None:
            item.warning = (f"aucun seuil « {ob.seuil} » de {SEUILS} en vigueur le {day} : "
                            f"l'obligation « {ob.libelle} » ({article}) n'a pas pu être "
                            "vérifiée.")
            item.note = f"aucun seuil en vigueur le {day} dans {SEUILS}"
            continue
        period = f"du {limit.du.strftime('%d/%m/%Y')}" + (
            f" au {limit.au.strftime('%d/%m/%Y')}" if limit.au else "")
        item.threshold_text = f"seuil de {_euros(limit.montant_ht)} € HT en vigueur {period}"
        if tender.amount is None:
            item.warning = (f"montant estimé manquant : impossible de savoir si l'obligation "
                            f"« {ob.libelle} » ({article}, seuil de "
                            f"{_euros(limit.montant_ht)} € HT) s'applique.")
            item.note = "montant estimé non renseigné"
            continue
        item.applies = limit.reached(tender.amount)
        item.note += (f" ; {_euros(tender.amount)} € HT, "
                      f"{'au moins égal au' if item.applies else 'sous le'} "
                      f"{item.threshold_text}")
    return out


def _meets(facts, kind: str, pillar: str) -> bool:
    return (isinstance(facts, ClauseFacts) and facts.type == kind and pillar in facts.pillars
            and facts.status != "retiree")


def check_obligations(vocab, records: list, problems: ProblemList) -> None:
    """Report, for each tender launched on or after an obligation's date, each obligation
    its clauses do not meet (records: achats.model.validate.Record, ``facts`` from facts_of;
    vocab.calendar: seuils.yml)."""
    tenders = [r for r in records if isinstance(r.facts, TenderFacts)]
    if not tenders:
        return
    if not checked_obligations(vocab.calendar):
        for record in tenders:
            problems.add(record.rel, record.facts.launch_line, "lancement",
                         f"{SEUILS} absent ou sans les obligations "
                         f"{', '.join(REQUIREMENTS)} : les obligations de la loi Climat et "
                         "résilience ne peuvent pas être vérifiées.", WARNING)
        return
    clauses = {r.id: r.facts for r in records if isinstance(r.facts, ClauseFacts)}
    for record in tenders:
        _report(record, assess(record.facts, clauses, vocab.calendar), problems)


def _report(record, assessments: list[Assessment], problems: ProblemList) -> None:
    facts = record.facts
    reported: set = set()
    for item in assessments:
        if item.warning:
            field = "montant_estime" if facts.amount is None and item.threshold_text \
                else "lancement"
            problems.add(record.rel, facts.launch_line, field, item.warning, WARNING)
            continue
        if not item.missing:
            continue
        ob = item.obligation
        kind, pillar, missing = REQUIREMENTS[ob.id]
        if (missing, item.article) in reported:  # both social obligations, mixed tender
            continue
        reported.add((missing, item.article))
        limit = (f"marché de {_euros(facts.amount)} € HT, {item.threshold_text} ; "
                 if item.threshold_text else "")
        hint = " ou indiquez le motif légal de dispense dans « exemption_sociale »" \
            if ob.id in EXEMPTABLE else ""
        problems.add(record.rel, facts.clauses_line, "clauses",
                     f"{missing} parmi les clauses du marché (article {item.article} ; "
                     f"{limit}obligation applicable aux consultations lancées depuis le "
                     f"{ob.depuis.strftime('%d/%m/%Y')}, marché lancé le "
                     f"{facts.launched.strftime('%d/%m/%Y')}) : ajoutez une clause de type "
                     f"{kind} au pilier {pillar} (par exemple {EXAMPLES[ob.id]}){hint}.")


def _euros(amount) -> str:
    return f"{amount:,.0f}".replace(",", "\u202f")
