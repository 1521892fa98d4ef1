NAME = "edit"
HELP = "modifier les fiches dans le navigateur (éditeur web local, brouillons en branches)"
DESCRIPTION = """Construit le site intranet, lance decap-server (mode git) sur ce dépôt et sert
le site avec l'éditeur /admin/ sur 127.0.0.1. Chaque enregistrement dans l'éditeur est un
commit sur une branche cms/… signé de votre nom ; achats check la vérifie aussitôt
(résultat dans le terminal et sur /admin/verifications.html). Refuse de démarrer si le
dépôt contient des fichiers modifiés ou non suivis. Ctrl+C arrête tout.

Exemples :
  achats edit
  achats edit --port 8010 --api-port 8091 --auteur "Camille Martin <camille.martin@region.fr>\""""

from achats.site.editor.local import edit


def register(parser):
    parser.add_argument("--port", type=int, default=8000, metavar="P",
                        help="port du site et de l'éditeur (par défaut 8000)")
    parser.add_argument("--api-port", type=int, default=None, metavar="A",
                        help="port de decap-server (par défaut : un port libre)")
    parser.add_argument("--auteur", default=None, metavar="\"NOM <ADRESSE>\"",
                        help="signature des commits (par défaut : user.name et user.email de git)")


def run(args) -> int:
    edit(port=args.port, api_port=args.api_port, author=args.auteur,
         out=lambda message: print(message, flush=True))
    return 0
