"""`achats revert`: a target's files as they were at an earlier commit, in a new commit;
nothing written when anything could be lost."""

from __future__ import annotations

from dataclasses import dataclass

from achats.files import write_atomically
from achats.git.history import Target, contents_at, require_history, resolve_commit
from achats.git.repo import GitError, repository
from achats.problems import AchatsError


@dataclass
class Restored:
    target: Target
    version: str  # short id of the restored version
    commit: str  # short id of the new commit
    paths: list[str]


def restore_version(project, target: Target, rev: str) -> Restored:
    """Restore ``target``'s files as they were at ``rev``, in a new commit."""
    history = require_history(project)
    git = repository(project.root)
    status = git.run("status", "--porcelain", "--untracked-files=no")
    if status.strip():
        raise AchatsError("le dossier de travail contient des modifications non enregistrées "
                          "(git status) : enregistrez-les (commit) ou mettez-les de côté "
                          "(git stash) avant de restaurer une version. Rien n'a été modifié.")
    commit = resolve_commit(history, rev)
    old = contents_at(history, target, commit)
    if old.get(target.paths[0]) is None:
        raise AchatsError(f"{target.label} n'existait pas dans la version {commit[:7]} : "
                          "rien à restaurer (voir « achats history »).")
    _refuse_unsaved(project, list(old))
    changed, originals = [], {}
    for rel, text in old.items():
        path = project.inside(rel)
        now = path.read_bytes() if path.is_file() else None
        if now is not None and now.decode("utf-8-sig", "replace").replace("\r\n", "\n") == text:
            continue
        if now is None and text is None:
            continue
        originals[rel] = now
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, text)
        changed.append(rel)
    if not changed:
        raise AchatsError(f"{target.label} est déjà identique à la version {commit[:7]} : rien "
                          "à restaurer.")
    name = target.entry.id if target.entry is not None else target.paths[0]
    message = f"Restaure {name} à la version {commit[:7]}"
    try:
        git.run("add", "-A", "--", *changed)
        git.run("commit", "-q", "-m", message, "--", *changed)
    except GitError as exc:
        _put_back(project, originals)
        raise AchatsError(f"git a refusé le commit ({exc.stderr.strip()}) : rien n'a été "
                          "modifié.") from None
    head = git.run("rev-parse", "--short", "HEAD").decode().strip()
    return Restored(target, commit[:7], head, changed)


def _refuse_unsaved(project, paths: list[str]) -> None:
    """Refuses a restoration that would write over a file git does not hold as it is: one
    untracked (or ignored) at a restored path, modified, or a symbolic link. The check of the
    whole tree above leaves untracked files out."""
    found = repository(project.root).run("status", "--porcelain", "-z",
                                         "--untracked-files=all", "--ignored=matching", "--",
                                         *paths)
    unsaved = [item[3:].decode("utf-8", "replace") for item in found.split(b"\0") if item]
    unsaved += [rel for rel in paths if (project.root / rel).is_symlink()]
    if unsaved:
        raise AchatsError(f"la restauration écrirait sur {', '.join(sorted(set(unsaved)))}, "
                          "que git ne connaît pas dans cet état (fichier non suivi, ignoré, "
                          "modifié ou lien symbolique) : déplacez-le ou enregistrez-le (commit) "
                          "d'abord. Rien n'a été modifié.")


def _put_back(project, originals: dict[str, bytes | None]) -> None:
    """Undo a restoration whose commit failed: files and index as they were."""
    repository(project.root).run("reset", "-q", "--", *originals)
    for rel, data in originals.items():
        path = project.inside(rel)
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)
