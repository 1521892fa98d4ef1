"""Strict YAML parsing that keeps line numbers for every key and list item."""

from __future__ import annotations

import datetime as dt

import yaml


class DuplicateKeyError(ValueError):
    def __init__(self, key: str, line: int):
        super().__init__(key)
        self.key = key
        self.line = line


# libyaml's parser when present: ten times faster, which `achats check` needs at 10,000 entries.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """The safe loader, with tag resolution done from a table built once.

    libyaml calls back into Python to resolve each scalar's tag; PyYAML's resolver concatenates
    two lists per scalar and steps through path resolvers the safe loader never has. Same
    rules (the safe loader's implicit resolvers, tried in the same order), less work.
    """

    _by_first: dict = {}

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0]:
                table = _Loader._by_first
                candidates = table.get(value[:1])
                if candidates is None:
                    candidates = table[value[:1]] = (
                        self.yaml_implicit_resolvers.get(value[:1] if value else "", [])
                        + self.yaml_implicit_resolvers.get(None, []))
                for tag, regexp in candidates:
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)

    def descend_resolver(self, current_node, current_index):
        pass  # no path resolvers in the safe loader

    def ascend_resolver(self):
        pass

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


def parse(text: str, first_line: int = 1):
    """Return ``(value, lines)`` where ``lines`` maps dotted field paths to 1-based lines.

    ``first_line`` is the file line where ``text`` starts, so lines are file lines.
    Duplicate keys are refused (PyYAML keeps the last one silently).
    Raises yaml.YAMLError or DuplicateKeyError; callers turn them into problems.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        value = None if node is None else _build(node, "", lines, first_line, loader)
    finally:
        loader.dispose()
    return value, lines


def _build(node, path: str, lines: dict, first_line: int, loader):
    """Values and line numbers in one walk over the composed nodes.

    Plain strings, mappings and lists (nearly everything in front matter) are built here;
    other scalars (numbers, dates, booleans) and unusual tags go through PyYAML's safe
    constructor, so their meaning is exactly YAML's.
    """
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _MAP and not any(k.tag == _MERGE for k, _ in node.value):
        result = {}
        for key_node, value_node in node.value:
            key = _build(key_node, "", {}, first_line, loader)
            line = key_node.start_mark.line + first_line
            try:
                duplicate = key in result
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "found unhashable key", key_node.start_mark) from None
            if duplicate:
                raise DuplicateKeyError(str(key), line)
            child = f"{path}.{key}" if path else str(key)
            lines[child] = line
            result[key] = _build(value_node, child, lines, first_line, loader)
        return result
    if tag == _SEQ:
        items = []
        for index, item in enumerate(node.value):
            child = f"{path}[{index}]"
            lines[child] = item.start_mark.line + first_line
            items.append(_build(item, child, lines, first_line, loader))
        return items
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:  # 2026-13-01 looks like a date to YAML, but is none
        raise yaml.constructor.ConstructorError(
            None, None, f"{IMPOSSIBLE_DATE} « {node.value} »", node.start_mark) from None


# PyYAML explains problems in English; contributors read French.
_YAML_PROBLEMS = [
    ("did not find expected ',' or ']'", "crochet « ] » ou virgule attendus (liste non fermée ?)"),
    ("did not find expected ',' or '}'", "accolade « } » ou virgule attendues"),
    ("mapping values are not allowed here",
     "deux-points inattendu : mettez la valeur entre guillemets si elle contient « : »"),
    ("did not find expected key", "clé attendue : l'indentation est-elle cohérente ?"),
    ("could not find expected ':'", "deux-points « : » attendu après la clé"),
    ("that cannot start any token", "caractère interdit en début de valeur (tabulation ? "
     "indentez avec des espaces, mettez la valeur entre guillemets)"),
    ("found unexpected end of stream", "fin inattendue : guillemet ou crochet non fermé ?"),
    ("expected <block end>", "indentation incohérente"),
    ("did not find expected '-' indicator", "tiret « - » attendu (élément de liste)"),
    ("found undefined alias", "alias « * » inconnu (mettez la valeur entre guillemets)"),
    ("found unknown escape character", "échappement « \\ » inconnu dans un texte entre "
     "guillemets doubles"),
]


IMPOSSIBLE_DATE = "date impossible"


def explain(problem: str | None) -> str:
    """French explanation of a PyYAML problem, keeping the original for unknown ones."""
    text = str(problem or "")
    if text.startswith(IMPOSSIBLE_DATE):
        return text + " (format AAAA-MM-JJ, mois de 01 à 12, jour existant)"
    for english, french in _YAML_PROBLEMS:
        if english in text:
            return french
    return f"erreur de syntaxe ({text})" if text else "erreur de syntaxe"


def line_of(lines: dict, field: str, default: int = 1) -> int:
    """Line of ``field`` or of its nearest known parent."""
    while field:
        if field in lines:
            return lines[field]
        cut = max(field.rfind("."), field.rfind("["))
        field = field[:cut] if cut > 0 else ""
    return default


def to_jsonable(value):
    """Dates become ISO strings so front matter can be dumped as JSON."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    return value
