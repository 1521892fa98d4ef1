"""Step 4, history: one `git log` over the whole repository, parsed into versions per file.

``start_history`` starts the log (through achats.git.repo) before the entries are checked
and ``result()`` parses it after; ``History`` answers per file and per entry.

History that cannot be trusted (no repository, no commit, shallow clone, git missing or
refused) is reported as such: dates are then "unknown", never the build date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from pathlib import Path

from achats.git.repo import GitError, repository
from achats.model.load import Entry

UNKNOWN_DATE = "date inconnue (historique incomplet)"
NOT_COMMITTED = "date inconnue (fiche pas encore enregistrée dans git)"

_RECORD, _FIELD = "\x1e", "\x1f"
_LOG_FIELDS = {"intranet": "%H%x1f%h%x1f%aI%x1f%s%x1f%an%x1f%ae", "public": "%H%x1f%h%x1f%aI%x1f%s"}
SHALLOW_WARNING = (
    "clone git partiel (« shallow ») : l'historique est incomplet, les dates de mise à jour "
    "sont affichées comme inconnues. En CI, récupérez tout l'historique (fetch-depth: 0 sur "
    "GitHub, GIT_DEPTH: 0 sur GitLab).")


@dataclass(frozen=True)
class Version:
    """One change of one file in one commit."""

    commit: str  # full id
    short: str  # abbreviated id
    date: dt.datetime  # author date, with its time zone
    subject: str  # first line of the commit message
    path: str  # the file's path after this commit (relative to the project root)
    status: str  # A added, M modified, D deleted, R renamed, C copied, T type changed
    old_path: str | None = None  # the path before a rename or copy
    author: str | None = None  # None in the public variant
    email: str | None = None  # None in the public variant
    order: int = 0  # position in the log: 0 is the newest commit

    @property
    def day(self) -> str:
        return self.date.strftime("%d/%m/%Y")

    @property
    def before_path(self) -> str:
        """Where the file was in the commit's parent."""
        return self.old_path or self.path


@dataclass
class History:
    """Every version of every file of the project, as far as git knows it."""

    root: Path
    public: bool
    available: bool = False  # the log was read and can be trusted
    complete: bool = False  # available, and nothing is missing (not a shallow clone)
    warning: str | None = None  # French, for the build log
    prefix: str = ""  # the project's folder inside the repository ("" at its top)
    _by_path: dict = dc_field(default_factory=dict)
    _by_commit: dict = dc_field(default_factory=dict)  # commit -> files it changed (keys)

    # -- per file ---------------------------------------------------------------------------

    def commit_files(self, commit: str) -> set[str]:
        """Files (by their current path) that ``commit`` changed."""
        return set(self._by_commit.get(commit, ()))

    def versions(self, rel: str) -> list[Version]:
        """Versions of the file now at ``rel``, newest first (renames followed)."""
        return list(self._by_path.get(rel, ()))

    def created(self, rel: str) -> dt.datetime | None:
        found = self.versions(rel) if self.complete else []
        return found[-1].date if found else None

    def updated(self, rel: str) -> dt.datetime | None:
        found = self.versions(rel) if self.complete else []
        return found[0].date if found else None

    # -- per entry (a tender is its index.md and its pieces) --------------------------------

    @staticmethod
    def entry_paths(entry: Entry) -> list[str]:
        return [entry.rel] + [piece.rel for piece in entry.pieces]

    def entry_versions(self, entry: Entry) -> list[Version]:
        """Versions of every file of the entry, newest first."""
        found = [v for rel in self.entry_paths(entry) for v in self.versions(rel)]
        return sorted(found, key=lambda v: (v.order, v.path))

    def entry_commits(self, entry: Entry) -> list[list[Version]]:
        """The entry's versions grouped by commit, newest commit first."""
        groups: dict[str, list[Version]] = {}
        for version in self.entry_versions(entry):
            groups.setdefault(version.commit, []).append(version)
        return list(groups.values())

    def entry_updated(self, entry: Entry) -> dt.datetime | None:
        found = self.entry_versions(entry) if self.complete else []
        return max((v.date for v in found), default=None)

    def updated_label(self, entry: Entry) -> str | None:
        """« le 12/03/2026 », or why the date is unknown; never the build date."""
        if not self.complete:
            return UNKNOWN_DATE
        when = self.entry_updated(entry)
        return f"le {when.strftime('%d/%m/%Y')}" if when else NOT_COMMITTED

    def authors(self, entry: Entry) -> list[str]:
        """Names of the people who changed the entry, most recent first (none when the log
        was read without them)."""
        seen: dict[str, None] = {}
        for version in self.entry_versions(entry):
            if version.author:
                seen.setdefault(version.author, None)
        return list(seen)


# -- reading the log --------------------------------------------------------------------------

def read_history(root: Path, public: bool) -> History:
    """Read the whole history of the project at ``root`` with one `git log` process."""
    return start_history(root, public).result()


def start_history(root: Path, public: bool) -> "HistoryReading":
    """Starts `git log` and returns at once: git writes the log on another core while the
    caller loads and checks the entries (about 1.5 s of git at 10,000 entries)."""
    return HistoryReading(Path(root), public)


class HistoryReading:
    """One `git log` running in the background; ``result()`` waits for it and parses it."""

    def __init__(self, root: Path, public: bool):
        self.root, self.public = root, public
        self._history = History(root, public)
        self._running = None
        self._done = True
        git = repository(root)
        if git.repo is None:
            self._history.warning = f"{git.problem} : pas d'historique, dates inconnues."
            return
        if not git.has_commit():
            self._history.warning = ("le dépôt git n'a encore aucun commit : pas "
                                     "d'historique, dates inconnues.")
            return
        if git.is_shallow():
            self._history.warning = SHALLOW_WARNING
            return
        self._history.prefix = git.prefix()
        fields = _LOG_FIELDS["public" if public else "intranet"]
        try:
            self._running = git.start(
                "log", "--no-merges", "--topo-order", "-M", "--name-status", "-z",
                "--relative", f"--format={_RECORD}{fields}", "--", ".",
                config=("core.quotepath=false",))
        except GitError as exc:
            self._history.warning = _failure_warning(exc)
            return
        self._done = False

    def result(self) -> History:
        """The history (read once; later calls return the same object)."""
        if self._done:
            return self._history
        self._done = True
        history = self._history
        try:
            output = self._running.result()
        except GitError as exc:
            history.warning = _failure_warning(exc)
            return history
        history._by_path = parse_log(output.decode("utf-8", "replace"), self.public,
                                     self.root)
        for key, found in history._by_path.items():
            for version in found:
                history._by_commit.setdefault(version.commit, set()).add(key)
        history.available = history.complete = True
        return history

    def close(self) -> None:
        """Stops git if the history was never asked for (a build that failed before)."""
        if self._done:
            return
        self._done = True
        self._running.stop()


def _failure_warning(exc: GitError) -> str:
    if "dubious ownership" in exc.stderr or "safe.directory" in exc.stderr:
        return ("git refuse de lire ce dépôt (propriétaire différent, voir « git config "
                "--global --add safe.directory ») : pas d'historique, dates inconnues.")
    if exc.returncode == 127:
        return "git n'est pas installé : pas d'historique, dates inconnues."
    said = exc.stderr.strip().splitlines()
    return (f"historique git illisible ({said[-1] if said else f'code {exc.returncode}'}) : "
            "dates affichées comme inconnues.")


def parse_log(text: str, public: bool, root: Path) -> dict[str, list[Version]]:
    by_path: dict[str, list[Version]] = defaultdict(list)
    alias: dict[str, str] = {}  # a path at older commits -> the key of the file it became
    renamed: dict[str, str] = {}  # every rename seen: old path -> key of the file it became
    for order, record in enumerate(r for r in text.split(_RECORD) if r.strip("\n\0")):
        header, _, changes = record.partition("\0")
        parts = header.split(_FIELD)
        commit, short, date, subject = parts[:4]
        author, email = (parts[4], parts[5]) if not public and len(parts) >= 6 else (None, None)
        when = dt.datetime.fromisoformat(date.strip())
        tokens = changes.lstrip("\n").split("\0")
        i = 0
        while i < len(tokens):
            status = tokens[i].strip()
            if not status:
                i += 1
                continue
            kind = status[0]
            if kind in "RC":
                old = tokens[i + 1] if i + 1 < len(tokens) else None
                new = tokens[i + 2] if i + 2 < len(tokens) else ""
                i += 3
            else:
                old, new = None, tokens[i + 1] if i + 1 < len(tokens) else ""
                i += 2
            if not new:
                continue
            key = alias.get(new, new)
            by_path[key].append(Version(commit, short, when, subject, new, kind, old, author,
                                        email, order))
            if kind == "R":
                alias[old] = renamed[old] = key
            elif kind == "A":
                # Before its creation, this path belonged to another (deleted or moved) file.
                alias.pop(new, None)
    _attach_orphans(by_path, renamed, root)
    return dict(by_path)


def _attach_orphans(by_path: dict, renamed: dict, root: Path) -> None:
    """Versions made on a branch to a path renamed elsewhere go to the file it became."""
    for old, key in renamed.items():
        if old in by_path and old != key and not (root / old).exists() and key in by_path:
            by_path[key] = sorted(by_path[key] + by_path.pop(old), key=lambda v: v.order)
