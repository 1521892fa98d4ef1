"""Run MkDocs for `achats build` and `achats serve`, with content errors in French first."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from .problems import AchatsError
from .project import Project
from .sitedir import (StopOnSignals, check_site_dir, child_processes, fresh_folder_beside,
                      signals_held, source_folders, stop_children, swap_in)
from .validate import check_project

CONFIG_FILES = {False: "mkdocs.yml", True: "mkdocs.public.yml"}


def _check_first(project: Project):
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
    pages, search index, PDF and (public) audit have all succeeded (achats.sitedir).

    On any failure, SIGINT or SIGTERM the previous site is left byte for byte as it was and
    the temporary folder is removed.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    from .history import start_history
    from .site import hand_over_check, hand_over_target
    from .site import parallel

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
            config = load_config(str(_config_file(project, public)), **options)
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
