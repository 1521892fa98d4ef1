"""Roles of the wiki-marché on the git host: a CODEOWNERS file generated from the content.

A tender's gestionnaire and éditeurs own its folder (their approval is required on merge
requests touching it); the legal service owns the clause library and the list of who may
sign a validation (content/data/signataires); the maintainers own what governs the rest:
CODEOWNERS itself, the site's configuration (where the owners are set), CI, data files, the
code, hooks and scripts. Those governance rules come last, so no other rule overrides them
(for a given path, the last matching rule wins on GitHub and GitLab). The file sits at the
root of the repository, where both hosts read it. Owners come from the tenders' front matter
and from ``mkdocs.yml``::

    extra:
      proprietaires:
        clauses: "@dajcp-commande-publique"      # default
        signataires: "@dajcp-commande-publique"  # default: the owner of clauses
        mainteneurs: "@equipe-achats-durables"   # default
        defaut: "@equipe-achats-durables"        # optional: owner of everything else
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from achats.files import write_atomically
from achats.model.load import Entry
from achats.problems import AchatsError
from achats.project import Project, parse_site_config, site_settings
from achats.model.schema import COLLECTIONS
from achats.model.validate import check_project

FILE_NAME = "CODEOWNERS"
DEFAULT_CLAUSES_OWNER = "@dajcp-commande-publique"
DEFAULT_MAINTAINERS = "@equipe-achats-durables"
SIGNERS_PATH = "content/data/signataires"
# What governs the base, owned by the maintainers: CODEOWNERS pattern | a path it must cover
# (checked by --check) | what it is.
GOVERNANCE_TABLE = """
/CODEOWNERS        | CODEOWNERS                            | ce fichier
/mkdocs*.yml       | mkdocs.yml                            | configuration du site et des propriétaires
/.github/          | .github/workflows/verifier.yml        | CI et modèles de GitHub
/.gitlab/          | .gitlab/merge_request_templates/x.md  | modèles de GitLab
/.gitlab-ci.yml    | .gitlab-ci.yml                        | CI de GitLab
/.ci/              | .ci/run                               | scripts de CI
/content/data/     | content/data/x.yml                    | vocabulaires, articles, glossaire, signataires
/content/theme/    | content/theme/main.html               | gabarits du thème : HTML et scripts de chaque page
/achats/           | achats/cli/__init__.py                | code du paquet
/hooks/            | hooks/achats_hooks.py                 | hooks de MkDocs
/scripts/          | scripts/test.sh                       | scripts d'installation et de signature
/pyproject.toml    | pyproject.toml                        | dépendances Python
/package.json      | package.json                          | dépendances npm
/package-lock.json | package-lock.json                     | dépendances npm
"""
# (pattern, what it is, the path it must cover), one a row of the table above.
GOVERNANCE = [(pattern, what, sample) for pattern, sample, what in
              (tuple(cell.strip() for cell in row.split("|"))
               for row in GOVERNANCE_TABLE.strip().splitlines())]
# Other places GitHub or GitLab read a CODEOWNERS file from, before or instead of the root.
SHADOWING = [".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"]
HANDLE = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?(?:/[A-Za-z0-9._-]+)*"
                    r"|[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
HANDLE_HELP = "attendu @utilisateur, @groupe/équipe ou une adresse électronique"

HEADER = """\
# Propriétaires du dépôt : qui doit approuver les demandes de fusion, par dossier.
# FICHIER GÉNÉRÉ par « achats codeowners » à partir de mkdocs.yml (extra.proprietaires)
# et des rôles des marchés (gestionnaire et éditeurs) : ne le modifiez pas à la main,
# modifiez les rôles puis relancez « achats codeowners ». La CI vérifie qu'il est à jour.
# GitHub et GitLab lisent ce fichier à la racine du dépôt ; pour un chemin donné, la
# dernière règle qui lui correspond l'emporte.
"""


def configured_owners(project: Project) -> dict[str, list[str]]:
    """``extra.proprietaires`` of mkdocs.yml, each value as a list of checked handles."""
    return owners_of(project.site_config())


def owners_from_text(text: str) -> dict[str, list[str]]:
    """The owners configured in the text of a mkdocs.yml (defaults filled in)."""
    return owners_of(parse_site_config(text))


def owners_of(config: dict) -> dict[str, list[str]]:
    """The owners configured in a parsed mkdocs.yml (defaults filled in)."""
    owners = site_settings(config).get("proprietaires") or {}
    if not isinstance(owners, dict):
        raise AchatsError("mkdocs.yml: extra.proprietaires: une suite « dossier: @équipe » "
                          "est attendue.")
    result = {"clauses": [DEFAULT_CLAUSES_OWNER], "mainteneurs": [DEFAULT_MAINTAINERS]}
    for key, value in owners.items():
        values = value if isinstance(value, list) else [value]
        result[str(key)] = [_handle(v, f"mkdocs.yml: extra.proprietaires.{key}") for v in values]
    result.setdefault("signataires", result["clauses"])
    return result


def _handle(value, where: str) -> str:
    if not isinstance(value, str) or not HANDLE.fullmatch(value.strip()):
        raise AchatsError(f"{where}: « {value} » n'est pas un identifiant de la forge "
                          f"({HANDLE_HELP}).")
    return value.strip()


def tender_owners(entry: Entry) -> list[str]:
    """Gestionnaire then éditeurs of a tender, each once."""
    roles = entry.meta.get("roles")
    if not isinstance(roles, dict):
        return []
    found = []
    if roles.get("gestionnaire"):
        found.append(_handle(roles["gestionnaire"],
                             f"{entry.rel}:{entry.line('roles.gestionnaire')}: "
                             "roles.gestionnaire"))
    for index, editor in enumerate(roles.get("editeurs") or []):
        found.append(_handle(editor, f"{entry.rel}:{entry.line(f'roles.editeurs[{index}]')}: "
                                     f"roles.editeurs[{index}]"))
    return list(dict.fromkeys(found))


def render_codeowners(project: Project, entries: list[Entry]) -> str:
    owners = configured_owners(project)
    lines = [HEADER]
    if owners.get("defaut"):
        lines += ["# Par défaut : l'équipe qui maintient la base.",
                  f"* {' '.join(owners['defaut'])}", ""]
    clauses = COLLECTIONS["clause"].folder
    lines += ["# Bibliothèque de clauses : le service juridique valide chaque clause.",
              f"/{clauses}/ {' '.join(owners['clauses'])}", ""]
    tenders = sorted((e for e in entries if e.collection.name == "marche"),
                     key=lambda e: e.rel)
    rules = [(Path(e.rel).parent.as_posix(), e, tender_owners(e)) for e in tenders]
    rules = [rule for rule in rules if rule[2]]
    if rules:
        lines.append("# Marchés (wiki-marché) : le gestionnaire et les éditeurs de chaque "
                     "marché.")
        for folder, entry, handles in rules:
            lines.append(f"/{folder}/ {' '.join(handles)}")
        lines.append("")
    maintainers = " ".join(owners["mainteneurs"])
    lines.append("# Gouvernance : les mainteneurs (extra.proprietaires.mainteneurs). En dernier, "
                 "pour qu'aucune règle ne les remplace.")
    for pattern, what, _sample in GOVERNANCE:
        lines.append(f"{pattern} {maintainers}")
    lines += ["", "# Qui peut signer une validation : le service juridique "
              "(extra.proprietaires.signataires).",
              f"/{SIGNERS_PATH} {' '.join(owners['signataires'])}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def expected_owner_of(owners: dict[str, list[str]]) -> list[tuple[str, str, list[str]]]:
    """(path, what, owners it must have) for every governance path."""
    found = [(sample, what, owners["mainteneurs"]) for _p, what, sample in GOVERNANCE]
    return found + [(SIGNERS_PATH, "signataires des validations", owners["signataires"])]


def pattern_regex(pattern: str) -> re.Pattern:
    """A CODEOWNERS pattern (gitignore-like, as GitHub and GitLab read it) as a regex."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    parts = re.split(r"(\*\*/?|\*|\?)", body)
    regex = "".join(".*" if p.startswith("**") else "[^/]*" if p == "*" else "[^/]"
                    if p == "?" else re.escape(p) for p in parts)
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"{prefix}{regex}(?:/.*)?" if body else ".*")


def owners_in(text: str, path: str) -> list[str] | None:
    """Owners the last matching rule of a CODEOWNERS ``text`` gives ``path``; None if no
    rule matches."""
    found = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "[", "^[")):
            continue
        pattern, *handles = line.split()
        if pattern_regex(pattern).fullmatch(path):
            found = handles
    return found


def coverage_problems(project: Project, text: str | None = None) -> list[str]:
    """What the CODEOWNERS file fails to give its owners (governance paths), in French."""
    owners = configured_owners(project)
    path = project.root / FILE_NAME
    if text is None:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    problems = []
    for sample, what, expected in expected_owner_of(owners):
        got = owners_in(text, sample)
        if got is None or sorted(got) != sorted(expected):
            problems.append(f"{FILE_NAME}: {sample} ({what}) : "
                            + ("aucune règle" if got is None else
                               f"règle pour {' '.join(got) or 'personne'}")
                            + f", attendu {' '.join(expected)}.")
    for other in SHADOWING:
        if (project.root / other).exists():
            problems.append(f"{other}: un second fichier de propriétaires, que GitHub ou "
                            f"GitLab peut lire à la place de {FILE_NAME} : supprimez-le.")
    return problems


def expected_codeowners(project: Project) -> str:
    return render_codeowners(project, check_project(project).entries)


def write_codeowners(project: Project) -> tuple[Path, bool]:
    """Write CODEOWNERS; returns (path, whether it changed)."""
    path = project.root / FILE_NAME
    text = expected_codeowners(project)
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current == text:
        return path, False
    write_atomically(path, text)
    return path, True


def stale_codeowners(project: Project) -> list[str]:
    """Differences between CODEOWNERS and what it should be ([] when up to date)."""
    path = project.root / FILE_NAME
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    expected = expected_codeowners(project)
    if current == expected:
        return []
    return list(difflib.unified_diff(current.splitlines(), expected.splitlines(),
                                     f"{FILE_NAME} (actuel)", f"{FILE_NAME} (attendu)",
                                     lineterm=""))
