NAME = "codeowners"
HELP = "générer le fichier CODEOWNERS (rôles des marchés, service juridique pour les clauses)"
DESCRIPTION = """Écrit CODEOWNERS à la racine du dépôt (lu par GitHub et par GitLab) : le
gestionnaire et les éditeurs de chaque marché possèdent son dossier, le service
juridique possède clauses/ (mkdocs.yml : extra.proprietaires.clauses, par défaut
@dajcp-commande-publique). Une demande de fusion qui touche ces dossiers attend
alors leur approbation.

Avec --check, n'écrit rien et sort en erreur (code 1) si le fichier n'est pas à
jour : c'est ce que fait la CI.

Exemples :
  achats codeowners
  achats codeowners --check"""

from ..codeowners import FILE_NAME, stale_codeowners, write_codeowners
from ..problems import AchatsError
from ..project import Project


def register(parser):
    parser.add_argument("--check", action="store_true",
                        help="vérifier seulement que le fichier est à jour (code 1 sinon)")


def run(args) -> int:
    project = Project.find()
    if args.check:
        differences = stale_codeowners(project)
        if differences:
            print("\n".join(differences))
            raise AchatsError(f"{FILE_NAME} n'est pas à jour (rôles d'un marché ou "
                              "mkdocs.yml modifiés) : lancez « achats codeowners » et "
                              "enregistrez le fichier dans le même commit.")
        print(f"{FILE_NAME} est à jour.")
        return 0
    path, changed = write_codeowners(project)
    print(f"{project.rel(path)} {'écrit' if changed else 'déjà à jour'}.")
    return 0
