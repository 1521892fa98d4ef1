"""Issue 21: an entry's history inside the site, any two versions compared in the browser.

Real git repositories, real builds (search index included), served over HTTP and read in
Debian's Chromium: a clause with three versions on the intranet; on the public variant, a
clause whose first versions were internal (canaries: draft text, commit message, author).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from achats.project import Project
from achats.site.commands import SITE_URL_VARIABLE, build_site
from projects import PUBLIC_SITE_URL
from signing import make_key, signed_text
from browser.test_browser_accessibility import BLOCKING, describe, run_axe
from test_history import AUTHOR, CLAUSE, GUIDE, commit_all, edit, git, make_repo
from test_public_variant import make_canary_project
from browser.conftest import Site, _serve

pytestmark = pytest.mark.browser

DRAFT_CANARY = "fuite-brouillon-clause"
MESSAGE_CANARY = "canari-message-interne"
HOSTILE = '<img src=x onerror="document.title=1"> <b>gras</b>'
HOSTILE_TEXT = "<b>gras</b>"  # allowed in content (bold on the entry page), text here


def _built(root: Path, public: bool, monkeypatch) -> Path:
    monkeypatch.setenv(SITE_URL_VARIABLE, PUBLIC_SITE_URL)
    return build_site(public=public, project=Project(root),
                      site_dir=str(root / ("site-public" if public else "site")))


@pytest.fixture(scope="module")
def intranet_history(browser, tmp_path_factory, _servers):
    """CL-002 in three versions: imported, « a_valider », then its rate raised."""
    root = make_repo(tmp_path_factory.mktemp("historique") / "projet")
    # A hostile message and text on another entry: shown as text, never as markup.
    edit(root, GUIDE, "## Une section", f"## Une section {HOSTILE_TEXT}")
    commit_all(root, HOSTILE)
    with pytest.MonkeyPatch.context() as patch:
        site = _built(root, False, patch)
    revs = git(root, "log", "--format=%h", "--", CLAUSE).split()
    return _serve(Site("intranet", site, None, []), _servers), revs


PUBLIC_CLAUSE = "clauses/cl-009-clause-sociale.md"
CLAUSE_TEXT = ("---\nid: CL-009\ntitre: Clause d'insertion\ntype: condition_execution\n"
               "piliers: [social]\nfamilles: [services]\nbase_legale: [L2112-2]\n"
               "document: CCAP\nniveau: socle\ntexte: \"{texte}\"\n"
               "verification: \"Attestations {rythme}.\"\nstatut: {statut}\n"
               "---\nCommentaire.\n")


@pytest.fixture(scope="module")
def public_history(browser, tmp_path_factory, _servers):
    """CL-009 drafted (internal: a draft sentence, a message, an author), then validated
    and changed twice in public: three public versions out of four."""
    root = make_canary_project(tmp_path_factory.mktemp("historique-public") / "projet")
    path = root / PUBLIC_CLAUSE
    path.write_text(CLAUSE_TEXT.format(texte=f"Projet {DRAFT_CANARY} à discuter.",
                                       rythme="trimestrielles", statut="proposee"),
                    encoding="utf-8")
    commit_all(root, f"{MESSAGE_CANARY} : brouillon à relire")
    internal = git(root, "log", "--format=%h", "--", PUBLIC_CLAUSE).split()
    key = make_key(root.parent / "cles", "dajcp")
    key.allow(root)
    for texte, rythme, message in [
            ("L'entreprise réserve 5 % des heures à l'insertion.", "trimestrielles",
             "Clause validée par la DAJCP"),
            ("L'entreprise réserve 5 % des heures travaillées à l'insertion.",
             "trimestrielles", "Précise les heures"),
            ("L'entreprise réserve 5 % des heures travaillées à l'insertion.", "mensuelles",
             "Contrôle mensuel des heures")]:
        path.write_text(signed_text(CLAUSE_TEXT.format(texte=texte, rythme=rythme,
                                                       statut="validee"), key),
                        encoding="utf-8")
        commit_all(root, message)
    with pytest.MonkeyPatch.context() as patch:
        site = _built(root, True, patch)
    return _serve(Site("public", site, None, []), _servers), internal


def _open_history_from_the_clause(page, site: Site, page_uri="clauses/cl-002-insertion/"):
    response = page.goto(f"{site.url}/{page_uri}")
    assert response.status == 200
    page.get_by_role("link", name="Voir l'historique et comparer deux versions").click()
    page.wait_for_selector("form.achats-comparer")
    assert re.search(r"/historique/\?fiche=cl-00\d$", page.url)


def _expect_url(page, pattern: str) -> None:
    """Waits until the address (rewritten by the page's script) matches ``pattern``."""
    from playwright.sync_api import expect  # imported once the browser fixture exists

    expect(page).to_have_url(re.compile(pattern))


def _compare_first_and_last(page) -> None:
    options = page.locator("select[name=de] option")
    oldest = options.nth(options.count() - 1).get_attribute("value")
    newest = options.nth(0).get_attribute("value")
    page.get_by_label("Version de départ").select_option(oldest)
    page.get_by_label("Version d'arrivée").select_option(newest)
    page.get_by_role("button", name="Comparer").click()
    _expect_url(page, rf"[?&]de={oldest}(&|$)")


def _result(page) -> dict:
    section = page.locator(".achats-histoire-resultat")
    return {"ins": section.locator("ins").all_inner_texts(),
            "del": section.locator("del").all_inner_texts(),
            "text": section.inner_text()}


def test_intranet_history_compares_first_and_last_version(intranet_history, page, axe_source,
                                                          shot):
    site, revs = intranet_history
    _open_history_from_the_clause(page, site)
    # Inside the site: Material's header, the tabs and the search button.
    assert page.locator("header.md-header").is_visible()
    assert page.locator(".md-tabs").count() == 1
    assert page.get_by_role("button", name="Rechercher dans le site").is_visible()
    assert page.locator("h1").inner_text() == "Historique : Clause d'insertion (CL-002)"
    rows = page.locator(".achats-comparaison tbody tr")
    assert rows.count() == 3 and AUTHOR in rows.nth(0).inner_text()
    # Defaults: the last two versions.
    assert page.locator("select[name=de]").input_value() == revs[1]
    assert page.locator("select[name=a]").input_value() == revs[0]
    _compare_first_and_last(page)
    result = _result(page)
    assert "5" in result["del"] and "proposee" in result["del"]
    assert "7" in result["ins"] and "a_valider" in result["ins"]
    assert any("travaillées" in text for text in result["ins"])
    assert f"version {revs[2]}" in result["text"] and f"version {revs[0]}" in result["text"]
    # Restoring is a command on the intranet.
    assert f"achats revert CL-002 --to {revs[2]}" in page.locator("tbody").inner_text()
    violations = [v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING]
    shot(page, "comparaison")
    assert not violations, describe(violations)
    # The permalink reproduces the same view.
    permalink = page.url
    assert f"de={revs[2]}" in permalink and f"a={revs[0]}" in permalink
    page.goto(permalink)
    page.wait_for_selector(".achats-histoire-resultat ins")
    assert _result(page) == result


def test_a_version_is_read_on_its_own_with_keyboard(intranet_history, page):
    site, revs = intranet_history
    _open_history_from_the_clause(page, site)
    see = page.get_by_role("button", name=f"voir cette version ({revs[2]})")
    see.focus()
    page.keyboard.press("Enter")
    _expect_url(page, rf"[?&]voir={revs[2]}(&|$)")
    text = page.locator(".achats-histoire-resultat").inner_text()
    assert "5 % des heures" in text and "proposee" in text and "7 %" not in text


def test_public_history_never_shows_internal_versions(public_history, page):
    site, internal = public_history
    _open_history_from_the_clause(page, site, "clauses/cl-009-clause-sociale/")
    rows = page.locator(".achats-comparaison tbody tr")
    assert rows.count() == 3
    _compare_first_and_last(page)
    result = _result(page)
    assert "trimestrielles" in result["del"] and "mensuelles" in result["ins"]
    assert "travaillées" in "".join(result["ins"])
    for rev in internal:
        assert page.locator(f"option[value='{rev}']").count() == 0
    whole = page.locator("body").inner_text()
    for canary in (DRAFT_CANARY, MESSAGE_CANARY, AUTHOR, "achats revert", *internal):
        assert canary not in whole, canary
    data = (site.folder / "historique/cl-009/versions.json").read_text(encoding="utf-8")
    for canary in (DRAFT_CANARY, MESSAGE_CANARY, AUTHOR, *internal):
        assert canary not in data, canary


def test_history_page_without_an_entry_says_so(intranet_history, page):
    site, _revs = intranet_history
    page.goto(f"{site.url}/historique/?fiche=../../etc")
    assert "Aucune fiche indiquée" in page.locator("[data-historique-etat]").inner_text()


def test_hostile_message_and_text_are_shown_as_text(intranet_history, page):
    site, _revs = intranet_history
    page.goto(f"{site.url}/historique/?fiche=gu-001")
    page.wait_for_selector(".achats-histoire-resultat ins")
    assert HOSTILE in page.locator("tbody").inner_text()
    assert HOSTILE_TEXT in "".join(
        page.locator(".achats-histoire-resultat ins").all_inner_texts())
    assert page.locator(".achats-comparaison img, .achats-comparaison b").count() == 0
    assert page.title() != "1"
