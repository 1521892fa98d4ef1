"""Per-build state and the MkDocs events that use it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field as dc_field
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from ..graph import Graph, build_graph, restrict
from ..project import DATA_DIR, Project
from ..render import RenderContext, render_site
from ..schema import COLLECTIONS
from ..validate import CheckResult, check_project

log = logging.getLogger("mkdocs.plugins.achats")
STATE_ATTRIBUTE = "_achats_build"


@dataclass
class BuildState:
    """Everything one build computed; created in on_config, never kept at module level."""

    project: Project
    variant: str
    result: CheckResult
    graph: Graph
    history: object = None
    pages: dict = dc_field(default_factory=dict)
    abbreviations: str = ""
    public_leaks_checked: bool = False


def state_of(config) -> BuildState:
    return getattr(config, STATE_ATTRIBUTE)


def on_config(config):
    """Runs once per build (and per rebuild under `serve`), after mkdocs.yml is validated.

    Loads, validates, indexes and renders everything; aborts the build on content errors.
    """
    project = Project(Path(config.config_file_path).resolve().parent)
    variant = (config.extra or {}).get("variante", "intranet")
    if variant not in ("intranet", "public"):
        raise PluginError(f"mkdocs.yml : extra.variante « {variant} » inconnue "
                          "(intranet ou public).")
    result = check_project(project)
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
    history = _read_history(project, graph, variant)
    ctx = RenderContext(graph, variant, history, site_url=config.site_url or "")
    _add_history_sections(ctx)
    state = BuildState(project, variant, result, graph, history)
    state.pages = render_site(ctx)
    state.abbreviations = "\n\n" + "\n".join(
        f"*[{abbr}]: {definition}" for abbr, definition in result.vocab.glossary.items())
    setattr(config, STATE_ATTRIBUTE, state)
    return config


def _read_history(project: Project, graph: Graph, variant: str):
    try:
        from ..history import read_history
    except ImportError:  # history is optional for the site: dates then come from front matter
        return None
    history = read_history(project.root, public=(variant == "public"))
    if history.warning:
        # Info, not warning: a shallow CI clone must still build under --strict.
        log.info("achats : ATTENTION : %s", history.warning)
    return history


def _add_history_sections(ctx: RenderContext) -> None:
    try:
        from ..render.history import history_section
    except ImportError:
        return
    ctx.extra_sections.append(history_section)


def on_files(files: Files, config) -> Files:
    """Adds every generated page (entries, indexes, facets, feed) to the site's files."""
    state = state_of(config)
    for uri, content in state.pages.items():
        existing = files.get_file_from_path(uri)
        if existing is not None:
            raise PluginError(
                f"{Path(config.docs_dir).name}/{uri} : ce fichier porte le nom d'une page "
                "générée par la base ; renommez-le.")
        files.append(File.generated(config, uri, content=content))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Appends the glossary's abbreviations so every page gets the tooltips."""
    return markdown + state_of(config).abbreviations


def on_serve(server, config, builder):
    """Under `mkdocs serve`, rebuilds when a collection or a data file changes."""
    root = Path(config.config_file_path).resolve().parent
    folders = {root / c.folder for c in COLLECTIONS.values()} | {root / DATA_DIR}
    for folder in sorted(folders):
        if folder.is_dir():
            server.watch(str(folder))
    return server


def on_post_build(config) -> None:
    """After the build: the public variant's leak audit (when available)."""
    state = state_of(config)
    if state.variant == "public":
        try:
            from ..audit import audit_public_site
        except ImportError:
            return
        audit_public_site(Path(config.site_dir), state)
