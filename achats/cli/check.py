NAME = "check"
HELP = "vérifier toutes les fiches (schéma, vocabulaires, identifiants, références)"
DESCRIPTION = """Vérifie toutes les fiches et les fichiers de données du projet.

Chaque problème est affiché « chemin:ligne: champ: gravité: message ».
Code de sortie : 0 sans erreur (les avertissements n'empêchent rien), 1 s'il y a des
erreurs, 2 en cas de mauvaise utilisation de la commande.

Ce que chaque fiche a donné est gardé dans .cache/achats/ (jamais versionné) : à la
vérification suivante, seules les fiches modifiées sont relues ; tout est refait si les
fichiers de données (content/data) ou le code changent. Les vérifications entre fiches
(identifiants en double, renvois) sont toujours refaites. La signature de chaque clause
validée est vérifiée avec ssh-keygen contre content/data/signataires ; une signature déjà
vérifiée (mêmes signataires, même message, même signature) n'est pas revérifiée.

Exemples :
  achats check
  achats check --format json > problemes.json
  achats check --sans-cache"""

import sys

from achats.cli import add_project_option
from achats.model.validate import check_project
from achats.problems import AchatsError
from achats.project import Project
from achats.variant import load_withdrawals


def register(parser):
    parser.add_argument("--format", choices=["text", "json"], default="text",
                        help="format de sortie : text (par défaut) ou json")
    parser.add_argument("--sans-cache", action="store_true",
                        help="tout vérifier à nouveau, sans lire ni écrire .cache/achats/")
    add_project_option(parser)


def run(args) -> int:
    result = check_project(Project.find(args.projet), parallel=True,
                           cache=not args.sans_cache, signature_cache=not args.sans_cache)
    problems = result.problems
    try:
        # Its form only: whether each commit exists is checked by the build, against the
        # history it reads anyway (achats check reads no git history).
        load_withdrawals(result.project.data_dir, None)
    except AchatsError as exc:
        problems.extend(exc.problems)
    if args.format == "json":
        print(problems.as_json())
    else:
        if problems:
            print(problems.as_text())
        stream = sys.stdout
        print(f"{result.count} fiches vérifiées : {problems.summary()}.", file=stream)
    return 1 if problems.errors else 0
