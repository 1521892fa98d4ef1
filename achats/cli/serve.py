NAME = "serve"
HELP = "servir le site en local, rechargé à chaque modification"
DESCRIPTION = """Construit le site et le sert sur http://127.0.0.1:8000/ ; toute modification
d'une fiche, d'un fichier de données ou d'une page reconstruit le site.

Exemples :
  achats serve
  achats serve --public --adresse 127.0.0.1:8001"""

from achats.site.commands import serve_site


def register(parser):
    parser.add_argument("--public", action="store_true", help="servir la variante publique")
    parser.add_argument("--adresse", default="127.0.0.1:8000", metavar="HÔTE:PORT",
                        help="adresse d'écoute (par défaut 127.0.0.1:8000)")


def run(args) -> int:
    serve_site(public=args.public, address=args.adresse)
    return 0
