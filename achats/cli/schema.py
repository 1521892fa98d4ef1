NAME = "schema"
HELP = "afficher le schéma JSON d'une collection (pour les éditeurs)"
DESCRIPTION = """Affiche le schéma JSON (draft 2020-12) de l'en-tête d'une collection, avec
l'aide de chaque champ et les valeurs permises des vocabulaires.

Exemple :
  achats schema clause > .schemas/clause.schema.json"""

import json

from achats.problems import ProblemList
from achats.project import DATA_DIR, Project
from achats.model.schema import COLLECTIONS, CheckContext, load_vocabularies
from achats.model.schema.fields import json_schema, Field


def register(parser):
    parser.add_argument("collection", choices=list(COLLECTIONS),
                        help="guide, clause, rapport, apero ou marche")


def collection_schema(project: Project, name: str) -> dict:
    problems = ProblemList()
    vocab = load_vocabularies(project.data_dir, DATA_DIR, problems)
    collection = COLLECTIONS[name]
    ctx = CheckContext(vocab.vocabularies, vocab.articles)
    root = json_schema(Field("racine", "mapping", f"En-tête d'une fiche « {collection.label} »",
                             fields=collection.fields), ctx)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"achats-durables/{name}.schema.json",
        "title": f"{collection.label_plural} ({name})",
        **root,
    }


def run(args) -> int:
    print(json.dumps(collection_schema(Project.find(), args.collection), ensure_ascii=False,
                     indent=2))
    return 0
