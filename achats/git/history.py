"""Step 4, history: one `git log` over the whole repository -> versions per file.

A build runs a constant number of git processes, whatever the number of entries:

- ``git rev-parse``: is the project in a repository, is the clone shallow, is there a commit;
- ``git log``: every version of every file, renames followed, newest first (started before
  the entries are checked, read after: see ``start_history``);
- ``git cat-file --batch``: every old content needed, in one go (the intranet's diff pages;
  in the public variant, every version of the public entries' files, judged one by one by
  ``achats.variant``, whose texts the diff pages then reuse).

History that cannot be trusted (no repository, no commit, shallow clone) is reported as such:
dates are then "unknown", never the build date.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from pathlib import Path

import yaml

from achats.model import yamlsource
from achats.model.load import Entry
from achats.problems import AchatsError
from achats.model.schema import COLLECTIONS

UNKNOWN_DATE = "date inconnue (historique incomplet)"
NOT_COMMITTED = "date inconnue (fiche pas encore enregistrée dans git)"

_RECORD, _FIELD = "\x1e", "\x1f"
_LOG_FIELDS = {"intranet": "%H%x1f%h%x1f%aI%x1f%s%x1f%an%x1f%ae", "public": "%H%x1f%h%x1f%aI%x1f%s"}


class GitError(Exception):
    """A git process failed; ``stderr`` holds git's own message."""

    def __init__(self, args: list[str], returncode: int, stderr: str):
        super().__init__(f"git {' '.join(args)} : code {returncode} : {stderr.strip()}")
        self.returncode = returncode
        self.stderr = stderr


def run_git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run one git process in ``root`` and return its standard output (bytes)."""
    try:
        done = subprocess.run(["git", *args], cwd=root, input=input, capture_output=True,
                              check=False)
    except FileNotFoundError:
        raise GitError(list(args), 127, "git n'est pas installé") from None
    if done.returncode != 0:
        raise GitError(list(args), done.returncode, done.stderr.decode("utf-8", "replace"))
    return done.stdout


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


def _describe(entry: Entry, group: list[Version], subject: str | None) -> str:
    main = next((v for v in group if v.path == entry.rel), None)
    if main is not None and main.status == "A":
        verb = "créée"
    elif main is not None and main.status == "R":
        verb = "renommée"
    elif main is None:
        kinds = ", ".join(sorted({Path(v.path).stem.upper() for v in group}))
        verb = f"pièce{'s' if len(group) > 1 else ''} {kinds} modifiée{'s' if len(group) > 1 else ''}"
    else:
        verb = "modifiée"
    return f"{verb} : {subject}" if subject else verb


# -- which files are entries ----------------------------------------------------------------

def is_entry_file(rel: str) -> bool:
    """Whether ``rel`` is (or was) an entry's file or a tender's piece."""
    parts = rel.split("/")
    for collection in COLLECTIONS.values():
        folder = collection.folder.split("/")
        depth = len(folder) + (2 if collection.in_folders else 1)
        if parts[:len(folder)] == folder and len(parts) == depth and rel.endswith(".md"):
            return True
    return False


# -- reading the log --------------------------------------------------------------------------

def read_history(root: Path, public: bool) -> History:
    """Read the whole history of the project at ``root`` with one `git log` process."""
    return start_history(root, public).result()


def start_history(root: Path, public: bool) -> "HistoryReading":
    """Starts `git log` and returns at once: git writes the log on another core while the
    caller loads and checks the entries (about 1.5 s of git at 10,000 entries)."""
    return HistoryReading(Path(root), public)


class HistoryReading:
    """One `git log` running in the background; ``result()`` waits for it and parses it.

    The log goes to an unnamed temporary file rather than a pipe: a pipe nobody reads
    would stop git once full, and a reading thread would forbid the build's fork
    (achats.site.parallel).
    """

    def __init__(self, root: Path, public: bool):
        self.root, self.public = root, public
        self._history = History(root, public)
        self._process = self._output = self._errors = None
        self._done = False
        try:
            probe = run_git(root, "rev-parse", "--is-shallow-repository", "--show-prefix",
                            "--verify", "-q", "HEAD")
        except GitError as exc:
            self._history.warning = _probe_warning(exc)
            self._done = True
            return
        lines = probe.decode("utf-8", "replace").split("\n")
        shallow, self._history.prefix = lines[0].strip() == "true", lines[1].strip()
        if shallow:
            self._history.warning = (
                "clone git partiel (« shallow ») : l'historique est incomplet, les dates de "
                "mise à jour sont affichées comme inconnues. En CI, récupérez tout "
                "l'historique (fetch-depth: 0 sur GitHub, GIT_DEPTH: 0 sur GitLab).")
            self._done = True
            return
        fields = _LOG_FIELDS["public" if public else "intranet"]
        self._output, self._errors = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            ["git", "-c", "core.quotepath=false", "log", "--no-merges", "--topo-order", "-M",
             "--name-status", "-z", "--relative", f"--format={_RECORD}{fields}", "--", "."],
            cwd=root, stdin=subprocess.DEVNULL, stdout=self._output, stderr=self._errors)

    def result(self) -> History:
        """The history (read once; later calls return the same object)."""
        if self._done:
            return self._history
        self._done = True
        history = self._history
        try:
            code = self._process.wait()
            self._output.seek(0)
            output = self._output.read()
            self._errors.seek(0)
            errors = self._errors.read().decode("utf-8", "replace").strip()
        finally:
            self._close_files()
        if code != 0:
            history.warning = (f"historique git illisible ({errors or f'code {code}'}) : "
                               "dates affichées comme inconnues.")
            return history
        history._by_path = _parse_log(output.decode("utf-8", "replace"), self.public,
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
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._close_files()

    def _close_files(self) -> None:
        for stream in (self._output, self._errors):
            stream.close()


def _probe_warning(exc: GitError) -> str:
    if exc.returncode == 1:
        return "le dépôt git n'a encore aucun commit : pas d'historique, dates inconnues."
    if "dubious ownership" in exc.stderr or "safe.directory" in exc.stderr:
        return ("git refuse de lire ce dépôt (propriétaire différent, voir « git config "
                "--global --add safe.directory ») : pas d'historique, dates inconnues.")
    if exc.returncode == 127:
        return "git n'est pas installé : pas d'historique, dates inconnues."
    return "le projet n'est pas dans un dépôt git : pas d'historique, dates inconnues."


def _parse_log(text: str, public: bool, root: Path) -> dict[str, list[Version]]:
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


# -- old contents -----------------------------------------------------------------------------

def read_blobs(root: Path, specs: list[str]) -> dict[str, bytes | None]:
    """Contents of ``<rev>:<path>`` objects with one `git cat-file --batch` process.

    Paths are relative to the repository's top; a missing object maps to None.
    """
    wanted = list(dict.fromkeys(s for s in specs if "\n" not in s))
    if not wanted:
        return {}
    output = run_git(root, "cat-file", "--batch",
                     input="".join(f"{s}\n" for s in wanted).encode("utf-8"))
    result: dict[str, bytes | None] = {}
    position = 0
    for spec in wanted:
        end = output.index(b"\n", position)
        header = output[position:end].decode("utf-8", "replace").split()
        position = end + 1
        if len(header) == 3 and header[1] in ("blob", "commit", "tree", "tag") \
                and header[2].isdigit():
            size = int(header[2])
            result[spec] = output[position:position + size] if header[1] == "blob" else None
            position += size + 1
        else:
            result[spec] = None  # "<spec> missing" or "ambiguous"
    return result


def blob_text(data: bytes | None) -> str | None:
    if data is None:
        return None
    return data.decode("utf-8-sig", "replace").replace("\r\n", "\n").replace("\r", "\n")


# -- readable differences ---------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


_WORD_LIMIT = 250_000  # tokens × tokens compared word by word in one block, at most


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences: a list of (op, text) with op "=", "-" (removed) or "+".

    Lines are compared first, then words inside the lines that changed: the cost stays
    near-linear in the text's length (difflib on words alone is quadratic on long texts).
    """
    a_lines = (old or "").splitlines(keepends=True)
    b_lines = (new or "").splitlines(keepends=True)
    ops: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        before, after = "".join(a_lines[i1:i2]), "".join(b_lines[j1:j2])
        if tag == "equal":
            _push(ops, "=", before)
        elif tag == "replace":
            _words(before, after, ops)
        else:
            _push(ops, "-", before)
            _push(ops, "+", after)
    return _coalesce(ops)


def _words(old: str, new: str, ops: list) -> None:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    _push(ops, "=", "".join(a[:start]))
    middle_a, middle_b = a[start:len(a) - end], b[start:len(b) - end]
    if len(middle_a) * len(middle_b) > _WORD_LIMIT:
        _push(ops, "-", "".join(middle_a))  # a long rewrite: shown whole, not word by word
        _push(ops, "+", "".join(middle_b))
    else:
        matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                _push(ops, "=", "".join(middle_a[i1:i2]))
            else:
                _push(ops, "-", "".join(middle_a[i1:i2]))
                _push(ops, "+", "".join(middle_b[j1:j2]))
    _push(ops, "=", "".join(a[len(a) - end:]))


def _coalesce(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """« <del>n'est demandé</del><ins>ne sera exigé</ins> » rather than word by word:
    changes separated by a single space become one deletion and one insertion."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(ops):
        if ops[i][0] == "=":
            out.append(ops[i])
            i += 1
            continue
        j, removed, added = i, [], []
        while j < len(ops):
            op, text = ops[j]
            if op == "-":
                removed.append(text)
            elif op == "+":
                added.append(text)
            elif text in (" ", "\n") and j + 1 < len(ops) and ops[j + 1][0] != "=":
                removed.append(text)
                added.append(text)
            else:
                break
            j += 1
        gone, new = "".join(removed), "".join(added)
        if j - i > 2 and (not gone.strip() or not new.strip()):
            out.extend(ops[i:j])  # only one side changed: keep the words as they were
        else:
            out.extend(item for item in (("-", gone), ("+", new)) if item[1])
        i = j
    return out


def _push(ops: list, op: str, text: str) -> None:
    if not text:
        return
    if ops and ops[-1][0] == op:
        ops[-1] = (op, ops[-1][1] + text)
    else:
        ops.append((op, text))


@dataclass
class FieldChange:
    """A front-matter field that changed between two versions."""

    field: str  # dotted path, e.g. "validation.le"
    old: str | None  # displayable value, None when the field was absent
    new: str | None
    words: list | None = None  # word diff for long texts, else None

    @property
    def kind(self) -> str:
        return "ajout" if self.old is None else "suppression" if self.new is None else \
            "modification"


@dataclass
class DocumentDiff:
    fields: list[FieldChange]
    body: list[tuple[str, str]]  # word diff of the Markdown body
    unreadable: bool = False  # a front matter could not be parsed: raw text diff in body

    @property
    def body_changed(self) -> bool:
        return any(op != "=" for op, _ in self.body)


def display_value(value) -> str:
    if isinstance(value, list):
        return ", ".join(display_value(v) for v in value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "oui" if value else "non"
    return "" if value is None else str(value).strip()


def _flatten(meta: dict, prefix: str = "") -> dict[str, object]:
    flat = {}
    for key, value in meta.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def field_changes(old_meta: dict, new_meta: dict, text_filter=None) -> list[FieldChange]:
    """Changed, added and removed front-matter fields, nested mappings as dotted names.

    ``text_filter`` (str -> str) is applied to the values shown.
    """
    show = text_filter or (lambda text: text)
    old, new = _flatten(old_meta or {}), _flatten(new_meta or {})
    changes = []
    for name in list(old) + [k for k in new if k not in old]:
        if name in old and name in new and old[name] == new[name]:
            continue
        before = show(display_value(old[name])) if name in old else None
        after = show(display_value(new[name])) if name in new else None
        if before == after:
            continue
        long = any(isinstance(v, str) and len(v.split()) >= 4 for v in (before, after))
        words = word_diff(before or "", after or "") if long else None
        changes.append(FieldChange(name, before, after, words))
    return changes


def document_diff(old_text: str | None, new_text: str | None, meta_filter=None,
                  text_filter=None) -> DocumentDiff:
    """Field changes and body word diff between two versions of a Markdown file.

    ``meta_filter`` (dict -> dict) and ``text_filter`` (str -> str) take out what a reader
    may not see (the public variant: internal fields, links to internal entries).
    """
    old_doc, new_doc = _split_version(old_text), _split_version(new_text)
    show = text_filter or (lambda text: text)
    if old_doc.meta is None or new_doc.meta is None:
        if meta_filter is not None:  # a filtered reader sees no unreadable front matter
            return DocumentDiff([], [], unreadable=True)
        return DocumentDiff([], word_diff(old_text or "", new_text or ""), unreadable=True)
    old_meta, new_meta = old_doc.meta, new_doc.meta
    if meta_filter is not None:
        old_meta, new_meta = meta_filter(old_meta), meta_filter(new_meta)
    return DocumentDiff(field_changes(old_meta, new_meta, text_filter),
                        word_diff(show(old_doc.body.strip("\n")), show(new_doc.body.strip("\n"))))


def readable_version(text: str | None, meta_filter=None, text_filter=None) -> dict | None:
    """One version as the site's comparison reads it: {"champs": dotted field -> displayed
    value, "texte": body}, with the same filters as document_diff. None when a filtered
    reader may not see it (unreadable front matter); unfiltered, an unreadable front matter
    gives the whole text as body (like document_diff)."""
    if text is None:
        return None
    doc = _split_version(text)
    show = text_filter or (lambda value: value)
    if doc.meta is None:
        return None if meta_filter is not None else {"champs": {}, "texte": text,
                                                     "illisible": True}
    meta = meta_filter(doc.meta) if meta_filter is not None else doc.meta
    return {"champs": {name: show(display_value(value))
                       for name, value in _flatten(meta or {}).items()},
            "texte": show(doc.body.strip("\n"))}


def front_matter(text: str | None) -> dict:
    """The front matter of a historical version ({} when unreadable)."""
    return _split_version(text).meta or {}


@dataclass
class _Version:
    meta: dict | None  # None when unreadable
    body: str


def _split_version(text: str | None) -> _Version:
    """Front matter and body of an old version: plain YAML, no line numbers (faster than
    the loader's strict parse, which only current files need)."""
    text = text or ""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return _Version({}, text)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return _Version(None, text)
    try:
        # Within the same limits as current files: an alias bomb committed once (then
        # fixed) must not blow up every later build.
        meta, _lines = yamlsource.parse("\n".join(lines[1:end]))
    except (yaml.YAMLError, yamlsource.DuplicateKeyError, yamlsource.LimitError):
        return _Version(None, text)
    if meta is None:
        meta = {}
    return _Version(meta if isinstance(meta, dict) else None, "\n".join(lines[end + 1:]))


CONTEXT_WORDS = 30  # unchanged words kept around a change before « […] »


def abridge(text: str, keep_start: bool, keep_end: bool, context: int = CONTEXT_WORDS) -> str:
    """Unchanged text between changes, shortened to ``context`` words around them.

    ``keep_start``: a change comes before this text; ``keep_end``: a change follows it.
    """
    tokens = re.split(r"(\s+)", text)  # words at even positions, spaces at odd ones
    if len(tokens) <= 2 * context * (int(keep_start) + int(keep_end)) + 20:
        return text
    head = "".join(tokens[:2 * context]).rstrip() + " " if keep_start else ""
    tail = " " + "".join(tokens[-2 * context:]).lstrip() if keep_end else ""
    return f"{head}[…]{tail}"


# -- what the history commands are about: an entry (ID or path) or a file ---------------------

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
        out = run_git(history.root, "rev-parse", "--verify", "-q", "--end-of-options",
                      f"{rev}^{{commit}}")
    except GitError:
        raise RevisionError(f"révision « {rev} » inconnue de git (voir « achats history » "
                            "pour les versions d'une fiche).") from None
    return out.decode().strip()


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
        listing = run_git(history.root, "ls-tree", "-z", "--name-only", commit, "--",
                          *sorted(f"{f}/" for f in folders)).decode("utf-8", "replace")
        current = target.folder
        for name in (n for n in listing.split("\0") if n.endswith(".md")):
            piece = f"{current}/{Path(name).name}"
            wanted.setdefault(piece, [name])
    specs = {rel: [f"{commit}:{history.prefix}{c}" for c in names]
             for rel, names in wanted.items()}
    blobs = read_blobs(history.root, [s for group in specs.values() for s in group])
    result = {}
    for rel, group in specs.items():
        text = next((blob_text(blobs[s]) for s in group if blobs.get(s) is not None), None)
        result[rel] = text
    return result


@dataclass
class Restored:
    target: Target
    version: str  # short id of the restored version
    commit: str  # short id of the new commit
    paths: list[str]


def restore_version(project, target: Target, rev: str) -> Restored:
    """Restore ``target``'s files as they were at ``rev``, in a new commit."""
    history = require_history(project)
    status = run_git(project.root, "status", "--porcelain", "--untracked-files=no")
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
        run_git(project.root, "add", "-A", "--", *changed)
        run_git(project.root, "commit", "-q", "-m", message, "--", *changed)
    except GitError as exc:
        _put_back(project, originals)
        raise AchatsError(f"git a refusé le commit ({exc.stderr.strip()}) : rien n'a été "
                          "modifié.") from None
    head = run_git(project.root, "rev-parse", "--short", "HEAD").decode().strip()
    return Restored(target, commit[:7], head, changed)


def _refuse_unsaved(project, paths: list[str]) -> None:
    """Refuses a restoration that would write over a file git does not hold as it is: one
    untracked (or ignored) at a restored path, modified, or a symbolic link. The check of the
    whole tree above leaves untracked files out."""
    found = run_git(project.root, "status", "--porcelain", "-z", "--untracked-files=all",
                    "--ignored=matching", "--", *paths)
    unsaved = [item[3:].decode("utf-8", "replace") for item in found.split(b"\0") if item]
    unsaved += [rel for rel in paths if (project.root / rel).is_symlink()]
    if unsaved:
        raise AchatsError(f"la restauration écrirait sur {', '.join(sorted(set(unsaved)))}, "
                          "que git ne connaît pas dans cet état (fichier non suivi, ignoré, "
                          "modifié ou lien symbolique) : déplacez-le ou enregistrez-le (commit) "
                          "d'abord. Rien n'a été modifié.")


def _put_back(project, originals: dict[str, bytes | None]) -> None:
    """Undo a restoration whose commit failed: files and index as they were."""
    run_git(project.root, "reset", "-q", "--", *originals)
    for rel, data in originals.items():
        path = project.inside(rel)
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` through a temporary file in the same folder."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
