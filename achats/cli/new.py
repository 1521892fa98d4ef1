NAME = "new"
HELP = "créer une fiche (guide, clause, rapport, apero, marche)"
DESCRIPTION = """Crée une fiche valide avec le prochain identifiant libre et un nom de fichier
tiré du titre. Les champs à remplir portent la marque TODO (avertissements de
« achats check » tant qu'ils restent). N'écrase jamais un fichier existant.

Un marché crée un dossier : index.md et les pièces rc.md, ccap.md, cctp.md.

Un identifiant n'est jamais réattribué : la commande part du plus grand identifiant
présent dans les fiches ou dans tout l'historique git (une fiche supprimée garde le
sien ; voir « achats identifiants »).

Exemples :
  achats new clause --title "Clause d'insertion sociale"
  achats new marche --title "Sensibilisation des lycéens au tri\""""

import sys

from achats.git.identifiers import read_id_history
from achats.project import Project
from achats.model.scaffold import scaffold
from achats.model.schema import COLLECTIONS
from achats.model.validate import check_project


def register(parser):
    parser.add_argument("collection", choices=list(COLLECTIONS),
                        help="guide, clause, rapport, apero ou marche")
    parser.add_argument("--title", "--titre", required=True, dest="title",
                        help="titre de la fiche")


def run(args) -> int:
    project = Project.find()
    result = check_project(project)
    history = read_id_history(project)
    if history.warning:
        print(f"Attention : {history.warning}", file=sys.stderr)
    written = scaffold(project, args.collection, args.title, result.entries, history.ids)
    for path in written:
        print(f"créé : {project.rel(path)}")
    print("Complétez les champs marqués TODO, puis lancez « achats check » et « achats serve ».")
    return 0
