"""Step 4, history: what the commands and the variants ask of the history.

What `achats history`, `diff` and `revert` work on (``Target``: an entry or a file), its
versions grouped by commit, a revision resolved, and the contents of a target at a commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from achats.git.log import History, Version, read_history
from achats.git.repo import GitError, blob_text, repository
from achats.model.load import Entry
from achats.problems import AchatsError


_ID = re.compile(r"[A-Za-z]{2}-\d{3,}")


@dataclass
class Target:
    """What `achats history`, `diff` and `revert` work on."""

    label: str  # for messages: "CL-003 « Titre » (clauses/cl-003-x.md)"
    paths: list[str]  # current files, relative to the project root (a tender: index + pieces)
    entry: Entry | None = None

    @property
    def folder(self) -> str | None:
        """A tender's folder, whose set of pieces may differ between versions."""
        if self.entry is not None and self.entry.collection.in_folders:
            return str(Path(self.entry.rel).parent.as_posix())
        return None


def resolve_target(project, text: str) -> Target:
    """An entry by ID (any case) or by path, or any file of the project by path."""
    from achats.model.validate import check_project  # the history itself needs no validation

    text = (text or "").strip()
    entries = [e for e in check_project(project).entries if e.id]
    if _ID.fullmatch(text):
        entry = next((e for e in entries if e.id == text.upper()), None)
        if entry is None:
            raise AchatsError(f"identifiant inconnu « {text} » : aucune fiche ne le porte "
                              "(voir « achats check »).")
        return _entry_target(entry)
    rel = project.rel(project.inside(text))
    for entry in entries:
        if rel in (entry.rel, str(Path(entry.rel).parent.as_posix())) and \
                (rel == entry.rel or entry.collection.in_folders):
            return _entry_target(entry)
    return Target(rel, [rel])


def _entry_target(entry: Entry) -> Target:
    return Target(f"{entry.id} « {entry.title} » ({entry.rel})", History.entry_paths(entry),
                  entry)


def target_versions(history: History, target: Target) -> list[list[Version]]:
    """The target's versions grouped by commit, newest first."""
    groups: dict[str, list[Version]] = {}
    found = [v for rel in target.paths for v in history.versions(rel)]
    for version in sorted(found, key=lambda v: (v.order, v.path)):
        groups.setdefault(version.commit, []).append(version)
    return list(groups.values())


def require_history(project) -> History:
    """The intranet history of the project, or a French error saying why there is none."""
    history = read_history(project.root, public=False)
    if not history.complete:
        raise AchatsError(f"historique indisponible : {history.warning}")
    return history


def resolve_commit(history: History, rev: str) -> str:
    """Full commit id of ``rev``; RevisionError (a usage error) when git does not know it."""
    try:
        return repository(history.root).commit_of(rev)
    except GitError:
        raise RevisionError(f"révision « {rev} » inconnue de git (voir « achats history » "
                            "pour les versions d'une fiche).") from None


class RevisionError(AchatsError):
    """A revision git does not know: a usage error (exit code 2)."""


def _candidates(history: History, rel: str) -> list[str]:
    """Every path the file now at ``rel`` had, newest first."""
    names = [rel]
    for version in history.versions(rel):
        names += [version.path] + ([version.old_path] if version.old_path else [])
    return list(dict.fromkeys(names))


def contents_at(history: History, target: Target, commit: str) -> dict[str, str | None]:
    """Current path -> text of that file at ``commit`` (None where it did not exist).

    For a tender, pieces that existed at ``commit`` but not any more are included under
    the path they would have now. One ls-tree (tenders only) and one cat-file process.
    """
    wanted: dict[str, list[str]] = {rel: _candidates(history, rel) for rel in target.paths}
    if target.folder:
        index = target.paths[0]
        folders = {str(Path(p).parent.as_posix()) for p in _candidates(history, index)}
        listing = repository(history.root).run(
            "ls-tree", "-z", "--name-only", commit, "--",
            *sorted(f"{f}/" for f in folders)).decode("utf-8", "replace")
        current = target.folder
        for name in (n for n in listing.split("\0") if n.endswith(".md")):
            piece = f"{current}/{Path(name).name}"
            wanted.setdefault(piece, [name])
    specs = {rel: [f"{commit}:{history.prefix}{c}" for c in names]
             for rel, names in wanted.items()}
    blobs = repository(history.root).read_blobs([s for group in specs.values()
                                                 for s in group])
    result = {}
    for rel, group in specs.items():
        text = next((blob_text(blobs[s]) for s in group if blobs.get(s) is not None), None)
        result[rel] = text
    return result
