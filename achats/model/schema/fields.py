"""Typed field declarations: what a front-matter key holds, and how it is checked.

Each field checks its own value and reports problems in French naming the field, in the
spirit of MkDocs' config options.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass, field as dc_field
from typing import Callable

from achats.model.links import ID_NUMBER

# A reporter receives (field path, French message, severity) and knows the file and lines.
Report = Callable[..., None]

TODO_MARK = re.compile(r"\bTODO\b|À COMPLÉTER", re.IGNORECASE)

KIND_LABELS = {
    "text": "un texte",
    "integer": "un nombre entier",
    "number": "un nombre",
    "date": "une date AAAA-MM-JJ",
    "date_or_text": "une date AAAA-MM-JJ ou un texte",
    "list": "une liste",
    "mapping": "un dictionnaire (clé: valeur)",
    "boolean": "vrai ou faux (true/false)",
}


def _fullmatch(pattern: str, value: str) -> bool:
    return _compiled(pattern).fullmatch(value) is not None


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


_KIND_CHECKS = {
    "text": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "date": lambda v: isinstance(v, dt.date),
    "date_or_text": lambda v: isinstance(v, (dt.date, str)),
    "list": lambda v: isinstance(v, list),
    "mapping": lambda v: isinstance(v, dict),
    "boolean": lambda v: isinstance(v, bool),
}


@dataclass(frozen=True)
class Facet:
    """A clause field the catalogue browses by: pages clauses/<segment>/<value>."""

    segment: str  # URL segment of its pages
    label: str  # French, shown on the pages
    search: str | None = None  # the search's filter key (Pagefind), None: not a filter


@dataclass(eq=False)  # compared and hashed by identity: declarations are singletons
class Field:
    name: str
    kind: str  # one of KIND_LABELS
    help: str  # French, shown in `achats schema` and editors
    required: bool = False
    vocab: str | None = None  # name of a vocabulary in vocabulaires.yml
    ref: tuple[str, ...] = ()  # ID prefixes this field may reference
    articles: bool = False  # values are legal articles from articles.yml
    pattern: str | None = None
    pattern_help: str = ""
    items: "Field | None" = None  # for lists
    fields: list["Field"] = dc_field(default_factory=list)  # for mappings
    min_items: int = 0
    internal: bool = False  # removed from the public variant
    default: object = None
    values: "Field | None" = None  # for mappings: each value under a key not in ``fields``
    key_pattern: str | None = None  # for mappings with ``values``: what such a key looks like
    minimum: float | None = None  # for numbers
    maximum: float | None = None
    facet: Facet | None = None  # clauses are browsed by this field's values
    id_links: bool = False  # texts where [[ID]] is a link, as in an entry's body

    @property
    def references(self) -> tuple[str, ...]:
        """The ID prefixes this field's value (or its list's items) may reference."""
        return self.ref or (self.items.ref if self.items is not None else ())

    @property
    def vocabulary(self) -> str | None:
        """The vocabulary of this field's value (or its list's items)."""
        return self.vocab or (self.items.vocab if self.items is not None else None)

    def check(self, value, path: str, ctx: "CheckContext", report: Report) -> None:
        if value is None:
            if self.required:
                report(path, f"valeur vide : ce champ est obligatoire ({self.help}).")
            return
        kind_ok = _KIND_CHECKS[self.kind](value)
        if not kind_ok:
            hint = ""
            if self.kind == "list" and not isinstance(value, (list, dict)):
                hint = f" Écrivez par exemple : [{value}]"
            if self.kind == "date" and isinstance(value, str):
                hint = " La date doit s'écrire sans guillemets, au format AAAA-MM-JJ."
            report(
                path,
                f"type incorrect : attendu {KIND_LABELS[self.kind]}, "
                f"trouvé {_describe(value)}.{hint}",
            )
            return
        if self.kind == "text":
            if self.required and not value.strip():
                report(path, "texte vide : ce champ est obligatoire.")
            if ("TODO" in value or "ompl" in value or "OMPL" in value) and \
                    TODO_MARK.search(value):
                report(path, "à compléter (marqueur TODO présent).", "avertissement")
        if self.kind in ("number", "integer") and (
                (self.minimum is not None and value < self.minimum)
                or (self.maximum is not None and value > self.maximum)):
            report(path, f"valeur hors limites ({value}) : attendu entre {self.minimum:g} et "
                   f"{self.maximum:g}.")
        if self.pattern and isinstance(value, str) and not _fullmatch(self.pattern, value):
            report(path, f"format incorrect « {value} » : {self.pattern_help}")
        if self.vocab and isinstance(value, str):
            allowed = ctx.vocabularies.get(self.vocab, {})
            if value not in allowed:
                report(
                    path,
                    f"valeur inconnue « {value} » (vocabulaire « {self.vocab} »). "
                    f"Valeurs permises : {', '.join(allowed)}.",
                )
        if self.articles and isinstance(value, str) and value not in ctx.articles:
            # The table holds 60+ articles: name the nearest ones, not the whole list.
            close = difflib.get_close_matches(value, list(ctx.articles), n=3, cutoff=0.6)
            hint = f" Articles proches : {', '.join(close)}." if close else ""
            report(
                path,
                f"article inconnu « {value} » : ajoutez-le à content/data/articles.yml "
                f"ou corrigez la référence.{hint}",
            )
        if self.ref and isinstance(value, str):
            ctx.references.append((path, value, self.ref))
        if self.kind == "list":
            if len(value) < self.min_items:
                report(path, f"au moins {self.min_items} valeur(s) attendue(s).")
            seen = set()
            for index, item in enumerate(value):
                if self.items:
                    self.items.check(item, f"{path}[{index}]", ctx, report)
                if isinstance(item, (str, int)) and not isinstance(item, bool):
                    if item in seen:
                        report(f"{path}[{index}]", f"valeur en double « {item} ».")
                    seen.add(item)
        if self.kind == "mapping" and (self.fields or self.values):
            check_mapping(self.fields, value, path, ctx, report, self)


@dataclass
class CheckContext:
    vocabularies: dict
    articles: dict
    references: list = dc_field(default_factory=list)  # (field path, id, allowed prefixes)


@functools.lru_cache(maxsize=None)
def _by_name(fields: tuple) -> dict:
    return {f.name: f for f in fields}


def check_mapping(fields: list[Field], value: dict, prefix: str, ctx, report,
                  declared: Field | None = None) -> None:
    """Check a mapping against declared fields: unknown keys, required keys, each value.
    With ``declared.values``, keys not among ``fields`` are free (``declared.key_pattern``)
    and their values are checked against ``declared.values``."""
    by_name = _by_name(tuple(fields))
    free = declared.values if declared is not None else None
    for key in value:
        if key not in by_name and free is not None:
            path = f"{prefix}.{key}" if prefix else str(key)
            if declared.key_pattern and not _fullmatch(declared.key_pattern, str(key)):
                report(path, f"clé « {key} » mal formée : {declared.pattern_help}")
            free.check(value[key], path, ctx, report)
        elif key not in by_name:
            path = f"{prefix}.{key}" if prefix else str(key)
            close = difflib.get_close_matches(str(key), list(by_name), n=1, cutoff=0.6)
            hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
            report(
                path,
                f"clé inconnue « {key} ».{hint} Clés permises : {', '.join(by_name)}.",
            )
    for f in fields:
        path = f"{prefix}.{f.name}" if prefix else f.name
        if f.name not in value:
            if f.required:
                report(path, f"champ obligatoire manquant ({f.help}).", line_from=prefix)
            continue
        f.check(value[f.name], path, ctx, report)


def _describe(value) -> str:
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, int):
        return f"le nombre {value}"
    if isinstance(value, float):
        return f"le nombre {value}"
    if isinstance(value, str):
        return f"le texte « {value[:40]} »"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un dictionnaire"
    if isinstance(value, dt.date):
        return f"la date {value.isoformat()}"
    return type(value).__name__


def json_schema(f: Field, ctx: CheckContext) -> dict:
    """The JSON Schema fragment for one field (for editors)."""
    base: dict = {"description": f.help}
    if f.kind == "text":
        base["type"] = "string"
    elif f.kind == "integer":
        base["type"] = "integer"
    elif f.kind == "number":
        base["type"] = "number"
    elif f.kind == "boolean":
        base["type"] = "boolean"
    elif f.kind == "date":
        base.update(type="string", format="date")
    elif f.kind == "date_or_text":
        base["type"] = "string"
    elif f.kind == "list":
        base["type"] = "array"
        if f.items:
            base["items"] = json_schema(f.items, ctx)
        if f.min_items:
            base["minItems"] = f.min_items
    elif f.kind == "mapping":
        base["type"] = "object"
        if f.fields:
            base["properties"] = {s.name: json_schema(s, ctx) for s in f.fields}
            base["required"] = [s.name for s in f.fields if s.required]
        if f.values:
            base["additionalProperties"] = json_schema(f.values, ctx)
            if f.key_pattern:
                base["propertyNames"] = {"pattern": f"^{f.key_pattern}$"}
        elif f.fields:
            base["additionalProperties"] = False
    if f.vocab:
        base["enum"] = list(ctx.vocabularies.get(f.vocab, {}))
    if f.articles:
        base["enum"] = list(ctx.articles)
    if f.pattern:
        base["pattern"] = f"^{f.pattern}$"
    if f.minimum is not None:
        base["minimum"] = f.minimum
    if f.maximum is not None:
        base["maximum"] = f.maximum
    if f.ref:
        base["pattern"] = "^(" + "|".join(f.ref) + ")" + ID_NUMBER + "$"
    return base
