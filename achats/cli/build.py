NAME = "build"
HELP = "construire le site (intranet, ou public avec --public)"
DESCRIPTION = """Vérifie les fiches puis construit le site statique avec MkDocs.

La variante intranet (mkdocs.yml) contient tout ; la variante publique
(mkdocs.public.yml) ne contient que les fiches publiques, sans champ interne, et
son contenu est audité après la construction.

Exemples :
  achats build
  achats build --public --site-dir /tmp/site-public"""

from achats.site.commands import build_site


def register(parser):
    parser.add_argument("--public", action="store_true",
                        help="construire la variante publique (mkdocs.public.yml)")
    parser.add_argument("--site-dir", default=None, metavar="DOSSIER",
                        help="dossier de sortie (par défaut : celui du fichier de configuration)")


def run(args) -> int:
    site_dir = build_site(public=args.public, site_dir=args.site_dir)
    print(f"Site construit dans {site_dir}")
    return 0
