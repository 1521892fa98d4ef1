NAME = "dce"
HELP = "exporter les pièces d'un marché (RC, CCAP, CCTP…) en Word (DOCX) ou OpenDocument (ODT)"
DESCRIPTION = """Écrit chaque pièce du marché en fichier Word (.docx) et/ou OpenDocument (.odt) :
page de garde (objet, référence), articles numérotés, numéros de page, texte de chaque
clause citée ([[CL-…]]) inséré à l'endroit de sa première citation, paramètres entre
crochets surlignés, et un tableau final « Clauses utilisées » (identifiant, titre, statut,
base légale).

Une clause qui n'est pas « validée » est signalée dans le document (encadré
« Attention ») et ici, en avertissement. Les styles viennent des modèles
content/modeles/dce.docx et dce.odt, que la Région peut modifier dans son traitement de
texte (python scripts/modeles_dce.py les réécrit).

Rien n'est écrit à moitié : les fichiers sont préparés à part puis déplacés dans le
dossier de sortie une fois tous écrits.
Code de sortie : 0 (avertissements compris), 1 si l'export est impossible (marché
inconnu, sans pièce, clause citée inconnue, modèle manquant ou illisible), 2 en cas de
mauvaise utilisation de la commande.

Exemples :
  achats dce MA-001
  achats dce MA-001 --format odt --out dce/
  achats dce MA-001 --format docx --modele-docx charte-region.docx"""

import sys
from pathlib import Path

from achats.cli import add_project_option
from achats.project import Project
from achats.tender.dce import FORMATS, export


def register(parser):
    parser.add_argument("ident", metavar="MA-ID", help="identifiant du marché (ex. MA-001)")
    parser.add_argument("--format", choices=[*FORMATS, "tous"], default="tous",
                        help="docx, odt ou tous (par défaut : les deux)")
    parser.add_argument("--out", default=None, metavar="DOSSIER",
                        help="dossier de sortie (par défaut : dce-<MA-ID> dans le dossier "
                        "courant)")
    for fmt in FORMATS:
        parser.add_argument(f"--modele-{fmt}", default=None, metavar="FICHIER",
                            help=f"modèle {fmt.upper()} (par défaut : content/modeles/dce.{fmt})")
    add_project_option(parser)


def run(args) -> int:
    project = Project.find(args.projet)
    formats = list(FORMATS) if args.format == "tous" else [args.format]
    out = Path(args.out) if args.out else Path.cwd() / f"dce-{args.ident}"
    templates = {fmt: getattr(args, f"modele_{fmt}") for fmt in FORMATS}
    result = export(project, args.ident, formats, out.resolve(), templates)
    for problem in result.warnings.sorted():
        print(problem.format(), file=sys.stderr)
    for path in result.files:
        print(f"écrit : {path}")
    count = len(result.warnings)
    note = f" ; {count} avertissement{'s' if count > 1 else ''} (clauses à faire valider)" \
        if count else ""
    print(f"{args.ident} : {len(result.files)} fichier{'s' if len(result.files) > 1 else ''} "
          f"écrit{'s' if len(result.files) > 1 else ''} dans {out}{note}.")
    return 0
