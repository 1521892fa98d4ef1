"""Every ID an entry ever had in git's history: IDs are never handed out twice.

One ``git log -p`` reads, for the commits that add or remove an ``id:`` line in an entry's
front matter, the lines of those files: a file created or deleted shows its whole front
matter (ID and title), a file whose ID was edited shows both IDs. From that come the IDs
ever used (``achats new`` starts above them), the paths and titles each ID had (``achats
review-check`` refuses an ID that another entry had), and the retired IDs: those no entry
of the working tree carries any more, with their last title.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import yaml

from achats.git.repo import GitError, NotARepository, repository
from achats.project import Project
from achats.model.schema import COLLECTIONS

_ID_LINE = re.compile(r"""^id[ \t]*:[ \t]*(["']?)([A-Z]{2}-\d{3,})\1[ \t]*(?:#.*)?$""")
_TITLE_LINE = re.compile(r"^titre[ \t]*:(.*)$")


@dataclass
class PastId:
    """What history knows of one ID."""

    id: str
    paths: list[str] = field(default_factory=list)  # every path that carried it, oldest first
    titles: list[str] = field(default_factory=list)  # every title seen, oldest first
    last_commit: str = ""
    last_date: dt.datetime | None = None
    deleted: bool = False  # its last event removed it

    @property
    def last_title(self) -> str:
        return self.titles[-1] if self.titles else ""

    @property
    def last_path(self) -> str:
        return self.paths[-1] if self.paths else ""


@dataclass
class IdHistory:
    ids: dict[str, PastId]
    complete: bool  # False outside git or in a shallow clone
    warning: str = ""


def _folders() -> list[str]:
    return sorted({c.folder for c in COLLECTIONS.values()})


def read_id_history(project: Project, revision: str = "HEAD") -> IdHistory:
    """IDs seen in the history of ``revision``, with one git process."""
    git = repository(project.root)
    try:
        git.require()
        out = git.run("-c", "core.quotepath=false", "log", revision, "-p", "-U0",
                      "--no-renames", "--no-color", "--no-ext-diff", "--relative",
                      "-G^id[ \t]*:", "--format=%x00%H %cI", "--", *_folders())
    except NotARepository:
        return IdHistory({}, False, f"{git.problem} : seuls les identifiants des fiches "
                         "présentes sont connus.")
    except GitError as exc:
        said = exc.stderr.strip()
        if exc.returncode == 127:
            reason = "git n'est pas installé"
        elif revision == "HEAD" and not git.has_commit():
            return IdHistory({}, True)  # no commit yet: no history to respect
        else:
            reason = f"historique git illisible ({said.splitlines()[-1] if said else exc})"
        return IdHistory({}, False, f"{reason} : seuls les identifiants des fiches présentes "
                         "sont connus.")
    history = IdHistory(_parse(out.decode("utf-8", "replace")), True)
    if git.is_shallow():
        history.complete = False
        history.warning = ("clone superficiel : les identifiants des commits absents ne "
                           "sont pas connus (récupérez tout l'historique).")
    return history


def _parse(log: str) -> dict[str, PastId]:
    """PastIds from the log, replayed oldest commit first."""
    commits = [c for c in log.split("\0") if c.strip()]
    ids: dict[str, PastId] = {}
    for chunk in reversed(commits):
        header, _, diff = chunk.partition("\n")
        commit, _, date = header.partition(" ")
        try:
            when = dt.datetime.fromisoformat(date.strip())
        except ValueError:
            when = None
        for path, removed, added in _files(diff):
            for sign, lines in (("-", removed), ("+", added)):
                ident, title = _front(lines)
                if ident is None:
                    continue
                past = ids.setdefault(ident, PastId(ident))
                if path not in past.paths:
                    past.paths.append(path)
                else:  # keep the latest path last
                    past.paths.remove(path)
                    past.paths.append(path)
                if title and (not past.titles or past.titles[-1] != title):
                    past.titles.append(title)
                past.last_commit, past.last_date = commit, when
                past.deleted = sign == "-"
    return ids


def _files(diff: str):
    """(path, removed lines, added lines) per file of one commit's patch."""
    path, removed, added, in_header = None, [], [], False
    for line in diff.split("\n"):
        if line.startswith("diff --git "):
            if path is not None:
                yield path, removed, added
            path, removed, added, in_header = None, [], [], True
        elif in_header:  # "--- a/…" and "+++ b/…" come before the first hunk only
            if line.startswith("@@"):
                in_header = False
            elif line.startswith(("--- ", "+++ ")) and line[4:] != "/dev/null":
                name = line[4:]
                path = name[2:] if name[:2] in ("a/", "b/") else name
        elif line.startswith("-"):
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
    if path is not None:
        yield path, removed, added


def _front(lines: list[str]) -> tuple[str | None, str]:
    """(ID, title) from the lines of one side of a patch: a whole front matter for a file
    created or deleted, just the changed lines otherwise."""
    ident, title = None, ""
    for line in lines:
        if line.rstrip() == "---" and ident is not None:
            break
        match = _ID_LINE.match(line.rstrip())
        if match and ident is None:
            ident = match.group(2)
            continue
        match = _TITLE_LINE.match(line)
        if match and not title:
            try:
                value = yaml.safe_load(match.group(1))
            except yaml.YAMLError:
                value = match.group(1).strip()
            title = str(value).strip() if value is not None else ""
    return ident, title


def retired_ids(history: IdHistory, current: set[str]) -> list[PastId]:
    """IDs of history that no current entry carries, by ID: « retirées » with their last
    title (an ID is never handed out again)."""
    return sorted((p for p in history.ids.values() if p.id not in current),
                  key=lambda p: (p.id.split("-")[0], int(p.id.split("-")[1])))
