"""achats decp: every attributed tender in the national open-data format (DECP 2.0.3, the
« données essentielles » of the arrêté of 22 December 2022, published on data.gouv.fr).

Where each DECP field comes from:
- the tender's own fields: objet, procedure (PROCEDURES below), resultat.offres_recues;
- its « decp » block (achats/model/schema/collections.py): CPV code, nature, amount, dates,
  duration, holders' SIRET, form and types of price, CCAG, place, techniques…; the values
  of vocabulary fields are keys of content/data/vocabulaires.yml whose labels are the exact
  DECP values (checked against the format here, in DECP_VALUES);
- the buyer's SIRET: mkdocs.yml, extra.siret_acheteur;
- considerationsSociales / considerationsEnvironnementales: derived from the library
  clauses the tender uses (its « clauses » field and the [[CL-…]] cited in its pieces), by
  the clause's type and pillars (considerations() below, and the README).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from achats.files import atomic_output
from achats.model.load import Entry, load_entries
from achats.problems import ProblemList, AchatsError
from achats.project import DATA_DIR, Project, site_settings
from achats.model.schema import load_vocabularies
from achats.model.validate import check_entry, used_clause_ids

DECP_VERSION = "2.0.3"
SIRET_SETTING = "siret_acheteur"

# The project's procedures -> the DECP vocabulary (« procedure » of the schema).
PROCEDURES = {
    "procedure_adaptee": "Procédure adaptée",
    "appel_offres_ouvert": "Appel d'offres ouvert",
    "appel_offres_restreint": "Appel d'offres restreint",
    "procedure_negociee": "Procédure avec négociation",
    "dialogue_competitif": "Dialogue compétitif",
}

# The values DECP 2.0.3 accepts for the fields written from a vocabulary: a label edited
# in vocabulaires.yml that the format does not know is refused before anything is written.
DECP_VALUES = {
    "decp_natures": {"Marché", "Marché de partenariat", "Marché de défense ou de sécurité"},
    "decp_formes_prix": {"Unitaire", "Forfaitaire", "Mixte"},
    "decp_types_prix": {"Définitif ferme", "Définitif actualisable", "Définitif révisable",
                        "Provisoire"},
    "decp_ccag": {"Travaux", "Maitrise d'œuvre", "Fournitures courantes et services",
                  "Marchés industriels", "Prestations intellectuelles",
                  "Techniques de l'information et de la communication", "Pas de CCAG"},
    "decp_techniques": {"Accord-cadre", "Concours", "Système de qualification",
                        "Système d'acquisition dynamique", "Catalogue électronique",
                        "Enchère électronique", "Sans objet"},
    "decp_modalites_execution": {"Tranches", "Bons de commande", "Marchés subséquents",
                                 "Sans objet"},
    "decp_types_code_lieu": {"Code postal", "Code commune", "Code arrondissement",
                             "Code canton", "Code département", "Code région", "Code pays"},
    "decp_groupements": {"Conjoint", "Solidaire", "Pas de groupement"},
}

SOCIAL_ORDER = ["Clause sociale", "Critère social", "Marché réservé"]
ENVIRONMENTAL_ORDER = ["Clause environnementale", "Critère environnemental"]
NO_SOCIAL = "Pas de considération sociale"
NO_ENVIRONMENTAL = "Pas de considération environnementale"


def considerations(clauses: list[dict]) -> tuple[list[str], list[str]]:
    """(social, environmental) DECP considerations of a tender from its clauses' metadata.

    A reserved-market clause (type marche_reserve) gives « Marché réservé ». Otherwise, for
    each pillar the clause serves (social, environnemental): an award criterion
    (critere_attribution) gives « Critère … », any other type (execution condition,
    technical specification, participation condition) gives « Clause … ». The economic
    pillar has no DECP counterpart. Without any, « Pas de considération … ».
    """
    social, environmental = set(), set()
    for meta in clauses:
        kind = meta.get("type")
        pillars = meta.get("piliers") if isinstance(meta.get("piliers"), list) else []
        if kind == "marche_reserve":
            social.add("Marché réservé")
            continue
        criterion = kind == "critere_attribution"
        if "social" in pillars:
            social.add("Critère social" if criterion else "Clause sociale")
        if "environnemental" in pillars:
            environmental.add("Critère environnemental" if criterion
                              else "Clause environnementale")
    return ([c for c in SOCIAL_ORDER if c in social] or [NO_SOCIAL],
            [c for c in ENVIRONMENTAL_ORDER if c in environmental] or [NO_ENVIRONMENTAL])


def is_attributed(tender: Entry) -> bool:
    result = tender.meta.get("resultat")
    return isinstance(result, dict) and result.get("issue") == "attribue"


def buyer_siret(project: Project) -> str:
    value = site_settings(project.site_config()).get(SIRET_SETTING)
    value = str(value).strip() if value is not None else ""
    if not (len(value) == 14 and value.isdigit()):
        raise AchatsError(f"mkdocs.yml: extra.{SIRET_SETTING}: SIRET de l'acheteur "
                          f"{'manquant' if not value else f'invalide « {value} »'} : 14 "
                          "chiffres sans espace, obligatoires pour publier les données "
                          "essentielles.")
    return value


def decp_document(project: Project, today: dt.date | None = None) -> dict:
    """The DECP JSON of every attributed tender; AchatsError (with the problems, each naming
    a file and a field) if one of them lacks or misuses a field."""
    problems = ProblemList()
    vocab = load_vocabularies(project.data_dir, DATA_DIR, problems)
    entries = load_entries(project, problems)
    if problems.errors:
        raise AchatsError("fichiers illisibles : corrigez-les (achats check) ; rien n'a été "
                          "écrit.", ProblemList(problems.errors))
    by_id = {e.id: e for e in entries if e.id}
    tenders = [e for e in entries if e.collection.name == "marche" and e.parsed
               and is_attributed(e)]
    _check_vocabularies(vocab, problems)
    records = []
    for tender in sorted(tenders, key=lambda e: e.id or ""):
        found = ProblemList()
        check_entry(tender, vocab, found)
        problems.extend(found.errors)
        record = _record(tender, by_id, vocab, problems, today or dt.date.today())
        if record is not None and not found.errors:
            records.append(record)
    if problems.errors:
        raise AchatsError("données essentielles incomplètes ou hors vocabulaire : rien n'a été "
                          "écrit.", ProblemList(problems.errors))
    if records:
        siret = buyer_siret(project)
        for record in records:
            record["acheteur"] = {"id": siret}
    return {"marches": {"marche": records}}


def _check_vocabularies(vocab, problems: ProblemList) -> None:
    rel = f"{DATA_DIR}/vocabulaires.yml"
    for name, allowed in DECP_VALUES.items():
        for key, label in vocab.vocabularies.get(name, {}).items():
            if label not in allowed:
                problems.add(rel, 1, f"{name}.{key}",
                             f"« {label} » n'est pas une valeur du format DECP {DECP_VERSION} "
                             f"(valeurs permises : {', '.join(sorted(allowed))}).")


def _record(tender: Entry, by_id: dict, vocab, problems: ProblemList,
            today: dt.date) -> dict | None:
    meta = tender.meta

    def error(field: str, message: str, line_from: str | None = None) -> None:
        problems.add(tender.rel, tender.line(line_from or field), field, message)

    data = meta.get("decp")
    if not isinstance(data, dict):
        error("decp", "marché attribué sans données essentielles : ajoutez le bloc « decp » "
              "(voir achats schema marche).", line_from="resultat")
        return None
    procedure = PROCEDURES.get(meta.get("procedure"))
    if procedure is None:
        error("procedure", f"procédure « {meta.get('procedure')} » sans équivalent dans le "
              f"format DECP {DECP_VERSION} (permises : {', '.join(PROCEDURES)}).")
    offers = (meta.get("resultat") or {}).get("offres_recues")
    if not isinstance(offers, int) or offers < 1:
        error("resultat.offres_recues", "un marché attribué a reçu au moins une offre.")
    for field, low in (("montant", 1), ("duree_mois", 1)):
        value = data.get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < low:
            error(f"decp.{field}", f"valeur {value} : au moins {low} attendu.")
    rate = data.get("taux_avance")
    if rate is not None and isinstance(rate, (int, float)) and not 0 <= rate <= 1:
        error("decp.taux_avance", f"taux {rate} : entre 0 et 1 (0,05 = 5 %).")
    objet = str(meta.get("objet") or "")
    if len(objet) > 1000:
        error("objet", f"objet de {len(objet)} caractères : le format DECP en admet 1 000.")
    clauses = [by_id[i].meta for i in used_clause_ids(tender) if i in by_id]
    social, environmental = considerations(clauses)
    label = vocab.label
    try:
        notified = data["date_notification"].isoformat()
        record = {
            "id": str(data.get("identifiant") or tender.id),
            "nature": label("decp_natures", data["nature"]),
            "objet": objet,
            "codeCPV": str(data["cpv"]),
            "techniques": {"technique": [label("decp_techniques", t) for t in
                                         data.get("techniques") or ["sans_objet"]]},
            "modalitesExecution": {"modaliteExecution": [
                label("decp_modalites_execution", m)
                for m in data.get("modalites_execution") or ["sans_objet"]]},
            "marcheInnovant": bool(data.get("marche_innovant", False)),
            "ccag": label("decp_ccag", data["ccag"]),
            "offresRecues": offers,
            "attributionAvance": bool(data.get("avance", False)),
            "typeGroupementOperateurs": label("decp_groupements",
                                              data.get("groupement") or "pas_de_groupement"),
            "procedure": procedure,
            "lieuExecution": {"code": str(data["lieu_execution"]["code"]),
                              "typeCode": label("decp_types_code_lieu",
                                                data["lieu_execution"]["type_code"])},
            "dureeMois": data["duree_mois"],
            "dateNotification": notified,
            "datePublicationDonnees": (data.get("date_publication") or today).isoformat(),
            "montant": data["montant"],
            "typesPrix": {"typePrix": [label("decp_types_prix", t)
                                       for t in data["types_prix"]]},
            "formePrix": label("decp_formes_prix", data["forme_prix"]),
            "sousTraitanceDeclaree": bool(data.get("sous_traitance_declaree", False)),
            "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": str(h["siret"])}}
                           for h in data["titulaires"]],
            "considerationsSociales": {"considerationSociale": social},
            "considerationsEnvironnementales": {"considerationEnvironnementale":
                                                environmental},
        }
    except (KeyError, TypeError, AttributeError):
        return None  # a missing or mistyped field: check_entry has named it
    if record["attributionAvance"] and rate is not None:
        record["tauxAvance"] = rate
    return record


def write_json(document: dict, dest: Path) -> None:
    """Write ``document`` to ``dest`` whole or not at all (temporary file, then rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(dest, newline=None) as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
