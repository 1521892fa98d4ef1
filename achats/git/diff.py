"""Readable differences between two versions of an entry: front-matter fields and a word
diff of the body, near-linear in the text's length; old versions' front matter read with
the same limits as current files."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

import yaml

from achats.model import yamlsource

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
    old_doc, new_doc = split_version(old_text), split_version(new_text)
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
    doc = split_version(text)
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
    return split_version(text).meta or {}


@dataclass
class _Version:
    meta: dict | None  # None when unreadable
    body: str


def split_version(text: str | None) -> _Version:
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
