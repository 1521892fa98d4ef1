"""The bundled content's site in Chromium: what a buyer, a trainer and a reader do with it."""

from __future__ import annotations

import html
import re
import subprocess
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from achats.render.context import page_url, piece_uri, uri_of
from achats.render.path import PDF_PATH

pytestmark = pytest.mark.browser


def folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def article_text(tab) -> str:
    return folded(tab.locator("article").first.inner_text())


def heading(tab, level: int = 1) -> str:
    """The first heading's text, without the « ¶ » permalink."""
    return folded(tab.get_by_role("heading", level=level).first.evaluate(
        "h => [...h.childNodes].filter(n => !(n.classList && n.classList.contains('headerlink')))"
        ".map(n => n.textContent).join('')"))


def test_home_page_opens(intranet, page, shot):
    """The home page answers, in French, with its title, the tabs and no script error."""
    response = page.goto(intranet.url + "/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "fr"
    assert heading(page) == "Achats durables"
    assert page.get_by_role("link", name="Clauses", exact=True).first.is_visible()
    assert "Version intranet" in page.locator("body").inner_text()
    shot(page, "accueil")


def test_search_insertion_and_open_a_result(intranet, page, shot):
    """The header search finds « insertion »; the first result opens a page about it."""
    page.goto(intranet.url + "/")
    page.get_by_role("button", name="Rechercher dans le site").click()
    dialog = page.get_by_role("dialog", name="Rechercher dans le site")
    dialog.get_by_role("textbox").fill("insertion")
    first = dialog.locator(".pagefind-ui__result").first
    # The result shows placeholder dots until its data has loaded; the link comes with it.
    first.locator(".pagefind-ui__result-link").first.wait_for()
    title = folded(first.locator(".pagefind-ui__result-title").first.inner_text())
    shot(page, "resultats")
    first.locator(".pagefind-ui__result-link").first.click()
    page.wait_for_load_state()
    assert "/?" not in page.url and page.url.rstrip("/") != intranet.url
    assert heading(page) == title
    assert "insertion" in article_text(page).lower()
    shot(page, "page-ouverte")


def _clause_ids(tab) -> set[str]:
    return set(tab.locator("[data-resultats] li:not([hidden]) code").all_inner_texts())


def test_clause_finder_narrows_to_the_pillar(intranet, page, shot):
    """Choosing a pillar leaves exactly the clauses of that pillar (from the content)."""
    clauses = intranet.graph.of("clause")
    page.goto(intranet.address("trouver-une-clause.md"))
    assert _clause_ids(page) == {c.id for c in clauses}
    pillar = page.get_by_label("Pilier")
    values = [v for v in pillar.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
    assert values, "aucun pilier dans le filtre"
    for value in values:
        expected = {c.id for c in clauses if value in (c.meta.get("piliers") or [])}
        pillar.select_option(value)
        page.wait_for_function(
            "n => document.querySelector('[data-compteur]').textContent.startsWith(n + ' ')",
            arg=len(expected))
        assert _clause_ids(page) == expected, value
        if value == "social":
            shot(page, "pilier-social")
    pillar.select_option("")
    page.wait_for_function(
        "n => document.querySelector('[data-compteur]').textContent.startsWith(n + ' ')",
        arg=len(clauses))
    assert _clause_ids(page) == {c.id for c in clauses}


def test_more_results_button_comes_after_both_lists(intranet, page):
    """« Afficher plus de résultats » adds results at the end of a list: it sits below
    the ranked list and the full list, not above them."""
    page.goto(intranet.address("trouver-une-clause.md"))
    after = page.evaluate(
        "() => { const more = document.querySelector('[data-plus]');"
        " return ['[data-resultats]', '[data-resultats-texte]'].map(s =>"
        " !!(document.querySelector(s).compareDocumentPosition(more)"
        " & Node.DOCUMENT_POSITION_FOLLOWING)); }")
    assert after == [True, True]


def test_clause_finder_narrows_to_a_purchase_category(intranet, page, shot):
    """Choosing what the Region buys (« Catégorie d'achat ») leaves exactly those clauses."""
    clauses = intranet.graph.of("clause")
    page.goto(intranet.address("trouver-une-clause.md"))
    category = page.get_by_label("Catégorie d'achat")
    values = [v for v in category.locator("option").evaluate_all("os => os.map(o => o.value)")
              if v]
    used = {v for c in clauses for v in c.meta.get("categories") or []}
    assert values and set(values) == used
    for value in values:
        expected = {c.id for c in clauses if value in (c.meta.get("categories") or [])}
        category.select_option(value)
        page.wait_for_function(
            "n => document.querySelector('[data-compteur]').textContent.startsWith(n + ' ')",
            arg=len(expected))
        assert _clause_ids(page) == expected, value
        # Filtering shows the list itself: the « more results » button of a text search
        # stays hidden (Material's button style used to override the hidden attribute).
        assert not page.locator("[data-plus]").is_visible()
        if value == "restauration_scolaire":
            shot(page, "categorie-restauration-scolaire")


def test_copy_a_clause_text_to_the_clipboard(intranet, browser, shot):
    """« Copier le texte » puts the clause's text, as shown, on the clipboard."""
    clause = next(c for c in sorted(intranet.graph.of("clause"), key=lambda c: c.id)
                  if c.meta.get("statut") == "validee")
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=intranet.url)
    try:
        tab = context.new_page()
        tab.goto(intranet.address(uri_of(clause)))
        button = tab.locator(f"button[data-copier='texte-{clause.id.lower()}']")
        assert button.inner_text().strip() == "Copier le texte"
        button.click()
        tab.wait_for_function(
            "b => b.dataset.copie === 'ok'", arg=button.element_handle())
        assert button.inner_text().strip() == "Texte copié"
        copied = tab.evaluate("() => navigator.clipboard.readText()")
        shown = tab.locator(f"#texte-{clause.id.lower()}").inner_text()
        assert folded(copied) == folded(shown)
        assert folded(copied)[:60] == folded(html.unescape(clause.meta["texte"]))[:60]
        shot(tab, "texte-copie")
    finally:
        context.close()


def test_open_a_history_diff(intranet, page, shot):
    """From an entry, the page without script of its latest differences opens its versions
    and a word diff (the themed history: tests/browser/test_browser_history.py)."""
    entry = next((e for e in sorted(intranet.graph.entries, key=lambda e: e.id)
                  if _has_diff(intranet, e)), None)
    assert entry is not None, ("aucune page d'historique avec une différence : l'historique "
                               "git du dépôt est-il complet (pas de clone superficiel) ?")
    page.goto(intranet.address(uri_of(entry)))
    page.get_by_role("link", name="les dernières différences, sans JavaScript").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/historique/{entry.id.lower()}/")
    assert heading(page) == f"Historique : {entry.title}"
    changes = page.locator(".achats-diff ins, .achats-diff del")
    assert changes.count() > 0 and changes.first.is_visible()
    first_version = page.locator("table a[href^='#version-']").first
    target = first_version.get_attribute("href")
    first_version.click()
    assert page.locator(f"{target}").is_visible()
    assert page.evaluate("() => location.hash") == target
    shot(page, "historique")
    page.get_by_role("link", name="Revenir à la fiche").first.click()
    page.wait_for_load_state()
    assert page.url == intranet.address(uri_of(entry))


def _has_diff(site, entry) -> bool:
    history = site.folder / "historique" / entry.id.lower() / "index.html"
    if not history.is_file():
        return False
    text = history.read_text(encoding="utf-8")
    return 'class="achats-diff"' in text and ("<ins>" in text or "<del>" in text)


def test_follow_the_path_from_first_to_last_page(intranet, page, shot):
    """« Commencer », then « Suivant » on each chapter: « k / n » everywhere, data's order."""
    steps = intranet.path()
    n = len(steps)
    assert n >= 2, "le parcours du contenu fourni devrait compter plusieurs chapitres"
    page.goto(intranet.address("parcours/index.md"))
    listed = page.locator("article ol li a").all_inner_texts()
    assert [folded(t) for t in listed] == [folded(s.title) for s in steps]
    shot(page, "sommaire")
    page.get_by_role("link", name="Commencer le parcours").click()
    for k, step in enumerate(steps, 1):
        page.wait_for_load_state()
        assert page.url == intranet.address(uri_of(step)), k
        assert heading(page) == folded(step.title)
        nav = page.get_by_role("navigation", name="Parcours nouveaux arrivants")
        assert nav.locator(".achats-parcours-position").inner_text() == f"{k} / {n}"
        nav.scroll_into_view_if_needed()
        shot(page, f"etape-{k:02d}", full_page=False)  # the window, with the path's box
        following = nav.locator("a[rel=next]")
        if k < n:
            assert following.inner_text().startswith("Suivant : ")
            following.click()
        else:
            assert following.count() == 0
            assert nav.get_by_role("link", name="Fin du parcours : retour au sommaire").count()


def test_path_offers_the_printable_page_and_the_pdf(intranet, page, shot):
    """The path's first page links the printable page (every chapter) and a real PDF."""
    steps = intranet.path()
    page.goto(intranet.address("parcours/index.md"))
    pdf_link = page.get_by_role("link", name="Télécharger le PDF")
    response = page.request.get(urljoin(page.url, pdf_link.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    assert urljoin(page.url, pdf_link.get_attribute("href")) == intranet.address(
        "parcours/index.md") + PDF_PATH.split("/")[-1]
    page.get_by_role("link", name="Version imprimable").click()
    page.wait_for_load_state()
    headings = page.locator("h2.achats-chapitre").all_inner_texts()
    assert [folded(h).rstrip("¶ ") for h in headings] == [f"{i}. {folded(s.title)}"
                                                          for i, s in enumerate(steps, 1)]
    page.emulate_media(media="print")
    assert not page.locator(".md-header").is_visible()
    shot(page, "imprimable-media-print")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            target = dict(attrs).get("href")
            if target:
                self.links.append(target)


def _internal_addresses(site) -> dict[str, str]:
    """URL path -> internal entry ID, for every page an internal entry would have."""
    out = {}
    for entry in site.internal:
        paths = [uri_of(entry)] + [piece_uri(entry, p) for p in entry.pieces]
        for uri in paths:
            out["/" + page_url(uri)] = entry.id
        out[f"/historique/{entry.id.lower()}/"] = entry.id
    return out


def test_public_site_crawl_reaches_no_internal_page(public, page, shot):
    """Every link followed from the public home page: no internal entry's page, and each
    public entry's page is reached; the internal pages do not exist in the public site."""
    internal = _internal_addresses(public)
    assert internal, "le contenu fourni devrait avoir des fiches internes (rapport, brouillons)"
    page.goto(public.url + "/")
    assert "Version intranet" not in page.locator("body").inner_text()
    shot(page, "accueil-public")
    origin = urlsplit(public.url).netloc
    queue, seen, linked = [public.url + "/"], {public.url + "/"}, {}
    while queue:
        address = queue.pop()
        response = page.request.get(address)
        assert response.status == 200, f"lien cassé : {address} (depuis {linked.get(address)})"
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        parser = _Links()
        parser.feed(response.text())
        for href in parser.links:
            target = urldefrag(urljoin(address, href)).url
            if urlsplit(target).netloc != origin or target in seen:
                continue
            seen.add(target)
            linked[target] = address
            queue.append(target)
    reached = {urlsplit(u).path for u in seen}
    leaks = sorted(f"{path} ({internal[path]}, lien depuis {linked.get(public.url + path)})"
                   for path in reached if path in internal)
    assert not leaks, "pages internes atteintes : " + ", ".join(leaks)
    missing = sorted(e.id for e in public.graph.entries
                     if "/" + page_url(uri_of(e)) not in reached)
    assert not missing, "fiches publiques jamais atteintes : " + ", ".join(missing)
    for path, ident in sorted(internal.items()):
        assert page.request.get(public.url + path).status == 404, (path, ident)


def test_every_clause_prints_as_a_one_page_sheet(intranet, page, shot):
    """Printed from Chromium, a clause fits one A4 page: card, text and verification kept,
    the site's chrome, the copy button and the backlinks left out.

    Every clause is checked in print media; the three longest are printed to PDF (a PDF per
    clause would make the suite slow, and if the longest fit, the shorter ones do).
    """
    page.set_viewport_size({"width": 680, "height": 1000})  # A4 less the margins, at 96 dpi
    page.emulate_media(media="print")
    heights = []
    for clause in sorted(intranet.graph.of("clause"), key=lambda c: c.id):
        page.goto(intranet.address(uri_of(clause)))
        anchor = clause.id.lower()
        assert page.locator(f"#texte-{anchor}").is_visible(), clause.id
        assert page.locator(".achats-fiche table").is_visible(), clause.id
        assert page.locator("h2#comment-verifier").is_visible(), clause.id
        for hidden in (".md-header", ".md-sidebar--primary", ".achats-copier", "h2#cite-dans"):
            if page.locator(hidden).count():
                assert not page.locator(hidden).first.is_visible(), (clause.id, hidden)
        heights.append((page.evaluate("() => document.body.scrollHeight"), clause))
    for _height, clause in sorted(heights, key=lambda h: -h[0])[:3]:
        page.goto(intranet.address(uri_of(clause)))
        pdf = page.pdf(prefer_css_page_size=True)
        pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
        assert pages == 1, f"{clause.id} s'imprime sur {pages} pages"
    shot(page, "clause-la-plus-longue-media-print")


def test_printed_path_starts_each_chapter_on_a_new_page(intranet, page, pdftotext, tmp_path):
    """Printing the printable page from Chromium: the contents first, then each chapter from
    the top of a page, every page numbered « k / n »."""
    steps = intranet.path()
    page.goto(intranet.address("parcours/imprimer.md"))
    target = tmp_path / "imprimer.pdf"
    page.pdf(path=str(target), prefer_css_page_size=True)
    text = subprocess.run([pdftotext, "-layout", str(target), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    first_lines = [folded(p.strip().splitlines()[0]) for p in pages]
    assert first_lines[0].startswith("Parcours nouveaux arrivants")
    for k, step in enumerate(steps, 1):
        prefix = f"{k}. "
        assert any(line.startswith(prefix) and folded(step.title).startswith(
            line[len(prefix):][:30]) for line in first_lines), (
            f"le chapitre {k} ne commence pas une page")
    n = len(pages)
    for k, content in enumerate(pages, 1):
        assert re.search(rf"\b{k} / {n}\s*$", content.rstrip()), f"page {k} sans « {k} / {n} »"
