"""Build real throwaway projects: the repository's configuration plus a chosen corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "corpus"

# What a project needs besides its entries: configuration, hooks, pages, theme, vocabularies.
SKELETON = ["mkdocs.yml", "mkdocs.public.yml", "hooks", "content/pages", "content/theme",
            "content/data/vocabulaires.yml", "content/data/articles.yml",
            "content/data/seuils.yml", "content/data/statuts.yml", "content/modeles"]

# A real public address: `achats build --public` refuses the example one (localhost), whose
# sitemap, feed and PDF links would point at the building machine.
PUBLIC_SITE_URL = "https://achats-durables.example.org/"


def public_site_url(project: Path, url: str = PUBLIC_SITE_URL) -> None:
    """Set the public variant's site_url, as a maintainer does before publishing."""
    config = project / "mkdocs.public.yml"
    config.write_text(config.read_text(encoding="utf-8") + f"site_url: {url}\n",
                      encoding="utf-8")


def make_project(dest: Path, corpus: Path | None = FIXTURE) -> Path:
    """A project in ``dest`` with the repository's skeleton and ``corpus`` copied over it,
    its public variant given a real address (PUBLIC_SITE_URL)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SKELETON:
        source, target = REPO / name, dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    # The home page links to pages the bundled content has; a test corpus gets a plain one.
    (dest / "content/pages/index.md").write_text("---\ntitle: Accueil\n---\n# Accueil\n",
                                                 encoding="utf-8")
    if corpus is not None:
        shutil.copytree(corpus, dest, dirs_exist_ok=True)
    public_site_url(dest)
    return dest
