"""The five collections: folder, ID prefix, default visibility and the declared fields."""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Callable

from achats.model.links import ID_NUMBER
from achats.model.schema.fields import Facet, Field
from achats.model.schema.workflow import NO_WORKFLOW, Workflow

ID_HELP = "identifiant stable, jamais réutilisé ni modifié une fois publié"


def _common(prefix: str) -> list[Field]:
    return [
        Field("id", "text", f"{ID_HELP} (ex. {prefix}-001)", required=True,
              pattern=prefix + ID_NUMBER,
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
    # (front matter, life cycle of statuts.yml) -> visibility without a « visibilite » field
    default_visibility: Callable[[dict, Workflow], str]
    in_folders: bool = False  # marche: one folder per entry (index.md + pieces)
    scaffold: dict = dc_field(default_factory=dict)  # extra front matter for `achats new`

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def visibility(self, meta: dict, workflow: Workflow = NO_WORKFLOW) -> str:
        return meta.get("visibilite") or self.default_visibility(meta, workflow)

    @property
    def internal_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.internal]

    @property
    def reference_fields(self) -> tuple[str, ...]:
        """Front-matter fields that reference other entries by ID."""
        return tuple(f.name for f in self.fields if f.references)

    @property
    def facets(self) -> list[Field]:
        """Fields the catalogue browses by (Field.facet), in declaration order."""
        return [f for f in self.fields if f.facet is not None]


GUIDE = Collection(
    "guide", "chapitre du guide", "Guide", "guides", "guides", "GU",
    _common("GU") + [
        Field("etape", "text", "étape du processus d'achat où se place le chapitre",
              required=True, vocab="etapes"),
        Field("ordre", "integer", "rang du chapitre dans son étape"),
        _refs("clauses", "clauses recommandées par le chapitre", "CL"),
    ],
    default_visibility=lambda meta, _workflow: "public",
    scaffold={"etape": "besoin"},
)

CLAUSE = Collection(
    "clause", "clause", "Clauses et critères", "clauses", "clauses", "CL",
    _common("CL") + [
        Field("type", "text", "nature de la clause", required=True, vocab="types_clause",
              facet=Facet("type", "Type de clause", search="type")),
        Field("piliers", "list", "piliers du développement durable servis", required=True,
              min_items=1, items=Field("pilier", "text", "pilier", vocab="piliers"),
              facet=Facet("pilier", "Pilier", search="pilier")),
        Field("familles", "list", "familles d'achat concernées", required=True, min_items=1,
              items=Field("famille", "text", "famille d'achat", vocab="familles"),
              facet=Facet("famille", "Famille d'achat", search="famille")),
        Field("categories", "list", "catégories d'achat (ce que la Région achète) concernées",
              items=Field("categorie", "text", "catégorie d'achat", vocab="categories_achat"),
              facet=Facet("categorie", "Catégorie d'achat", search="catégorie")),
        Field("procedures", "list", "procédures où la clause s'emploie",
              items=Field("procedure", "text", "procédure", vocab="procedures"),
              facet=Facet("procedure", "Procédure", search="procédure")),
        Field("etapes", "list", "étapes du processus d'achat concernées",
              items=Field("etape", "text", "étape", vocab="etapes"),
              facet=Facet("etape", "Étape du processus d'achat")),
        Field("base_legale", "list", "articles du Code de la commande publique", required=True,
              min_items=1, items=Field("article", "text", "article", articles=True),
              facet=Facet("article", "Article (base légale)", search="article")),
        Field("document", "text", "pièce du marché où insérer la clause", required=True,
              vocab="documents"),
        Field("niveau", "text", "niveau d'ambition", required=True, vocab="niveaux"),
        Field("texte", "text", "texte à copier dans la pièce du marché", required=True),
        Field("verification", "text",
              "comment l'acheteur vérifie le respect de la clause (une déclaration sur "
              "l'honneur seule ne suffit pas)", required=True),
        Field("ponderation", "text", "pondération suggérée (critère d'attribution)"),
        Field("risques", "list", "risques juridiques ou pratiques, et comment les éviter "
              "([[ID]] y fait un lien)", items=Field("risque", "text", "risque"), id_links=True),
        _refs("clauses_liees", "clauses à lire avec celle-ci", "CL"),
        Field("sources", "list", "d'où vient la clause", items=Field("source", "text", "source")),
        Field("statut", "text", "état de la clause", required=True, vocab="statuts_clause",
              facet=Facet("statut", "Statut", search="statut")),
        Field("validation", "mapping", "validation par le service juridique", fields=[
            Field("par", "text", "qui a validé : son principal dans content/data/signataires",
                  required=True),
            Field("le", "date", "date de validation", required=True),
            Field("empreinte", "text", "empreinte du texte validé (écrite par achats validate)",
                  required=True),
            Field("signature", "text", "signature SSH du signataire sur l'identifiant, "
                  "l'empreinte, le signataire et la date (écrite par achats validate ; "
                  "vérifiée avec content/data/signataires)"),
        ]),
        Field("motif_retrait", "text", "pourquoi la clause a été retirée"),
    ],
    default_visibility=lambda meta, _workflow: "public" if meta.get("statut") == "validee"
    else "interne",
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
    default_visibility=lambda meta, _workflow: "interne",
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
    default_visibility=lambda meta, _workflow: "public",
    scaffold={"numero": 0, "defi": "TODO", "intervenants": [], "questions": [], "suites": []},
)

_HOLDER = Field("titulaire", "mapping", "titulaire du marché", fields=[
    Field("nom", "text", "raison sociale (pour les lecteurs ; non publiée dans les DECP)"),
    Field("siret", "text", "SIRET du titulaire", required=True, pattern=r"\d{14}",
          pattern_help="14 chiffres sans espace (ex. 12345678900012)."),
])

# The « données essentielles » (DECP 2.0.3) of an attributed tender that the tender's other
# fields do not already give (objet, procedure, resultat.offres_recues): achats/tender/decp.py.
_DECP = Field("decp", "mapping", "données essentielles à publier (DECP 2.0.3) une fois le "
              "marché attribué", fields=[
    Field("identifiant", "text", "numéro du marché chez l'acheteur (1 à 16 caractères ; par "
          "défaut l'identifiant de la fiche)", pattern=r"[^\s&\"\\<,;]{1,16}",
          pattern_help="1 à 16 caractères, sans espace ni & \" \\ < , ;."),
    Field("cpv", "text", "code CPV principal (nomenclature européenne)", required=True,
          pattern=r"\d{8}(-\d)?", pattern_help="8 chiffres, éventuellement suivis du "
          "chiffre de contrôle (ex. 79952000 ou 79952000-2)."),
    Field("nature", "text", "nature du marché", required=True, vocab="decp_natures"),
    Field("montant", "number", "montant HT forfaitaire ou estimé maximum, en euros",
          required=True),
    Field("date_notification", "date", "date de notification au titulaire", required=True),
    Field("date_publication", "date", "date de première publication des données "
          "(par défaut : date de notification)"),
    Field("duree_mois", "integer", "durée initiale en mois (tranches et reconductions "
          "comprises)", required=True),
    Field("titulaires", "list", "titulaires (SIRET)", required=True, min_items=1,
          items=_HOLDER),
    Field("forme_prix", "text", "forme du prix", required=True, vocab="decp_formes_prix"),
    Field("types_prix", "list", "types de prix", required=True, min_items=1,
          items=Field("type_prix", "text", "type de prix", vocab="decp_types_prix")),
    Field("ccag", "text", "CCAG de référence", required=True, vocab="decp_ccag"),
    Field("techniques", "list", "techniques d'achat (par défaut : sans objet)",
          items=Field("technique", "text", "technique", vocab="decp_techniques")),
    Field("modalites_execution", "list", "modalités d'exécution (par défaut : sans objet)",
          items=Field("modalite", "text", "modalité", vocab="decp_modalites_execution")),
    Field("lieu_execution", "mapping", "lieu d'exécution principal", required=True, fields=[
        Field("code", "text", "code (INSEE de préférence)", required=True),
        Field("type_code", "text", "type de code", required=True, vocab="decp_types_code_lieu"),
    ]),
    Field("groupement", "text", "groupement d'opérateurs (par défaut : pas de groupement)",
          vocab="decp_groupements"),
    Field("sous_traitance_declaree", "boolean", "sous-traitance déclarée à la notification "
          "(par défaut : non)"),
    Field("avance", "boolean", "avance attribuée (par défaut : non)"),
    Field("taux_avance", "number", "taux de l'avance, de 0 à 1 (0,05 = 5 %)"),
    Field("marche_innovant", "boolean", "marché innovant (par défaut : non)"),
])

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
        Field("lancement", "date", "date de lancement de la consultation (envoi de l'avis) : "
              "décide des obligations applicables (content/data/seuils.yml)"),
        Field("exemption_sociale", "mapping", "dispense motivée de condition d'exécution "
              "sociale (article L2112-2-1)", fields=[
                  Field("motif", "text", "motif prévu par la loi", required=True,
                        vocab="exemptions_sociales"),
                  Field("justification", "text", "pourquoi ce motif s'applique à ce marché",
                        required=True),
              ]),
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
        _DECP,
    ],
    # public once published (statuts.yml: marche.publies)
    default_visibility=lambda meta, workflow: "public"
    if meta.get("statut") in workflow.published_tender else "interne",
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
