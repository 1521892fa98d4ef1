NAME = "identifiants"
HELP = "lister les identifiants retirés (fiches supprimées) : jamais réattribués"
DESCRIPTION = """Liste les identifiants que l'historique git a connus et qu'aucune fiche ne
porte plus (fiche supprimée, ou identifiant changé), avec le dernier titre, le dernier
fichier et le commit qui l'a retiré. Ces identifiants ne sont jamais réattribués :
« achats new » part au-dessus, et « achats review-check » refuse une fiche qui en
reprend un pour un autre sujet.

Un seul « git log » lit l'historique de la révision (par défaut HEAD).

Exemples :
  achats identifiants
  achats identifiants --format json"""

import json
import sys

from achats.git.identifiers import read_id_history, retired_ids
from achats.project import Project
from achats.model.validate import check_project


def register(parser):
    parser.add_argument("--format", choices=["text", "json"], default="text",
                        help="format de sortie : text (par défaut) ou json")
    parser.add_argument("--revision", default="HEAD", metavar="REVISION",
                        help="révision dont l'historique est lu (par défaut : HEAD)")


def run(args) -> int:
    project = Project.find()
    current = {e.id for e in check_project(project).entries if e.id}
    history = read_id_history(project, args.revision)
    if history.warning:
        print(f"Attention : {history.warning}", file=sys.stderr)
    retired = retired_ids(history, current)
    if args.format == "json":
        print(json.dumps([{"id": p.id, "titre": p.last_title, "fichier": p.last_path,
                           "commit": p.last_commit,
                           "date": p.last_date.isoformat() if p.last_date else None}
                          for p in retired], ensure_ascii=False, indent=2))
        return 0
    for past in retired:
        when = past.last_date.strftime("%d/%m/%Y") if past.last_date else "date inconnue"
        print(f"{past.id}  « {past.last_title or 'titre inconnu'} »  ({past.last_path}, "
              f"retiré le {when}, commit {past.last_commit[:7]})")
    print(f"{len(retired)} identifiant{'s' if len(retired) > 1 else ''} retiré"
          f"{'s' if len(retired) > 1 else ''} (jamais réattribué"
          f"{'s' if len(retired) > 1 else ''}).")
    return 0
