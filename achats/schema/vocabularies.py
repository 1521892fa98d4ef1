"""Data files maintainers edit without touching code: vocabularies, legal articles, etc."""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from pathlib import Path

import yaml

from .. import yamlsource
from ..problems import ProblemList

REQUIRED_VOCABULARIES = (
    "piliers", "types_clause", "familles", "procedures", "documents", "niveaux", "etapes",
    "statuts_clause", "statuts_marche", "visibilites", "origines", "issues_marche",
    "directions",
)


@dataclass
class Vocabularies:
    vocabularies: dict = dc_field(default_factory=dict)  # name -> {key: label}
    articles: dict = dc_field(default_factory=dict)  # article -> {titre, permet, ...}
    glossary: dict = dc_field(default_factory=dict)  # abbreviation -> definition
    path: dict = dc_field(default_factory=dict)  # parcours.yml: titre, introduction, etapes
    chart: dict = dc_field(default_factory=dict)  # mire.yml

    def label(self, vocab: str, key) -> str:
        return self.vocabularies.get(vocab, {}).get(key, str(key))


def read_data_file(path: Path, rel: str, problems: ProblemList, required: bool = True):
    """Parse one YAML data file strictly; problems carry its path and line."""
    if path.is_symlink():  # reported by achats.load.refuse_links; never read
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


def load_vocabularies(data_dir: Path, rel_dir: str, problems: ProblemList) -> Vocabularies:
    vocab = Vocabularies()
    rel = f"{rel_dir}/vocabulaires.yml"
    value, lines = read_data_file(data_dir / "vocabulaires.yml", rel, problems)
    if value is not None:
        if not isinstance(value, dict):
            problems.add(rel, 1, "vocabulaires", "le fichier doit être un dictionnaire de "
                         "vocabulaires (nom: {clé: libellé}).")
        else:
            for name, entries in value.items():
                if not isinstance(entries, dict) or not all(
                    isinstance(v, str) for v in entries.values()
                ):
                    problems.add(rel, lines.get(str(name), 1), str(name),
                                 "un vocabulaire est un dictionnaire « clé: libellé ».")
                    continue
                vocab.vocabularies[str(name)] = {str(k): v for k, v in entries.items()}
            for name in REQUIRED_VOCABULARIES:
                if name not in vocab.vocabularies:
                    problems.add(rel, 1, name, "vocabulaire obligatoire manquant.")

    rel = f"{rel_dir}/articles.yml"
    value, lines = read_data_file(data_dir / "articles.yml", rel, problems)
    if isinstance(value, dict):
        for article, info in value.items():
            if not isinstance(info, dict) or not isinstance(info.get("titre"), str):
                problems.add(rel, lines.get(str(article), 1), str(article),
                             "chaque article a au moins un « titre » et ce qu'il « permet ».")
                continue
            vocab.articles[str(article)] = info
    elif value is not None:
        problems.add(rel, 1, "articles", "le fichier doit être un dictionnaire d'articles.")

    rel = f"{rel_dir}/glossaire.yml"
    value, lines = read_data_file(data_dir / "glossaire.yml", rel, problems, required=False)
    if isinstance(value, dict):
        for abbr, definition in value.items():
            if not isinstance(definition, str):
                problems.add(rel, lines.get(str(abbr), 1), str(abbr),
                             "la définition doit être un texte.")
                continue
            vocab.glossary[str(abbr)] = definition.strip()

    rel = f"{rel_dir}/parcours.yml"
    value, lines = read_data_file(data_dir / "parcours.yml", rel, problems, required=False)
    if isinstance(value, dict):
        vocab.path = value
        vocab.path["_lines"] = lines

    rel = f"{rel_dir}/mire.yml"
    value, lines = read_data_file(data_dir / "mire.yml", rel, problems, required=False)
    if isinstance(value, dict):
        vocab.chart = value
        vocab.chart["_lines"] = lines
    return vocab
