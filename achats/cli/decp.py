NAME = "decp"
HELP = "écrire les données essentielles (DECP 2.0.3, JSON) de chaque marché attribué"
DESCRIPTION = """Écrit, au format national des données essentielles de la commande publique
(DECP 2.0.3, JSON publié sur data.gouv.fr), chaque marché dont le résultat est
« attribue ».

Les données viennent de la fiche du marché (objet, procédure, offres reçues, bloc
« decp » : code CPV, nature, montant, dates, durée, SIRET des titulaires, forme et types de
prix…), du SIRET de l'acheteur (mkdocs.yml, extra.siret_acheteur) et des clauses utilisées :
considérations sociales et environnementales déduites du type et des piliers de chaque
clause (voir le README, « Du marché au DCE »).

Un champ manquant ou hors vocabulaire est signalé « chemin:ligne: champ: erreur: message »
et rien n'est écrit (code de sortie 1).

Exemples :
  achats decp --out decp.json
  achats decp > decp.json"""

import json
import sys
from pathlib import Path

from achats.cli import add_project_option
from achats.project import Project
from achats.tender.decp import decp_document, write_json


def register(parser):
    parser.add_argument("--out", default=None, metavar="FICHIER",
                        help="fichier JSON à écrire (par défaut : la sortie standard)")
    add_project_option(parser)


def run(args) -> int:
    document = decp_document(Project.find(args.projet))
    count = len(document["marches"]["marche"])
    if args.out:
        write_json(document, Path(args.out))
        print(f"{count} marché{'s' if count > 1 else ''} attribué{'s' if count > 1 else ''} "
              f"écrit{'s' if count > 1 else ''} dans {args.out} (DECP 2.0.3).", file=sys.stderr)
    else:
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return 0
