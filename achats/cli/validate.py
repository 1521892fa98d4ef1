NAME = "validate"
HELP = "valider une clause (service juridique) : statut, signataire, date, empreinte et signature SSH"
DESCRIPTION = """Marque une clause comme validée : « statut: validee » et un bloc
« validation » (par, le, empreinte, signature) écrits dans son en-tête. L'empreinte est
calculée sur le texte validé (titre, type, pièce, base légale, texte, vérification,
pondération) : si ce texte change ensuite, « achats check » le signale et la clause
doit être validée à nouveau. Le reste du fichier n'est pas modifié.

La signature est une signature SSH (ssh-keygen -Y sign, espace de noms
« achats-validation ») de l'identifiant, de l'empreinte, du signataire et de la date,
faite avec la clé privée du signataire (--key, ou « git config user.signingkey »).
--by est le principal du signataire dans content/data/signataires, où sa clé
publique doit être inscrite : la signature y est vérifiée avant que rien ne soit
écrit.

Refuse un identifiant inconnu, une fiche qui n'est pas une clause, une clause
retirée ou qui contient des erreurs, un signataire non inscrit, une clé qui n'est
pas la sienne.

Exemples :
  achats validate CL-003 --by dajcp@region.example --key ~/.ssh/id_ed25519
  achats validate CL-003 --by dajcp@region.example --le 2026-11-20"""

import argparse
import datetime as dt
import sys

from achats.project import Project
from achats.review.checks import validate_clause


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date « {text} » invalide : format AAAA-MM-JJ attendu (ex. 2026-11-20)") from None


def register(parser):
    parser.add_argument("ident", metavar="ID", help="identifiant de la clause (ex. CL-003)")
    parser.add_argument("--by", "--par", dest="by", required=True, metavar="PRINCIPAL",
                        help="qui valide : son principal dans content/data/signataires "
                             "(ex. dajcp@region.example)")
    parser.add_argument("--key", "--cle", dest="key", default=None, metavar="CLÉ",
                        help="clé privée SSH du signataire (par défaut : git config "
                             "user.signingkey)")
    parser.add_argument("--le", dest="le", type=_date, default=None, metavar="AAAA-MM-JJ",
                        help="date de la validation (par défaut : aujourd'hui)")


def run(args) -> int:
    project = Project.find()
    done = validate_clause(project, args.ident, args.by, args.le, args.key)
    entry = done.entry
    print(f"{entry.id} validée par {done.by} le {done.when.strftime('%d/%m/%Y')} "
          f"(empreinte {done.print_}, signature vérifiée avec content/data/signataires, "
          f"ligne {done.signer_line}) : {entry.rel} mis à jour.")
    if done.previous_status == "proposee":
        print("Attention : la clause était « proposee » ; la vérification des demandes de "
              "fusion (achats review-check) attend le passage par « a_valider ».",
              file=sys.stderr)
    return 0
