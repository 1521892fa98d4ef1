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


class _StrictLoader(_BaseLoader):
    """SafeLoader that refuses duplicate keys instead of keeping the last one silently."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKeyError(str(key), key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse(text: str, first_line: int = 1):
    """Return ``(value, lines)`` where ``lines`` maps dotted field paths to 1-based lines.

    ``first_line`` is the file line where ``text`` starts, so lines are file lines.
    Raises yaml.YAMLError or DuplicateKeyError; callers turn them into problems.
    """
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if node is not None:
        _walk(node, "", lines, first_line - 1)
    return value, lines


def _walk(node, prefix: str, lines: dict, offset: int) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[path] = key_node.start_mark.line + 1 + offset
            _walk(value_node, path, lines, offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}[{index}]"
            lines[path] = item.start_mark.line + 1 + offset
            _walk(item, path, lines, offset)


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


def explain(problem: str | None) -> str:
    """French explanation of a PyYAML problem, keeping the original for unknown ones."""
    text = str(problem or "")
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
