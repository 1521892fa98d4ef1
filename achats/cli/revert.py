NAME = "revert"
HELP = "restaurer une version antérieure d'une fiche, dans un nouveau commit"
DESCRIPTION = """Remet une fiche (un marché : sa fiche et ses pièces) dans l'état d'une version
antérieure et enregistre ce retour dans un nouveau commit : rien n'est effacé de
l'historique, les autres fiches ne bougent pas. Refuse de travailler si le dossier
contient des modifications non enregistrées.

Exemples :
  achats history CL-003
  achats revert CL-003 --to 4f2a9c1"""


from achats.cli import usage_error
from achats.git.history import RevisionError, resolve_target
from achats.git.restore import restore_version
from achats.project import Project


def register(parser):
    parser.add_argument("cible", metavar="ID|CHEMIN",
                        help="identifiant d'une fiche (ex. CL-003) ou chemin d'un fichier")
    parser.add_argument("--to", "--vers", dest="to", required=True, metavar="VERSION",
                        help="version à restaurer (identifiant donné par « achats history »)")


def run(args) -> int:
    project = Project.find()
    target = resolve_target(project, args.cible)
    try:
        done = restore_version(project, target, args.to)
    except RevisionError as exc:
        return usage_error(exc)
    print(f"{target.label} restauré à la version {done.version} dans le commit {done.commit} "
          f"({', '.join(done.paths)}).")
    print("Vérifiez avec « achats check », puis poussez la branche pour relecture.")
    return 0
