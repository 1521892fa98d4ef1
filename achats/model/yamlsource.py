"""Strict YAML parsing that keeps line numbers for every key and list item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import yaml


class DuplicateKeyError(ValueError):
    def __init__(self, key: str, line: int):
        super().__init__(key)
        self.key = key
        self.line = line


class LimitError(ValueError):
    """A document beyond what content ever needs (too long, too deep, or aliases expanding
    to too many values): refused before it can exhaust memory or Python's stack."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Limits:
    """What one YAML document may hold. Front matter uses a few dozen values over four
    levels; a billion-laughs alias bomb expands to 10^9 values from a few lines."""

    max_chars: int
    max_depth: int
    max_values: int  # after alias expansion: every value counted each time it is reached


FRONT_MATTER = Limits(max_chars=256_000, max_depth=32, max_values=20_000)
DATA_FILE = Limits(max_chars=2_000_000, max_depth=32, max_values=200_000)


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


def parse(text: str, first_line: int = 1, limits: Limits = FRONT_MATTER):
    """Return ``(value, lines)`` where ``lines`` maps dotted field paths to 1-based lines.

    ``first_line`` is the file line where ``text`` starts, so lines are file lines.
    Duplicate keys are refused (PyYAML keeps the last one silently), and so is a document
    beyond ``limits`` (LimitError, with the line where the limit was crossed).
    Raises yaml.YAMLError, DuplicateKeyError or LimitError; callers turn them into problems.
    """
    if len(text) > limits.max_chars:
        raise LimitError(f"YAML trop long ({len(text) // 1000} Ko ; au plus "
                         f"{limits.max_chars // 1000} Ko)", first_line)
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:  # PyYAML's own composer, without libyaml, recurses
            raise LimitError(f"YAML trop imbriqué : plus de {limits.max_depth} niveaux",
                             first_line) from None
        lines: dict[str, int] = {}
        budget = _Budget(limits, first_line)
        value = None if node is None else _build(node, "", lines, first_line, loader, budget, 1)
    finally:
        loader.dispose()
    return value, lines


class _Budget:
    """Values left to build in one document, and the deepest level allowed."""

    __slots__ = ("left", "max_depth", "limits", "first_line")

    def __init__(self, limits: Limits, first_line: int):
        self.left = limits.max_values
        self.max_depth = limits.max_depth
        self.limits = limits
        self.first_line = first_line

    def spend(self, node, depth: int) -> None:
        self.left -= 1
        if self.left < 0 or depth > self.max_depth:
            self.refuse(node, depth)

    def refuse(self, node, depth: int) -> None:
        line = node.start_mark.line + self.first_line
        if self.left < 0:
            most = f"{self.limits.max_values:,}".replace(",", " ")
            raise LimitError(f"YAML trop volumineux : plus de {most} valeurs "
                             "une fois les alias (&nom, *nom) développés (bombe d'alias ?) ; "
                             "écrivez les valeurs sans alias", line)
        raise LimitError(f"YAML trop imbriqué : plus de {self.limits.max_depth} niveaux", line)

    def check_tree(self, node, depth: int) -> None:
        """The whole subtree under ``node`` within the limits (iterative: no recursion)."""
        stack = [(node, depth)]
        while stack:
            current, level = stack.pop()
            self.spend(current, level)
            if isinstance(current, yaml.MappingNode):
                for key, value in current.value:
                    stack += [(key, level + 1), (value, level + 1)]
            elif isinstance(current, yaml.SequenceNode):
                stack += [(item, level + 1) for item in current.value]


def _build(node, path: str, lines: dict, first_line: int, loader, budget: _Budget, depth: int):
    """Values and line numbers in one walk over the composed nodes.

    Plain strings, mappings and lists (nearly everything in front matter) are built here;
    other scalars (numbers, dates, booleans) and unusual tags go through PyYAML's safe
    constructor, so their meaning is exactly YAML's. Every value reached counts against
    the budget, each time it is reached: an alias expands as often as it is used.
    """
    # Inline (not budget.spend): this runs for every value of every entry.
    budget.left -= 1
    if budget.left < 0 or depth > budget.max_depth:
        budget.refuse(node, depth)
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _MAP and not any(k.tag == _MERGE for k, _ in node.value):
        result = {}
        for key_node, value_node in node.value:
            key = _build(key_node, "", {}, first_line, loader, budget, depth + 1)
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
            result[key] = _build(value_node, child, lines, first_line, loader, budget,
                                 depth + 1)
        return result
    if tag == _SEQ:
        items = []
        for index, item in enumerate(node.value):
            child = f"{path}[{index}]"
            lines[child] = item.start_mark.line + first_line
            items.append(_build(item, child, lines, first_line, loader, budget, depth + 1))
        return items
    if not isinstance(node, yaml.ScalarNode):
        # Merge keys, sets, ordered maps: PyYAML builds them recursively, and shares what
        # aliases repeat (later walks would expand it): the subtree is measured first.
        budget.left += 1
        budget.check_tree(node, depth)
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
    ("exceeded maximum nesting depth", "YAML trop imbriqué (des centaines de niveaux de "
     "listes ou de dictionnaires)"),
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


def strings(value, path: str = ""):
    """(field path, text) of every string in a front-matter value, nested ones included,
    with the paths messages use (``roles.editeurs[1]``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, f"{path}[{i}]")


def to_jsonable(value):
    """Dates become ISO strings so front matter can be dumped as JSON."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    return value
