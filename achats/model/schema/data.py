"""The files of ``content/data/``, each declared with its schema.

Adding a data file is declaring it here: its name, what it is for, and its schema as a
Field (the same declarations as the entries' front matter, so the same French messages
with file, line and field). ``achats check`` parses every declared file within the YAML
limits (achats.model.yamlsource.DATA_FILE) and checks it against its schema; a file of the folder
declared nowhere is a warning (it is not read), never a failure. A file that is not YAML
(e.g. a list of signers) is declared with ``yaml=False``: it is known, and left to its
reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from achats.model.links import ID_NUMBER
from achats.model.schema.fields import Field

GUIDE_ID = "GU" + ID_NUMBER
CLAUSE_ID = "CL" + ID_NUMBER


@dataclass(frozen=True)
class DataFile:
    name: str  # file name in content/data/
    help: str  # French: what the file is for
    schema: Field | None = None  # the whole document; None for a file that is not YAML
    required: bool = False
    yaml: bool = True


_LABEL = Field("libellé", "text", "libellé affiché pour cette valeur", required=True)

# Vocabularies every collection's fields refer to (schema/collections.py).
REQUIRED_VOCABULARIES = (
    "piliers", "types_clause", "familles", "procedures", "documents", "niveaux", "etapes",
    "statuts_clause", "statuts_marche", "visibilites", "origines", "issues_marche",
    "directions",
)


def _vocabulary(name: str, required: bool) -> Field:
    return Field(name, "mapping", "vocabulaire : chaque clé (valeur permise dans les fiches) "
                 "et son libellé", required=required, values=_LABEL)


VOCABULARIES = DataFile(
    "vocabulaires.yml", "valeurs permises des champs à liste fermée, avec leurs libellés",
    Field("vocabulaires", "mapping", "dictionnaire des vocabulaires (nom: {clé: libellé})",
          fields=[_vocabulary(name, True) for name in REQUIRED_VOCABULARIES],
          values=_vocabulary("vocabulaire", False)),
    required=True)

# The two legal files are YAML checked by their own loaders (achats.model.schema.legal: every
# field with its line, plus what a schema cannot say: overlapping thresholds, articles that
# the thresholds cite).
ARTICLES = DataFile(
    "articles.yml", "textes (articles du Code de la commande publique et autres) que les "
    "fiches peuvent citer, avec la règle, la version retenue et la référence Légifrance",
    required=True)

THRESHOLDS = DataFile(
    "seuils.yml", "seuils en vigueur (avec leur période de validité) et obligations datées, "
    "dont celles du 21 août 2026")

GLOSSARY = DataFile(
    "glossaire.yml", "sigles et leur définition, affichée au survol sur toutes les pages",
    Field("glossaire", "mapping", "dictionnaire des sigles (sigle: définition)",
          values=Field("définition", "text", "définition du sigle, sur une ligne",
                       required=True)))

PATH = DataFile(
    "parcours.yml", "parcours « nouveaux arrivants » : les chapitres du guide dans l'ordre",
    Field("parcours", "mapping", "le parcours", fields=[
        Field("titre", "text", "titre du parcours"),
        Field("introduction", "text", "texte d'introduction du parcours"),
        Field("etapes", "list", "identifiants des chapitres du guide (GU-…), dans l'ordre",
              required=True, min_items=1,
              items=Field("étape", "text", "identifiant d'un chapitre du guide",
                          pattern=GUIDE_ID, ref=("GU",),
                          pattern_help="chaque étape du parcours est l'identifiant d'un "
                          "chapitre (GU-…).")),
    ]))

def _life_cycle(collection: str, vocab: str, published: bool) -> Field:
    """A collection's statuses in statuts.yml: the allowed changes, and for tenders the
    statuses of a published tender (achats.model.schema.workflow)."""
    status = Field("statut", "text", "statut", vocab=vocab)
    fields = [Field("transitions", "list", "d'un statut (de), ceux où il peut passer (vers)",
                    required=True, min_items=1, items=Field(
                        "transition", "mapping", "passages permis depuis un statut", fields=[
                            Field("de", "text", "statut de départ", required=True,
                                  vocab=vocab),
                            Field("vers", "list", "statuts où il peut passer dans une demande "
                                  "de fusion (liste vide : aucun)", required=True,
                                  items=status)]))]
    if published:
        fields.append(Field("publies", "list", "statuts d'un marché publié : public sans "
                            "champ « visibilite », ne se supprime plus, pièces figées",
                            required=True, items=status))
    return Field(collection, "mapping", f"cycle de vie ({vocab})", required=True,
                 fields=fields)


STATUSES = DataFile(
    "statuts.yml", "cycle de vie des clauses et des marchés : passages de statut permis "
    "dans une demande de fusion, statuts d'un marché publié",
    Field("statuts", "mapping", "cycle de vie par collection", fields=[
        _life_cycle("clause", "statuts_clause", published=False),
        _life_cycle("marche", "statuts_marche", published=True),
    ]),
    required=True)

_SCORE = dict(minimum=1, maximum=5)

CHART = DataFile(
    "mire.yml", "mire impact / faisabilité des propositions de l'atelier des élus",
    Field("mire", "mapping", "la mire", fields=[
        Field("titre", "text", "titre de la mire"),
        Field("source", "text", "d'où viennent les positions et comment elles sont traduites"),
        Field("echelle", "mapping", "ce que signifient les notes", fields=[
            Field("impact", "text", "échelle de l'impact"),
            Field("faisabilite", "text", "échelle de la faisabilité"),
        ]),
        Field("propositions", "list", "les propositions placées sur la mire",
              items=Field("proposition", "mapping", "une proposition", fields=[
                  Field("id", "text", "identifiant (P01…)", required=True, pattern=r"P\d+",
                        pattern_help="l'identifiant s'écrit P suivi de chiffres (P01)."),
                  Field("libelle", "text", "la proposition, en une phrase", required=True),
                  Field("impact", "number", "impact, de 1 à 5", required=True, **_SCORE),
                  Field("faisabilite", "number", "faisabilité, de 1 à 5", required=True,
                        **_SCORE),
                  Field("clauses", "list", "clauses qui mettent la proposition en œuvre",
                        items=Field("clause", "text", "identifiant d'une clause",
                                    pattern=CLAUSE_ID, ref=("CL",),
                                    pattern_help="identifiant d'une clause (CL-…).")),
                  Field("source", "text", "d'où vient l'appréciation et sa traduction"),
              ])),
    ]))

# Not YAML, or read with what only a later stage knows: each has its own reader, which
# reports problems with file and line.
SIGNERS = DataFile(
    "signataires", "qui peut signer une validation de clause (format « allowed signers » "
    "d'OpenSSH) ; vérifié par achats check (achats/model/signatures.py)", yaml=False)

WITHDRAWALS = DataFile(
    "retraits.yml", "versions retirées de la variante publique ; vérifié (commits compris) "
    "par la construction et achats history (achats/variant.py)", yaml=False)

DATA_FILES: dict[str, DataFile] = {f.name: f for f in
                                   (VOCABULARIES, STATUSES, ARTICLES, THRESHOLDS, GLOSSARY,
                                    PATH, CHART, SIGNERS, WITHDRAWALS)}


def declared(name: str) -> DataFile | None:
    """The declaration of ``content/data/<name>``, if any."""
    return DATA_FILES.get(name)
