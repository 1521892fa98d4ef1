"""Accessibility (RGAA, i.e. WCAG 2.1 AA): axe-core run in Chromium on the key pages.

axe-core comes from npm (package.json / package-lock.json, installed by `npm ci`); it is
injected into the page under test and run on the whole document. A page passes when axe
reports no violation of impact « serious » or « critical ».
"""

from __future__ import annotations

import pytest

from achats.render.context import page_url, uri_of

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


def _clause(site):
    return next(c for c in sorted(site.graph.of("clause"), key=lambda c: c.id)
                if c.meta.get("statut") == "validee")


def _history_uri(site) -> str:
    """The history page of the clause under test (written after the build)."""
    folder = site.folder / "historique" / _clause(site).id.lower()
    assert (folder / "index.html").is_file(), f"page d'historique absente : {folder}"
    return f"historique/{_clause(site).id.lower()}/index.md"


PAGES = {
    "accueil": lambda site: "index.md",
    "clause": lambda site: uri_of(_clause(site)),
    "catalogue-des-clauses": lambda site: "clauses/index.md",
    "trouver-une-clause": lambda site: "trouver-une-clause.md",
    "historique": _history_uri,
    "parcours": lambda site: "parcours/index.md",
    "chapitre-du-parcours": lambda site: uri_of(site.path()[0]),
    # Code examples with comments (their contrast was 4.47:1 before the fix).
    "format-des-fiches": lambda site: "contribuer/format-des-fiches.md",
    "declaration-d-accessibilite": lambda site: "accessibilite.md",
    "mentions-legales": lambda site: "mentions-legales.md",
    "donnees-personnelles": lambda site: "donnees-personnelles.md",
}


def run_axe(tab, source: str) -> list[dict]:
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy rightly
    # refuses an inline <script> (add_script_tag), and the test must not turn it off.
    tab.evaluate("() => {" + source + "\n}")
    result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        more = f" (+{len(v['nodes']) - 5})" if len(v["nodes"]) > 5 else ""
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} : {targets}{more}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_violation(name, axe_source, intranet, page, shot):
    """axe-core finds nothing serious or critical on the page."""
    uri = PAGES[name](intranet)
    response = page.goto(f"{intranet.url}/{page_url(uri)}")
    assert response.status == 200
    violations = [v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING]
    shot(page, name)
    assert not violations, f"{name} : violations d'accessibilité :\n{describe(violations)}"
