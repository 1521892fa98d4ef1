NAME = "history"
HELP = "afficher les versions d'une fiche (ou d'un fichier) enregistrées dans git"
DESCRIPTION = """Affiche les versions d'une fiche, de la plus récente à la plus ancienne :
identifiant court de la version, date, auteur, fichier et message. Un marché
comprend sa fiche index.md et ses pièces. L'historique suit les renommages.

Exemples :
  achats history CL-003
  achats history content/marches/sensibilisation-eco-citoyennete-jeunes/cctp.md"""

from achats.git.history import require_history, resolve_target, target_versions
from achats.project import Project
from achats.variant import load_withdrawals


def register(parser):
    add_target_argument(parser)


def add_target_argument(parser) -> None:
    """The entry or file whose history a command reads (achats history, achats diff)."""
    parser.add_argument("cible", metavar="ID|CHEMIN",
                        help="identifiant d'une fiche (ex. CL-003) ou chemin d'un fichier")


def target_history(args):
    """The project, the target named by ``args.cible``, the history, and the target's
    versions grouped by commit (newest first)."""
    project = Project.find()
    target = resolve_target(project, args.cible)
    history = require_history(project)
    return project, target, history, target_versions(history, target)


def run(args) -> int:
    project, target, history, groups = target_history(args)
    if not groups:
        print(f"{target.label} : aucune version enregistrée dans git (fichier pas encore "
              "validé par un commit).")
        return 0
    print(f"Historique de {target.label} : {len(groups)} version{'s' if len(groups) > 1 else ''}")
    print()
    rows = [("Version", "Date", "Auteur", "Fichier", "Message")]
    withdrawals = load_withdrawals(project.data_dir, history)
    entry_id = target.entry.id if target.entry is not None else None
    for group in groups:
        first = group[0]
        files = ", ".join(sorted({v.path.rsplit("/", 1)[-1] for v in group}))
        withdrawn = withdrawals.find(first.commit, entry_id)
        subject = first.subject + (f" [{withdrawn.note()}]" if withdrawn else "")
        rows.append((first.short, first.date.strftime("%d/%m/%Y %H:%M"), first.author or "",
                     files, subject))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths))
              + "  " + row[4])
    print()
    print(f"Différences : achats diff {args.cible} [VERSION_A] [VERSION_B] ; restaurer : "
          f"achats revert {args.cible} --to VERSION")
    return 0
