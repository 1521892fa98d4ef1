"""Roles of the wiki-marché on the git host: a CODEOWNERS file generated from the content.

A tender's gestionnaire and éditeurs own its folder (their approval is required on merge
requests touching it); the legal service owns the clause library. The file sits at the root
of the repository, where both GitHub and GitLab read it. Owners come from the tenders'
front matter and from ``mkdocs.yml``::

    extra:
      proprietaires:
        clauses: "@dajcp-commande-publique"   # default
        defaut: "@equipe-achats-durables"     # optional: owner of everything else
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import yaml

from .history import write_atomically
from .load import Entry
from .problems import AchatsError
from .project import Project
from .schema import COLLECTIONS
from .validate import check_project

FILE_NAME = "CODEOWNERS"
DEFAULT_CLAUSES_OWNER = "@dajcp-commande-publique"
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


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml while ignoring MkDocs' own tags (!ENV, !relative, !!python/name)."""


_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/",
                                    lambda loader, suffix, node: None)


def configured_owners(project: Project) -> dict[str, list[str]]:
    """``extra.proprietaires`` of mkdocs.yml, each value as a list of checked handles."""
    path = project.root / "mkdocs.yml"
    try:
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=_ConfigLoader) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AchatsError(f"mkdocs.yml illisible : {exc}") from None
    extra = config.get("extra") if isinstance(config, dict) else None
    owners = (extra or {}).get("proprietaires") or {}
    if not isinstance(owners, dict):
        raise AchatsError("mkdocs.yml: extra.proprietaires: une suite « dossier: @équipe » "
                          "est attendue.")
    result = {"clauses": [DEFAULT_CLAUSES_OWNER]}
    for key, value in owners.items():
        values = value if isinstance(value, list) else [value]
        result[str(key)] = [_handle(v, f"mkdocs.yml: extra.proprietaires.{key}") for v in values]
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
    return "\n".join(lines).rstrip("\n") + "\n"


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
