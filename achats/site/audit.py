"""The public variant's leak audit: prove that nothing internal reached the built site.

Runs after the public build (``on_post_build``, after the search index is written). It reads
every output file once (HTML, JSON, XML, JS, the sitemap, the Atom feed, the Pagefind index,
whose files are gzip-compressed and decompressed here) and every output path, and looks for
the *needles* of what must stay on the intranet:

- the IDs of internal entries, as whole tokens and in any case (``RA-001``, ``ra-001``);
- their titles (6 characters or more, not also a public entry's title or part of one);
- their slugs, as URL or path segments (6 characters or more, not also a public slug);
- the values of internal-only fields (``participants``, ``roles``, an apéro speaker's
  ``nom``...), of internal *and* public entries (6 characters or more);
- with git history, the messages of commits that changed an internal entry, alone or with
  public ones (6 characters or more, unless a commit that changed only public entries has
  the same message);
- what the public history withheld (``achats.variant``, judged version by version): the
  paths, old IDs, old titles and sentences (20 characters or more) of the versions of public
  entries that were internal or withdrawn, the messages the public pages do not show (20
  characters or more, unless also a shown message), the paths of deleted entry files, and
  the old values of internal fields in the versions the history pages compare.

Two exemptions keep the audit about what the *build* adds. A title or an internal-field value
that authors also wrote in a public place (a public entry's text or public fields, a data
file such as the chart's labels) proves nothing when found in the site: it is not a needle
(the entry's ID and slug still are). And an ID that a maintainer typed as a code example in
an authored page of ``content/pages`` (``id: MA-001`` in the format documentation) is
documentation, not a leak, on that page and in its search fragment only. Authored pages are
*not* public sources otherwise: an internal title or field value copied into one is a leak.

Before matching, each file's text is decoded the ways a value can be written in a page:
HTML entities, JSON ``\\uXXXX`` escapes, URL percent-encoding, runs of white space, case.
All needles go into one regular expression built from a trie of their lowercased text, so a
file is read once and scanned once, in time proportional to its size (about 10 MB/s).

A PDF (the path's printable booklet) is read twice: its compressed streams inflated (link
addresses, metadata) and its text as the ``pypdf`` library extracts it. A PDF that pypdf
cannot read (malformed, encrypted) is unverified, and an unverified site is refused like a
leaking one.

On any hit the audit refuses the site: the output folder is renamed ``<site_dir>.refuse``
(kept for inspection, and no longer where a deployment step looks for it) and the build
fails with a French message naming, for each hit, the file, the leaked value and the internal
entry it belongs to. Nothing is removed from the pages silently: a leak is a bug to fix in
the content or the renderer, never to hide.
"""

from __future__ import annotations

import gzip
import html
import io
import logging
import re
import shutil
import zlib
from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from urllib.parse import unquote

from mkdocs.exceptions import PluginError

from achats.site.editor.media import unpublished_uploads, uploads_in_site
from achats.model.links import code_text
from achats.model.load import Entry
from achats.problems import AchatsError
from achats.model.schema.fields import Field
from achats.variant import MIN_FRAGMENT, WITHDRAWALS_FILE, WithheldValue, withheld_values

log = logging.getLogger("mkdocs.plugins.achats")

MIN_LENGTH = 6  # shorter titles, slugs and values are too generic to prove a leak
MAX_LISTED = 40  # hits listed in the error message; the rest are counted
REFUSED_SUFFIX = ".refuse"
GZIP_MAGIC = b"\x1f\x8b"

KIND_LABELS = {"id": "identifiant", "titre": "titre", "slug": "adresse (slug)",
               "champ": "champ interne", "commit": "message du commit", "texte": "texte",
               "editeur": "trace de l'éditeur web (réservé à l'intranet)",
               "televersement": "fichier téléversé qu'aucune fiche publique ne cite"}
WITHHELD_LABELS = {"interne": "non publique", "retrait": "retirée (retraits.yml)",
                   "supprimée": "supprimée ou déplacée"}
# The web editor (/admin/, Decap CMS) belongs to the intranet: its files or its start-up code
# in a public site are a leak (it would show the repository's address and the forms).
# (decode_text lowercases what it reads.)
EDITOR_TRACE = re.compile(r"(?:^|/)decap-cms\.js|(?:^|/)achats-cms\.js|cms_manual_init|"
                          r"achats-frontmatter|registercustomformat", re.IGNORECASE)


@dataclass(frozen=True)
class Owner:
    """Where a needle comes from: which entry, and what of it."""

    kind: str  # id, titre, slug, champ, commit, texte
    entry_id: str
    entry_rel: str
    field: str = ""  # "champ": dotted field path (roles.gestionnaire); "commit": short id
    withheld: str = ""  # from the history: why the version was not public (WITHHELD_LABELS)

    def describe(self) -> str:
        what = KIND_LABELS[self.kind]
        if self.withheld and self.kind == "commit":
            return f"{what} {self.field}, non publié (il modifie une version non publique)"
        if self.withheld and not self.entry_id:
            return f"{what} du fichier {self.entry_rel}, {WITHHELD_LABELS[self.withheld]}"
        if self.withheld:
            return (f"{what} de la version {self.field} de la fiche {self.entry_id} "
                    f"({self.entry_rel}), {WITHHELD_LABELS[self.withheld]}")
        if self.kind == "champ":
            return f"{what} « {self.field} » de la fiche {self.entry_id} ({self.entry_rel})"
        if self.kind in ("editeur", "televersement"):
            return what
        if self.kind == "commit":
            return (f"{what} {self.field}, qui a modifié la fiche interne {self.entry_id} "
                    f"({self.entry_rel})")
        return f"{what} de la fiche interne {self.entry_id} ({self.entry_rel})"


@dataclass(frozen=True)
class Hit:
    file: str  # relative to the site folder, POSIX
    value: str  # the needle as declared
    owner: Owner
    in_name: bool = False  # found in the file's path rather than its content

    def format(self) -> str:
        where = f"{self.file} (nom du fichier)" if self.in_name else self.file
        return f"{where} : « {self.value} » — {self.owner.describe()}"


@dataclass
class Needles:
    """Internal values to look for, keyed by their normalised (lowercased) text."""

    words: dict[str, list[Owner]] = dc_field(default_factory=lambda: defaultdict(list))
    segments: dict[str, list[Owner]] = dc_field(default_factory=lambda: defaultdict(list))
    shown: dict[str, str] = dc_field(default_factory=dict)  # normalised -> as declared

    def add(self, table: dict, value: str, owner: Owner) -> None:
        key = normalise(value)
        if owner not in table[key]:
            table[key].append(owner)
        self.shown.setdefault(key, " ".join(value.split()))

    def __len__(self) -> int:
        return len(self.words) + len(self.segments)

    @property
    def ids(self) -> set[str]:
        return {key for key, owners in self.words.items()
                if any(o.kind == "id" for o in owners)}


@dataclass
class AuditResult:
    files: int = 0
    bytes: int = 0
    hits: list[Hit] = dc_field(default_factory=list)
    unreadable: list[str] = dc_field(default_factory=list)  # "file : why", in French


def normalise(text: str) -> str:
    """One form for comparing: single spaces, lower case, straight apostrophes."""
    return " ".join(text.split()).lower().replace("\u2019", "'")


# --- needles -------------------------------------------------------------------------------

def internal_values(entry: Entry) -> list[tuple[str, str]]:
    """(dotted field path, text) for every value of an internal-only field, at any depth."""
    return meta_internal_values(entry.collection.fields, entry.meta)


def meta_internal_values(fields: list[Field], meta: dict) -> list[tuple[str, str]]:
    """The same for any front matter (an old version's) read with these fields."""
    found: list[tuple[str, str]] = []
    for fld in fields:
        _collect(fld, (meta or {}).get(fld.name), fld.name, False, found)
    return found


def _collect(fld: Field, value, path: str, internal: bool, found: list) -> None:
    internal = internal or fld.internal
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            if fld.items is not None:
                _collect(fld.items, item, path, internal, found)
            elif internal:
                _leaves(item, path, found)
    elif isinstance(value, dict):
        declared = {f.name: f for f in fld.fields}
        for key, item in value.items():
            sub = f"{path}.{key}"
            if key in declared:
                _collect(declared[key], item, sub, internal, found)
            elif internal:
                _leaves(item, sub, found)
    elif internal:
        _leaves(value, path, found)


def _leaves(value, path: str, found: list) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _leaves(item, f"{path}.{key}", found)
    elif isinstance(value, list):
        for item in value:
            _leaves(item, path, found)
    elif isinstance(value, str) and value.strip():
        found.append((path, value.strip()))


def public_source_text(public_entries: list[Entry], data_dir: Path | None = None) -> str:
    """What authors wrote in public places: public entries (title, text, pieces, every field
    but the internal ones) and the data files, without Markdown emphasis."""
    parts: list[str] = []
    for entry in public_entries:
        hidden = set(internal_values(entry))
        found: list[tuple[str, str]] = []
        _leaves(entry.meta, "", found)
        parts += [value for path, value in found if (path.lstrip("."), value) not in hidden]
        parts += [entry.title, entry.body]
        for piece in entry.pieces:
            parts += [piece.title, piece.body]
    if data_dir is not None and data_dir.is_dir():
        # The withdrawals are not published: their reasons may quote the withdrawn text.
        parts += [p.read_text(encoding="utf-8", errors="replace")
                  for p in sorted(data_dir.glob("*.yml")) if p.name != WITHDRAWALS_FILE]
    return _EMPHASIS.sub("", "\n".join(parts))


_EMPHASIS = re.compile(r"[*_`]+")


def collect_needles(all_entries: list[Entry], public_entries: list[Entry],
                    public_sources: str = "", history=None, withheld=()) -> Needles:
    """The needles of the internal entries and of every internal-only field value, and,
    given the git ``history``, the messages of commits that changed an internal entry; and
    the ``withheld`` values of the history's non-public versions (achats.variant).

    A title or a field value that authors also wrote in ``public_sources`` (see
    ``public_source_text``) proves nothing when found in the site: it is not a needle. IDs
    and slugs always are.
    """
    public_keys = {e.rel for e in public_entries}
    public_titles = "\n".join(normalise(e.title) for e in public_entries)
    public_slugs = {e.slug.lower() for e in public_entries}
    public_ids = {e.id.lower() for e in public_entries if e.id}
    needles = Needles()
    for entry in all_entries:
        ident = entry.id or entry.rel
        if entry.rel not in public_keys:
            if entry.id:
                needles.add(needles.words, entry.id, Owner("id", ident, entry.rel))
            title = normalise(entry.title)
            if len(title) >= MIN_LENGTH and title not in public_titles:
                needles.add(needles.words, entry.title, Owner("titre", ident, entry.rel))
            slug = entry.slug.lower()
            if len(slug) >= MIN_LENGTH and slug not in public_slugs:
                needles.add(needles.segments, entry.slug, Owner("slug", ident, entry.rel))
        for path, value in internal_values(entry):
            key = normalise(value)
            if (len(key) >= MIN_LENGTH and key not in public_titles
                    and key not in public_slugs and key not in public_ids):
                needles.add(needles.words, value, Owner("champ", ident, entry.rel, path))
    for item in withheld:
        key = normalise(item.value)
        if len(key) < MIN_LENGTH and item.kind != "id":
            continue
        # A withheld message must be distinctive: « Précisions » is also part of many
        # public texts (achats.variant leaves out those inside public messages).
        if item.kind == "commit" and len(key) < MIN_FRAGMENT:
            continue
        owner = Owner(item.kind, item.entry_id, item.entry_rel,
                      item.field or item.version, item.why)
        if item.kind == "slug":
            needles.add(needles.segments, item.value, owner)
        else:
            needles.add(needles.words, item.value, owner)
    if public_sources:
        _drop_published(needles, public_sources)
    if history is not None and getattr(history, "available", False):
        _add_commit_subjects(needles, all_entries, public_keys, history)
    return needles


def _add_commit_subjects(needles: Needles, all_entries: list[Entry], public_keys: set,
                         history) -> None:
    """Messages of commits that changed an internal entry (alone or with public ones: the
    message may be about it), unless a commit that changed only public entries carries the
    same message."""
    internal: dict[str, tuple] = {}  # commit -> (subject, short id, entry)
    public_commits: dict[str, str] = {}
    for entry in all_entries:
        for version in history.entry_versions(entry):
            if entry.rel in public_keys:
                public_commits[version.commit] = version.subject
            else:
                internal.setdefault(version.commit, (version.subject, version.short, entry))
    public_only = {normalise(subject or "") for commit, subject in public_commits.items()
                   if commit not in internal}
    for subject, short, entry in internal.values():
        key = normalise(subject or "")
        if len(key) >= MIN_LENGTH and key not in public_only:
            needles.add(needles.words, subject,
                        Owner("commit", entry.id or entry.rel, entry.rel, short))


# Authors may write these in public places too: found there, they prove nothing.
_DROPPABLE = ("titre", "champ", "texte", "commit")


def _drop_published(needles: Needles, public_sources: str) -> None:
    """Forget titles and field values that occur in the public sources (one scan of them)."""
    candidates = {key: owners for key, owners in needles.words.items()
                  if any(o.kind in _DROPPABLE for o in owners)}
    if not candidates:
        return
    pattern = re.compile(_trie_pattern({key[:MAX_NEEDLE]: "word" if len(key) <= MAX_NEEDLE
                                        else "prefix" for key in candidates}))
    text = normalise(public_sources)
    published = {m.group() for m in pattern.finditer(text)
                 if m.start() == 0 or not _is_word_char(text[m.start() - 1])}
    published = {key for key in candidates if key[:MAX_NEEDLE] in published}
    for key in published & candidates.keys():
        kept = [o for o in needles.words[key] if o.kind not in _DROPPABLE]
        if kept:
            needles.words[key] = kept
        else:
            del needles.words[key]


# --- documented examples ---------------------------------------------------------------------

_ID_TOKEN = re.compile(r"(?<![\w-])[A-Z]{2}-\d{3,}(?![\w-])", re.IGNORECASE)
_FRAGMENT_URL = re.compile(r'^pagefind_dcd\{"url":"([^"]*)"')


def page_urls(src_uri: str) -> set[str]:
    """The URLs an authored page may get (with and without directory URLs)."""
    stem = src_uri[:-3]
    if stem == "index" or stem.endswith("/index"):
        folder = stem[:-len("index")]
        return {"/" + folder, "/" + folder + "index.html"}
    return {f"/{stem}/", f"/{stem}.html"}


def documented_ids(pages_dir: Path, internal_ids: set[str]) -> dict[str, set[str]]:
    """Page URL -> internal IDs written inside code (examples) in that authored page."""
    found: dict[str, set[str]] = {}
    if not pages_dir.is_dir() or not internal_ids:
        return found
    for path in sorted(pages_dir.rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        ids = {m.group().lower() for chunk in code_text(text) for m in _ID_TOKEN.finditer(chunk)}
        ids &= internal_ids
        if ids:
            for url in page_urls(path.relative_to(pages_dir).as_posix().lower()):
                found[url] = ids
    return found


def output_page_url(rel: str, text: str) -> str | None:
    """The page an output file belongs to: an HTML page, a Pagefind fragment's page, or
    the Markdown page it is built from (the docs tree `achats export` writes)."""
    rel = rel.lower()
    if rel.endswith(".md"):
        stem = rel[:-len(".md")]
        if stem == "index" or stem.endswith("/index"):
            return "/" + stem[:-len("index")]
        return f"/{stem}/"
    if rel.endswith("index.html"):
        return "/" + rel[:-len("index.html")]
    if rel.endswith(".html"):
        return "/" + rel
    if rel.endswith(".pf_fragment"):
        match = _FRAGMENT_URL.match(text)
        return match.group(1) if match else None
    return None


# --- matching ------------------------------------------------------------------------------

MAX_NEEDLE = 200  # longer needles are looked for by their first 200 characters

# How a needle ends: a word (not followed by a letter, digit or _), a path segment (not
# followed by one of those or -), or a needle cut at MAX_NEEDLE characters (anything).
_ENDS = {"word": r"(?!\w)", "segment": r"(?![\w-])", "prefix": ""}


def _trie_pattern(keys: dict[str, str]) -> str:
    """A regular expression matching exactly the keys (text -> how it ends), shaped as a
    trie: shared prefixes are read once, and the pattern starts with the set of first
    characters, which lets the regex engine skip every other position quickly."""
    trie: dict = {}
    for key, end in keys.items():
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = _ENDS[end] if "" not in node else min(node[""], _ENDS[end], key=len)
    return _node_pattern(trie)


def _node_pattern(node: dict) -> str:
    branches = [re.escape(char) + _node_pattern(child)
                for char, child in sorted(node.items()) if char]
    if "" in node:
        branches.append(node[""])  # last: the longest needle is tried first
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _pattern_keys(needles: Needles) -> dict[str, str]:
    keys: dict[str, str] = {}
    for table, prefix, end in ((needles.words, "", "word"),
                               (needles.segments, "/", "segment")):
        for key in table:
            text = prefix + key
            keys[text[:MAX_NEEDLE]] = end if len(text) <= MAX_NEEDLE else "prefix"
    return keys


def compile_needles(needles: Needles) -> re.Pattern | None:
    """One pattern for all needles, matched against lowercased text: words bounded by
    non-word characters (the start is checked by ``_hits_in``: a look-behind here would
    stop the regex engine from skipping ahead), slugs as path segments (after a slash, not
    followed by a letter, a digit, _ or -)."""
    keys = _pattern_keys(needles)
    return re.compile(_trie_pattern(keys)) if keys else None


def _lookup(needles: Needles, matched: str) -> tuple[str, list]:
    """The needle a match stands for: (key, owners)."""
    if matched.startswith("/") and matched[1:] in needles.segments:
        return matched[1:], needles.segments[matched[1:]]
    if len(matched) == MAX_NEEDLE:  # a cut needle: the first one with this beginning
        for table, prefix in ((needles.words, ""), (needles.segments, "/")):
            for key, owners in table.items():
                if (prefix + key).startswith(matched):
                    return key, owners
    return matched, needles.words.get(matched, [])


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}(?:%[0-9a-fA-F]{2})*")


def decode_text(data: bytes) -> str:
    """The text a reader (or a search engine) would see, lowercased: gzip, HTML entities,
    JSON and URL escapes undone, runs of white space made one space."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            pass  # not really gzip: scan the bytes as they are
    text = data.decode("utf-8", errors="replace")
    if "&" in text:
        text = html.unescape(text)
    if "\\" in text:
        text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text).replace("\\/", "/")
    if "%" in text:
        text = _PERCENT.sub(lambda m: unquote(m.group(), errors="replace"), text)
    return normalise(text)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _hits_in(pattern: re.Pattern, needles: Needles, text: str, file: str,
             in_name: bool, documented: set[str] = frozenset()) -> list[Hit]:
    """Hits in one decoded text; each needle reported once per text."""
    hits, seen, pos = [], set(), 0
    while (match := pattern.search(text, pos)) is not None:
        start, matched = match.start(), match.group()
        if not matched.startswith("/") and start > 0 and _is_word_char(text[start - 1]):
            pos = start + 1  # inside a longer word: not a match, look again just after
            continue
        pos = match.end()
        if matched in seen:
            continue
        seen.add(matched)
        key, owners = _lookup(needles, matched)
        for owner in owners:
            if owner.kind == "id" and key in documented:
                continue
            hits.append(Hit(file, needles.shown[key], owner, in_name))
    return hits


class Unreadable(Exception):
    """A file whose text the audit cannot read: the site is then not proven clean."""


_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.DOTALL)
# A PDF's stream inflated beyond this is refused (ours: fonts and pages, a few hundred Ko).
MAX_PDF_STREAM = 64 << 20


def pdf_text(path: Path, data: bytes) -> bytes:
    """A PDF's raw objects with their compressed streams inflated (addresses, metadata),
    then the text of its pages as ``pypdf`` extracts it (a Python library, pinned in
    pyproject.toml: no system tool, so a public build needs nothing the install lacks)."""
    inflated = [data]
    for match in _PDF_STREAM.finditer(data):
        stream = zlib.decompressobj()
        try:
            inflated.append(stream.decompress(match.group(1), MAX_PDF_STREAM))
        except zlib.error:
            continue  # not a Flate stream (images, fonts): nothing to read there
        if stream.unconsumed_tail:  # a compression bomb, or a file that is not ours
            raise Unreadable(f"un flux compressé de ce PDF dépasse {MAX_PDF_STREAM >> 20} Mo "
                             "une fois décompressé : il n'est pas lu en entier.")
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unreadable("ce PDF est chiffré : son texte ne peut pas être vérifié.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except Unreadable:
        raise
    # pypdf raises its own errors (PyPdfError) on malformed files, but also plain ones
    # (KeyError, ValueError...) on odd objects: whatever it is, the text was not read.
    except Exception as exc:  # noqa: BLE001
        raise Unreadable(f"pypdf n'a pas pu lire ce PDF ({type(exc).__name__} : {exc}).") \
            from None
    if not pages:
        raise Unreadable("pypdf n'y trouve aucune page : son texte ne peut pas être vérifié.")
    inflated.append("\f".join(pages).encode("utf-8"))
    return b"\n".join(inflated)


def scan_site(site_dir: Path, needles: Needles,
              documented: dict[str, set[str]] | None = None) -> AuditResult:
    """Every file under ``site_dir``, read once: its path and its decoded content.

    ``documented``: page URL -> IDs allowed there as documentation examples.
    """
    result = AuditResult()
    pattern = compile_needles(needles)
    documented = documented or {}
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(site_dir).as_posix()
        data = path.read_bytes()
        result.files += 1
        result.bytes += len(data)
        for trace in {m.group() for m in EDITOR_TRACE.finditer(rel + "\n" + decode_text(data))}:
            result.hits.append(Hit(rel, trace, Owner("editeur", "", rel)))
        if pattern is None:
            continue
        if path.suffix.lower() == ".pdf":
            try:
                data = pdf_text(path, data)
            except Unreadable as exc:
                result.unreadable.append(f"{rel} : {exc}")
                continue
        text = decode_text(data)
        allowed = documented.get(output_page_url(rel, text), frozenset()) if documented \
            else frozenset()
        result.hits += _hits_in(pattern, needles, decode_text(("/" + rel).encode()), rel, True)
        result.hits += _hits_in(pattern, needles, text, rel, False, allowed)
    return result


# --- the build step ------------------------------------------------------------------------

class PublicLeakError(AchatsError, PluginError):
    """The public site contains internal values; the build must fail (exit code 1)."""


def refuse_site(site_dir: Path, named_after: Path | None = None) -> Path | None:
    """Move the output out of the way: ``<site_dir>.refuse`` (or delete it if it cannot move).
    ``named_after``: the folder the site was built for, when built in a temporary one."""
    named_after = Path(named_after or site_dir)
    target = named_after.with_name(named_after.name + REFUSED_SUFFIX)
    if target.exists():
        shutil.rmtree(target)
    try:
        site_dir.rename(target)
        return target
    except OSError:
        shutil.rmtree(site_dir, ignore_errors=True)
        return None


def leak_message(site_dir: Path, result: AuditResult, moved: Path | None) -> str:
    n = len(result.hits)
    lines = [f"audit de la variante publique : {n} fuite{'s' if n > 1 else ''} d'informations "
             f"internes dans {site_dir} ({result.files} fichiers examinés)"
             + (" :" if n else ".")]
    lines += [f"  - {hit.format()}" for hit in result.hits[:MAX_LISTED]]
    if n > MAX_LISTED:
        lines.append(f"  … et {n - MAX_LISTED} autre(s).")
    if result.unreadable:
        lines.append("Fichiers illisibles, donc non vérifiés :")
        lines += [f"  - {why}" for why in result.unreadable]
    if moved is not None:
        lines.append(f"Le site refusé a été déplacé dans {moved} pour examen : ne le publiez "
                     "pas.")
    else:
        lines.append("Le site refusé a été supprimé.")
    if n:
        lines.append("Corrigez la fiche (visibilité, champ interne) ou le rendu qui laisse "
                     "passer ces valeurs, puis reconstruisez.")
    return "\n".join(lines)


def _withheld(state) -> list:
    """What the public history view withheld (old versions, hidden messages), if any."""
    view = getattr(state, "view", None)
    history = getattr(view, "history", None)
    if history is None or not hasattr(history, "withheld"):
        return []
    found = withheld_values(history, {e.slug.lower() for e in state.graph.entries},
                            {e.id.lower() for e in state.graph.entries if e.id})
    # Old values of internal fields, in the versions whose differences the pages show.
    for entry, version, meta in history.compared_versions():
        found += [WithheldValue("champ", value, entry.id or entry.rel, entry.rel,
                                version.short, "", path)
                  for path, value in meta_internal_values(entry.collection.fields, meta)]
    return found


def audit_public_site(site_dir: Path, state) -> None:
    """Scan the public site for internal values; refuse the site and fail on any hit, or
    when a file cannot be read (a PDF pypdf cannot read): unverified is not publishable.

    ``state`` is the build's ``BuildState``: ``state.result.entries`` holds every entry,
    ``state.graph.entries`` the public ones, ``state.history`` the git history (or None).
    """
    site_dir = Path(site_dir)
    sources = public_source_text(state.graph.entries, state.project.data_dir)
    # The earlier public versions of public entries are public sources too (as published,
    # internal fields out): a phrase of one that matches an internal title proves nothing.
    view_history = getattr(getattr(state, "view", None), "history", None)
    if hasattr(view_history, "published_texts"):
        sources += "\n" + _EMPHASIS.sub("", "\n".join(view_history.published_texts()))
    needles = collect_needles(state.result.entries, state.graph.entries, sources,
                              getattr(state, "history", None), _withheld(state))
    documented = documented_ids(state.project.pages_dir, needles.ids)
    result = scan_site(site_dir, needles, documented)
    result.hits += [Hit(rel, rel, Owner("televersement", "", rel)) for rel in
                    unpublished_uploads(uploads_in_site(site_dir), state.graph.entries)]
    if result.hits or result.unreadable:
        # Built in a temporary folder (achats build): named after the folder it was for.
        target = getattr(state, "site_target", None)
        moved = refuse_site(site_dir, target)
        raise PublicLeakError(leak_message(target or site_dir, result, moved))
    if hasattr(state, "public_leaks_checked"):
        state.public_leaks_checked = True
    log.info("achats : audit de la variante publique : %d fichiers examinés (%d Ko), "
             "%d valeurs internes recherchées, aucune fuite.",
             result.files, result.bytes // 1024, len(needles))
