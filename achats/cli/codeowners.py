NAME = "codeowners"
HELP = "générer le fichier CODEOWNERS (rôles des marchés, service juridique pour les clauses)"
DESCRIPTION = """Écrit CODEOWNERS à la racine du dépôt (lu par GitHub et par GitLab) : le
gestionnaire et les éditeurs de chaque marché possèdent son dossier, le service
juridique possède clauses/ (mkdocs.yml : extra.proprietaires.clauses, par défaut
@dajcp-commande-publique) et content/data/signataires (extra.proprietaires.signataires,
par défaut le même), les mainteneurs (extra.proprietaires.mainteneurs, par défaut
@equipe-achats-durables) possèdent ce qui gouverne la base : CODEOWNERS, mkdocs*.yml,
.github/, .gitlab/, .gitlab-ci.yml, .ci/, content/data/, content/theme/, achats/,
hooks/, scripts/, pyproject.toml, package.json, package-lock.json. Une demande de
fusion qui touche ces chemins attend alors leur approbation.

Avec --check, n'écrit rien et sort en erreur (code 1) si le fichier n'est pas à
jour, s'il manque une règle de gouvernance, ou si un second fichier de propriétaires
(.github/CODEOWNERS, docs/CODEOWNERS, .gitlab/CODEOWNERS) pourrait le remplacer :
c'est ce que fait la CI.

Exemples :
  achats codeowners
  achats codeowners --check"""

import sys

from achats.review.codeowners import FILE_NAME, coverage_problems, stale_codeowners, write_codeowners
from achats.problems import AchatsError
from achats.project import Project


def register(parser):
    parser.add_argument("--check", action="store_true",
                        help="vérifier seulement que le fichier est à jour (code 1 sinon)")


def run(args) -> int:
    project = Project.find()
    if args.check:
        missing = coverage_problems(project)
        differences = stale_codeowners(project)
        if differences:
            print("\n".join(differences))
        if missing:
            print("\n".join(missing), file=sys.stderr)
        if differences:
            raise AchatsError(f"{FILE_NAME} n'est pas à jour (rôles d'un marché ou "
                              "mkdocs.yml modifiés"
                              + (", ou règles de gouvernance manquantes" if missing else "")
                              + ") : lancez « achats codeowners » et enregistrez le fichier "
                              "dans le même commit.")
        if missing:
            raise AchatsError("les chemins qui gouvernent la base n'ont pas les propriétaires "
                              "attendus (voir ci-dessus).")
        print(f"{FILE_NAME} est à jour.")
        return 0
    path, changed = write_codeowners(project)
    print(f"{project.rel(path)} {'écrit' if changed else 'déjà à jour'}.")
    return 0
