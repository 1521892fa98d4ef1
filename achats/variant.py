"""The one place that decides what a reader of each variant may see (issue 15).

Between the index and history stages and rendering: a ``View`` holds the graph of the
entries the variant shows (in the public variant, copies without their internal fields)
and a history view whose versions, messages and differences are the ones the variant may
show. Renderers receive a view and never test the variant; the public audit
(``achats.site.audit``) is the independent proof, and reads here what was withheld.

Visibility is judged **version by version**: a past version of a file is public only if,
at that commit, its own path (collection) and front matter made it public. A rapport
d'étonnement moved into ``guides/`` stays internal for its whole life as a rapport; a guide
committed with ``visibilite: interne`` is internal at that commit. The public history of an
entry shows its public versions only, differences between two public versions only, and
the first of them as « première version publique ». A commit message is public only when
every entry file that the commit touched was public at that commit and still is, and was
not withheld just before (the commit that publishes an internal text, or removes a
withdrawn one, was written about that text).

``content/data/retraits.yml`` withdraws versions published by mistake: the public history
skips them (differences are computed across them), the intranet says they are withdrawn.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from dataclasses import dataclass, field as dc_field
from pathlib import Path

import yaml

from achats.model import yamlsource
from achats.index.graph import Graph, build_graph
from achats.git.diff import document_diff, front_matter, readable_version, split_version
from achats.git.log import NOT_COMMITTED, UNKNOWN_DATE, History, Version
from achats.git.repo import GitError, blob_text, repository
from achats.model.links import ID_LINK_ANY_CASE, ID_NUMBER, ID_PATTERN
from achats.model.load import Entry
from achats.problems import AchatsError, ProblemList
from achats.model.schema import BY_PREFIX, COLLECTIONS, PIECE_FIELDS
from achats.model.schema.collections import MARCHE, Collection

INTRANET, PUBLIC = "intranet", "public"
WITHDRAWALS_FILE = "retraits.yml"  # in content/data


# -- what the public may see of a text or a front matter -----------------------------------------

INTERNAL_PLACEHOLDER = "[fiche réservée à l'intranet]"
_ANY_ID = re.compile(r"\b(" + "|".join(sorted(BY_PREFIX)) + ")" + ID_NUMBER + r"\b",
                     re.IGNORECASE)


def mask_ids(text: str | None, known_ids) -> str | None:
    """``text`` where links and IDs of entries not in ``known_ids`` become plain text."""
    if not text:
        return text
    text = ID_LINK_ANY_CASE.sub(lambda m: m.group(0) if m.group(1).upper() in known_ids
                        else (m.group(2) or INTERNAL_PLACEHOLDER), text)
    return _ANY_ID.sub(lambda m: m.group(0) if m.group(0).upper() in known_ids
                       else INTERNAL_PLACEHOLDER, text)


_DROP = object()


def public_meta(fields: list, meta: dict) -> dict:
    """A front matter without its internal fields (at any depth) nor undeclared keys."""
    declared = {f.name: f for f in fields}
    kept = {}
    for key, value in (meta or {}).items():
        field = declared.get(key)
        if field is not None:
            value = _public_value(field, value)
            if value is not _DROP:
                kept[key] = value
    return kept


def _public_value(field, value):
    if field.internal:
        return _DROP
    if isinstance(value, list) and field.items is not None:
        return [v for v in (_public_value(field.items, item) for item in value)
                if v is not _DROP]
    if isinstance(value, dict) and field.fields:
        return public_meta(field.fields, value)
    if isinstance(value, (list, dict)):
        return _DROP  # a shape the schema does not declare: not shown
    return value


# -- withdrawals: content/data/retraits.yml -----------------------------------------------------

@dataclass(frozen=True)
class Withdrawal:
    """A commit (or one entry's files in it) whose text the public must never see again."""

    commit: str  # full id when the history is known, else as written
    reason: str
    line: int  # in retraits.yml
    entry_id: str | None = None  # only this entry's files; None: every file of the commit
    where: str = "retraits"  # the item's place in the file, for messages: retraits[0]

    def note(self) -> str:
        return (f"Version retirée de la variante publique ({WITHDRAWALS_FILE}, ligne "
                f"{self.line}) : {self.reason}")


@dataclass
class Withdrawals:
    items: list[Withdrawal] = dc_field(default_factory=list)

    def find(self, commit: str, entry_id: str | None) -> Withdrawal | None:
        for item in self.items:  # a prefix when the history could not be read to check it
            if commit.startswith(item.commit) and item.entry_id in (None, entry_id):
                return item
        return None

    @property
    def commits(self) -> set[str]:
        return {item.commit for item in self.items}


_HEX = re.compile(r"[0-9a-fA-F]{4,40}")
_KEYS = {"commit", "motif", "fiche"}


def load_withdrawals(data_dir: Path, history: History | None) -> Withdrawals:
    """The withdrawals of ``data_dir/retraits.yml`` (none when the file is absent).

    Every problem is reported with its line (``chemin:ligne: champ: erreur: message``) in one
    AchatsError: a withdrawal that cannot be applied must stop the build, never be ignored.
    With a readable history, each commit must name exactly one commit of the project.
    """
    path = Path(data_dir) / WITHDRAWALS_FILE
    rel = f"content/data/{WITHDRAWALS_FILE}"
    if not path.is_file():
        return Withdrawals()
    problems = ProblemList()
    try:
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        value, lines = yamlsource.parse(text, limits=yamlsource.DATA_FILE)
    except UnicodeDecodeError:
        problems.add(rel, 1, "fichier", "le fichier n'est pas du texte UTF-8.")
        raise _refused(problems)
    except yamlsource.DuplicateKeyError as exc:
        problems.add(rel, exc.line, exc.key, f"clé « {exc.key} » en double.")
        raise _refused(problems)
    except yamlsource.LimitError as exc:
        problems.add(rel, exc.line, "yaml", f"{exc.message} : fichier refusé.")
        raise _refused(problems)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problems.add(rel, mark.line + 1 if mark else 1, "retraits", "YAML invalide : "
                     + yamlsource.explain(getattr(exc, "problem", None) or str(exc)) + ".")
        raise _refused(problems)
    if value is None:
        return Withdrawals()
    if not isinstance(value, dict) or set(value) - {"retraits"}:
        problems.add(rel, 1, "retraits", "le fichier doit contenir une seule clé « retraits », "
                     "une liste de versions retirées (commit, motif, fiche facultative).")
        raise _refused(problems)
    items = value.get("retraits") or []
    if not isinstance(items, list):
        problems.add(rel, yamlsource.line_of(lines, "retraits"), "retraits",
                     "« retraits » doit être une liste (une ligne « - commit: … » par version).")
        raise _refused(problems)
    commits = sorted({v.commit for key in history._by_path for v in history.versions(key)}) \
        if history is not None and history.complete else None
    found = []
    for index, item in enumerate(items):
        where = f"retraits[{index}]"
        line = yamlsource.line_of(lines, where)
        if not isinstance(item, dict):
            problems.add(rel, line, where, "chaque retrait est un ensemble « commit », « motif » "
                         "(et « fiche » facultative).")
            continue
        for key in sorted(set(map(str, item)) - _KEYS):
            problems.add(rel, yamlsource.line_of(lines, f"{where}.{key}"), f"{where}.{key}",
                         f"clé inconnue « {key} » (attendu : commit, motif, fiche).")
        commit = item.get("commit")
        commit = str(commit) if isinstance(commit, (str, int)) and not isinstance(commit, bool) \
            else None
        cline = yamlsource.line_of(lines, f"{where}.commit", line)
        if commit is None or not _HEX.fullmatch(commit):
            problems.add(rel, cline, f"{where}.commit", "identifiant de commit attendu (au moins "
                         "4 caractères hexadécimaux, entre guillemets : « git log » le donne).")
            continue
        commit = commit.lower()
        if commits is not None:
            matching = [c for c in commits if c.startswith(commit)]
            if not matching:
                problems.add(rel, cline, f"{where}.commit", f"commit « {commit} » inconnu de "
                             "l'historique git du projet (voir « achats history »).")
                continue
            if len(matching) > 1:
                problems.add(rel, cline, f"{where}.commit", f"« {commit} » désigne plusieurs "
                             "commits : donnez plus de caractères.")
                continue
            commit = matching[0]
        reason = item.get("motif")
        if not isinstance(reason, str) or not reason.strip():
            problems.add(rel, yamlsource.line_of(lines, f"{where}.motif", line),
                         f"{where}.motif", "motif obligatoire : pourquoi cette version est "
                         "retirée (affiché sur l'intranet).")
            continue
        entry_id = item.get("fiche")
        if entry_id is not None and (not isinstance(entry_id, str)
                                     or not ID_PATTERN.fullmatch(entry_id.strip().upper())):
            problems.add(rel, yamlsource.line_of(lines, f"{where}.fiche", line),
                         f"{where}.fiche", "identifiant de fiche attendu (ex. GU-001).")
            continue
        found.append(Withdrawal(commit, " ".join(reason.split()), line,
                                entry_id.strip().upper() if entry_id else None, where))
    if problems:
        raise _refused(problems)
    return Withdrawals(found)


def _refused(problems: ProblemList) -> AchatsError:
    return AchatsError("Le fichier des retraits contient des erreurs :\n" + problems.as_text(),
                       problems)


# -- the view -----------------------------------------------------------------------------------

@dataclass
class View:
    """What one variant shows: its entries (graph) and its history (or None)."""

    name: str  # INTRANET or PUBLIC: a label (the PDF's cover), never a branch in renderers
    graph: Graph
    history: object = None  # IntranetHistory, PublicHistory, or None without git
    withdrawals: Withdrawals = dc_field(default_factory=Withdrawals)


def make_view(public: bool, graph: Graph, history: History | None,
              withdrawals: Withdrawals | None = None, diffs: int = 5) -> View:
    """The view of ``graph`` (every entry) and ``history`` for one variant.

    (``diffs`` no longer changes the view: the public one keeps every shown version's text,
    which the browser's comparison of any two versions needs.)"""
    withdrawals = withdrawals or Withdrawals()
    if not public:
        shown = IntranetHistory(history, withdrawals) if history is not None else None
        return View(INTRANET, graph, shown, withdrawals)
    public_graph = build_graph([public_entry(e) for e in graph.entries if e.is_public],
                               graph.vocab)
    shown = PublicHistory(history, public_graph, withdrawals) \
        if history is not None else None
    return View(PUBLIC, public_graph, shown, withdrawals)


def shown_settings(public: bool, extra: dict) -> dict:
    """The site settings (mkdocs.yml « extra ») as this variant applies them, so that
    renderers read settings and never test the variant: what only the intranet offers (the
    tenders' Word/ODT pieces, the « Conformité 2026 » box, which would miss internal
    clauses) is off in the public variant, whose figures count public entries only."""
    settings = dict(extra)
    settings["dce"] = bool(settings.get("dce")) and not public
    settings["conformite"] = not public
    settings["indicateurs"] = not public or bool(settings.get("indicateurs_publics", True))
    settings["comptes_publics_seulement"] = public
    # « restaurer cette version » (achats revert) is for the editors, on the intranet.
    settings["restaurer"] = not public
    return settings


def public_entry(entry: Entry) -> Entry:
    """A copy of ``entry`` without the fields the schema declares internal (at any depth)."""
    return dataclasses.replace(entry, meta=public_meta(entry.collection.fields, entry.meta))


# -- history views --------------------------------------------------------------------------------

@dataclass
class FileChange:
    """What a history page shows for one file in one version."""

    version: Version
    note: str | None = None  # shown instead of a difference (first version, deleted...)
    old: str | None = None
    new: str | None = None
    renamed_from: str | None = None  # the compared version's path, when the file moved
    meta_filter: object = None  # dict -> dict for the public variant
    text_filter: object = None  # str -> str for the public variant

    def diff(self):
        return document_diff(self.old, self.new, meta_filter=self.meta_filter,
                             text_filter=self.text_filter)


FIRST_VERSION = "Première version de ce fichier."
FIRST_PUBLIC = "Première version publique de ce fichier."
DELETED = "Fichier supprimé dans cette version."


class _HistoryView:
    """What both variants share: dates and grouping from the versions a variant shows."""

    def __init__(self, history: History):
        self.raw = history
        self.root, self.prefix = history.root, history.prefix
        self.available, self.complete = history.available, history.complete
        self.warning = history.warning

    def entry_commits(self, entry: Entry) -> list[list[Version]]:
        raise NotImplementedError

    def entry_updated(self, entry: Entry):
        found = self.entry_commits(entry) if self.complete else []
        return max((v.date for group in found for v in group), default=None)

    def updated_label(self, entry: Entry) -> str:
        if not self.complete:
            return UNKNOWN_DATE
        when = self.entry_updated(entry)
        return f"le {when.strftime('%d/%m/%Y')}" if when else NOT_COMMITTED

    def authors(self, entry: Entry) -> list[str]:
        seen: dict[str, None] = {}
        for group in self.entry_commits(entry):
            for version in group:
                if version.author:
                    seen.setdefault(version.author, None)
        return list(seen)

    def note(self, version: Version, entry: Entry) -> str | None:
        return None

    def recent_changes(self, graph: Graph, limit: int):
        """The latest changes of the graph's entries: (date, entry, French description)."""
        if not self.available:
            return []
        events = []
        for entry in graph.entries:
            for group in self.entry_commits(entry):
                events.append((group[0].order, group[0].date, entry,
                               self.describe(entry, group)))
        events.sort(key=lambda ev: (ev[0], ev[2].id or ""))
        return [(when, entry, what) for _order, when, entry, what in events[:limit]]

    def describe(self, entry: Entry, group: list[Version]) -> str:
        return describe(entry, group, self.subject(group[0]))


class IntranetHistory(_HistoryView):
    """Every version, message and author; withdrawn versions say so."""

    def __init__(self, history: History, withdrawals: Withdrawals):
        super().__init__(history)
        self.withdrawals = withdrawals
        self._blobs: dict = {}
        self._failure: str | None = None
        self._versions_read = False

    def entry_commits(self, entry: Entry) -> list[list[Version]]:
        return self.raw.entry_commits(entry)

    def subject(self, version: Version) -> str | None:
        return version.subject

    def note(self, version: Version, entry: Entry) -> str | None:
        found = self.withdrawals.find(version.commit, entry.id)
        return found.note() if found else None

    def prepare(self, plans, every=()) -> None:
        """Reads, with one `git cat-file`, both sides of every difference ``plans`` show,
        and every version of ``every`` (the versions the browser compares)."""
        specs = [spec for _entry, groups in plans for group in groups for v in group
                 if v.status not in ("A", "D")
                 for spec in (self._old_spec(v), self._new_spec(v))]
        specs += self._version_specs(every)
        self._versions_read = bool(every)
        try:
            self._blobs = repository(self.root).read_blobs(specs)
        except GitError as exc:
            self._failure = str(exc)

    def _version_specs(self, plans) -> list[str]:
        return [self._new_spec(v) for _entry, groups in plans for group in groups
                for v in group if v.status != "D"]

    def prepare_versions(self, plans) -> None:
        """Reads, with one `git cat-file`, every version of ``plans`` (the comparison of any
        two versions in the browser needs their texts)."""
        if self._versions_read:
            return  # read with the differences (prepare)
        self._versions_read = True
        try:
            self._blobs.update(
                repository(self.root).read_blobs(self._version_specs(plans)))
        except GitError as exc:
            self._failure = str(exc)

    def version(self, entry: Entry, version: Version) -> dict | None:
        """The version as the browser compares it (achats.git.history.readable_version)."""
        if version.status == "D" or self._failure:
            return None
        return readable_version(blob_text(self._blobs.get(self._new_spec(version))))

    def _old_spec(self, v: Version) -> str:
        return f"{v.commit}^:{self.prefix}{v.before_path}"

    def _new_spec(self, v: Version) -> str:
        return f"{v.commit}:{self.prefix}{v.path}"

    def change(self, entry: Entry, version: Version) -> FileChange:
        if version.status == "A":
            return FileChange(version, FIRST_VERSION)
        if version.status == "D":
            return FileChange(version, DELETED)
        if self._failure:
            return FileChange(version, f"Différence indisponible : {self._failure}")
        old = blob_text(self._blobs.get(self._old_spec(version)))
        new = blob_text(self._blobs.get(self._new_spec(version)))
        moved = version.old_path if version.status == "R" else None
        return FileChange(version, None, old, new, moved)


def describe(entry: Entry, group: list[Version], subject: str | None) -> str:
    """What a commit did to an entry, « créée : message », for the history lists."""
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


def collection_at(path: str) -> tuple[Collection | None, bool]:
    """The collection a file belonged to by its path, and whether it is a tender's piece."""
    parts = path.split("/")
    for collection in COLLECTIONS.values():
        folder = collection.folder.split("/")
        if parts[:len(folder)] != folder or not path.endswith(".md"):
            continue
        depth = len(parts) - len(folder)
        if not collection.in_folders and depth == 1:
            return collection, False
        if collection.in_folders and depth == 2:
            return collection, parts[-1] != "index.md"
    return None, False


def is_entry_file(rel: str) -> bool:
    """Whether ``rel`` is (or was) an entry's file or a tender's piece."""
    return collection_at(rel)[0] is not None


@dataclass
class Withheld:
    """A version of a public entry that the public does not see, kept for the audit."""

    entry: Entry
    version: Version
    text: str | None
    why: str  # "interne" or "retrait"


class PublicHistory(_HistoryView):
    """Versions judged one by one: only public, not withdrawn versions are shown.

    Every version of the public entries' files is read once (one `git cat-file --batch`)
    to judge its front matter at its commit; the text of every shown version is kept (the
    history pages compare them, the browser any two of them).
    """

    def __init__(self, history: History, graph: Graph, withdrawals: Withdrawals):
        super().__init__(history)
        self.graph = graph
        self.withdrawals = withdrawals
        self.known_ids = graph.by_id
        self._groups: dict[str, list[list[Version]]] = {}
        self._previous: dict[tuple[str, str], Version | None] = {}  # shown -> shown before
        self._texts: dict[tuple[str, str], str | None] = {}
        self._readable: dict[tuple[str, str], dict | None] = {}  # version() once per version
        self._shown: set[tuple[str, str]] = set()  # (commit, current path) shown
        self._public_commit: dict[str, bool] = {}
        self._transitions: set[str] = set()  # commits right after a withheld version
        self.withheld: list[Withheld] = []
        self.withdrawal_problems = ProblemList()  # withdrawn text still in a shown version
        self.shown_texts: dict[str, list[str]] = {}  # entry rel -> texts (entries with withheld)
        self.failure: str | None = None
        if history.complete:
            self._judge()

    # -- judging ---------------------------------------------------------------------------

    def _judge(self) -> None:
        prefix = self.prefix
        files = [(entry, rel) for entry in self.graph.entries
                 for rel in History.entry_paths(entry)]
        specs = []
        for _entry, rel in files:
            for v in self.raw.versions(rel):
                if v.status != "D":
                    specs.append(f"{v.commit}:{prefix}{v.path}")
                    collection, piece = collection_at(v.path)
                    if piece:
                        specs.append(f"{v.commit}:{prefix}{posixpath.dirname(v.path)}/index.md")
        try:
            blobs = repository(self.root).read_blobs(specs)
        except GitError as exc:
            blobs, self.failure = {}, str(exc)
        for entry in self.graph.entries:
            shown_versions: list[Version] = []
            texts: dict[tuple[str, str], str | None] = {}
            withheld: list[Withheld] = []
            for rel in History.entry_paths(entry):
                previous: Version | None = None
                after_withheld = False
                before_text: str | None = None  # the version just before, whatever it was
                withdrawn: list[tuple[str, Version]] = []  # sentences added by withdrawn ones
                for v in reversed(self.raw.versions(rel)):  # oldest first
                    text = blob_text(blobs.get(f"{v.commit}:{prefix}{v.path}"))
                    why = self._withheld_because(entry, v, text, blobs)
                    if why == "retrait" and text is not None:
                        known = set(_version_fragments(before_text or ""))
                        withdrawn += [(f, v) for f in _version_fragments(text)
                                      if len(f) >= MIN_FRAGMENT and f not in known]
                    before_text = text
                    if why:
                        withheld.append(Withheld(entry, v, text, why))
                        after_withheld = True
                        continue
                    if withdrawn:
                        self._check_still_there(entry, v, text, withdrawn)
                    if after_withheld:
                        # The commit that made a withheld text public (or removed a
                        # withdrawn one) was written about that text: no message.
                        self._transitions.add(v.commit)
                        after_withheld = False
                    self._shown.add((v.commit, rel))
                    self._previous[(v.commit, v.path)] = previous
                    texts[(v.commit, v.path)] = text
                    shown_versions.append(v)
                    previous = v
                if withdrawn:  # the file as it is now, committed or not
                    current = self.root / rel
                    if current.is_file():
                        now = current.read_text(encoding="utf-8-sig", errors="replace")
                        self._check_still_there(entry, None, now, withdrawn, rel)
            shown_versions.sort(key=lambda v: (v.order, v.path))
            groups: dict[str, list[Version]] = {}
            for v in shown_versions:
                groups.setdefault(v.commit, []).append(v)
            self._groups[entry.rel] = list(groups.values())
            # Every shown version is kept: the browser compares any two of them.
            self._texts.update(texts)
            if withheld:
                self.withheld += withheld
                self.shown_texts[entry.rel] = [t for t in texts.values() if t]

    def _check_still_there(self, entry: Entry, shown: Version | None, text: str | None,
                           withdrawn: list[tuple[str, Version]], rel: str = "") -> None:
        """A withdrawn sentence still in a later shown version, or in the file as it is now,
        would be published all the same: an error for the editor, in retraits.yml."""
        present = set(_version_fragments(text or ""))
        where = (f"dans la version {shown.short} de {shown.path}" if shown is not None
                 else f"dans le fichier {rel}")
        for fragment, v in withdrawn:
            if fragment in present:
                item = self.withdrawals.find(v.commit, entry.id)
                self.withdrawal_problems.add(
                    f"content/data/{WITHDRAWALS_FILE}", item.line, f"{item.where}.commit",
                    f"la phrase « {fragment} » de la version retirée {v.short} est encore "
                    f"{where} ({entry.id}) : supprimez-la du fichier (commit), puis retirez "
                    "aussi chaque version qui la contient.")

    def _withheld_because(self, entry: Entry, v: Version, text: str | None,
                          blobs: dict) -> str | None:
        if v.status == "D" or text is None:
            return "interne"
        if self.withdrawals.find(v.commit, entry.id):
            return "retrait"
        collection, piece = collection_at(v.path)
        if collection is None:
            return "interne"
        if piece:
            index = blob_text(blobs.get(
                f"{v.commit}:{self.prefix}{posixpath.dirname(v.path)}/index.md"))
            meta = _meta_or_none(index) if index is not None else None
            return None if meta is not None and \
                MARCHE.visibility(meta, self.graph.vocab.workflow) == "public" else "interne"
        meta = _meta_or_none(text)
        if meta is None or collection.visibility(meta, self.graph.vocab.workflow) != "public":
            return "interne"
        return None

    # -- what the pages ask -----------------------------------------------------------------

    def entry_commits(self, entry: Entry) -> list[list[Version]]:
        return [[_anonymous(v) for v in group] for group in self._groups.get(entry.rel, [])]

    def is_public_commit(self, commit: str) -> bool:
        """Every entry file the commit touched was public then, and still is; the commit is
        not withdrawn, and follows no withheld version of a file it touched."""
        known = self._public_commit.get(commit)
        if known is None:
            known = commit not in self._transitions
            for key in self.raw.commit_files(commit):
                for v in self.raw.versions(key):
                    if v.commit != commit:
                        continue
                    if (is_entry_file(v.path) or (v.old_path and is_entry_file(v.old_path))) \
                            and (commit, key) not in self._shown:
                        known = False
            if any(commit.startswith(w.commit) for w in self.withdrawals.items):
                known = False
            self._public_commit[commit] = known
        return known

    def subject(self, version: Version) -> str | None:
        if not self.is_public_commit(version.commit):
            return None
        return mask_ids(version.subject, self.known_ids)

    def describe(self, entry: Entry, group: list[Version]) -> str:
        """« première version publique », « modifiée » or « pièce modifiée », with the message
        when it is public (never « créée » or « renommée »: what came before is not shown)."""
        subject = self.subject(group[0])
        # The entry's own file (not a tender's piece), wherever it was at that commit.
        main = next((v for v in group if not collection_at(v.path)[1]), None)
        if main is not None and self._previous.get((main.commit, main.path)) is None:
            verb = "première version publique"
        elif main is None:
            verb = "pièces modifiées" if len(group) > 1 else "pièce modifiée"
        else:
            verb = "modifiée"
        return f"{verb} : {subject}" if subject else verb

    def prepare(self, plans, every=()) -> None:
        """Nothing to read: the texts were read when the versions were judged."""

    def prepare_versions(self, plans) -> None:
        """Nothing to read either: every shown version's text is kept."""

    def version(self, entry: Entry, version: Version) -> dict | None:
        """A shown version as the browser compares it: internal fields out, links to
        internal entries masked, as in the differences."""
        key = (version.commit, version.path)
        if self.failure or key not in self._texts:
            return None
        if key not in self._readable:
            fields = PIECE_FIELDS if collection_at(version.path)[1] \
                else entry.collection.fields
            self._readable[key] = readable_version(
                self._texts[key], meta_filter=lambda meta: public_meta(fields, meta),
                text_filter=lambda text: mask_ids(text, self.known_ids))
        return self._readable[key]

    def published_texts(self) -> list[str]:
        """What the public versions say, as published (version data of the history page):
        authors wrote it in a public place, like today's public text (achats.site.audit)."""
        out = []
        for entry in self.graph.entries:
            for group in self._groups.get(entry.rel, []):
                for v in group:
                    doc = self.version(entry, v)
                    if doc is not None:
                        out += [*doc["champs"].values(), doc["texte"]]
        return out

    def change(self, entry: Entry, version: Version) -> FileChange:
        key = (version.commit, version.path)
        if self.failure:
            return FileChange(version, f"Différence indisponible : {self.failure}")
        before = self._previous.get(key)
        if before is None:
            return FileChange(version, FIRST_PUBLIC)
        fields = PIECE_FIELDS if collection_at(version.path)[1] else entry.collection.fields
        known = self.known_ids
        return FileChange(
            version, None, self._texts.get((before.commit, before.path)), self._texts.get(key),
            before.path if before.path != version.path else None,
            meta_filter=lambda meta: public_meta(fields, meta),
            text_filter=lambda text: mask_ids(text, known))

    # -- what the audit asks ------------------------------------------------------------------

    def compared_versions(self):
        """(entry, version, front matter) of every version a history page compares: their
        internal fields are filtered out of the differences, and the audit checks it."""
        for entry in self.graph.entries:
            for group in self._groups.get(entry.rel, []):
                for v in group:
                    text = self._texts.get((v.commit, v.path))
                    if text is not None and not collection_at(v.path)[1]:
                        yield entry, v, front_matter(text)

    def hidden_commits(self) -> dict[str, str]:
        """Commit -> message, for every commit of the history whose message is not public."""
        hidden = {}
        for key in self.raw._by_path:
            for v in self.raw.versions(key):
                if v.commit not in hidden and not self.is_public_commit(v.commit):
                    hidden[v.commit] = v.subject
        return hidden

    def public_subjects(self) -> set[str]:
        return {v.subject for key in self.raw._by_path for v in self.raw.versions(key)
                if self.is_public_commit(v.commit)}


def _anonymous(version: Version) -> Version:
    if version.author is None and version.email is None:
        return version
    return dataclasses.replace(version, author=None, email=None)


_VISIBILITY_KEYS = ("visibilite", "statut")  # all a collection's visibility depends on
_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _meta_or_none(text: str) -> dict | None:
    """What decides a version's visibility (its ``visibilite`` and ``statut``), None when its
    front matter is unreadable (then it is not public).

    Every version of every public file is judged: the front matter is composed by the C
    parser and only these two values are constructed (constructing the whole front matter
    in Python cost 1 ms per version). Same YAML, same meaning as the full load: a duplicate
    key makes the front matter unreadable; a merge key (« << ») falls back to the full load.
    """
    lines = (text or "").split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return None
    head = "\n".join(lines[1:end])
    if not any(key in head for key in _VISIBILITY_KEYS + ("\\", "<<")) \
            and not head.lstrip().startswith(("-", "[", "{", "?")):
        # Neither key can be written without its name (an escape or a merge could): the
        # collection's default decides. Most guides and apéros stop here, unparsed. (A
        # broken front matter is then not detected; its difference is never published.)
        return {}
    loader = _FastLoader(head)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        if not isinstance(node, yaml.MappingNode):
            return None
        found, keys = {}, set()
        for key, value in node.value:
            if key.tag == "tag:yaml.org,2002:merge":
                return split_version(text).meta
            if isinstance(key, yaml.ScalarNode):
                if key.value in keys:  # refused by the full load too: unreadable
                    return None
                keys.add(key.value)
                if key.value in _VISIBILITY_KEYS:
                    found[key.value] = loader.construct_object(value, deep=True)
        return found
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


# -- what was withheld: the audit's needles (achats.site.audit) -----------------------------------------

MIN_FRAGMENT = 20  # shorter sentences of withheld text are too generic to prove a leak

_MARKUP = re.compile(f"{ID_LINK_ANY_CASE.pattern}|[*_`#>|\\[\\]]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def _fragments(text: str) -> list[str]:
    """Sentences of a Markdown text as a reader would see them, without markup."""
    plain = _MARKUP.sub(lambda m: (m.group(2) or m.group(1) or "") if m.group(1) else " ",
                        text or "")
    return [" ".join(part.split()) for part in _SENTENCE_END.split(plain) if part.strip()]


def _leaves(value) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [str(value).strip()] if isinstance(value, str) and value.strip() else []


@dataclass(frozen=True)
class WithheldValue:
    kind: str  # id, titre, slug, texte, commit, champ
    value: str
    entry_id: str
    entry_rel: str
    version: str  # short commit id
    why: str  # interne, retrait, supprimée; "" for an old value of an internal field
    field: str = ""  # champ: the dotted field path


def withheld_values(history: PublicHistory, public_slugs: set[str],
                    public_ids: set[str]) -> list[WithheldValue]:
    """What the public history withheld and must therefore appear nowhere in the public site:
    for every withheld version of a public entry, its paths, ID and title when they differ
    from today's, and every sentence of its text and fields that no shown version has; the
    messages of commits whose message is not public; the paths of entry files that no longer
    exist (deleted or moved away)."""
    found: list[WithheldValue] = []
    for item in history.withheld:
        entry, v = item.entry, item.version
        shown = "\n".join(_normal(f) for t in history.shown_texts.get(entry.rel, [])
                          for f in _version_fragments(t))

        def add(kind: str, value: str) -> None:
            found.append(WithheldValue(kind, value, entry.id or entry.rel, entry.rel, v.short,
                                       item.why))

        for path in filter(None, (v.path, v.old_path)):
            for segment in _slugs(path):
                if segment.lower() not in public_slugs:
                    add("slug", segment)
        if item.text is None:
            continue
        meta = front_matter(item.text)
        old_id = meta.get("id")
        if isinstance(old_id, str) and old_id.strip().lower() not in public_ids:
            add("id", old_id.strip())
        title = meta.get("titre")
        if isinstance(title, str) and _normal(title) != _normal(entry.title) \
                and _normal(title) not in shown:
            add("titre", title.strip())
        for fragment in _version_fragments(item.text):
            if len(fragment) >= MIN_FRAGMENT and _normal(fragment) not in shown:
                add("texte", fragment)
    published = "\n".join(_normal(s) for s in history.public_subjects())
    for commit, subject in history.hidden_commits().items():
        if _normal(subject) not in published:  # also a public message: proves nothing
            found.append(WithheldValue("commit", subject, "", "", commit[:7], "interne"))
    current = {rel for e in history.graph.entries for rel in History.entry_paths(e)}
    for key in history.raw._by_path:
        if is_entry_file(key) and key not in current and not (history.root / key).exists():
            for segment in _slugs(key):
                if segment.lower() not in public_slugs:
                    found.append(WithheldValue("slug", segment, "", key, "", "supprimée"))
    return found


def _version_fragments(text: str) -> list[str]:
    """Sentences of a version: its front-matter values (but its ID) and its body."""
    version = split_version(text)
    meta = version.meta or {}
    values = _leaves({k: v for k, v in meta.items() if k != "id"})
    return [f for value in values + [version.body] for f in _fragments(value)]


def _slugs(path: str) -> list[str]:
    """The names a file's page had in URLs: its file name, or its tender's folder."""
    collection, piece = collection_at(path)
    if collection is not None and collection.in_folders:
        return [posixpath.basename(posixpath.dirname(path))]
    return [posixpath.splitext(posixpath.basename(path))[0]]


def _normal(text: str) -> str:
    return " ".join((text or "").split()).lower().replace("\u2019", "'")
