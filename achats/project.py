"""Where things are in a project: the root, the collection folders, the data files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from achats.problems import AchatsError

DATA_DIR = "content/data"
PAGES_DIR = "content/pages"
SITE_CONFIG = "mkdocs.yml"


class _SiteConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml with MkDocs' own tags (!ENV, !relative, !!python/name) as nothing:
    what achats reads there (``extra``) never uses them, and none of them runs."""


_SiteConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_SiteConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/",
                                        lambda loader, suffix, node: None)


def parse_site_config(text: str) -> dict:
    """The settings of a mkdocs.yml's text (empty when it holds none); AchatsError when it
    is not YAML."""
    try:
        config = yaml.load(text, Loader=_SiteConfigLoader)
    except yaml.YAMLError as exc:
        raise AchatsError(f"{SITE_CONFIG} illisible : {exc}") from None
    return config if isinstance(config, dict) else {}


def site_settings(config: dict) -> dict:
    """The site's own settings (« extra ») of a parsed mkdocs.yml."""
    extra = config.get("extra")
    return extra if isinstance(extra, dict) else {}


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

    def site_config(self) -> dict:
        """The project's mkdocs.yml, read without MkDocs (see parse_site_config)."""
        try:
            text = (self.root / SITE_CONFIG).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AchatsError(f"{SITE_CONFIG} illisible : {exc}") from None
        return parse_site_config(text)

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
