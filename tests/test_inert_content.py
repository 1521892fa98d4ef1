"""Untrusted content stays inert: hostile inputs refused by `achats check` (file, line,
field, French message), and nothing executable or local reaching a built page, the feed,
the search index or the PDF of a real build.

Each refused input is a small entry or page written into a copy of the fixture project; the
expected line is the one of the input holding the hostile part. The build tests use inputs
that `achats check` rightly accepts (escaped markup in titles and headings, markup in the
data files' labels) and prove the site still carries no active markup.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from achats.problems import AchatsError
from achats.project import Project
from achats.render.path import PDF_PATH
from achats.model.sanitize import MARKDOWN_EXTENSIONS, clean_content, clean_generated
from achats.site.search import indexed_pages
from achats.site.commands import build_site
from projects import REPO, make_project

GUIDE = "---\nid: GU-060\ntitre: {title}\netape: besoin\n---\nIntroduction.\n\n{body}\n"
PAGE = "---\ntitle: Page\n{meta}---\n# Page\n\nTexte.\n\n{body}\n"
MARKER = base64.b64encode(b"<form><button formaction='javascript:alert(1)'>x</button></form>")

# (case, file, text, field, text of the hostile line, part of the message)
REFUSED = [
    ("titre-qui-ferme-title", "guides/hostile.md",
     GUIDE.format(title="'Titre </title><svg/onload=alert(1)>'", body=""),
     "titre", "titre:", "« onload »"),
    ("backticks-dans-un-bloc", "guides/hostile.md",
     GUIDE.format(title="Bloc", body="<div markdown>\n`code` <img src=x onerror=alert(1)>\n"
                  "</div>"), "texte", "<img src=x", "« onerror »"),
    ("iframe-srcdoc", "guides/hostile.md",
     GUIDE.format(title="Cadre", body='<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
     "texte", "<iframe", "balise <iframe>"),
    ("attr-list-onclick", "guides/hostile.md",
     GUIDE.format(title="Attributs", body='Un paragraphe.\n{: onclick="alert(1)" }'),
     "texte", "{: onclick", "« onclick »"),
    ("javascript-colon-entite", "guides/hostile.md",
     GUIDE.format(title="Lien", body='<a href="javascript&colon;alert(1)">ici</a>'),
     "texte", "<a href", "« javascript: »"),
    ("javascript-entite-numerique", "guides/hostile.md",
     GUIDE.format(title="Lien", body='<a href="&#106;avascript:alert(1)">ici</a>'),
     "texte", "<a href", "« javascript: »"),
    ("javascript-avec-tabulation", "guides/hostile.md",
     GUIDE.format(title="Lien", body='<a href="java&#x09;script:alert(1)">ici</a>'),
     "texte", "<a href", "« javascript: »"),
    ("object-data", "guides/hostile.md",
     GUIDE.format(title="Objet", body='<object data="data:text/html,<script>alert(1)</script>">'
                  "</object>"), "texte", "<object", "balise <object>"),
    ("base-href", "guides/hostile.md",
     GUIDE.format(title="Base", body='<base href="https://ailleurs.example/">'),
     "texte", "<base", "balise <base>"),
    ("svg-xlink", "guides/hostile.md",
     GUIDE.format(title="SVG", body='<svg><a xlink:href="javascript:alert(1)"><text>x</text>'
                  "</a></svg>"), "texte", "<svg>", "balise <svg>"),
    ("math", "guides/hostile.md",
     GUIDE.format(title="Maths", body='<math><mtext><a href="javascript:alert(1)">x</a>'
                  "</mtext></math>"), "texte", "<math>", "balise <math>"),
    ("style-url", "guides/hostile.md",
     GUIDE.format(title="Style", body='<span style="background:url(https://x.example/p)">a'
                  "</span>"), "texte", "<span style", "« style »"),
    ("formaction", "guides/hostile.md",
     GUIDE.format(title="Bouton", body='<button formaction="javascript:alert(1)">ok</button>'),
     "texte", "<button", "balise <button>"),
    ("formulaire", "guides/hostile.md",
     GUIDE.format(title="Formulaire", body='<form action="https://x.example/">'
                  '<input name="mdp"></form>'), "texte", "<form", "balise <form>"),
    ("meta-refresh", "guides/hostile.md",
     GUIDE.format(title="Rafraîchir", body='<meta http-equiv="refresh" content="0;url=https:'
                  '//x.example/">'), "texte", "<meta", "balise <meta>"),
    ("embed", "guides/hostile.md",
     GUIDE.format(title="Embed", body='<embed src="https://x.example/x.swf">'),
     "texte", "<embed", "balise <embed>"),
    ("details-ontoggle", "guides/hostile.md",
     GUIDE.format(title="Détails", body="<details open ontoggle=alert(1)><summary>x</summary>"
                  "</details>"), "texte", "<details", "« ontoggle »"),
    ("lien-markdown-javascript", "guides/hostile.md",
     GUIDE.format(title="Lien", body="Voir [ici](javascript:alert(1))."),
     "texte", "[ici]", "« javascript: »"),
    ("lien-reference-javascript", "guides/hostile.md",
     GUIDE.format(title="Lien", body="Voir [ici][r].\n\n[r]: javascript:alert(1)"),
     "texte", "[r]: javascript", "« javascript: »"),
    ("image-data", "guides/hostile.md",
     GUIDE.format(title="Image", body="![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2Ny"
                  "aXB0Pg==)"), "texte", "![x]", "« data: »"),
    ("lien-vbscript", "guides/hostile.md",
     GUIDE.format(title="Lien", body='<a href="vbscript:msgbox(1)">ici</a>'),
     "texte", "<a href", "« vbscript: »"),
    ("autolien-javascript", "guides/hostile.md",
     GUIDE.format(title="Autolien", body="Voir <javascript:alert(1)>."),
     "texte", "<javascript", "interdite"),
    ("piece-jointe-fichier-local", "guides/hostile.md",
     GUIDE.format(title="Pièce jointe", body='<a rel="attachment" href="file:///etc/passwd">'
                  "mots de passe</a>"), "texte", "<a rel", "« file: »"),
    ("bloc-genere-contrefait", "guides/hostile.md",
     GUIDE.format(title="Contrefaçon", body=f"<!--achats-html:{MARKER.decode()}-->"),
     "texte", "<!--achats-html", "réservé"),
    ("apres-un-exemple-de-code", "guides/hostile.md",
     GUIDE.format(title="Exemple", body="Ne copiez pas ceci :\n\n```html\n<iframe src=x>"
                  "\n```\n\nMais le voici pour de vrai :\n\n<iframe src=\"https://x.example/\">"
                  "</iframe>"), "texte", "<iframe src=\"https", "balise <iframe>"),
    ("script-en-casse-mixte", "guides/hostile.md",
     GUIDE.format(title="Script", body="<ScRiPt>alert(1)</sCrIpT>"),
     "texte", "<ScRiPt>", "balise <script>"),
    ("resume-en-attribut", "guides/hostile.md",
     GUIDE.format(title="Résumé", body="").replace(
         "etape: besoin\n", "etape: besoin\nresume: '\"><img src=x onerror=alert(1)>'\n"),
     "resume", "resume:", "« onerror »"),
    ("page-titre-en-tete", "content/pages/hostile.md",
     PAGE.format(meta="description: '\"><script>alert(1)</script>'\n", body=""),
     "description", "description:", "balise <script>"),
    ("page-titre-image", "content/pages/hostile.md",
     "---\ntitle: '<img src=x onerror=alert(1)>'\n---\n# Page\n",
     "title", "title:", "« onerror »"),
    ("page-corps-iframe", "content/pages/hostile.md",
     PAGE.format(meta="", body='<iframe src="https://x.example/"></iframe>'),
     "texte", "<iframe", "balise <iframe>"),
]


@pytest.mark.parametrize("case,rel,text,field,needle,message",
                         REFUSED, ids=[c[0] for c in REFUSED])
def test_hostile_input_is_refused_with_file_and_line(project_dir, run_cli, case, rel, text,
                                                     field, needle, message):
    """`achats check` exits 1 and names the file, the line holding the hostile part, the
    field, and says in French what is refused."""
    target = project_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    line = next(i for i, content in enumerate(text.split("\n"), 1) if needle in content)
    code, out, err = run_cli("check")
    errors = [e for e in out.splitlines() if ": erreur: " in e]
    assert code == 1, out
    expected = f"{rel}:{line}: {field}: erreur: "
    assert any(e.startswith(expected) and message in e for e in errors), (expected, errors)
    assert "Traceback" not in out + err


def test_ordinary_markdown_is_accepted(project_dir, run_cli):
    """What authors write every day passes: tables with aligned columns, links (relative,
    https, mailto, tel), images, details, admonitions, attr_list ids and classes, code."""
    logo = project_dir / "content/pages/guides/images/logo.png"  # where the image points
    logo.parent.mkdir(parents=True)
    logo.write_bytes(b"\x89PNG")
    (project_dir / "guides/ordinaire.md").write_text(GUIDE.format(title="Ordinaire", body=(
        "| Colonne | Valeur |\n|:--|--:|\n| a | 1 |\n\n"
        "[Site](https://www.example.fr/page?x=1) · [courriel](mailto:achats@example.fr) · "
        "[téléphone](tel:+33400000000) · [relatif](../clauses/cl-002-insertion.md) · "
        "<https://example.fr>\n\n"
        "![Logo](images/logo.png)\n\n"
        "## Une section { #section .important }\n\n"
        '!!! note "À savoir"\n    Un encadré.\n\n'
        '??? info "Replié"\n    Un détail.\n\n'
        "<div markdown>\n**Gras** dans un bloc.\n</div>\n\n"
        "```html\n<script>alert(1)</script>\n```\n\nEt `<iframe>` en ligne.\n")),
        encoding="utf-8")
    code, out, _err = run_cli("check")
    assert code == 0, out


def test_sanitiser_extensions_are_the_sites():
    """The check renders texts with the same Markdown extensions as the site."""
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    block = config.split("markdown_extensions:")[1].split("\n\n")[0]
    listed = re.findall(r"^  - ([\w.]+)", block, re.M)
    assert listed == MARKDOWN_EXTENSIONS


@pytest.mark.parametrize("fragment", [
    '<img src=x onerror=alert(1)>', '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>', '<iframe srcdoc="<script>1</script>">',
    '<object data="data:text/html,x"></object>', '<base href="https://x.example/">',
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>', '<math><a href="javascript:1">x',
    '<meta http-equiv="refresh" content="0">', '<style>*{}</style>', '<embed src="x">',
    '<form><button formaction="javascript:1">x</button></form>',
    '<p style="background:url(javascript:1)">x</p>', '<a href="data:text/html,x">x</a>',
    '<details open ontoggle=alert(1)>', '<noscript><p title="</noscript><img src=x onerror=1>">',
])
def test_build_sanitiser_leaves_nothing_active(fragment):
    """Both build policies (content, and generated HTML around it) remove every active part."""
    for cleaned in (clean_content(fragment), clean_generated(fragment)):
        assert not active_parts(cleaned), (fragment, cleaned)


# --- what a real build produces --------------------------------------------------------

class _Active(HTMLParser):
    """Every active part of a page: scripts (with their inline text), event attributes,
    dangerous URLs, elements that load or redirect."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.inline_scripts: list[str] = []
        self.policy = ""
        self._script = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction", "data", "xlink:href",
                        "srcdoc", "poster", "background") and value is not None:
                scheme = re.sub(r"[\x00-\x20]", "", value).lower().split(":")[0]
                if ":" in value and scheme in ("javascript", "data", "vbscript", "file"):
                    self.found.append(f"<{tag} {name}={value[:40]}>")
        if tag in ("iframe", "object", "embed", "base", "frame", "applet", "math"):
            self.found.append(f"<{tag}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta refresh>")
        if tag == "meta" and (values.get("http-equiv") or "") == "Content-Security-Policy":
            self.policy = values.get("content") or ""
        if tag == "script":
            src = values.get("src")
            if src is not None and urlsplit(src).scheme:
                self.found.append(f"<script src={src}>")
            if src is None and values.get("type") != "application/json":
                self._script = []

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.inline_scripts.append("".join(self._script))
            self._script = None


def active_parts(page: str) -> list[str]:
    """What would run or load in a browser; inline scripts count unless the page's own
    Content-Security-Policy allows them by hash (the theme's)."""
    parser = _Active()
    parser.feed(page)
    parser.close()
    found = list(parser.found)
    for script in parser.inline_scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        if f"'sha256-{digest}'" not in parser.policy:
            found.append(f"<script>{script[:60]}")
    return found


HOSTILE_TITLE = "Titre &lt;/title&gt;&lt;svg onload=alert(1)&gt;"
LABEL = "Social <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory) -> Path:
    """The fixture corpus plus inputs `achats check` accepts but that would turn into
    markup through careless templates: escaped markup in a page heading and front matter,
    in an entry's title, markup in a vocabulary label, the glossary and the chart data."""
    root = make_project(tmp_path_factory.mktemp("inerte") / "projet")
    (root / "content/pages/piege.md").write_text(
        f"---\ndescription: 'Résumé &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'\n---\n"
        f"# {HOSTILE_TITLE}\n\nTexte de la page.\n", encoding="utf-8")
    chapter = root / "guides/premier-chapitre.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "titre: Premier chapitre", "titre: 'Premier &lt;img src=x onerror=alert(1)&gt;'")
        # A heading with escaped markup: the table of contents and the menu repeat it.
        + "\n## Section &lt;img src=x onerror=alert(2)&gt; et `<script>`\n\nFin.\n",
        encoding="utf-8")
    vocab = root / "content/data/vocabulaires.yml"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace(
        "  social: Social\n", f"  social: '{LABEL}'\n", 1), encoding="utf-8")
    glossary = root / "content/data/glossaire.yml"
    glossary.write_text(glossary.read_text(encoding="utf-8")
                        + 'CCTP: "Cahier <img src=x onerror=alert(1)> des clauses"\n',
                        encoding="utf-8")
    chart = root / "content/data/mire.yml"
    chart.write_text(chart.read_text(encoding="utf-8").replace(
        "libelle:", "libelle: <script>alert(1)</script>", 1), encoding="utf-8")
    # The contributors' guide quotes the fixture's internal values (see test_pdf.py).
    (root / "content/pages/contribuer/format-des-fiches.md").write_text(
        "# Format des fiches\n\nVoir le guide.\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module", params=["intranet", "public"])
def hostile_site(request, hostile_project) -> Path:
    public = request.param == "public"
    return build_site(public=public, project=Project(hostile_project),
                      site_dir=str(hostile_project / f"site-{request.param}"))


def test_no_built_page_holds_active_markup(hostile_site):
    """Every HTML file of the site (pages, history pages): no event attribute, no
    javascript:/data: URL, no frame/object/base/refresh, no script but the site's own files
    and the theme's inline scripts allowed by hash."""
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        found = active_parts(page.read_text(encoding="utf-8"))
        assert not found, (page.relative_to(hostile_site), found)


def test_escaped_heading_stays_text_in_title_and_description(hostile_site):
    """The heading « Titre &lt;/title&gt;… » is text in <title> (Material's striptags would
    have decoded it into markup), and so is the description."""
    page = (hostile_site / "piege/index.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title, "pas de <title>"
    assert "&lt;/title&gt;&lt;svg onload=alert(1)&gt;" in title.group(1)
    description = re.search(r'<meta name="description" content="([^"]*)"', page).group(1)
    assert "<script" not in description and "&lt;script&gt;" in description


def test_feed_titles_are_plain_text(hostile_site):
    """The Atom feed parses, and no entry title or summary holds markup once decoded."""
    feed = ET.parse(hostile_site / "nouveautes.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert entries
    for entry in entries:
        for tag in ("a:title", "a:summary"):
            text = entry.find(tag, ns).text or ""
            assert "<" not in text and "onerror" not in text, text


def test_search_index_holds_no_markup(hostile_site):
    """Pagefind's index (what a browser receives for each result): metadata and filter
    values are plain text; the hostile vocabulary label arrives without its element."""
    pages = list(indexed_pages(hostile_site))
    assert pages
    values = [v for p in pages for v in p["meta"].values()]
    values += [v for p in pages for vs in p.get("filters", {}).values() for v in vs]
    assert values
    # No markup (an escaped title stays the text « &lt;img… », which no reader decodes).
    for value in values:
        assert "<" not in value and ">" not in value, value
    pillars = {v for p in pages for v in p.get("filters", {}).get("pilier", [])}
    if hostile_site.name == "site-intranet":  # the social clause of the fixture is internal
        assert "Social" in pillars


def test_pdf_carries_no_attachment_and_no_markup(hostile_site):
    """The path's PDF: no embedded file, and the escaped title printed as text."""
    pdf = hostile_site / PDF_PATH
    data = pdf.read_bytes()
    assert b"/EmbeddedFile" not in data and b"/FileAttachment" not in data
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout if shutil.which("pdftotext") else ""
    if text:
        assert "onerror" in text  # printed as text, never interpreted


# --- the PDF reads only the site --------------------------------------------------------

def _path_chapter_with(root: Path, body: str) -> None:
    chapter = root / "guides/premier-chapitre.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n" + body + "\n",
                       encoding="utf-8")


def test_pdf_refuses_a_file_outside_the_site(tmp_path):
    """An image of a path chapter pointing at a file of the machine (/etc/hostname, an
    absolute path the site's pages resolve on the web server): the build stops with a
    French error naming the chapter; no PDF is written."""
    root = make_project(tmp_path / "projet")
    _path_chapter_with(root, "![Fichier de la machine](/etc/hostname)")
    with pytest.raises(AchatsError) as caught:
        build_site(project=Project(root), site_dir=str(tmp_path / "site"))
    message = str(caught.value)
    assert "PDF du parcours impossible" in message
    assert "le chapitre GU-001 (guides/premier-chapitre.md)" in message
    assert "file:///etc/hostname" in message and "hors du site construit" in message
    assert not (tmp_path / "site" / PDF_PATH).exists()


def test_pdf_fetcher_serves_the_site_and_refuses_the_rest(tmp_path):
    """The fetcher itself: a file of the site is served; /etc, /proc, a symbolic link in the
    site leading out of it, http(s) and data: are refused by a fatal error."""
    from achats.site.pdf import site_fetcher

    site = tmp_path / "site"
    (site / "images").mkdir(parents=True)
    (site / "images/logo.png").write_bytes(b"\x89PNG fake")
    (site / "images/fuite.txt").symlink_to("/etc/hostname")
    fetcher, refused = site_fetcher(site, "", (site / "index.html").as_uri(), [])
    assert fetcher((site / "images/logo.png").as_uri()).read() == b"\x89PNG fake"
    for url in ["file:///etc/passwd", "file:///proc/self/environ",
                (site / "images/fuite.txt").as_uri(),
                (site / "images/../../secret.txt").as_uri(),
                "https://example.org/x.png", "http://127.0.0.1:1/x", "data:text/plain,x",
                "ftp://example.org/x"]:
        with pytest.raises(refused) as caught:
            fetcher(url)
        assert "hors du site construit" in str(caught.value), url


def test_pdf_is_byte_for_byte_reproducible(tmp_path, monkeypatch):
    """Two builds of the same commit, at different times, into different folders: the same
    PDF bytes; its date is the last commit's, not the build's."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = make_project(tmp_path / "projet")
    git = ["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "Contenu", "--date", "2024-03-05T10:00:00Z"],
                   check=True, env={"GIT_COMMITTER_DATE": "2024-03-05T10:00:00Z",
                                    "PATH": "/usr/bin:/bin"})
    first = build_site(project=Project(root), site_dir=str(tmp_path / "a")) / PDF_PATH
    second = build_site(project=Project(root), site_dir=str(tmp_path / "b")) / PDF_PATH
    assert first.read_bytes() == second.read_bytes()
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-isodates", str(first)], capture_output=True,
                              text=True, check=True).stdout
        assert re.search(r"CreationDate:\s+2024-03-05T10:00:00Z", info), info
        assert re.search(r"ModDate:\s+2024-03-05T10:00:00Z", info), info
