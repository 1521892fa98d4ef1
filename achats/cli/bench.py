NAME = "bench"
HELP = "mesurer le coût de la construction sur un corpus synthétique (banc d'essai)"
DESCRIPTION = """Génère un corpus synthétique au format des fiches (les cinq collections, des
textes de 300 à 800 mots, des renvois [[CL-…]], un historique git de M commits), dans
un dépôt git temporaire, puis mesure côte à côte, sur les mêmes fichiers :

  - la construction témoin : MkDocs + Material seuls (sans la base, sans recherche) ;
  - la construction complète (achats build) sans l'index de recherche, puis avec ;
  - achats check ;
  - chaque étape : chargement, validation, index, historique, rendu, recherche.

Chaque mesure est la meilleure de plusieurs exécutions ; seuls les rapports entre
mesures d'une même exécution ont un sens. Le corpus est reproductible (--seed).

Exemples :
  achats bench --entries 2000 --commits 300
  achats bench --entries 10000 --commits 300 --json > banc-10000.json"""

import sys

from achats.cli import add_project_option
from achats.bench import SEED, run_bench
from achats.problems import AchatsError
from achats.project import Project


def register(parser):
    parser.add_argument("--entries", type=int, default=2000, metavar="N",
                        help="nombre de fiches du corpus synthétique (par défaut : 2000)")
    parser.add_argument("--commits", type=int, default=300, metavar="M",
                        help="nombre de commits après le premier (par défaut : 300)")
    parser.add_argument("--json", action="store_true",
                        help="afficher les mesures en un objet JSON (sinon : un tableau)")
    parser.add_argument("--seed", type=int, default=SEED, metavar="GRAINE",
                        help=f"graine du générateur, pour un corpus identique (par défaut : "
                        f"{SEED})")
    parser.add_argument("--repeat", type=int, default=2, metavar="K",
                        help="nombre d'exécutions de chaque mesure, la meilleure est gardée "
                        "(par défaut : 2)")
    parser.add_argument("--dossier", default=None, metavar="DOSSIER",
                        help="dossier de travail (par défaut : un dossier temporaire)")
    parser.add_argument("--garder", action="store_true",
                        help="conserver le corpus et les sites construits après les mesures")
    add_project_option(parser, "projet dont copier la configuration")


def run(args) -> int:
    if args.repeat < 1:
        raise AchatsError("--repeat doit valoir au moins 1.")
    progress = None if args.json else (lambda message: print(message, file=sys.stderr,
                                                             flush=True))
    result = run_bench(args.entries, args.commits, seed=args.seed, repeat=args.repeat,
                       workdir=args.dossier, keep=args.garder,
                       source=Project.find(args.projet), progress=progress)
    print(result.as_json() if args.json else result.as_table())
    return 0
