"""Page building on two cores: a forked helper builds a share of the generated pages.

MkDocs builds the pages one after the other on one core, and at 2,000 entries most of a
build is there (Markdown, then the theme's template, page by page). After ``on_nav`` every
page, link target and nav item exists; a forked copy of the build process then has all it
needs to populate and write part of the pages while this process does the rest.

- The helper takes generated pages that are not in the nav (entries, tender pieces,
  facets), spread evenly over them: no other page's nav, previous/next link or template
  needs them. It gets a little less than half of them, since it also does work of its own
  afterwards (the history pages) while this process copies the theme's files.
- In this process those pages are marked excluded, so MkDocs skips them in its two page
  loops; its « excluded from the built site » notes about links to them are dropped (they
  are built, by the helper). Inclusion is restored after the build, and ``sitemap.xml`` is
  written again so it lists every page.
- ``on_post_build`` first waits for the helper: a page error in the helper fails the build
  with its message; its warnings fail a strict build as they would here.

The output is the same file for file as a build on one core (tested). Only ``achats build``
and ``mkdocs build`` split (never ``serve``), only where ``os.fork`` exists and this process
runs a single thread (forking a process with other threads can copy a held lock).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field as dc_field

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import InclusionLevel

from achats.site.sitedir import STOPPING_SIGNALS

log = logging.getLogger("mkdocs.plugins.achats")
SETTING = "parallele"  # extra.parallele in mkdocs.yml
SETTING_VALUES = ("auto", True, False)
# Below this many pages to share, a fork (a few milliseconds, plus the helper's own theme
# environment) is not worth it.
AUTO_FROM_PAGES = 200
_EXCLUDED_NOTE = "which is excluded from the built site."
# The helpers running, one per build of this process (on_build_error is not given the
# build's config, so they are found here rather than on it).
_LIVE: list = []


@dataclass(eq=False)  # found and removed by identity
class Helper:
    config: object  # the build it works for
    pid: int
    reader: int  # pipe the helper writes its report to
    inclusion: dict  # File it builds -> inclusion level to restore
    pages: int  # how many pages it builds
    note_filter: logging.Filter
    all_files: object  # the build's Files
    nav: object
    env: object = None  # this build's theme environment, for sitemap.xml
    started: float = dc_field(default_factory=time.perf_counter)


class _DropExcludedNotes(logging.Filter):
    """Drops MkDocs's notes about links to the pages the helper builds (they are built)."""

    def __init__(self, uris: set[str]):
        super().__init__()
        self.uris = uris

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.endswith(_EXCLUDED_NOTE):
            return True
        target = message[:-len(_EXCLUDED_NOTE)].rstrip().rsplit(" ", 1)[-1].strip("'")
        return target not in self.uris


class _WarningCounter(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _wanted(config, command: str | None, shareable: int) -> bool:
    setting = (config.extra or {}).get(SETTING, "auto")  # checked in on_config
    if setting is False or command == "serve" or not hasattr(os, "fork"):
        return False
    if threading.active_count() > 1:
        return False
    return setting is True or shareable >= AUTO_FROM_PAGES


def _shareable(files, nav) -> list:
    """Generated pages outside the nav, in a stable order."""
    in_nav = {page.file.src_uri for page in nav.pages}
    pages = [f for f in files.documentation_pages()
             if f.generated_by is not None and f.src_uri not in in_nav and f.page is not None]
    return sorted(pages, key=lambda f: f.src_uri)


def _share(pages: list, count: float) -> list:
    """``count`` pages spread evenly over ``pages`` (each kind of page in proportion)."""
    count = max(0, min(len(pages), round(count)))
    return [pages[(2 * k + 1) * len(pages) // (2 * count)] for k in range(count)]


def start(config, files, nav, command: str | None, after_pages=None,
          after_pages_cost: float = 0.0) -> bool:
    """From on_nav: forks the helper and hands it part of the shareable pages; the helper
    then runs ``after_pages()``, work of this build that needs no page and costs about
    ``after_pages_cost`` pages. Returns whether a helper was started (if not, the caller
    does that work itself)."""
    shareable = _shareable(files, nav)
    if not _wanted(config, command, len(shareable)):
        return False
    mine = _share(shareable, (len(shareable) - after_pages_cost) / 2)
    if not mine:
        return False
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    reader, writer = os.pipe()
    # Objects moved out of the collector's reach before the fork: the helper's collections
    # would otherwise touch, hence copy, every page of memory it shares with this process.
    gc.freeze()
    # No signal between the fork and the helper's registration: an interrupted build stops
    # every helper it registered (abandon_all), and one forked unregistered would go on
    # writing into a folder the build has removed.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
    pid = -1
    try:
        pid = os.fork()
        if pid == 0:  # the helper: never returns
            os.close(reader)
            _die_with_parent()
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            _run_helper(config, files, nav, [f.page for f in mine], writer, after_pages)
        os.close(writer)
        gc.unfreeze()
        inclusion = {f: f.inclusion for f in mine}
        note_filter = _DropExcludedNotes({f.src_uri for f in mine})
        _LIVE.append(Helper(config, pid, reader, inclusion, len(mine), note_filter, files, nav))
    finally:
        if pid != 0:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    for f in mine:
        f.inclusion = InclusionLevel.EXCLUDED
    logging.getLogger("mkdocs.structure.pages").addFilter(note_filter)
    log.debug("achats : %d pages construites par un second processus.", len(mine))
    return True


def _die_with_parent() -> None:
    """Linux: the helper gets SIGTERM if the build process dies without stopping it (killed
    with SIGKILL); elsewhere, the build's own handling (abandon_all) is all there is."""
    try:
        import ctypes
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        return


def _run_helper(config, files, nav, pages, writer: int, after_pages) -> None:
    from mkdocs.commands.build import _build_page, _populate_page

    report = {"ok": False}
    started = time.perf_counter()
    counter = _WarningCounter()
    logging.getLogger("mkdocs").addHandler(counter)
    try:
        env = config.theme.get_env()
        env = config.plugins.on_env(env, config=config, files=files)
        read_nav_sources(nav, config)
        for page in pages:
            _populate_page(page, config, files)
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        for page in pages:
            _build_page(page, config, doc_files, nav, env)
        for page in pages:
            page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
        pages_done = time.perf_counter()
        if after_pages is not None:
            after_pages()
        report = {"ok": True, "warnings": counter.count,
                  "pages_s": round(pages_done - started, 3),
                  "after_pages_s": round(time.perf_counter() - pages_done, 3)}
    except BaseException as exc:  # reported to the parent, which fails the build
        page = getattr(config, "_current_page", None)
        report = {"ok": False, "error": str(exc) or type(exc).__name__,
                  "page": page.file.src_uri if page is not None else None}
    finally:
        try:
            os.write(writer, json.dumps(report).encode("utf-8"))
            os.close(writer)
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
        finally:
            os._exit(0 if report.get("ok") else 1)


def read_nav_sources(nav, config) -> None:
    """The nav shows the titles of its pages, which MkDocs takes from their first heading:
    the helper reads the nav pages' sources (not rendered, not written) and keeps each
    title once. Before a page is rendered, MkDocs takes its title again from the whole
    source at each use (a few times per page built), and index pages' sources grow with
    the corpus: without this, the helper's cost grew with the square of the entries."""
    for page in nav.pages:
        if page.markdown is None:
            page.read_source(config)
        page.title = page.title  # a weak property: the value is stored on the page


def _helper_of(config) -> Helper | None:
    return next((helper for helper in _LIVE if helper.config is config), None)


def remember_env(config, env) -> None:
    """From on_env: the theme environment, to write sitemap.xml again at the end."""
    helper = _helper_of(config)
    if helper is not None:
        helper.env = env


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _detach(helper: Helper | None) -> Helper | None:
    """Takes the helper off the running list; its pages count as this build's again."""
    if helper is None:
        return None
    _LIVE.remove(helper)
    for f, level in helper.inclusion.items():
        f.inclusion = level
    logging.getLogger("mkdocs.structure.pages").removeFilter(helper.note_filter)
    return helper


def finish(config) -> None:
    """From on_post_build, before anything reads the site: waits for the helper, restores
    the pages it built, writes sitemap.xml again; fails the build if the helper failed."""
    helper = _detach(_helper_of(config))
    if helper is None:
        return
    waited = time.perf_counter()
    try:
        raw = _read_all(helper.reader)
    finally:
        os.close(helper.reader)
        _, status = os.waitpid(helper.pid, 0)
    try:
        report = json.loads(raw.decode("utf-8")) if raw else {}
    except ValueError:
        report = {}
    if not report.get("ok") or os.waitstatus_to_exitcode(status) != 0:
        where = f" (page {report['page']})" if report.get("page") else ""
        why = report.get("error") or f"arrêté avec le code {os.waitstatus_to_exitcode(status)}"
        raise PluginError(f"le second processus de construction a échoué{where} : {why}")
    # For tuning the share: both processes should finish together (nothing waited here).
    log.debug("achats : second processus : %s pages en %s s, puis %s s de travail propre ; "
              "attendu ici %.3f s (%.3f s depuis le partage).", helper.pages,
              report.get("pages_s"), report.get("after_pages_s"),
              time.perf_counter() - waited, time.perf_counter() - helper.started)
    if report.get("warnings"):
        # Logged here so that a strict build counts them, as if built in this process.
        log.warning("achats : %d avertissement(s) pendant la construction des pages du "
                    "second processus (voir ci-dessus).", report["warnings"])
    if helper.env is not None and "sitemap.xml" in config.theme.static_templates:
        from mkdocs.commands.build import _build_theme_template
        _build_theme_template("sitemap.xml", helper.env, helper.all_files, config, helper.nav)


def abandon_all() -> None:
    """From on_build_error: stops the helpers still running (their pages are lost with the
    failed build anyway)."""
    for helper in list(_LIVE):
        _detach(helper)
        try:
            os.kill(helper.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.close(helper.reader)
        os.waitpid(helper.pid, 0)
