"""Problems found while loading or validating: where (path, line, field) and what (French)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

ERROR = "erreur"
WARNING = "avertissement"


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # relative to the project root, POSIX separators
    line: int  # 1-based; 1 when the whole file is concerned
    field: str  # front-matter key (dotted for nested values), or "texte" for the body
    message: str  # French, for people
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.severity}: {self.message}"


class ProblemList(list):
    """A list of problems with the helpers the CLI and the build need."""

    def add(self, path, line, field, message, severity=ERROR) -> None:
        self.append(Problem(str(path), int(line or 1), field, message, severity))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if not p.is_error]

    def sorted(self) -> list[Problem]:
        return sorted(self, key=lambda p: (p.path, p.line, p.field, p.message))

    def as_text(self) -> str:
        return "\n".join(p.format() for p in self.sorted())

    def as_json(self) -> str:
        return json.dumps(
            {
                "erreurs": len(self.errors),
                "avertissements": len(self.warnings),
                "problemes": [asdict(p) for p in self.sorted()],
            },
            ensure_ascii=False,
            indent=2,
        )

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        return f"{e} erreur{'s' if e > 1 else ''}, {w} avertissement{'s' if w > 1 else ''}"


class AchatsError(Exception):
    """A failure to report to the user in French, without a traceback."""

    def __init__(self, message: str, problems: ProblemList | None = None):
        super().__init__(message)
        self.problems = problems or ProblemList()
