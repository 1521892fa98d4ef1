"""The public variant's leak audit: prove that nothing internal reached the built site.

Runs after the public build (``on_post_build``, after the search index is written). It reads
every output file once (HTML, JSON, XML, JS, the sitemap, the Atom feed, the Pagefind index,
whose files are gzip-compressed and decompressed here) and every output path, and looks for
the *needles* of what must stay on the intranet:

- the IDs of internal entries, as whole tokens and in any case (``RA-001``, ``ra-001``);
- their titles (6 characters or more, not also a public entry's title or part of one);
- their slugs, as URL or path segments (6 characters or more, not also a public slug);
- the values of internal-only fields (``participants``, ``roles``, an apéro speaker's
  ``nom``...), of internal *and* public entries (6 characters or more).

Before matching, each file's text is decoded the ways a value can be written in a page:
HTML entities, JSON ``\\uXXXX`` escapes, URL percent-encoding, runs of white space.
All needles go into one regular expression built from a trie of their lowercased text, so a
file is scanned once, in time proportional to its size.

On any hit the audit refuses the site: the output folder is renamed ``<site_dir>.refuse``
(kept for inspection, and no longer where a deployment step looks for it) and the build
fails with a French message naming, for each hit, the file, the leaked value and the internal
entry it belongs to. Nothing is removed from the pages silently: a leak is a bug to fix in
the content or the renderer, never to hide.
"""

from __future__ import annotations

import gzip
import html
import logging
import re
import shutil
import zlib
from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from urllib.parse import unquote

from mkdocs.exceptions import PluginError

from .load import Entry
from .problems import AchatsError
from .schema.fields import Field

log = logging.getLogger("mkdocs.plugins.achats")

MIN_LENGTH = 6  # shorter titles, slugs and values are too generic to prove a leak
MAX_LISTED = 40  # hits listed in the error message; the rest are counted
REFUSED_SUFFIX = ".refuse"
GZIP_MAGIC = b"\x1f\x8b"

KIND_LABELS = {"id": "identifiant", "titre": "titre", "slug": "adresse (slug)",
               "champ": "champ interne"}


@dataclass(frozen=True)
class Owner:
    """Where a needle comes from: which entry, and what of it."""

    kind: str  # id, titre, slug, champ
    entry_id: str
    entry_rel: str
    field: str = ""  # for kind "champ": dotted field path, e.g. roles.gestionnaire

    def describe(self) -> str:
        what = KIND_LABELS[self.kind]
        if self.kind == "champ":
            return f"{what} « {self.field} » de la fiche {self.entry_id} ({self.entry_rel})"
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


@dataclass
class AuditResult:
    files: int = 0
    bytes: int = 0
    hits: list[Hit] = dc_field(default_factory=list)


def normalise(text: str) -> str:
    return " ".join(text.split()).lower()


# --- needles -------------------------------------------------------------------------------

def internal_values(entry: Entry) -> list[tuple[str, str]]:
    """(dotted field path, text) for every value of an internal-only field, at any depth."""
    found: list[tuple[str, str]] = []
    for fld in entry.collection.fields:
        _collect(fld, entry.meta.get(fld.name), fld.name, False, found)
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


def collect_needles(all_entries: list[Entry], public_entries: list[Entry]) -> Needles:
    """The needles of the internal entries and of every internal-only field value."""
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
    return needles


# --- matching ------------------------------------------------------------------------------

def _trie_pattern(keys) -> str:
    """A regular expression matching exactly ``keys``, shaped as a trie (shared prefixes)."""
    trie: dict = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(trie)


def _node_pattern(node: dict) -> str:
    ends = "" in node
    branches = [re.escape(char) + _node_pattern(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return f"(?:{body})?"
    return body


def compile_needles(needles: Needles) -> re.Pattern | None:
    """One pattern for all needles: free words bounded by non-word characters, slugs as
    path segments (after a slash, not followed by a letter, digit, _ or -)."""
    parts = []
    if needles.words:
        parts.append(rf"(?P<word>(?<!\w){_trie_pattern(needles.words)}(?!\w))")
    if needles.segments:
        parts.append(rf"(?P<segment>(?<=/){_trie_pattern(needles.segments)}(?![\w-]))")
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_SPACES = re.compile(r"\s+")


def decode_text(data: bytes) -> str:
    """The text a reader (or a search engine) would see: gzip, entities, escapes undone."""
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
        text = unquote(text, errors="replace")
    return _SPACES.sub(" ", text)


def _hits_in(pattern: re.Pattern, needles: Needles, text: str, file: str,
             in_name: bool) -> list[Hit]:
    hits, seen = [], set()
    for match in pattern.finditer(text):
        key = normalise(match.group())
        table = needles.words if match.lastgroup == "word" else needles.segments
        if key in seen:
            continue
        seen.add(key)
        for owner in table.get(key, ()):
            hits.append(Hit(file, needles.shown[key], owner, in_name))
    return hits


def scan_site(site_dir: Path, needles: Needles) -> AuditResult:
    """Every file under ``site_dir``, read once: its path and its decoded content."""
    result = AuditResult()
    pattern = compile_needles(needles)
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(site_dir).as_posix()
        data = path.read_bytes()
        result.files += 1
        result.bytes += len(data)
        if pattern is None:
            continue
        result.hits += _hits_in(pattern, needles, decode_text(("/" + rel).encode()), rel, True)
        result.hits += _hits_in(pattern, needles, decode_text(data), rel, False)
    return result


# --- the build step ------------------------------------------------------------------------

class PublicLeakError(AchatsError, PluginError):
    """The public site contains internal values; the build must fail (exit code 1)."""


def refuse_site(site_dir: Path) -> Path | None:
    """Move the output out of the way: ``<site_dir>.refuse`` (or delete it if it cannot move)."""
    target = site_dir.with_name(site_dir.name + REFUSED_SUFFIX)
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
             f"internes dans {site_dir} ({result.files} fichiers examinés) :"]
    lines += [f"  - {hit.format()}" for hit in result.hits[:MAX_LISTED]]
    if n > MAX_LISTED:
        lines.append(f"  … et {n - MAX_LISTED} autre(s).")
    if moved is not None:
        lines.append(f"Le site refusé a été déplacé dans {moved} pour examen : ne le publiez "
                     "pas.")
    else:
        lines.append("Le site refusé a été supprimé.")
    lines.append("Corrigez la fiche (visibilité, champ interne) ou le rendu qui laisse passer "
                 "ces valeurs, puis reconstruisez.")
    return "\n".join(lines)


def audit_public_site(site_dir: Path, state) -> None:
    """Scan the public site for internal values; refuse the site and fail on any hit.

    ``state`` is the build's ``BuildState``: ``state.result.entries`` holds every entry,
    ``state.graph.entries`` the public ones.
    """
    site_dir = Path(site_dir)
    needles = collect_needles(state.result.entries, state.graph.entries)
    result = scan_site(site_dir, needles)
    if result.hits:
        moved = refuse_site(site_dir)
        raise PublicLeakError(leak_message(site_dir, result, moved))
    if hasattr(state, "public_leaks_checked"):
        state.public_leaks_checked = True
    log.info("achats : audit de la variante publique : %d fichiers examinés (%d Ko), "
             "%d valeurs internes recherchées, aucune fuite.",
             result.files, result.bytes // 1024, len(needles))
