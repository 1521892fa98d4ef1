"""What the public site owes its visitors (French law for public bodies' sites): no request
to another host, the accessibility mention and the legal pages on every page; real builds."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from achats.problems import AchatsError
from achats.project import Project
from achats.site.commands import build_site
from projects import REPO, make_project

LEGAL = {"accessibilite/": "Accessibilité : non conforme",
         "mentions-legales/": "Mentions légales",
         "donnees-personnelles/": "Données personnelles"}


class _Links(HTMLParser):
    """Every URL a page makes the browser load (not the links a reader may follow), and the
    links with their text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._href = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") \
                and values.get("src"):
            self.loads.append(values["src"])
        if tag == "link" and values.get("href") and values.get("rel") not in (
                "canonical", "prev", "next", "alternate"):
            self.loads.append(values["href"])
        if tag == "a" and values.get("href") is not None:
            self._href, self._text = values["href"], []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def parsed(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def public_site(tmp_path_factory) -> Path:
    """The bundled content's public variant."""
    folder = tmp_path_factory.mktemp("obligations") / "site-public"
    # The public variant needs its real address (mkdocs.yml's is this machine's).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ACHATS_SITE_URL", "https://achats.region.example/")
        return build_site(public=True, project=Project(REPO), site_dir=str(folder))


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def test_no_page_loads_anything_from_another_host(public_site):
    """No stylesheet, font, script or image from another host (Google Fonts was loaded by
    every page); the theme's fonts setting is off."""
    pages = _pages(public_site)
    assert len(pages) > 20
    for page in pages:
        for url in parsed(page).loads:
            assert not urlsplit(url).netloc and not url.startswith("//"), (page, url)
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text, page
    for css in public_site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css


def test_every_page_has_the_accessibility_mention_and_legal_links(public_site):
    """Every page, the theme's and the standalone history pages alike, ends with
    « Accessibilité : non conforme », « Mentions légales », « Données personnelles », each
    leading to a page of the site."""
    pages = _pages(public_site)
    assert any("historique" in p.parts for p in pages)
    for page in pages:
        if page.name == "404.html":
            continue
        links = parsed(page).links
        base = page.relative_to(public_site).as_posix()
        for target, text in LEGAL.items():
            found = [href for href, label in links if label == text]
            assert found, (base, text)
            resolved = urlsplit(urljoin(f"http://site/{base}", found[0])).path.lstrip("/")
            assert resolved == target, (base, found[0])
            assert (public_site / target / "index.html").is_file()


def test_legal_pages_hold_the_required_parts(public_site):
    """The statement names the law and decree it answers, the state, the contact and the
    recourse to the Défenseur des droits; the fields only the Region knows are marked."""
    statement = (public_site / "accessibilite/index.html").read_text(encoding="utf-8")
    for part in ("n° 2005-102 du 11 février 2005", "n° 2019-768 du 24 juillet 2019",
                 "non conforme", "RGAA", "Défenseur des droits", "axe-core",
                 "À COMPLÉTER"):
        assert part in statement, part
    data = (public_site / "donnees-personnelles/index.html").read_text(encoding="utf-8")
    assert "aucun cookie" in data and "journaux" in data.lower()
    notice = (public_site / "mentions-legales/index.html").read_text(encoding="utf-8")
    assert "directeur ou directrice de la publication" in notice.lower()
    assert "hébergement" in notice.lower()


def test_unknown_accessibility_status_is_refused(tmp_path):
    """extra.accessibilite takes only the three RGAA states; another value stops the build
    before anything is written, naming the setting's line."""
    root = make_project(tmp_path / "projet")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  accessibilite: non conforme\n" in text
    config.write_text(text.replace("  accessibilite: non conforme\n",
                                   "  accessibilite: conforme\n"), encoding="utf-8")
    line = next(i for i, content in enumerate(config.read_text().splitlines(), 1)
                if content.startswith("  accessibilite:"))
    with pytest.raises(AchatsError) as caught:
        build_site(project=Project(root), site_dir=str(tmp_path / "site"))
    message = str(caught.value)
    assert f"mkdocs.yml:{line} : extra.accessibilite « conforme » inconnu" in message
    assert "partiellement conforme" in message
    assert not (tmp_path / "site").exists()


def test_built_pages_carry_the_strict_policy(public_site):
    """Every page of a built site has the CSP <meta> first in <head>, before any script,
    without 'unsafe-inline' or 'unsafe-eval' for scripts (only `achats serve` previews,
    whose live-reload script is inline, relax it); _headers carries the same rules."""
    from achats.site.csp import preview_policy

    assert "'unsafe-inline'" in preview_policy().split("script-src", 1)[1].split(";")[0]
    for page in _pages(public_site):
        text = page.read_text(encoding="utf-8")
        if "historique" in page.relative_to(public_site).parts:
            continue  # standalone pages without scripts: the _headers policy covers them
        head = text[text.index("<head>"):text.index("</head>")]
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', head)
        assert meta, page
        assert meta.start() < head.index("<script"), page
        policy = meta.group(1).replace("&#39;", "'")
        scripts = policy.split("script-src", 1)[1].split(";")[0]
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, page
        for rule in ("default-src 'self'", "object-src 'none'", "base-uri 'self'"):
            assert rule in policy, (page, rule)
    headers = (public_site / "_headers").read_text(encoding="utf-8")
    assert "'unsafe-inline'" not in headers.split("script-src", 1)[1].split(";")[0]
    assert "frame-ancestors 'self'" in headers and "object-src 'none'" in headers
