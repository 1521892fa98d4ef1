"""Per-build state and the MkDocs events that use it."""

from __future__ import annotations

import html
import logging
import re
import shutil
from fnmatch import fnmatch
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from achats.site.audit import audit_public_site
from achats.site.editor.config import enabled as cms_enabled
from achats.site.editor.media import unpublished_uploads
from achats.site.editor.site import write_admin
from achats.index.graph import Graph, build_graph
from achats.git.log import HistoryReading, start_history
from achats.site.pdf import write_path_pdf
from achats.render.dce_links import dce_enabled
from achats.tender.dce import write_site_documents
from achats.problems import AchatsError
from achats.project import DATA_DIR, PAGES_DIR, Project
from achats.render import RenderContext, render_site
from achats.render.context import source_files
from achats.render.glossary import Glossary
from achats.render.html import unwrap
from achats.model.sanitize import clean_generated, plain_text
from achats.render.history import (DEFAULT_DIFFS, history_data, history_html_pages,
                              history_section, history_workload)
from achats.model.schema import COLLECTIONS
from achats.site.search import index_site, searchable_copy
from achats.site.sitedir import SiteDirRefused, check_site_dir, source_folders, write_marker
from achats.model.validate import CheckResult, check_project
from achats.variant import View, load_withdrawals, make_view, shown_settings
from achats.site import csp, parallel
from achats.site.theme import prepare_env

log = logging.getLogger("mkdocs.plugins.achats")
STATE_ATTRIBUTE = "_achats_build"
CHECKED_ATTRIBUTE = "_achats_checked"
SEARCH_SOURCE = "pagefind-source"  # folder of the site with the pages Pagefind reads


HISTORY_ATTRIBUTE = "_achats_history"
TARGET_ATTRIBUTE = "_achats_site_target"


def hand_over_check(config, result: CheckResult, history: HistoryReading | None = None) -> None:
    """Lets the next on_config reuse a check the caller has just made of the same files,
    and the `git log` it started before checking them."""
    setattr(config, CHECKED_ATTRIBUTE, result)
    setattr(config, HISTORY_ATTRIBUTE, history)


def hand_over_target(config, target: Path) -> None:
    """Tells the hooks that ``config.site_dir`` is a temporary folder that `achats build`
    swaps in place of ``target`` (already checked) once the build has succeeded."""
    setattr(config, TARGET_ATTRIBUTE, target)


def _site_target(config, project: Project) -> Path:
    """Where the site will be served from: the folder `achats build` swaps in, or, under
    plain `mkdocs build`, the output folder itself, checked here since MkDocs is about to
    empty it (not under `serve`, which builds into a temporary folder of its own)."""
    target = getattr(config, TARGET_ATTRIBUTE, None)
    if target is not None:
        return target
    if _Process.command == "serve":
        return Path(config.site_dir)
    try:
        return check_site_dir(config.site_dir, project.root, source_folders(project, config))
    except SiteDirRefused as exc:
        raise PluginError(str(exc)) from None


def _history_reading(config, project: Project, public: bool) -> HistoryReading:
    """The `git log` handed over by `achats build` (taken once), or a new one.

    (`achats build --public` has already refused a configuration without
    ``variante: public``: achats.site.commands.require_public_variant.)
    """
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
    theme_scripts: csp.ThemeScripts | None = None  # hashed for the Content-Security-Policy
    history_diffs: int = DEFAULT_DIFFS  # extra.historique_diffs
    view: View | None = None  # what this variant shows (achats.variant)
    site_target: Path | None = None  # where the site is served from once accepted


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
    status = extra.get("accessibilite", "non conforme")
    if status not in ACCESSIBILITY_STATUSES:
        raise PluginError(f"{_setting_place(config, 'accessibilite')} : extra.accessibilite "
                          f"« {status} » inconnu ; valeurs permises (RGAA) : "
                          + ", ".join(ACCESSIBILITY_STATUSES) + ".")
    return variant, diffs


# The three states the RGAA allows in the mention at the foot of every page.
ACCESSIBILITY_STATUSES = ("non conforme", "partiellement conforme", "totalement conforme")
# Pages a public body's site owes its visitors, with the Region's details to fill in.
LEGAL_PAGES = {"accessibilite.md": "Déclaration d'accessibilité",
               "mentions-legales.md": "Mentions légales",
               "donnees-personnelles.md": "Données personnelles"}
TO_FILL = "À COMPLÉTER"


def _legal_pages_to_fill(config) -> list[str]:
    """« mentions-legales.md (4 champs) »… for the legal pages still holding « À COMPLÉTER »."""
    docs = Path(config.docs_dir).resolve()
    root = Path(config.config_file_path).resolve().parent
    where = docs.relative_to(root).as_posix() if docs.is_relative_to(root) else str(docs)
    found = []
    for name in LEGAL_PAGES:
        path = docs / name
        count = path.read_text(encoding="utf-8").count(TO_FILL) if path.is_file() else 0
        if count:
            found.append(f"{where}/{name} ({count} champ{'s' if count > 1 else ''})")
    return found


def on_config(config):
    """Runs once per build (and per rebuild under `serve`), after mkdocs.yml is validated.

    Loads, validates, indexes and renders everything; aborts the build on content errors
    and on wrong settings, before MkDocs empties the site folder.
    """
    project = Project(Path(config.config_file_path).resolve().parent)
    variant, diffs = _check_settings(config)
    target = _site_target(config, project)
    if variant == "public" and _Process.command != "serve" and points_here(config.site_url):
        # Info, not warning: a CI build of the variant must still pass under --strict.
        log.info("achats : ATTENTION : site_url (%s) désigne cette machine : le plan du site, "
                 "le flux des nouveautés et les liens du PDF la contiendront. Renseignez "
                 "l'adresse réelle du site dans mkdocs.public.yml avant de publier.",
                 config.site_url)
    if variant == "public" and _Process.command != "serve":
        to_fill = _legal_pages_to_fill(config)
        if to_fill:
            # Info, as for site_url: the example content must still build under --strict.
            log.info("achats : ATTENTION : pages légales encore « %s » : %s. Renseignez-les "
                     "avant de publier (README, « Pages à compléter avant publication »).",
                     TO_FILL, ", ".join(to_fill))
    # git writes the log on the other core while the entries are read and checked.
    reading = _history_reading(config, project, public=(variant == "public"))
    try:
        config = _prepare(config, project, variant, diffs, reading)
    finally:
        reading.close()  # nothing to do once read; stops git if this build failed first
    state_of(config).site_target = target
    # Marked as ours before MkDocs empties it (it keeps hidden files): a later build may
    # replace this folder, even if this build fails half-way.
    Path(config.site_dir).mkdir(parents=True, exist_ok=True)
    write_marker(Path(config.site_dir))
    return config


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
    history = reading.result()
    if history.warning:
        # Info, not warning: a shallow CI clone must still build under --strict.
        log.info("achats : ATTENTION : %s", history.warning)
    try:
        withdrawals = load_withdrawals(project.data_dir, history)
    except AchatsError as exc:
        raise PluginError(str(exc)) from None
    # The one decision of what this variant shows; renderers only render the view.
    view = make_view(variant == "public", build_graph(result.entries, result.vocab), history,
                     withdrawals, diffs)
    problems = getattr(view.history, "withdrawal_problems", None)
    if problems:
        raise PluginError("Un retrait ne cache pas le texte qu'il vise :\n"
                          + problems.as_text())
    # Under `serve` every save rebuilds: the PDF (seconds) waits for `achats build`.
    pdf = bool((config.extra or {}).get("pdf", True)) and _Process.command != "serve"
    settings = shown_settings(variant == "public", config.extra or {})
    # Like the PDF, the tenders' Word/ODT files wait for `achats build` (see on_post_build).
    settings["dce"] = settings["dce"] and _Process.command != "serve"
    ctx = RenderContext.of_view(view, site_url=config.site_url or "", pdf=pdf,
                                settings=settings, sources=source_files(result.entries))
    ctx.extra_sections.append(history_section)
    state = BuildState(project, variant, result, view.graph, history, ctx,
                       history_diffs=diffs, view=view)
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
    if state.variant == "public":  # uploads cited by internal entries only stay inside
        for uri in unpublished_uploads([f.src_uri for f in files], state.graph.entries):
            files.remove(files.get_file_from_path(uri))
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
# A version read and written into versions.json: 0.65 s for the ~4,000 file versions of
# the 2,000-entry, 300-commit benchmark (in one process), about 0.03 of a site page.
HISTORY_VERSION_COST = 0.03


def on_nav(nav, config, files):
    """Last event before the pages are built: hands a share of them to a second process
    on sites large enough (achats.site.parallel)."""
    state = state_of(config)
    pages, differences, versions = history_workload(state.ctx, state.history_diffs)
    history_cost = (HISTORY_PAGE_COST * pages + HISTORY_DIFF_COST * differences
                    + HISTORY_VERSION_COST * versions)
    if parallel.start(config, files, nav, _Process.command,
                      after_pages=lambda: _write_history_pages(config, state),
                      after_pages_cost=history_cost):
        state.history_pages_written = True
    return nav


def on_env(env, config, files):
    """The theme environment: navigation rendered once per folder (achats.site.theme)."""
    prepare_env(env, config)
    state_of(config).theme_scripts = csp.prepare_env(env, config,
                                                     serving=_Process.command == "serve")
    # For values read by scripts (search metadata): no markup, even once decoded.
    env.filters["texte_brut"] = plain_text
    parallel.remember_env(config, env)
    return env


def on_build_error(error) -> None:
    """A failed build stops the second process, if any (the config is not passed here)."""
    parallel.abandon_all()


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Resolves [[ID]] links in hand-written pages (generated ones already are)."""
    state = state_of(config)
    if page.file.generated_by is None:
        markdown = state.ctx.resolve_body(markdown, page.file.src_uri,
                                          f"{PAGES_DIR}/{page.file.src_uri}")
    return markdown


def on_page_content(html: str, page, config, files) -> str:
    """Puts the generated cards, tables and lists back into the converted page, marks the
    glossary's abbreviations in all of it, then passes the whole through the allow-list
    sanitiser (achats.model.sanitize): `achats check` has refused whatever content would lose
    there, so this changes nothing on a checked page and is the defence in depth."""
    return clean_generated(state_of(config).glossary.apply(unwrap(html)))


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


def history_files(config, state: BuildState, theme_css: list[str]) -> dict[str, str]:
    """Site path -> text of this variant's standalone history pages (with ``theme_css``,
    then the site's own styles, and the legal pages' links) and of the version data the
    themed « Historique » page compares (one small file per entry)."""
    css = theme_css + [str(href) for href in config.extra_css]
    status = (config.extra or {}).get("accessibilite", "non conforme")
    files = {rel: _with_legal_links(page, rel, status) for rel, page
             in history_html_pages(state.ctx, css, state.history_diffs).items()}
    files.update(history_data(state.ctx))
    return files


def _write_history_pages(config, state: BuildState) -> None:
    """Writes the standalone history pages of this variant, and the version data of the
    themed history page, into the built site."""
    site = Path(config.site_dir)
    pages = history_files(config, state, state.theme_css)
    for rel, page in pages.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(page, encoding="utf-8")
        temporary.replace(target)


def _with_legal_links(page: str, rel: str, status: str) -> str:
    """A standalone history page with the footer mentions every page carries (the theme's
    pages get them from partials/copyright.html)."""
    root = "../" * rel.count("/")
    links = (f' · <a href="{root}accessibilite/">Accessibilité : {html.escape(status)}</a>'
             f' · <a href="{root}mentions-legales/">Mentions légales</a>'
             f' · <a href="{root}donnees-personnelles/">Données personnelles</a>')
    return page.replace("</p></footer>", links + "</p></footer>", 1)


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
                       site_name=config.site_name, variant=state.variant,
                       history=state.history)
    elif _Process.command == "serve" and (config.extra or {}).get("pdf", True):
        log.info("achats : aperçu : le PDF du parcours n'est pas régénéré pendant « serve » "
                 "(achats build le produit).")
    if dce_enabled(state.ctx):
        write_site_documents(state.project, state.graph, site)
    if not state.history_pages_written:
        _write_history_pages(config, state)
    (site / "_headers").write_text(
        csp.headers_file(config, state.theme_scripts, csp.base_urls(site, config.site_url)),
        encoding="utf-8")
    if state.search_source is not None:
        try:
            index_site(site, state.variant, source_dir=state.search_source)
        finally:
            shutil.rmtree(state.search_source, ignore_errors=True)
    if state.variant == "intranet" and cms_enabled(config.extra):
        write_admin(site, state.project.root, state.graph, config.extra)
    if state.variant == "public":
        audit_public_site(site, state)
