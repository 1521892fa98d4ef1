"""The `achats` command: one module per verb, each a thin layer over the library.

Every module exposes NAME, HELP, DESCRIPTION (shown by --help, with an example),
``register(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from achats.problems import AchatsError

COMMANDS = ["check", "new", "schema", "build", "serve", "history", "diff", "revert",
            "validate", "review_check", "codeowners", "identifiants", "bench", "dce", "decp",
            "edit", "export"]



def add_project_option(parser, what: str = "dossier du projet") -> None:
    """--projet: the project's folder, for commands that may run from elsewhere."""
    parser.add_argument("--projet", default=None, metavar="DOSSIER",
                        help=f"{what} (par défaut : le dossier courant ou au-dessus)")


def usage_error(message) -> int:
    """A command line the command cannot use: said on stderr, exit code 2 (as argparse)."""
    print(f"achats : erreur d'utilisation : {message}", file=sys.stderr)
    return 2


_FRENCH = {
    "usage: ": "usage : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur d'utilisation : %(message)s\n",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "choix invalide : %(value)r (choix possibles : %(choices)s)",
    "expected one argument": "une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "expected at most one argument": "au plus une valeur attendue",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "ambiguous option: %(option)s could match %(matches)s":
        "option ambiguë : %(option)s peut désigner %(matches)s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
}


def _install_french_argparse() -> None:
    # argparse looks its messages up through the module-level gettext alias at call time.
    argparse._ = lambda message: _FRENCH.get(message, message)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def build_parser() -> argparse.ArgumentParser:
    _install_french_argparse()
    parser = argparse.ArgumentParser(
        prog="achats",
        description="Outils de la base de connaissances « Achats durables » : vérifier les "
        "fiches, en créer, construire et servir le site, suivre l'historique.",
        epilog="Exemple : achats check   (puis « achats <commande> --help » pour chaque "
        "commande)",
        formatter_class=_Formatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="<commande>", title="commandes")
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f".{name}", __name__)
        command = sub.add_parser(
            module.NAME, help=module.HELP, description=module.DESCRIPTION,
            formatter_class=_Formatter,
        )
        module.register(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except AchatsError as exc:
        print(f"achats : erreur : {exc}", file=sys.stderr)
        if exc.problems:
            print(exc.problems.as_text(), file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM during a build (achats.site.sitedir)
        print("achats : interrompu.", file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)
    except Exception as exc:  # last resort: no traceback for users, unless asked for
        if os.environ.get("ACHATS_DEBUG"):
            traceback.print_exc()
        print(f"achats : erreur interne ({type(exc).__name__} : {exc}). Relancez avec "
              "ACHATS_DEBUG=1 pour le détail et signalez-la aux mainteneurs.", file=sys.stderr)
        return 3


def run() -> None:
    sys.exit(main())
