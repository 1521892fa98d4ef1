"""Per-build state and the MkDocs events that use it."""

from __future__ import annotations

import logging
import re
import shutil
from fnmatch import fnmatch
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from ..audit import audit_public_site
from ..cms.config import enabled as cms_enabled
from ..cms.site import write_admin
from ..graph import Graph, build_graph, restrict
from ..history import HistoryReading, start_history
from ..pdf import write_path_pdf
from ..problems import AchatsError
from ..project import DATA_DIR, Project
from ..render import RenderContext, render_site
from ..render.glossary import Glossary
from ..render.html import unwrap
from ..render.history import (DEFAULT_DIFFS, history_html_pages, history_section,
                              history_workload)
from ..schema import COLLECTIONS
from ..search import index_site, searchable_copy
from ..validate import CheckResult, check_project
from . import parallel
from .theme import prepare_env

log = logging.getLogger("mkdocs.plugins.achats")
STATE_ATTRIBUTE = "_achats_build"
CHECKED_ATTRIBUTE = "_achats_checked"
SEARCH_SOURCE = "pagefind-source"  # folder of the site with the pages Pagefind reads


HISTORY_ATTRIBUTE = "_achats_history"


def hand_over_check(config, result: CheckResult, history: HistoryReading | None = None) -> None:
    """Lets the next on_config reuse a check the caller has just made of the same files,
    and the `git log` it started before checking them."""
    setattr(config, CHECKED_ATTRIBUTE, result)
    setattr(config, HISTORY_ATTRIBUTE, history)


def _history_reading(config, project: Project, public: bool) -> HistoryReading:
    """The `git log` handed over by `achats build` (taken once), or a new one."""
    reading = getattr(config, HISTORY_ATTRIBUTE, None)
    setattr(config, HISTORY_ATTRIBUTE, None)
    if (reading is not None and reading.public == public
            and reading.root.resolve() == project.root.resolve()):
        return reading
    if reading is not None:
        reading.close()
    return start_history(project.root, public=public)


@dataclass
class BuildState:
    """Everything one build computed; created in on_config, never kept at module level."""

    project: Project
    variant: str
    result: CheckResult
    graph: Graph
    history: object = None
    ctx: RenderContext | None = None  # how this build renders (links, variant, history)
    pages: dict = dc_field(default_factory=dict)
    public_leaks_checked: bool = False
    theme_css: list = dc_field(default_factory=list)  # the theme's stylesheets, site-relative
    history_pages_written: bool = False  # by the second process (achats.site.parallel)
    search_source: Path | None = None  # bare copies of the indexed pages, for Pagefind
    glossary: Glossary | None = None
    history_diffs: int = DEFAULT_DIFFS  # extra.historique_diffs


class RenderedOnRead(File):
    """A generated page whose Markdown is rendered when MkDocs first reads it.

    MkDocs reads a file's text through its ``_content`` attribute; here that attribute
    renders the page on first use, in whichever process builds the page.
    """

    _render = None

    @classmethod
    def generated_later(cls, config, src_uri: str, render) -> "RenderedOnRead":
        f = cls.generated(config, src_uri, content="")
        f._render = render
        f.__dict__["_rendered"] = None
        return f

    @property
    def _content(self):
        rendered = self.__dict__.get("_rendered")
        if rendered is None and self._render is not None:
            rendered = self.__dict__["_rendered"] = self._render()
            self._render = None
        return rendered

    @_content.setter
    def _content(self, value) -> None:
        self.__dict__["_rendered"] = value


class _Process:
    """The command this MkDocs process runs, told once by on_startup. Material keeps the same
    flag (`is_serve`) on its plugin instance; it is not build state and never changes."""

    command: str | None = None


def on_startup(command: str, dirty: bool) -> None:
    """Runs once per process, before the first build: remembers whether we are serving."""
    _Process.command = command


def state_of(config) -> BuildState:
    return getattr(config, STATE_ATTRIBUTE)


def _setting_place(config, key: str) -> str:
    """« mkdocs.yml:83 »: where ``extra.<key>`` is set (in the file or the one it inherits)."""
    path = Path(config.config_file_path)
    while path.is_file():
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if re.match(rf"\s+{re.escape(key)}\s*:", line):
                return f"{path.name}:{number}"
        parent = re.search(r"^INHERIT:\s*(\S+)", text, re.M)
        if parent is None:
            break
        path = path.parent / parent.group(1)
    return Path(config.config_file_path).name


def _check_settings(config) -> tuple[str, int]:
    """The extra settings read later in the build, checked before anything is written."""
    extra = config.extra or {}
    variant = extra.get("variante", "intranet")
    if variant not in ("intranet", "public"):
        raise PluginError(f"{_setting_place(config, 'variante')} : extra.variante "
                          f"« {variant} » inconnue (intranet ou public).")
    diffs = extra.get("historique_diffs", DEFAULT_DIFFS)
    if not isinstance(diffs, int) or isinstance(diffs, bool) or diffs < 0:
        raise PluginError(f"{_setting_place(config, 'historique_diffs')} : "
                          f"extra.historique_diffs doit être un nombre entier positif ou nul "
                          f"(trouvé « {diffs} »).")
    setting = extra.get(parallel.SETTING, "auto")
    if setting not in parallel.SETTING_VALUES:
        raise PluginError(f"{_setting_place(config, parallel.SETTING)} : "
                          f"extra.{parallel.SETTING} doit valoir auto, true ou false "
                          f"(trouvé « {setting} »).")
    return variant, diffs


def on_config(config):
    """Runs once per build (and per rebuild under `serve`), after mkdocs.yml is validated.

    Loads, validates, indexes and renders everything; aborts the build on content errors
    and on wrong settings, before MkDocs empties the site folder.
    """
    project = Project(Path(config.config_file_path).resolve().parent)
    variant, diffs = _check_settings(config)
    if variant == "public" and _Process.command != "serve" and points_here(config.site_url):
        # Info, not warning: a CI build of the variant must still pass under --strict.
        log.info("achats : ATTENTION : site_url (%s) désigne cette machine : le plan du site, "
                 "le flux des nouveautés et les liens du PDF la contiendront. Renseignez "
                 "l'adresse réelle du site dans mkdocs.public.yml avant de publier.",
                 config.site_url)
    # git writes the log on the other core while the entries are read and checked.
    reading = _history_reading(config, project, public=(variant == "public"))
    try:
        return _prepare(config, project, variant, diffs, reading)
    finally:
        reading.close()  # nothing to do once read; stops git if this build failed first


def points_here(site_url: str | None) -> bool:
    """Whether ``site_url`` is an address of the building machine (the example setting)."""
    host = (urlsplit(site_url or "").hostname or "").lower()
    return host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"} or host.endswith(".localhost")


def _prepare(config, project: Project, variant: str, diffs: int, reading: HistoryReading):
    """on_config's work: check, graph, history (from ``reading``), generated pages."""
    # `achats build` has just checked the same files; plain `mkdocs build` has not.
    result = getattr(config, CHECKED_ATTRIBUTE, None) or check_project(project)
    if result.problems.errors:
        raise PluginError(
            "Le contenu contient des erreurs ; corrigez-les (achats check) :\n"
            + "\n".join(p.format() for p in sorted(result.problems.errors)))
    if result.problems.warnings:
        log.info("achats : %d avertissement(s) dans le contenu (voir « achats check »).",
                 len(result.problems.warnings))
    graph = build_graph(result.entries, result.vocab)
    if variant == "public":
        graph = restrict(graph, lambda e: e.is_public)
    history = reading.result()
    if history.warning:
        # Info, not warning: a shallow CI clone must still build under --strict.
        log.info("achats : ATTENTION : %s", history.warning)
    # Under `serve` every save rebuilds: the PDF (seconds) waits for `achats build`.
    pdf = bool((config.extra or {}).get("pdf", True)) and _Process.command != "serve"
    ctx = RenderContext(graph, variant, history, site_url=config.site_url or "", pdf=pdf)
    ctx.extra_sections.append(history_section)
    state = BuildState(project, variant, result, graph, history, ctx, history_diffs=diffs)
    state.pages = render_site(ctx, deferred=True)
    # The glossary's <abbr> tooltips go into each converted page (on_page_content).
    state.glossary = Glossary(result.vocab.glossary)
    if (config.extra or {}).get("recherche", True):
        # Inside the site, so a failed build leaves nothing elsewhere; removed after indexing
        # (or by the next build's cleaning), before the public audit.
        state.search_source = Path(config.site_dir) / SEARCH_SOURCE
    setattr(config, STATE_ATTRIBUTE, state)
    return config


def on_files(files: Files, config) -> Files:
    """Adds every generated page (entries, indexes, facets, feed) to the site's files."""
    state = state_of(config)
    for uri, content in state.pages.items():
        existing = files.get_file_from_path(uri)
        if existing is not None:
            raise PluginError(
                f"{Path(config.docs_dir).name}/{uri} : ce fichier porte le nom d'une page "
                "générée par la base ; renommez-le.")
        if callable(content):
            files.append(RenderedOnRead.generated_later(config, uri, content))
        else:
            files.append(File.generated(config, uri, content=content))
    # The history pages use the theme's stylesheets, whose names carry a hash.
    state.theme_css = sorted(f.dest_uri for f in files.css_files()
                             if fnmatch(f.dest_uri, "assets/stylesheets/main.*.min.css")
                             or fnmatch(f.dest_uri, "assets/stylesheets/palette.*.min.css"))
    return files


# What the history pages cost, in site pages (Markdown and theme): measured by `mkdocs build
# -v` on the benchmark's corpora (2,000 and 10,000 entries, 300 commits), which print how
# long each process worked; the share is right when neither waits for the other.
HISTORY_PAGE_COST = 0.045  # a page of its own HTML, no theme
HISTORY_DIFF_COST = 0.3  # two versions read from git and compared


def on_nav(nav, config, files):
    """Last event before the pages are built: hands a share of them to a second process
    on sites large enough (achats.site.parallel)."""
    state = state_of(config)
    pages, differences = history_workload(state.ctx, state.history_diffs)
    history_cost = HISTORY_PAGE_COST * pages + HISTORY_DIFF_COST * differences
    if parallel.start(config, files, nav, _Process.command,
                      after_pages=lambda: _write_history_pages(config, state),
                      after_pages_cost=history_cost):
        state.history_pages_written = True
    return nav


def on_env(env, config, files):
    """The theme environment: navigation rendered once per folder (achats.site.theme)."""
    prepare_env(env, config)
    parallel.remember_env(config, env)
    return env


def on_build_error(error) -> None:
    """A failed build stops the second process, if any (the config is not passed here)."""
    parallel.abandon_all()


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Resolves [[ID]] links in hand-written pages (generated ones already are)."""
    state = state_of(config)
    if page.file.generated_by is None:
        markdown = state.ctx.resolve_body(markdown, page.file.src_uri)
    return markdown


def on_page_content(html: str, page, config, files) -> str:
    """Puts the generated cards, tables and lists back into the converted page, then marks
    the glossary's abbreviations in all of it."""
    return state_of(config).glossary.apply(unwrap(html))


def on_post_page(output: str, page, config) -> str:
    """Keeps a bare copy of each indexed page for Pagefind (in the process that built it)."""
    state = state_of(config)
    if state.search_source is not None:
        copy = searchable_copy(output)
        if copy is not None:
            target = state.search_source / page.file.dest_uri
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(copy, encoding="utf-8")
    return output


def on_serve(server, config, builder):
    """Under `mkdocs serve`, rebuilds when a collection or a data file changes."""
    root = Path(config.config_file_path).resolve().parent
    folders = {root / c.folder for c in COLLECTIONS.values()} | {root / DATA_DIR}
    for folder in sorted(folders):
        if folder.is_dir():
            server.watch(str(folder))
    return server


def _write_history_pages(config, state: BuildState) -> None:
    """Writes the standalone history pages of this variant into the built site."""
    site = Path(config.site_dir)
    css = state.theme_css + [str(href) for href in config.extra_css]
    for rel, page in history_html_pages(state.ctx, css, state.history_diffs).items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(page, encoding="utf-8")
        temporary.replace(target)


def on_post_build(config) -> None:
    """After the build: the path's PDF (unless extra.pdf is false or we are serving), the
    history pages, the search index (unless extra.recherche is false), then the public
    variant's leak audit, which sees them all."""
    try:
        parallel.finish(config)
        _after_build(config, state_of(config), Path(config.site_dir))
    except AchatsError as exc:
        if isinstance(exc, PluginError):
            raise
        # MkDocs prints a PluginError as a message; anything else as a traceback.
        raise PluginError(str(exc)) from None


def _after_build(config, state: BuildState, site: Path) -> None:
    if state.ctx.pdf:
        write_path_pdf(site, state.graph, site_url=config.site_url or "",
                       site_name=config.site_name, variant=state.variant)
    elif _Process.command == "serve" and (config.extra or {}).get("pdf", True):
        log.info("achats : aperçu : le PDF du parcours n'est pas régénéré pendant « serve » "
                 "(achats build le produit).")
    if not state.history_pages_written:
        _write_history_pages(config, state)
    if state.search_source is not None:
        try:
            index_site(site, state.variant, source_dir=state.search_source)
        finally:
            shutil.rmtree(state.search_source, ignore_errors=True)
    if state.variant == "intranet" and cms_enabled(config.extra):
        write_admin(site, state.project.root, state.graph, config.extra)
    if state.variant == "public":
        audit_public_site(site, state)
