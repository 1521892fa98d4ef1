"""The obligations in force since the loi Climat et résilience (article 35), checked on every
tender launched on or after their date (achats check):

- at least one environmental award criterion among its clauses (article L2152-7);
- at least one environmental execution condition (article L2112-2);
- at or above the European threshold for its kind of purchase, at least one social
  execution condition (article L2112-2-1), unless the tender records a legal exemption in
  « exemption_sociale ».

Defence or security contracts (decp.nature: marche_defense_securite) are outside these
articles. The date and the thresholds, with their period of validity, come from
content/data/seuils.yml, never from code.

The check crosses entries (a tender and the clauses it uses) and runs after the per-entry
checks, from what each entry's Record carries (facts_of): parsed entries do not cross the
process border of the parallel check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..problems import WARNING, ProblemList
from ..project import DATA_DIR, Project
from ..schema.vocabularies import read_data_file

SEUILS_FILE = "seuils.yml"
WORKS = "travaux"
SUPPLIES_SERVICES = "fournitures_services"
# A tender's purchase families -> the category of European threshold.
CATEGORY_OF_FAMILY = {"fournitures": SUPPLIES_SERVICES, "services": SUPPLIES_SERVICES,
                      "prestations_intellectuelles": SUPPLIES_SERVICES, "travaux": WORKS}
CATEGORY_LABELS = {SUPPLIES_SERVICES: "fournitures et services", WORKS: "travaux"}


@dataclass(frozen=True)
class Threshold:
    start: dt.date
    end: dt.date
    amounts: tuple  # ((category, euros HT), …)
    line: int

    def amount(self, category: str):
        return dict(self.amounts).get(category)


@dataclass
class Rules:
    """What seuils.yml says: the date the obligations apply from, the thresholds."""

    since: dt.date | None
    thresholds: list[Threshold]

    def threshold_at(self, day: dt.date) -> Threshold | None:
        return next((t for t in self.thresholds if t.start <= day <= t.end), None)


def load_rules(project: Project, problems: ProblemList) -> Rules | None:
    """content/data/seuils.yml, strictly read; None when the file is absent."""
    rel = f"{DATA_DIR}/{SEUILS_FILE}"
    value, lines = read_data_file(project.data_dir / SEUILS_FILE, rel, problems,
                                  required=False)
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add(rel, 1, "seuils", "le fichier doit être un dictionnaire (clé: valeur).")
        return None
    since = None
    block = value.get("obligations_2026")
    if not isinstance(block, dict) or not isinstance(block.get("date"), dt.date):
        problems.add(rel, lines.get("obligations_2026", 1), "obligations_2026.date",
                     "date d'application des obligations (AAAA-MM-JJ, sans guillemets) "
                     "manquante ou invalide.")
    else:
        since = block["date"]
    thresholds = []
    periods = value.get("seuils_europeens")
    if not isinstance(periods, list) or not periods:
        problems.add(rel, lines.get("seuils_europeens", 1), "seuils_europeens",
                     "liste des seuils européens par période manquante.")
        periods = []
    for index, period in enumerate(periods):
        path = f"seuils_europeens[{index}]"
        line = lines.get(path, lines.get("seuils_europeens", 1))
        if not isinstance(period, dict):
            problems.add(rel, line, path, "chaque période est un dictionnaire (du, au, "
                         "fournitures_services, travaux).")
            continue
        start, end = period.get("du"), period.get("au")
        amounts = [(c, period.get(c)) for c in (SUPPLIES_SERVICES, WORKS)]
        bad = [f"{path}.{k}" for k in ("du", "au") if not isinstance(period.get(k), dt.date)]
        bad += [f"{path}.{c}" for c, a in amounts
                if not isinstance(a, (int, float)) or isinstance(a, bool) or a <= 0]
        if bad:
            problems.add(rel, line, bad[0], "période invalide : « du » et « au » sont des "
                         "dates AAAA-MM-JJ, « fournitures_services » et « travaux » des "
                         "montants HT en euros.")
            continue
        thresholds.append(Threshold(start, end, tuple(amounts), line))
    return Rules(since, thresholds)


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


def check_obligations(project: Project, records: list, problems: ProblemList) -> None:
    """Report, for each tender launched on or after the date in force, each missing
    obligation (records: achats.validate.Record, whose ``facts`` come from facts_of)."""
    tenders = [r for r in records if r.facts and r.facts[0] == "marche"]
    if not tenders:
        return
    rules = load_rules(project, problems)
    if rules is None:
        for record in tenders:
            problems.add(record.rel, record.facts[2], "lancement",
                         f"{DATA_DIR}/{SEUILS_FILE} absent : les obligations applicables "
                         "depuis la loi Climat et résilience ne peuvent pas être vérifiées.",
                         WARNING)
        return
    if rules.since is None:
        return
    clauses = {r.id: r.facts for r in records if r.facts and r.facts[0] == "clause"}
    for record in tenders:
        _check_tender(record, rules, clauses, problems)


def _has(used: tuple, clauses: dict, kind: str, pillar: str) -> bool:
    for ident in used:
        facts = clauses.get(ident)
        if facts and facts[1] == kind and pillar in facts[2] and facts[3] != "retiree":
            return True
    return False


def _check_tender(record, rules: Rules, clauses: dict, problems: ProblemList) -> None:
    (_kind, launched, launch_line, clauses_line, families, amount, amount_line, used,
     exempted, defence) = record.facts
    if launched < rules.since or defence:
        return
    since = rules.since.strftime("%d/%m/%Y")
    when = f"marché lancé le {launched.strftime('%d/%m/%Y')}, obligation applicable aux " \
           f"consultations lancées depuis le {since}"
    if not _has(used, clauses, "critere_attribution", "environnemental"):
        problems.add(record.rel, clauses_line, "clauses",
                     f"aucun critère d'attribution environnemental parmi les clauses du "
                     f"marché (article L2152-7 du Code de la commande publique ; {when}) : "
                     "ajoutez une clause de type critere_attribution au pilier "
                     "environnemental (par exemple CL-010).")
    if not _has(used, clauses, "condition_execution", "environnemental"):
        problems.add(record.rel, clauses_line, "clauses",
                     f"aucune condition d'exécution environnementale parmi les clauses du "
                     f"marché (article L2112-2 du Code de la commande publique ; {when}) : "
                     "ajoutez une clause de type condition_execution au pilier "
                     "environnemental (par exemple CL-011).")
    if exempted or _has(used, clauses, "condition_execution", "social"):
        return
    threshold = rules.threshold_at(launched)
    if threshold is None:
        problems.add(record.rel, launch_line, "lancement",
                     f"aucun seuil européen de {DATA_DIR}/{SEUILS_FILE} ne couvre le "
                     f"{launched.strftime('%d/%m/%Y')} : la condition sociale obligatoire "
                     "(article L2112-2-1) n'a pas pu être vérifiée.", WARNING)
        return
    categories = {CATEGORY_OF_FAMILY[f] for f in families if f in CATEGORY_OF_FAMILY}
    if not categories:
        categories = {SUPPLIES_SERVICES, WORKS}
    # Several kinds of purchase: the lowest threshold, so that no obligation is missed.
    category = min(categories, key=lambda c: threshold.amount(c))
    limit = threshold.amount(category)
    if amount is None:
        problems.add(record.rel, launch_line, "montant_estime",
                     "montant estimé manquant : impossible de savoir si la condition "
                     "d'exécution sociale est obligatoire (article L2112-2-1, seuil européen "
                     f"{CATEGORY_LABELS[category]} : {_euros(limit)} € HT).", WARNING)
        return
    if amount >= limit:
        problems.add(record.rel, clauses_line, "clauses",
                     f"aucune condition d'exécution sociale parmi les clauses d'un marché de "
                     f"{_euros(amount)} € HT, au moins égal au seuil européen "
                     f"{CATEGORY_LABELS[category]} ({_euros(limit)} € HT du "
                     f"{threshold.start.strftime('%d/%m/%Y')} au "
                     f"{threshold.end.strftime('%d/%m/%Y')}) (article L2112-2-1 du Code de la "
                     f"commande publique ; {when}) : ajoutez une clause de type "
                     "condition_execution au pilier social (par exemple CL-003) ou indiquez "
                     "le motif légal de dispense dans « exemption_sociale ».")


def _euros(amount) -> str:
    return f"{amount:,.0f}".replace(",", "\u202f")
