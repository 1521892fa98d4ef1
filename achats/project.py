"""Where things are in a project: the root, the collection folders, the data files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from achats.problems import AchatsError

DATA_DIR = "content/data"
PAGES_DIR = "content/pages"


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def find(cls, start: Path | str | None = None) -> "Project":
        """The nearest folder at or above ``start`` that holds a ``mkdocs.yml``."""
        here = Path(start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "mkdocs.yml").is_file() and (folder / DATA_DIR).is_dir():
                return cls(folder)
        raise AchatsError(
            f"aucun projet « Achats durables » trouvé dans {here} ni au-dessus "
            f"(il faut un mkdocs.yml et un dossier {DATA_DIR}/)."
        )

    @property
    def data_dir(self) -> Path:
        return self.root / DATA_DIR

    @property
    def pages_dir(self) -> Path:
        return self.root / PAGES_DIR

    def rel(self, path: Path) -> str:
        """Path relative to the root with POSIX separators (what messages show)."""
        path = Path(path)
        try:  # files found by walking the root are already below it: no resolve() needed
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def inside(self, path: Path | str) -> Path:
        """Resolve ``path`` (relative to the root) and refuse anything outside the project."""
        candidate = (self.root / path).resolve()
        if candidate != self.root and self.root not in candidate.parents:
            raise AchatsError(
                f"{path}: chemin en dehors du projet ({self.root}) : refusé."
            )
        return candidate
