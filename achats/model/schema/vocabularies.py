"""Data files maintainers edit without touching code: vocabularies, legal articles, etc."""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from pathlib import Path

import yaml

from achats.model import yamlsource
from achats.problems import WARNING, ProblemList
from achats.model.schema.data import DATA_FILES, REQUIRED_VOCABULARIES, DataFile  # noqa: F401 (re-exported)
from achats.model.schema.fields import CheckContext
from achats.model.schema.legal import LegalCalendar, load_articles, load_thresholds
from achats.model.schema.workflow import NO_WORKFLOW, STATUSES_FILE, Workflow, workflow_of



@dataclass
class Vocabularies:
    vocabularies: dict = dc_field(default_factory=dict)  # name -> {key: label}
    articles: dict = dc_field(default_factory=dict)  # article -> {titre, regle, version, ...}
    calendar: LegalCalendar = dc_field(default_factory=LegalCalendar)  # seuils.yml
    glossary: dict = dc_field(default_factory=dict)  # abbreviation -> definition
    path: dict = dc_field(default_factory=dict)  # parcours.yml: titre, introduction, etapes
    chart: dict = dc_field(default_factory=dict)  # mire.yml
    workflow: Workflow = NO_WORKFLOW  # statuts.yml
    # Entries the data files cite: (file, line, field, id, allowed prefixes).
    references: list = dc_field(default_factory=list)

    def label(self, vocab: str, key) -> str:
        return self.vocabularies.get(vocab, {}).get(key, str(key))


def read_data_file(path: Path, rel: str, problems: ProblemList, required: bool = True):
    """Parse one YAML data file strictly; problems carry its path and line."""
    if path.is_symlink():  # reported by achats.model.load.refuse_links; never read
        return None, {}
    if not path.is_file():
        if required:
            problems.add(rel, 1, "fichier", "fichier de données manquant.")
        return None, {}
    try:
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        problems.add(rel, 1, "fichier", f"le fichier n'est pas du texte UTF-8 ({exc.reason}).")
        return None, {}
    try:
        return yamlsource.parse(text, limits=yamlsource.DATA_FILE)
    except yamlsource.DuplicateKeyError as exc:
        problems.add(rel, exc.line, exc.key, f"clé « {exc.key} » en double.")
    except yamlsource.LimitError as exc:
        problems.add(rel, exc.line, "yaml", f"{exc.message} : fichier refusé.")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problems.add(rel, line, "yaml",
                     f"YAML invalide : {yamlsource.explain(getattr(exc, 'problem', None))}.")
    return None, {}


def check_data_file(declared: DataFile, value, lines: dict, rel: str,
                    problems: ProblemList, references: list,
                    vocabularies: dict | None = None) -> bool:
    """``value`` checked against the file's schema (its closed lists against
    ``vocabularies``); problems with file, line and field. References to entries (chapters,
    clauses) go to ``references``: (file, line, field, id, prefixes), checked once every
    entry is known. True when nothing was wrong."""
    before = len(problems.errors)
    ctx = CheckContext(vocabularies or {}, {})

    def report(field, message, severity="erreur", line_from=None):
        field = field or declared.schema.name
        problems.add(rel, yamlsource.line_of(lines, line_from or field), field, message,
                     severity)

    declared.schema.check(value, "", ctx, report)
    references += [(rel, yamlsource.line_of(lines, field), field, target, prefixes)
                   for field, target, prefixes in ctx.references]
    return len(problems.errors) == before


def load_vocabularies(data_dir: Path, rel_dir: str, problems: ProblemList) -> Vocabularies:
    """Every data file declared in achats.model.schema.data, parsed within limits and checked
    against its schema; a file that fails its schema is not used (its problems say why)."""
    vocab = Vocabularies()
    documents = {}
    for name, declared in DATA_FILES.items():
        if not declared.yaml:
            continue
        rel, path = f"{rel_dir}/{name}", data_dir / name
        before = len(problems)
        value, lines = read_data_file(path, rel, problems, declared.required)
        if len(problems) > before or not path.is_file():
            continue  # unreadable (said why) or absent
        value = {} if value is None else value  # an empty file
        if declared.schema is not None:  # else checked by its own loader (below)
            # vocabulaires.yml comes first: the files after it may use its lists
            check_data_file(declared, value, lines, rel, problems, vocab.references,
                            _vocabularies(documents))
        if isinstance(value, dict) or declared.schema is None:
            # Used even with errors (which stop any build), so that one bad article does
            # not make every entry citing the others wrong as well: only well-formed
            # items are kept. A file without schema goes whole to its own loader.
            documents[name] = (value, lines)
    _unknown_files(data_dir, rel_dir, problems)

    vocab.vocabularies = _vocabularies(documents)
    value, lines = documents.get(STATUSES_FILE, (None, {}))
    vocab.workflow = workflow_of(value, lines, f"{rel_dir}/{STATUSES_FILE}", problems)
    # The two legal files have their own loaders (achats.model.schema.legal), which check every
    # item and its dates against the others (thresholds that overlap, unknown articles).
    value, lines = documents.get("articles.yml", (None, {}))
    vocab.articles = load_articles(value, lines, f"{rel_dir}/articles.yml", problems)
    value, lines = documents.get("seuils.yml", (None, {}))
    vocab.calendar = load_thresholds(value, lines, f"{rel_dir}/seuils.yml", problems,
                                     vocab.articles)
    value, _lines = documents.get("glossaire.yml", ({}, {}))
    vocab.glossary = {str(abbr): definition.strip() for abbr, definition in value.items()
                      if isinstance(definition, str)}
    value, lines = documents.get("parcours.yml", ({}, {}))
    if value:
        vocab.path = dict(value, _lines=lines)
    value, lines = documents.get("mire.yml", ({}, {}))
    if value:
        vocab.chart = dict(value, _lines=lines)
    return vocab


def _vocabularies(documents: dict) -> dict:
    """name -> {key: label} of vocabulaires.yml, once read (else empty)."""
    value, _lines = documents.get("vocabulaires.yml", ({}, {}))
    return {str(name): {str(k): v for k, v in entries.items()}
            for name, entries in value.items() if isinstance(entries, dict)}


def _unknown_files(data_dir: Path, rel_dir: str, problems: ProblemList) -> None:
    """A file of the data folder declared nowhere: a warning, it is not read."""
    if not data_dir.is_dir() or data_dir.is_symlink():
        return
    for path in sorted(data_dir.iterdir()):
        if path.name.startswith(".") or path.name in DATA_FILES or path.is_symlink():
            continue
        problems.add(f"{rel_dir}/{path.name}", 1, "fichier",
                     "fichier de données inconnu : aucun schéma ne le déclare "
                     "(achats/model/schema/data.py), il n'est pas lu.", WARNING)
