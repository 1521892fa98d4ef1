"""The five collections: folder, ID prefix, default visibility and the declared fields."""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Callable

from .fields import Field

ID_HELP = "identifiant stable, jamais réutilisé ni modifié une fois publié"


def _common(prefix: str) -> list[Field]:
    return [
        Field("id", "text", f"{ID_HELP} (ex. {prefix}-001)", required=True,
              pattern=rf"{prefix}-\d{{3,}}",
              pattern_help=f"attendu {prefix}- suivi d'au moins trois chiffres (ex. {prefix}-001)."),
        Field("titre", "text", "titre affiché de la fiche", required=True),
        Field("resume", "text", "une ou deux phrases reprises dans les catalogues"),
        Field("visibilite", "text", "public ou interne (par défaut : selon la collection)",
              vocab="visibilites"),
        Field("tags", "list", "mots-clés libres", items=Field("tag", "text", "mot-clé")),
    ]


def _refs(name: str, help: str, *prefixes: str) -> Field:
    return Field(name, "list", help, items=Field(name, "text", "identifiant", ref=prefixes))


@dataclass
class Collection:
    name: str  # stable identifier: guide, clause, rapport, apero, marche
    label: str  # French, singular
    label_plural: str
    folder: str  # relative to the project root
    url_folder: str  # folder of the generated pages in the site
    prefix: str  # ID prefix
    fields: list[Field]
    default_visibility: Callable[[dict], str]
    in_folders: bool = False  # marche: one folder per entry (index.md + pieces)
    scaffold: dict = dc_field(default_factory=dict)  # extra front matter for `achats new`

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def visibility(self, meta: dict) -> str:
        return meta.get("visibilite") or self.default_visibility(meta)

    @property
    def internal_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.internal]


PUBLISHED_TENDER = {"publie", "attribue", "infructueux", "evalue"}

GUIDE = Collection(
    "guide", "chapitre du guide", "Guide", "guides", "guides", "GU",
    _common("GU") + [
        Field("etape", "text", "étape du processus d'achat où se place le chapitre",
              required=True, vocab="etapes"),
        Field("ordre", "integer", "rang du chapitre dans son étape"),
        _refs("clauses", "clauses recommandées par le chapitre", "CL"),
    ],
    default_visibility=lambda meta: "public",
    scaffold={"etape": "besoin"},
)

CLAUSE = Collection(
    "clause", "clause", "Clauses et critères", "clauses", "clauses", "CL",
    _common("CL") + [
        Field("type", "text", "nature de la clause", required=True, vocab="types_clause"),
        Field("piliers", "list", "piliers du développement durable servis", required=True,
              min_items=1, items=Field("pilier", "text", "pilier", vocab="piliers")),
        Field("familles", "list", "familles d'achat concernées", required=True, min_items=1,
              items=Field("famille", "text", "famille d'achat", vocab="familles")),
        Field("categories", "list", "catégories d'achat (ce que la Région achète) concernées",
              items=Field("categorie", "text", "catégorie d'achat", vocab="categories_achat")),
        Field("procedures", "list", "procédures où la clause s'emploie",
              items=Field("procedure", "text", "procédure", vocab="procedures")),
        Field("etapes", "list", "étapes du processus d'achat concernées",
              items=Field("etape", "text", "étape", vocab="etapes")),
        Field("base_legale", "list", "articles du Code de la commande publique", required=True,
              min_items=1, items=Field("article", "text", "article", articles=True)),
        Field("document", "text", "pièce du marché où insérer la clause", required=True,
              vocab="documents"),
        Field("niveau", "text", "niveau d'ambition", required=True, vocab="niveaux"),
        Field("texte", "text", "texte à copier dans la pièce du marché", required=True),
        Field("verification", "text",
              "comment l'acheteur vérifie le respect de la clause (une déclaration sur "
              "l'honneur seule ne suffit pas)", required=True),
        Field("ponderation", "text", "pondération suggérée (critère d'attribution)"),
        Field("risques", "list", "risques juridiques ou pratiques, et comment les éviter",
              items=Field("risque", "text", "risque")),
        _refs("clauses_liees", "clauses à lire avec celle-ci", "CL"),
        Field("sources", "list", "d'où vient la clause", items=Field("source", "text", "source")),
        Field("statut", "text", "état de la clause", required=True, vocab="statuts_clause"),
        Field("validation", "mapping", "validation par le service juridique", fields=[
            Field("par", "text", "qui a validé", required=True),
            Field("le", "date", "date de validation", required=True),
            Field("empreinte", "text", "empreinte du texte validé (écrite par achats validate)",
                  required=True),
        ]),
        Field("motif_retrait", "text", "pourquoi la clause a été retirée"),
    ],
    default_visibility=lambda meta: "public" if meta.get("statut") == "validee" else "interne",
    scaffold={
        "type": "condition_execution", "piliers": ["environnemental"],
        "familles": ["services"], "procedures": ["procedure_adaptee"],
        "etapes": ["redaction"], "base_legale": ["L2112-2"], "document": "CCAP",
        "niveau": "socle",
        "texte": "TODO : texte à copier dans la pièce du marché.\n",
        "verification": "TODO : comment l'acheteur vérifie (pièces, visites, indicateurs).\n",
        "risques": [], "clauses_liees": [], "sources": [], "statut": "proposee",
    },
)

_SUPPLIER = Field("fournisseur", "mapping", "structure visitée", fields=[
    Field("nom", "text", "nom ou description de la structure", required=True),
    Field("activite", "text", "ce qu'elle fait"),
])

RAPPORT = Collection(
    "rapport", "rapport d'étonnement", "Rapports d'étonnement", "content/rapports",
    "rapports", "RA",
    _common("RA") + [
        Field("date", "date", "date de la visite"),
        Field("lieu", "text", "lieu de la visite"),
        Field("fournisseurs", "list", "structures visitées", items=_SUPPLIER),
        Field("participants", "list", "qui a participé (champ interne, jamais publié)",
              items=Field("participant", "text", "participant"), internal=True),
        Field("etonnements", "list", "ce qui a surpris", items=Field("e", "text", "étonnement")),
        Field("pistes", "list", "pistes d'action", items=Field("p", "text", "piste")),
        _refs("clauses", "clauses en lien avec la visite", "CL"),
    ],
    default_visibility=lambda meta: "interne",
    scaffold={"lieu": "TODO", "fournisseurs": [], "participants": [], "etonnements": [],
              "pistes": []},
)

_SPEAKER = Field("intervenant", "mapping", "intervenant", fields=[
    Field("origine", "text", "interne ou externe à la Région", required=True,
          vocab="origines"),
    Field("nom", "text", "nom (champ interne)", internal=True),
    Field("organisation", "text", "organisation"),
    Field("projet", "text", "projet présenté"),
])

APERO = Collection(
    "apero", "apéro-défi", "Apéros-défis", "content/aperos", "aperos", "AP",
    _common("AP") + [
        Field("numero", "integer", "numéro de l'édition", required=True),
        Field("date", "date", "date de l'édition", required=True),
        Field("defi", "text", "le défi mis à l'agenda", required=True),
        Field("format", "text", "format des interventions"),
        Field("intervenants", "list", "intervenants", items=_SPEAKER),
        Field("questions", "list", "questions recueillies", items=Field("q", "text", "question")),
        Field("evaluation", "text", "évaluation de l'édition"),
        Field("suites", "list", "suites données", items=Field("s", "text", "suite")),
    ],
    default_visibility=lambda meta: "public",
    scaffold={"numero": 0, "defi": "TODO", "intervenants": [], "questions": [], "suites": []},
)

_MILESTONE = Field("jalon", "mapping", "jalon du calendrier", fields=[
    Field("jalon", "text", "étape du calendrier", required=True),
    Field("date", "date_or_text", "date (AAAA-MM-JJ) ou « à fixer »", required=True),
])

MARCHE = Collection(
    "marche", "marché", "Marchés (wiki-marché)", "content/marches", "marches", "MA",
    _common("MA") + [
        Field("objet", "text", "objet du marché", required=True),
        Field("direction", "text", "direction qui porte le marché", required=True,
              vocab="directions"),
        Field("procedure", "text", "procédure de passation", required=True, vocab="procedures"),
        Field("familles", "list", "familles d'achat",
              items=Field("famille", "text", "famille", vocab="familles")),
        Field("montant_estime", "number", "montant estimé en euros HT"),
        Field("statut", "text", "état du marché", required=True, vocab="statuts_marche"),
        Field("roles", "mapping", "rôles du wiki-marché (champ interne)", internal=True,
              required=True, fields=[
                  Field("gestionnaire", "text", "maintient le marché et fusionne les demandes",
                        required=True),
                  Field("editeurs", "list", "rédigent et proposent des versions",
                        items=Field("e", "text", "éditeur")),
                  Field("commentateurs", "list", "relisent et commentent",
                        items=Field("c", "text", "commentateur")),
                  Field("observateurs", "list", "lisent seulement",
                        items=Field("o", "text", "observateur")),
              ]),
        _refs("clauses", "clauses de la bibliothèque utilisées", "CL"),
        Field("calendrier", "list", "calendrier", items=_MILESTONE),
        Field("resultat", "mapping", "résultat de la consultation", fields=[
            Field("offres_recues", "integer", "nombre d'offres reçues", required=True),
            Field("issue", "text", "attribué ou infructueux", required=True,
                  vocab="issues_marche"),
            Field("attributaire", "text", "titulaire (si public)"),
        ]),
        Field("evaluation", "text", "évaluation après exécution"),
    ],
    default_visibility=lambda meta: "public" if meta.get("statut") in PUBLISHED_TENDER
    else "interne",
    in_folders=True,
    scaffold={"objet": "TODO", "direction": "autre", "procedure": "procedure_adaptee",
              "familles": ["services"], "statut": "brouillon",
              "roles": {"gestionnaire": "@gestionnaire", "editeurs": [], "commentateurs": [],
                        "observateurs": []},
              "clauses": [], "calendrier": []},
)

COLLECTIONS: dict[str, Collection] = {
    c.name: c for c in (GUIDE, CLAUSE, RAPPORT, APERO, MARCHE)
}
BY_PREFIX: dict[str, Collection] = {c.prefix: c for c in COLLECTIONS.values()}

# The pieces of a tender folder, by file name.
PIECES = {"rc.md": "RC", "ccap.md": "CCAP", "cctp.md": "CCTP", "ae.md": "AE"}
PIECE_FIELDS = [Field("titre", "text", "titre de la pièce")]
