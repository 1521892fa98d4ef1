NAME = "review-check"
HELP = "vérifier une demande de fusion par rapport à la branche de base (statuts, pièces, identifiants)"
DESCRIPTION = """Compare le dossier de travail (ou la révision --head) à une révision de base,
comme le fait la CI pour une demande de fusion :

- un statut n'avance que d'une étape permise (clause : proposee → a_valider →
  validee → retiree, retour a_valider → proposee, et validee → a_valider si le
  texte doit être revalidé ; marché : brouillon → en_revue → valide → publie →
  attribue ou infructueux → evalue, retour en_revue → brouillon) ;
- une clause ne devient « validee » qu'avec une validation (par, le, empreinte,
  signature) qui correspond à son texte ; toute validation ajoutée ou modifiée est
  vérifiée (ssh-keygen -Y verify) avec content/data/signataires TEL QU'IL EST DANS LA
  BASE : une clé ajoutée par la demande de fusion ne signe rien ;
- les pièces d'un marché publié (ou attribué, infructueux, évalué) ne changent plus ;
- un identifiant ne change pas, une fiche encore citée ne disparaît pas, et un
  identifiant que la base ou un commit antérieur a donné à une autre fiche (autre
  fichier, autre titre) n'est jamais repris ;
- les propriétaires (mkdocs.yml : extra.proprietaires) ou les signataires ne changent
  pas dans la même demande de fusion que ce qu'ils gardent ; aucun fichier de .cache/.

Code de sortie : 0 sans erreur, 1 s'il y a des erreurs, 2 si la révision est inconnue.

Exemples :
  achats review-check --base origin/main
  achats review-check --base main --head HEAD"""


from achats.cli import usage_error
from achats.project import Project
from achats.review.checks import RefError, review_changes


def register(parser):
    parser.add_argument("--base", required=True, metavar="REVISION",
                        help="révision de base (ex. origin/main)")
    parser.add_argument("--head", default=None, metavar="REVISION",
                        help="révision à vérifier (par défaut : le dossier de travail)")


def run(args) -> int:
    project = Project.find()
    try:
        result = review_changes(project, args.base, args.head)
    except RefError as exc:
        return usage_error(exc)
    if result.problems:
        print(result.problems.as_text())
    print(f"Revue par rapport à {result.base_label} : {result.compared} fiches comparées, "
          f"{result.problems.summary()}.")
    return 1 if result.problems.errors else 0
