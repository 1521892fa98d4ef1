"""Run MkDocs for `achats build` and `achats serve`, with content errors in French first."""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

from achats.problems import AchatsError, ProblemList
from achats.project import Project
from achats.site.sitedir import (StopOnSignals, check_site_dir, child_processes, fresh_folder_beside,
                      signals_held, source_folders, stop_children, swap_in)
from achats.model.validate import check_project

CONFIG_FILES = {False: "mkdocs.yml", True: "mkdocs.public.yml"}
# The public site's real address, for CI and scripts/publier.sh: overrides site_url.
SITE_URL_VARIABLE = "ACHATS_SITE_URL"
_UNSAFE_IN_URL = re.compile(r"[\s\"'<>\\`]")


def _check_first(project: Project):
    # A build writes nothing into the source tree, not even the verdicts cache of
    # `achats check`: signatures are verified afresh (in one pass, in the process).
    result = check_project(project)
    if result.problems.errors:
        raise AchatsError(f"le contenu contient des erreurs ({result.problems.summary()}) : "
                          "rien n'a été construit.", result.problems)
    return result


def _config_file(project: Project, public: bool) -> Path:
    path = project.root / CONFIG_FILES[public]
    if not path.is_file():
        raise AchatsError(f"{path.name} introuvable dans {project.root}.")
    return path


def _quiet_mkdocs_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)-7s - %(message)s",
                        stream=sys.stderr)


def build_site(public: bool = False, site_dir: str | None = None,
               project: Project | None = None) -> Path:
    """Checks, then builds into a fresh folder beside the target, swapped in only once the
    pages, search index, PDF and (public) audit have all succeeded (achats.site.sitedir).

    On any failure, SIGINT or SIGTERM the previous site is left byte for byte as it was and
    the temporary folder is removed.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    from achats.git.log import start_history
    from achats.site import hand_over_check, hand_over_target
    from achats.site import parallel

    project = project or Project.find()
    with StopOnSignals():
        if site_dir:  # refused before anything runs: nothing changed
            check_site_dir(site_dir, project.root, source_folders(project))
        # git writes the log on the other core while the entries are checked.
        spared, interrupted = child_processes(), False
        history = start_history(project.root, public)
        building = None
        try:
            checked = _check_first(project)
            _quiet_mkdocs_logging()
            options = {"strict": True}
            if site_dir:
                options["site_dir"] = str(Path(site_dir).resolve())
            if public:
                options.update(public_site_url_option())
            config = load_config(str(_config_file(project, public)), **options)
            if public:
                require_public_variant(config)
                refuse_unreal_site_url(config)
            # site_dir may come from mkdocs.yml, which a merge request can change.
            target = (Path(config.site_dir) if site_dir else
                      check_site_dir(config.site_dir, project.root,
                                     source_folders(project, config)))
            building = fresh_folder_beside(target)
            config["site_dir"] = str(building)
            # The hooks reuse this check and this log instead of doing them a second time.
            hand_over_check(config, checked, history)
            hand_over_target(config, target)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
            swap_in(building, target)
        except (Abort, ConfigurationError, PluginError) as exc:
            # MkDocs turns a plugin's error during the build into Abort("Aborted with a
            # BuildError!"): report the plugin's own (French) message instead.
            if isinstance(exc, Abort) and isinstance(exc.__context__, PluginError):
                exc = exc.__context__
            raise AchatsError(f"la construction a échoué : {exc}") from None
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            # An interrupted build may leave the second process running (MkDocs calls
            # on_build_error for errors only): stopped before its folder is removed. A
            # second Ctrl-C waits for this cleaning.
            with signals_held():
                parallel.abandon_all()
                history.close()
                if interrupted:
                    stop_children(spared)
                if building is not None:
                    shutil.rmtree(building, ignore_errors=True)
    return target


def public_site_url_option() -> dict:
    """load_config's ``site_url`` override from ``ACHATS_SITE_URL``, when it is set.

    Only for ``achats build --public``: ``achats serve`` always serves (and MkDocs rewrites
    site_url to) the local address, which is right for a preview."""
    value = os.environ.get(SITE_URL_VARIABLE, "").strip()
    if not value:
        return {}
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AchatsError(f"{SITE_URL_VARIABLE} (variable d'environnement) vaut « {value} », "
                          "qui n'est pas l'adresse d'un site : attendu par exemple "
                          "https://achats-durables.example.fr/.")
    return {"site_url": value}


def require_public_variant(config) -> None:
    """`achats build --public` builds only a configuration that declares the public variant:
    any other would be built without filtering nor audit, where the public site goes."""
    from achats.site.build import _setting_place

    variant = (config.extra or {}).get("variante", "intranet")
    if variant != "public":
        raise AchatsError(f"{_setting_place(config, 'variante')} : extra.variante vaut "
                          f"« {variant} » dans la configuration de la variante publique : "
                          "achats build --public ne construit que extra.variante: public "
                          "(fiches filtrées, site audité).")


def refuse_unreal_site_url(config) -> None:
    """A public site without ``site_url``, or whose ``site_url`` is this machine (localhost,
    the example setting) or holds characters no address has, is not built: its canonical
    links, sitemap, feed and PDF links would point there (or nowhere)."""
    from achats.site.build import points_here

    uses = "les liens canoniques, le plan du site, le flux des nouveautés et les liens du PDF"
    if not config.site_url:
        found = f"l'adresse manque : {uses} n'en auraient pas. "
    elif points_here(config.site_url):
        found = f"« {config.site_url} » désigne cette machine : {uses} la contiendraient. "
    elif _UNSAFE_IN_URL.search(config.site_url):
        # Written as is into attributes of every page: no quote, bracket or space.
        found = (f"« {config.site_url} » contient un caractère qui n'a pas sa place dans une "
                 "adresse (guillemet, chevron, espace, barre oblique inverse). ")
    else:
        return
    if os.environ.get(SITE_URL_VARIABLE, "").strip():
        raise AchatsError(f"{SITE_URL_VARIABLE} (variable d'environnement) : {found}"
                          "Donnez l'adresse réelle du site public.")
    path, line = _top_level_setting(Path(config.config_file_path), "site_url")
    problems = ProblemList()
    problems.add(path, line, "site_url",
                 f"{found}Renseignez l'adresse réelle du site public dans mkdocs.public.yml "
                 "(site_url), ou donnez-la dans la variable d'environnement "
                 f"{SITE_URL_VARIABLE} (par exemple {SITE_URL_VARIABLE}="
                 "https://achats-durables.example.fr/ achats build --public).")
    raise AchatsError("la variante publique n'a pas été construite : son adresse (site_url) "
                      "n'est pas celle du site public.", problems)


def _top_level_setting(config_file: Path, key: str) -> tuple[str, int]:
    """(file name, line) where top-level ``key`` is set, in ``config_file`` or the files it
    inherits (``INHERIT:``); the config file itself, line 1, when no file sets it."""
    path = config_file
    while path.is_file():
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if re.match(rf"{re.escape(key)}\s*:", line):
                return path.name, number
        parent = re.search(r"^INHERIT:\s*(\S+)", text, re.M)
        if parent is None:
            break
        path = path.parent / parent.group(1)
    return config_file.name, 1


def serve_site(public: bool = False, address: str = "127.0.0.1:8000",
               project: Project | None = None) -> None:
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    project = project or Project.find()
    _check_first(project)
    _quiet_mkdocs_logging()
    try:
        serve(str(_config_file(project, public)), livereload=True, dev_addr=address)
    except (Abort, ConfigurationError, PluginError) as exc:
        raise AchatsError(f"le serveur s'est arrêté : {exc}") from None
