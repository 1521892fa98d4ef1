"""The public site under its Content-Security-Policy, in Chromium: nothing leaves the site,
the theme, the search, the glossary and the clause finder still work, an injected inline
script does not run."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from achats.render.context import page_url, uri_of

pytestmark = pytest.mark.browser

# Records the browser's CSP violation reports in the page itself, before any of its scripts.
VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(browser):
    """A page whose every request is intercepted (and recorded) and whose CSP violations are
    collected; uncaught script errors fail the test."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    requests: list[str] = []

    def record(route):
        requests.append(route.request.url)
        route.continue_()

    context.route("**/*", record)
    context.add_init_script(VIOLATIONS)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.requests = requests
    yield tab
    errors = list(tab.errors)
    context.close()
    assert not errors, f"erreurs JavaScript : {errors}"


def hosts(urls: list[str]) -> set[str]:
    return {urlsplit(u).hostname for u in urls if urlsplit(u).scheme in ("http", "https")}


def violations(tab) -> list[str]:
    return tab.evaluate("() => window.__violations")


def test_home_and_clause_pages_request_only_the_site(public, watched):
    """Home page and a clause page: every request goes to 127.0.0.1 (no Google Fonts, no
    CDN), the CSP <meta> is there, and nothing of the theme is blocked by it."""
    clause = sorted(public.graph.of("clause"), key=lambda e: e.id)[0]
    for address in (public.url + "/", public.address(uri_of(clause))):
        response = watched.goto(address)
        assert response.status == 200
        watched.wait_for_load_state("networkidle")
        policy = watched.locator('meta[http-equiv="Content-Security-Policy"]')
        assert policy.count() == 1
        content = policy.get_attribute("content")
        assert "base-uri 'self'" in content and "object-src 'none'" in content
        assert "http" not in content  # no third-party origin allowed
        assert violations(watched) == [], address
        # Material's own script ran (it marks the page when its bundle starts).
        assert watched.evaluate("() => typeof window.__md_scope") == "object"
    assert watched.requests, "aucune requête interceptée"
    assert hosts(watched.requests) == {"127.0.0.1"}, sorted(watched.requests)


def test_search_works_under_the_policy(public, watched):
    """Pagefind (its script and its WebAssembly) runs under the CSP and finds results."""
    watched.goto(public.url + "/")
    watched.get_by_role("button", name="Rechercher dans le site").click()
    dialog = watched.get_by_role("dialog", name="Rechercher dans le site")
    dialog.get_by_role("textbox").fill("clause")
    dialog.locator(".pagefind-ui__result-link").first.wait_for()
    assert violations(watched) == []
    assert hosts(watched.requests) == {"127.0.0.1"}


def test_clause_finder_and_glossary_work_under_the_policy(public, watched):
    """« Trouver une clause » filters (our script runs); the glossary's <abbr> tooltips are
    in the page; no violation."""
    watched.goto(public.address("trouver-une-clause.md"))
    counter = watched.locator("[data-compteur]")
    total = counter.inner_text()
    pillar = watched.get_by_label("Pilier")
    value = [v for v in pillar.locator("option").evaluate_all("os => os.map(o => o.value)")
             if v][0]
    pillar.select_option(value)
    watched.wait_for_function("t => document.querySelector('[data-compteur]').textContent "
                              "!== t", arg=total)
    assert violations(watched) == []
    # A public page with a glossary abbreviation (from content/data/glossaire.yml).
    terms = public.graph.vocab.glossary
    entry = next(e for e in sorted(public.graph.entries, key=lambda e: e.id or "")
                 if any(f" {t} " in e.body for t in terms))
    term = next(t for t in terms if f" {t} " in entry.body)
    watched.goto(public.address(uri_of(entry)))
    abbr = watched.locator(f'article abbr[title]:text-is("{term}")').first
    abbr.hover()
    # Material's tooltips feature shows the definition in its own element, by script.
    watched.locator(".md-tooltip2").first.wait_for()
    assert violations(watched) == []


def test_policy_blocks_an_injected_inline_script(public, watched):
    """A clause page served with an inline script and an event attribute slipped into its
    body (as an injection would): neither runs, and Chromium reports both violations."""
    clause = sorted(public.graph.of("clause"), key=lambda e: e.id)[0]
    address = public.address(uri_of(clause))

    def inject(route):
        response = route.fetch()
        body = response.text().replace(
            "<article", '<script>window.__injecte = 1</script>'
            '<img src="x.png" onerror="window.__injecte = 2"><article', 1)
        route.fulfill(response=response, body=body)

    watched.route(address, inject)
    watched.goto(address)
    watched.wait_for_load_state("networkidle")
    # The injection reached the page (else the test would prove nothing)…
    assert watched.evaluate("() => [...document.scripts].some(s => "
                            "s.textContent.includes('__injecte = 1'))")
    assert watched.locator('img[onerror]').count() == 1
    # …and did not run.
    assert watched.evaluate("() => window.__injecte") is None
    found = violations(watched)
    assert sum(v.startswith("script-src") for v in found) >= 2, found


def test_headers_file_policy_served_as_a_header(public, watched):
    """The site served with the policy of its _headers file as an HTTP header (as Netlify or
    nginx would): the theme's inline scripts pass at every depth, search runs (its worker
    compiles WebAssembly: 'wasm-unsafe-eval' is needed here), nothing is blocked."""
    import functools
    import http.server
    import re
    import threading

    headers = (public.folder / "_headers").read_text(encoding="utf-8")
    policy = re.search(r"^  Content-Security-Policy: (.+)$", headers, re.M).group(1)
    assert "'wasm-unsafe-eval'" in policy and "'unsafe-eval'" not in policy

    class WithPolicy(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def end_headers(self):
            self.send_header("Content-Security-Policy", policy)
            super().end_headers()

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(WithPolicy, directory=str(public.folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        clause = sorted(public.graph.of("clause"), key=lambda e: e.id)[0]
        watched.goto(base + page_url(uri_of(clause)))
        assert watched.evaluate("() => typeof window.__md_scope") == "object"
        watched.goto(base)
        watched.get_by_role("button", name="Rechercher dans le site").click()
        dialog = watched.get_by_role("dialog", name="Rechercher dans le site")
        dialog.get_by_role("textbox").fill("clause")
        dialog.locator(".pagefind-ui__result-link").first.wait_for()
        assert violations(watched) == []
    finally:
        server.shutdown()
        server.server_close()
