"""Browser tests: the bundled content built once per variant, served over HTTP on
127.0.0.1, and driven in Debian's Chromium through Playwright, launched once.

The fixtures are scoped to this package (tests/browser), which the suite runs as one block:
one build per variant and one browser for all of it, closed before the other modules run
(Playwright's sync API allows a single running instance per thread).

Outside CI, the tests skip with the reason when Chromium, Playwright or axe-core is missing;
with CI=true they fail instead: a CI run that skipped them would prove nothing.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from achats.index.graph import build_graph, restrict
from achats.project import Project
from achats.render.context import RenderContext, page_url
from achats.render.path import path_steps
from achats.site.commands import SITE_URL_VARIABLE, build_site
from achats.model.validate import check_project
from projects import PUBLIC_SITE_URL, REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


def unavailable(reason: str) -> None:
    """Skip (outside CI) or fail (CI=true) because a tool the test needs is missing."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true : ces tests doivent tourner)")
    pytest.skip(reason)


# --- the sites ----------------------------------------------------------------------------


@dataclass
class Site:
    """A built variant of the bundled content, with what the content says it must contain."""

    variant: str
    folder: Path
    graph: object  # this variant's graph
    internal: list  # entries that are not public (check_project + visibility)
    url: str = ""  # http://127.0.0.1:<port>, once served

    @property
    def ctx(self) -> RenderContext:
        return RenderContext(self.graph, self.variant)

    def path(self) -> list:
        """The new-arrivals path of this variant, in order."""
        return path_steps(self.ctx)

    def address(self, uri: str) -> str:
        """Absolute URL of the page built from source URI ``uri``."""
        return f"{self.url}/{page_url(uri)}"


def _build(variant: str, tmp_path_factory) -> Site:
    project = Project(REPO)
    result = check_project(project)
    if result.problems.errors:
        pytest.fail("le contenu fourni a des erreurs : " + result.problems.summary())
    graph = build_graph(result.entries, result.vocab)
    internal = [e for e in graph.entries if not e.is_public]
    if variant == "public":
        graph = restrict(graph, lambda e: e.is_public)
    folder = tmp_path_factory.mktemp(f"site-{variant}") / "site"
    with pytest.MonkeyPatch.context() as patch:
        # The bundled mkdocs.yml keeps the example address, refused for a public build.
        patch.setenv(SITE_URL_VARIABLE, PUBLIC_SITE_URL)
        build_site(public=(variant == "public"), project=project, site_dir=str(folder))
    return Site(variant, folder, graph, internal)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="package")
def _servers():
    """Every HTTP server started for the browser tests, shut down after them."""
    servers = []
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def _serve(site: Site, servers: list) -> Site:
    handler = functools.partial(_QuietHandler, directory=str(site.folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    servers.append(server)
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    return site


@pytest.fixture(scope="package")
def intranet(browser, tmp_path_factory, _servers) -> Site:
    """The bundled content's intranet site, built once and served over HTTP.

    Asks for the browser first, so that nothing is built when the tests cannot run."""
    return _serve(_build("intranet", tmp_path_factory), _servers)


@pytest.fixture(scope="package")
def public(browser, tmp_path_factory, _servers) -> Site:
    """The bundled content's public site, built once and served over HTTP."""
    return _serve(_build("public", tmp_path_factory), _servers)


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    """Debian's Chromium, launched once for the browser tests (never a downloaded browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright n'est pas installé (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        unavailable(f"Chromium de Debian absent ({CHROMIUM}) : apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh French page (own context: no cookies, storage or permissions shared).

    Uncaught JavaScript errors are collected in ``page.errors``; the test fails on any.
    """
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    errors = list(tab.errors)
    context.close()
    assert not errors, f"erreurs JavaScript : {errors}"


@pytest.fixture
def shot(request):
    """shot(page, "step") saves test-artifacts/screenshots/<test>--<step>.png: the whole
    page, or with ``full_page=False`` what the window shows."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^a-z0-9_-]+", "-", request.node.name.lower()).strip("-")

    def take(tab, step: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{test}--{step}.png"
        if full_page:
            # From the top: Material's sticky header would otherwise be drawn mid-page.
            tab.evaluate("() => window.scrollTo(0, 0)")
        tab.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    return take


@pytest.fixture(scope="package")
def pdftotext() -> str:
    """poppler's pdftotext, to read back what Chromium printed."""
    path = shutil.which("pdftotext")
    if path is None:
        unavailable("pdftotext introuvable : installez poppler-utils")
    return path


@pytest.fixture(scope="package")
def axe_source() -> str:
    """axe-core's script, installed by `npm ci` (package-lock.json pins its version)."""
    if not AXE.is_file():
        unavailable("axe-core absent (node_modules/axe-core) : lancez « npm ci » à la racine")
    return AXE.read_text(encoding="utf-8")
