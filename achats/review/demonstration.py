"""The demonstration signer: signs the bundled « validee » clauses with a throwaway key.

The bundled clauses were not validated by any real legal service. So that their validations
are honest, they are signed by the principal ``demonstration@achats.invalid`` (``.invalid``
is reserved: the address belongs to nobody), whose key is generated for one run and deleted
right after: nobody can sign anything else with it. The site marks each clause it signed
with a « validation de démonstration » badge. A Region that adopts the base replaces this
principal by its legal service's in ``content/data/signataires`` and has its clauses signed
again (README, « Validation signée »).

Run by maintainers through ``scripts/signer-demonstration.sh [DOSSIER]``, after clause texts
change; never by the build.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

from achats.problems import AchatsError
from achats.project import Project
from achats.review.checks import validate_clause
from achats.model.signatures import DEMONSTRATION_PRINCIPAL, OPTION, SIGNERS_FILE, ssh_keygen
from achats.model.validate import check_project

HEADER = """\
# Qui peut signer la validation d'une clause (achats validate), au format « allowed
# signers » d'OpenSSH : principal namespaces="achats-validation" type-de-clé clé-publique
# Une ligne par clé ; seule l'option namespaces="achats-validation" est permise.
# Ce fichier appartient au service juridique (CODEOWNERS) : il se modifie seul, dans une
# demande de fusion qu'il approuve, jamais avec des clauses.
"""
DEMONSTRATION_COMMENT = ("# Signataire de démonstration : clé jetée après la signature des "
                         "clauses livrées ;\n# à remplacer par la clé du service juridique "
                         "(README, « Validation signée »).\n")


def replace_demonstration_key(text: str, public_key: str) -> str:
    """``text`` of the signers file with the demonstration line (and its comment) replaced."""
    kept = [line for line in text.splitlines(keepends=True)
            if not line.split(None, 1)[:1] == [DEMONSTRATION_PRINCIPAL]
            and line not in DEMONSTRATION_COMMENT.splitlines(keepends=True)]
    body = "".join(kept) or HEADER
    if not body.endswith("\n"):
        body += "\n"
    key_type, key = public_key.split()[:2]
    return body + DEMONSTRATION_COMMENT + \
        f"{DEMONSTRATION_PRINCIPAL} {OPTION} {key_type} {key}\n"


def sign_bundled(project: Project, when: dt.date | None = None) -> list[str]:
    """Sign every « validee » clause (and only those) with a fresh demonstration key;
    returns their IDs. The private key exists only inside this call."""
    ids = sorted(e.id for e in check_project(project).entries
                 if e.collection.name == "clause" and e.meta.get("statut") == "validee")
    with tempfile.TemporaryDirectory(prefix="achats-demonstration-") as folder:
        key = Path(folder) / "demonstration"
        done = subprocess.run([ssh_keygen(), "-q", "-t", "ed25519", "-N", "", "-C",
                               DEMONSTRATION_PRINCIPAL, "-f", str(key)],
                              capture_output=True, check=False)
        if done.returncode != 0:
            raise AchatsError("ssh-keygen n'a pas pu créer la clé de démonstration : "
                              f"{done.stderr.decode('utf-8', 'replace').strip()}")
        signers = project.root / SIGNERS_FILE
        current = signers.read_text(encoding="utf-8") if signers.is_file() else ""
        signers.write_text(replace_demonstration_key(
            current, key.with_suffix(".pub").read_text(encoding="ascii")), encoding="utf-8")
        for ident in ids:
            validate_clause(project, ident, DEMONSTRATION_PRINCIPAL, when, str(key))
    return ids


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        project = Project.find(args[0] if args else None)
        ids = sign_bundled(project)
    except AchatsError as exc:
        print(f"achats : erreur : {exc}", file=sys.stderr)
        for problem in exc.problems.sorted():
            print(problem.format(), file=sys.stderr)
        return 1
    print(f"{len(ids)} clauses « validee » signées par {DEMONSTRATION_PRINCIPAL} "
          f"({', '.join(ids) or 'aucune'}) ; clé publique dans {SIGNERS_FILE}, clé privée "
          "supprimée.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
