"""Template helpers: Material's navigation rendered once per folder, not once per page.

Material renders the sidebar navigation and the tabs for every page, and on an entry page
that is most of the template's time. A generated page outside the nav (an entry, a tender
piece, a facet) gets exactly the same navigation as any other such page of its folder: no
item is active, and every link is relative to the folder. ``partials/nav.html`` and
``partials/tabs.html`` of ``content/theme`` (through ``achats-par-dossier.html``) ask
``achats_nav_key`` for that folder, render Material's own partial (reachable as
``theme/partials/…``) the first time, and reuse it.
"""

from __future__ import annotations

import posixpath

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

THEME_PREFIX = "theme"  # "theme/partials/nav.html" is Material's partial, not our override


def prepare_env(env, config) -> None:
    """From on_env: Material's templates under their own prefix, and the shared cache."""
    theme_dirs = [d for d in config.theme.dirs if d != config.theme.custom_dir]
    env.loader = ChoiceLoader([env.loader, PrefixLoader(
        {THEME_PREFIX: FileSystemLoader(theme_dirs)})])
    cache: dict[str, str] = {}
    in_nav: dict[int, frozenset] = {}

    def nav_key(page, nav) -> str:
        """The folder of a generated page outside the nav, or "" (render as usual)."""
        if page is None or nav is None or page.file.generated_by is None:
            return ""
        pages = in_nav.get(id(nav))
        if pages is None:
            pages = in_nav[id(nav)] = frozenset(p.file.src_uri for p in nav.pages)
        if page.file.src_uri in pages:
            return ""
        url = page.url
        return posixpath.dirname(url.rstrip("/")) + ("/" if url.endswith("/") else "")

    def remember(key: str, html: str) -> str:
        cache[key] = html
        return html

    env.globals.update(achats_nav_key=nav_key, achats_cached=cache.get,
                       achats_remember=remember)
