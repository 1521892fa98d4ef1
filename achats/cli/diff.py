NAME = "diff"
HELP = "montrer, mot à mot, ce qui a changé dans une fiche entre deux versions"
DESCRIPTION = """Compare deux versions d'une fiche (ou d'un fichier) mot à mot. Sans version,
compare la version précédente à la dernière ; avec une seule, compare cette version
à la dernière. Les champs de l'en-tête qui changent sont listés un par un.

Dans le terminal : [-texte supprimé-] et {+texte ajouté+} (en couleur si possible).
Les versions sont les identifiants donnés par « achats history » (ou toute
révision git : HEAD~2, main, un tag…).

Exemples :
  achats diff CL-003
  achats diff CL-003 4f2a9c1
  achats diff guides/quatre-conditions.md 4f2a9c1 HEAD"""

import os
import sys

from achats.cli import usage_error
from achats.git.diff import abridge, document_diff
from achats.cli.history import add_target_argument, target_history
from achats.git.history import RevisionError, contents_at, resolve_commit

STYLES = {"-": ("[-", "-]", "\033[31;9m", "\033[0m"), "+": ("{+", "+}", "\033[32;4m", "\033[0m")}


def register(parser):
    add_target_argument(parser)
    parser.add_argument("version_a", nargs="?", metavar="VERSION_A",
                        help="version de départ (par défaut : l'avant-dernière)")
    parser.add_argument("version_b", nargs="?", metavar="VERSION_B",
                        help="version d'arrivée (par défaut : la dernière)")


def run(args) -> int:
    _project, target, history, groups = target_history(args)
    try:
        if args.version_a:
            old = resolve_commit(history, args.version_a)
        elif len(groups) >= 2:
            old = groups[1][0].commit
        else:
            print(f"{target.label} : moins de deux versions enregistrées, rien à comparer.")
            return 0
        new = resolve_commit(history, args.version_b) if args.version_b else groups[0][0].commit
    except RevisionError as exc:
        return usage_error(exc)
    before, after = contents_at(history, target, old), contents_at(history, target, new)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    print(f"{target.label} : version {old[:7]} → version {new[:7]}")
    print("Légende : [-texte supprimé-] {+texte ajouté+}")
    same = True
    for rel in dict.fromkeys(list(before) + list(after)):
        a, b = before.get(rel), after.get(rel)
        if a == b:
            continue
        same = False
        print()
        print(f"=== {rel} ===")
        if a is None or b is None:
            print("fichier ajouté." if a is None else "fichier supprimé.")
            continue
        diff = document_diff(a, b)
        for change in diff.fields:
            print(_field(change, color))
        if diff.body_changed:
            print("Texte :" if not diff.unreadable else "Texte complet (en-tête illisible) :")
            print(_ops(diff.body, color))
        if not diff.fields and not diff.body_changed:
            print("mise en forme seulement (aucun changement de contenu).")
    if same:
        print("Aucune différence entre ces deux versions.")
    return 0


def _mark(op: str, text: str, color: bool) -> str:
    start, end, on, off = STYLES[op]
    return f"{on}{start}{text}{end}{off}" if color else f"{start}{text}{end}"


def _ops(ops, color: bool) -> str:
    out = []
    for index, (op, text) in enumerate(ops):
        if op == "=":
            out.append(abridge(text, keep_start=index > 0, keep_end=index < len(ops) - 1))
        else:
            out.append(_mark(op, text, color))
    return "".join(out)


def _field(change, color: bool) -> str:
    name = f"champ « {change.field} »"
    if change.kind == "ajout":
        return f"{name} ajouté : « {_mark('+', change.new, color)} »"
    if change.kind == "suppression":
        return f"{name} supprimé (valeur précédente : « {_mark('-', change.old, color)} »)"
    if change.words is not None:
        return f"{name} modifié :\n{_ops(change.words, color)}"
    return (f"{name} : « {_mark('-', change.old, color)} » → "
            f"« {_mark('+', change.new, color)} »")
