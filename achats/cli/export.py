NAME = "export"
HELP = "exporter le site en dossier que MkDocs sans hooks et Zensical construisent"
DESCRIPTION = """Écrit le site comme une arborescence complète (fiches, pages générées,
historiques, gabarits, styles) et un mkdocs.yml sans hooks : « mkdocs build » et
« zensical build » la construisent sans le code d'achats (vie après Material for
MkDocs, voir le README). Le dossier est remplacé en entier, seulement une fois
l'export complet ; un dossier qui n'est pas un export précédent est refusé.

Après la construction du dossier exporté, --finir y ajoute l'index de recherche
(Pagefind) et le PDF du parcours, et audite la variante publique.

Exemples :
  achats export --out ../export
  zensical build -f ../export/mkdocs.yml
  achats export --finir ../export/site
  achats export --public --out ../export-public"""

from achats.site.export import CONFIG_FILE, SITE_DIR, export_tree, finish_site


def register(parser):
    parser.add_argument("--out", default=None, metavar="DOSSIER",
                        help="dossier de l'export (absent, vide ou export précédent)")
    parser.add_argument("--public", action="store_true",
                        help="variante publique (mkdocs.public.yml), auditée")
    parser.add_argument("--finir", default=None, metavar="SITE",
                        help="site construit depuis un export : y ajouter la recherche et le "
                             "PDF (et auditer la variante publique)")


def run(args) -> int:
    from achats.problems import AchatsError

    if (args.out is None) == (args.finir is None):
        raise AchatsError("indiquez soit --out DOSSIER (écrire l'export), soit --finir SITE "
                          "(compléter un site construit depuis un export).")
    if args.finir is not None:
        for line in finish_site(args.finir, public=args.public):
            print(line)
        return 0
    result = export_tree(public=args.public, out=args.out)
    print(result.summary())
    config = result.out / CONFIG_FILE
    print("Construire le site exporté (l'un ou l'autre) :")
    print(f"  mkdocs build -f {config}")
    print(f"  zensical build -f {config}")
    print("Puis, pour la recherche et le PDF"
          + (" (et l'audit de la variante publique)" if args.public else "") + " :")
    print(f"  achats export --finir {result.out / SITE_DIR}"
          + (" --public" if args.public else ""))
    return 0
