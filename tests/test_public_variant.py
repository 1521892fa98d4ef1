"""The two variants of one site: the public build shows nothing internal, provably.

The canary corpus (tests/fixtures/canary/) puts a string starting with « canari » in every
internal place; it is built in a real git repository whose second commit adds the internal
report alone, with a canary in its message, by a canary author. The public site must contain
no « canari » at all, in any file (gzip-compressed search fragments included) or file name;
the intranet site must show them.
"""

from __future__ import annotations

import gzip
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from achats.site.sitedir import MARKER

from achats.site.audit import (PublicLeakError, audit_public_site, collect_needles,
                          documented_ids, public_source_text)
from achats.index.graph import build_graph, restrict
from achats.project import Project
from achats.site.build import BuildState
from achats.site.commands import build_site
from achats.model.validate import check_project
from projects import PUBLIC_SITE_URL, REPO, make_project

CANARY = Path(__file__).resolve().parent / "fixtures" / "canary"
AUTHOR = "canari-auteur"
COMMIT_CANARY = "canari-commit-message"
PLACEHOLDER = "[fiche réservée à l'intranet]"

# Internal entries of the canary corpus: ID -> (source, slug, title).
INTERNAL = {
    "RA-002": ("content/rapports/ra-002-canari-fichier-rapport.md",
               "ra-002-canari-fichier-rapport", "Visite canari-titre-rapport"),
    "CL-002": ("clauses/cl-002-canari-fichier-clause.md", "cl-002-canari-fichier-clause",
               "Clause canari-titre-clause"),
    "MA-001": ("content/marches/canari-dossier-marche/index.md", "canari-dossier-marche",
               "Marché canari-titre-marche"),
    "GU-003": ("guides/guide-interne.md", "guide-interne", "Chapitre canari-titre-guide-interne"),
}

HISTORY = importlib.util.find_spec("achats.git.log") is not None

# Canaries the intranet legitimately does not show either.
NOT_ON_INTRANET = {
    # An apéro speaker's name is kept in the front matter for the organisers only: the
    # speakers' table shows origin, organisation and project, on both variants.
    "canari-nom-intervenant",
}
if not HISTORY:  # without git history pages, commit messages and authors appear nowhere
    NOT_ON_INTRANET |= {COMMIT_CANARY, AUTHOR}


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": AUTHOR, "GIT_AUTHOR_EMAIL": f"{AUTHOR}@example.org",
           "GIT_COMMITTER_NAME": AUTHOR, "GIT_COMMITTER_EMAIL": f"{AUTHOR}@example.org"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def make_canary_project(dest: Path) -> Path:
    """The canary corpus in a real git repository: public state first, then the internal
    report committed alone with a canary commit message."""
    root = make_project(dest, CANARY / "base")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "Premier état du corpus")
    shutil.copytree(CANARY / "interne-seul", root, dirs_exist_ok=True)
    _git(root, "add", "content/rapports")
    _git(root, "commit", "-q", "-m", f"Ajout du rapport RA-002 : {COMMIT_CANARY}")
    return root


def output_texts(site: Path) -> dict[str, str]:
    """Every output file as text a reader or a search engine sees (gzip undone, a PDF's
    text extracted by pdftotext)."""
    texts = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if path.suffix == ".pdf":
            data += subprocess.run(["pdftotext", "-q", str(path), "-"], check=True,
                                   capture_output=True).stdout
        text = html.unescape(data.decode("utf-8", errors="replace"))
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        texts[path.relative_to(site).as_posix()] = text
    return texts


def fixture_canaries() -> set[str]:
    """Every canary string the fixture carries, in file contents and in file names."""
    found = {COMMIT_CANARY, AUTHOR}
    for part in ("base", "interne-seul"):
        for path in (CANARY / part).rglob("*"):
            text = path.relative_to(CANARY).as_posix()
            if path.is_file():
                text += "\n" + path.read_text(encoding="utf-8")
            found |= {m.lower() for m in re.findall(r"canari[\w@-]*\w", text)}
    return found


def public_state(root: Path) -> BuildState:
    """The state of a public build of ``root``, as on_config makes it."""
    result = check_project(Project(root))
    graph = restrict(build_graph(result.entries, result.vocab), lambda e: e.is_public)
    history = None
    if HISTORY:
        from achats.git.log import read_history
        history = read_history(root, public=True)
    return BuildState(Project(root), "public", result, graph, history)


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    """The canary project and both of its sites: (root, intranet texts, public texts)."""
    root = make_canary_project(tmp_path_factory.mktemp("canari") / "projet")
    intranet = build_site(public=False, site_dir=str(root / "site"), project=Project(root))
    public = build_site(public=True, site_dir=str(root / "site-public"), project=Project(root))
    return root, output_texts(intranet), output_texts(public)


def _hits(texts: dict[str, str], needle: str) -> list[str]:
    needle = needle.lower()
    return [rel for rel, text in texts.items() if needle in rel.lower() or needle in text.lower()]


@pytest.mark.parametrize("variant", [1, 2])
def test_demonstration_badge_on_both_variants(canary, variant):
    """The public site too says that CL-001's validation is a demonstration one."""
    [page] = [text for rel, text in canary[variant].items()
              if rel.endswith("cl-001-environnement/index.html")]
    assert "validation de démonstration</span>" in page
    assert "Validée par demonstration@achats.invalid le " in page


def test_public_site_contains_no_canary_anywhere(canary):
    """Not one « canari » in any public file, compressed index or file name."""
    _root, _intranet, public = canary
    leaks = {rel: sorted(set(re.findall(r"canari[\w@-]*", rel + " " + text, re.IGNORECASE)))
             for rel, text in public.items() if "canari" in (rel + text).lower()}
    assert leaks == {}
    assert any(rel.startswith("pagefind/fragment/") for rel in public)  # the index was scanned


@pytest.mark.parametrize("ident", sorted(INTERNAL))
def test_public_site_has_no_internal_id_slug_or_title(canary, ident):
    """IDs (any case), slugs and titles of internal entries appear in no public file."""
    _root, _intranet, public = canary
    _source, slug, title = INTERNAL[ident]
    # The format documentation shows example IDs in code: its page is checked by the audit.
    checked = {rel: text for rel, text in public.items()
               if "contribuer/format-des-fiches" not in rel
               and '"url":"/contribuer/format-des-fiches/"' not in text}
    ids = {rel for rel, text in checked.items()
           if re.search(rf"\b{ident}\b", rel + " " + text, re.IGNORECASE)}
    assert ids == set()
    assert _hits(public, slug) == []
    assert _hits(public, title) == []


def test_intranet_site_shows_every_canary(canary):
    """The intranet shows every canary but the few it does not display by design."""
    _root, intranet, _public = canary
    missing = {c for c in fixture_canaries() - NOT_ON_INTRANET if not _hits(intranet, c)}
    assert missing == set()


def test_link_from_public_guide_to_internal_report_is_plain_text(canary):
    """[[RA-002]] in a public guide: placeholder text, no URL, no ID, no title."""
    _root, intranet, public = canary
    page = public["guides/guide-public/index.html"]
    assert PLACEHOLDER in page
    assert "ra-002" not in page.lower() and "canari" not in page.lower()
    assert "rapports/ra-002-canari-fichier-rapport/" in intranet["guides/guide-public/index.html"]


def test_sitemap_lists_only_public_pages(canary):
    """sitemap.xml (and its gzip copy) lists public entries, no internal one."""
    _root, _intranet, public = canary
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        sitemap = public[name]
        assert "guides/guide-public/" in sitemap and "rapports/ra-001-visite-publique/" in sitemap
        assert "canari" not in sitemap and "guide-interne" not in sitemap


def test_feed_has_no_internal_entry(canary):
    """The Atom feed names public entries only."""
    _root, intranet, public = canary
    feed = public["nouveautes.xml"]
    assert "<entry>" in feed
    assert "canari" not in feed.lower()
    assert not re.search(r"\b(RA-002|CL-002|MA-001|GU-003)\b", feed, re.IGNORECASE)
    assert "canari" in intranet["nouveautes.xml"].lower()


def test_tags_page_lists_only_public_tags(canary):
    """A tag that only internal entries carry is on the intranet's tags page only."""
    _root, intranet, public = canary
    for tag in ("canari-tag-rapport", "canari-tag-clause", "canari-tag-marche"):
        assert tag in intranet["tags/index.html"]
        assert tag not in public["tags/index.html"]
    assert "visite" in public["tags/index.html"]


def test_facet_counts_ignore_internal_clauses(canary):
    """The draft clause counts in the intranet's facets, not in the public ones."""
    _root, intranet, public = canary
    for label in ("Social", "Proposée"):
        assert f"{label}</a> (1)" in intranet["clauses/index.html"]
        assert f"{label}</a> (0)" in public["clauses/index.html"]
    assert 'value="social"' not in public["trouver-une-clause/index.html"]


def test_backlinks_and_tender_use_ignore_internal_entries(canary):
    """A public clause's backlinks and tender count leave out internal citers."""
    _root, intranet, public = canary
    page = "clauses/cl-001-environnement/index.html"
    assert "Utilisée dans 2 marchés" in intranet[page]
    assert "Utilisée dans 1 marché," in public[page]
    assert "canari-titre-rapport" in intranet[page] and "canari" not in public[page].lower()


def test_internal_fields_of_public_entries_only_on_intranet(canary):
    """A public report's participants and a published tender's roles stay internal."""
    _root, intranet, public = canary
    for page, value in (("rapports/ra-001-visite-publique/index.html",
                         "canari-participant-public"),
                        ("marches/marche-public-transport/index.html",
                         "@canari-role-gestionnaire")):
        assert value in intranet[page]
        assert value not in public[page]


def test_chart_and_tender_memory_do_not_name_internal_clauses(canary):
    """Tables that label links by ID show the placeholder, not the internal ID."""
    _root, _intranet, public = canary
    for page in ("mire/index.html", "marches/index.html"):
        assert PLACEHOLDER in public[page]
        assert "CL-002" not in public[page]


@pytest.mark.skipif(not HISTORY, reason="pages d'historique pas encore disponibles")
def test_history_pages_only_for_public_entries_and_without_authors(canary):
    """No history page for internal entries; no author name in the public variant."""
    _root, intranet, public = canary
    assert "historique/ra-002/index.html" in intranet
    assert not any(rel.startswith("historique/ra-002") for rel in public)
    assert any(rel.startswith("historique/gu-001") for rel in public)
    assert _hits(intranet, COMMIT_CANARY) and _hits(intranet, AUTHOR)
    assert _hits(public, AUTHOR) == [] and _hits(public, COMMIT_CANARY) == []


def test_cli_public_build_of_canary_corpus_exits_0(canary, tmp_path, monkeypatch, run_cli):
    """`achats build --public` succeeds on the canary corpus: the audit finds nothing; the
    address in ACHATS_SITE_URL wins over site_url in sitemap, feed and canonical links."""
    root, _intranet, _public = canary
    monkeypatch.chdir(root)
    monkeypatch.setenv("ACHATS_SITE_URL", "https://achats.region.example/publics")
    code, out, err = run_cli("build", "--public", "--site-dir", str(tmp_path / "public"))
    assert code == 0, err
    assert "Site construit" in out
    site = tmp_path / "public"
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://achats.region.example/publics/guides/guide-public/</loc>" in sitemap
    feed = (site / "nouveautes.xml").read_text(encoding="utf-8")
    assert "https://achats.region.example/publics/" in feed
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://achats.region.example/publics/">' in home
    for text in (sitemap, feed, home):
        assert "localhost" not in text and PUBLIC_SITE_URL not in text


def _example_site_url(root: Path) -> tuple[str, int]:
    """The bundled configuration (example site_url) put back in ``root``; where it is set."""
    shutil.copy2(REPO / "mkdocs.public.yml", root / "mkdocs.public.yml")
    lines = (root / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    number = next(n for n, line in enumerate(lines, 1) if line.startswith("site_url:"))
    return lines[number - 1].split(":", 1)[1].strip(), number


def test_public_build_refuses_the_example_site_url(project_dir, tmp_path, monkeypatch,
                                                   run_cli):
    """site_url still on localhost: exit 1, file, line and field named, the way out given,
    the previous site untouched and nothing written."""
    example, line = _example_site_url(project_dir)
    monkeypatch.delenv("ACHATS_SITE_URL", raising=False)
    site = tmp_path / "public"
    site.mkdir()
    (site / MARKER).write_text("", encoding="utf-8")  # a previous site of ours
    (site / "index.html").write_text("site précédent", encoding="utf-8")
    code, out, err = run_cli("build", "--public", "--site-dir", str(site))
    assert code == 1
    assert "la variante publique n'a pas été construite : son adresse (site_url)" in err
    assert f"mkdocs.yml:{line}: site_url: erreur: « {example} » désigne cette machine" in err
    assert "mkdocs.public.yml (site_url)" in err and "ACHATS_SITE_URL" in err
    assert "Traceback" not in err and "Site construit" not in out
    assert sorted(p.name for p in site.iterdir()) == [MARKER, "index.html"]
    assert (site / "index.html").read_text(encoding="utf-8") == "site précédent"
    assert not list(tmp_path.glob("*.refuse"))  # refused before building, not by the audit


def test_public_build_refuses_a_missing_site_url(project_dir, tmp_path, monkeypatch, run_cli):
    """No site_url at all (removed from mkdocs.yml): refused the same way."""
    _example_site_url(project_dir)
    config = project_dir / "mkdocs.yml"
    config.write_text("\n".join(line for line in config.read_text("utf-8").splitlines()
                                if not line.startswith("site_url:")), encoding="utf-8")
    monkeypatch.delenv("ACHATS_SITE_URL", raising=False)
    code, _out, err = run_cli("build", "--public", "--site-dir", str(tmp_path / "public"))
    assert code == 1
    assert "la variante publique n'a pas été construite" in err
    assert "mkdocs.public.yml:1: site_url: erreur: l'adresse manque" in err
    assert not (tmp_path / "public").exists()


def test_public_build_refuses_a_configuration_of_another_variant(project_dir, tmp_path,
                                                                run_cli):
    """mkdocs.public.yml declaring the intranet: refused before anything is built (it would
    be built without filtering nor audit)."""
    config = project_dir / "mkdocs.public.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("variante: public", "variante: intranet"), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "variante:" in row)
    code, _out, err = run_cli("build", "--public", "--site-dir", str(tmp_path / "public"))
    assert code == 1
    assert (f"mkdocs.public.yml:{line} : extra.variante vaut « intranet » dans la "
            "configuration de la variante publique") in err
    assert not (tmp_path / "public").exists()


@pytest.mark.parametrize("value, said", [
    ("http://127.0.0.1:8000/", "« http://127.0.0.1:8000/ » désigne cette machine"),
    ("achats-durables.example.fr", "n'est pas l'adresse d'un site"),
    ("ftp://achats-durables.example.fr/", "n'est pas l'adresse d'un site"),
    ('https://achats.example.fr/"><script>alert(1)</script>',
     "contient un caractère qui n'a pas sa place dans une adresse"),
])
def test_public_build_refuses_a_wrong_site_url_variable(project_dir, tmp_path, monkeypatch,
                                                        run_cli, value, said):
    """ACHATS_SITE_URL set to this machine or to something else than a web address: exit 1,
    the variable named, nothing built."""
    monkeypatch.setenv("ACHATS_SITE_URL", value)
    site = tmp_path / "public"
    code, _out, err = run_cli("build", "--public", "--site-dir", str(site))
    assert code == 1
    assert "ACHATS_SITE_URL (variable d'environnement)" in err and said in err
    assert "Traceback" not in err
    assert not site.exists()


def test_only_an_address_of_this_machine_is_reported_as_site_url():
    from achats.site.build import points_here

    for here in ("http://localhost:8000/", "http://127.0.0.1/", "http://[::1]:8000/",
                 "https://LOCALHOST/achats/", "http://intranet.localhost/"):
        assert points_here(here), here
    for real in ("https://achats-durables.auvergnerhonealpes.fr/", "https://intranet.region/",
                 "", None, "https://localhost.example.org/"):
        assert not points_here(real), real


def test_cli_public_build_with_a_leaking_page_exits_1(tmp_path, monkeypatch, run_cli):
    """A hand-written page naming an internal report fails the public build, in French."""
    root = make_canary_project(tmp_path / "projet")
    page = root / "content/pages/contribuer/fuite.md"
    page.write_text("# Fuite\n\nLisez « Visite canari-titre-rapport ».\n", encoding="utf-8")
    monkeypatch.chdir(root)
    site = tmp_path / "public"
    code, _out, err = run_cli("build", "--public", "--site-dir", str(site))
    assert code == 1
    assert "audit de la variante publique" in err
    assert "contribuer/fuite/index.html" in err
    assert "content/rapports/ra-002-canari-fichier-rapport.md" in err
    assert "Traceback" not in err
    assert not site.exists() and (tmp_path / "public.refuse" / "index.html").is_file()


# --- the audit itself, on a copy of the clean public site ------------------------------------

@pytest.fixture
def public_copy(canary, tmp_path):
    """A fresh copy of the canary public site, and the public build's state."""
    root, _intranet, _public = canary
    site = tmp_path / "site-public"
    shutil.copytree(root / "site-public", site)
    return site, public_state(root)


def test_audit_passes_the_clean_public_site(public_copy):
    """The audit accepts the site the public build wrote, and says so on the state."""
    site, state = public_copy
    audit_public_site(site, state)
    assert state.public_leaks_checked
    assert (site / "index.html").is_file()


def test_audit_refuses_a_site_with_a_forced_internal_title(public_copy):
    """An internal title written into a page fails the audit, naming file and entry."""
    site, state = public_copy
    page = site / "guides/guide-public/index.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", "<p>Visite canari-titre-rapport</p></article>"), encoding="utf-8")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    message = str(caught.value)
    assert "guides/guide-public/index.html" in message
    assert "« Visite canari-titre-rapport »" in message
    assert "RA-002 (content/rapports/ra-002-canari-fichier-rapport.md)" in message
    assert not site.exists()
    assert (site.parent / "site-public.refuse" / "guides/guide-public/index.html").is_file()


def test_audit_reads_gzip_search_fragments(public_copy):
    """A public entry's internal field inside a compressed Pagefind fragment is a leak."""
    site, state = public_copy
    fragment = site / "pagefind/fragment/fr_fuite.pf_fragment"
    fragment.write_bytes(gzip.compress(b'pagefind_dcd' + json.dumps(
        {"url": "/rapports/ra-001-visite-publique/",
         "content": "Participants : canari-participant-public"}).encode()))
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "pagefind/fragment/fr_fuite.pf_fragment" in str(caught.value)
    assert "champ interne « participants » de la fiche RA-001" in str(caught.value)


def _write_pdf(path: Path, html_text: str) -> None:
    try:
        import weasyprint
    except (ImportError, OSError):  # WeasyPrint needs Debian's Pango
        pytest.skip("WeasyPrint indisponible (Pango manquant)")
    weasyprint.HTML(string=html_text).write_pdf(path)


def test_canary_public_site_has_a_pdf_that_was_read(canary):
    """The path's PDF is part of the public output, and its text is checked."""
    _root, _intranet, public = canary
    pdf = [rel for rel in public if rel.endswith(".pdf")]
    assert pdf and "Chapitre public du guide" in public[pdf[0]]


def test_audit_reads_the_text_of_a_pdf(public_copy):
    """An internal title in a PDF's text layer is a leak."""
    site, state = public_copy
    _write_pdf(site / "fuite.pdf", "<h1>Visite canari-titre-rapport</h1>")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "fuite.pdf : « Visite canari-titre-rapport »" in str(caught.value)


def test_audit_reads_link_addresses_inside_a_pdf(public_copy):
    """A link to an internal page, kept in a PDF's compressed objects, is a leak."""
    site, state = public_copy
    _write_pdf(site / "fuite.pdf", '<a href="https://exemple.fr/marches/canari-dossier-marche/">'
                                   "un lien</a>")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "fuite.pdf : « canari-dossier-marche » — adresse (slug)" in str(caught.value)


def test_audit_refuses_a_pdf_it_cannot_read(public_copy):
    """A PDF whose text cannot be read is unverified, and the site is refused all the same."""
    site, state = public_copy
    _write_pdf(site / "livret.pdf", "<p>Texte public.</p>")
    data = (site / "livret.pdf").read_bytes()
    # Cross-reference table, trailer and catalogue gone: only the page streams remain.
    (site / "livret.pdf").write_bytes(data[:len(data) // 3])
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "livret.pdf : pypdf n'a pas pu lire ce PDF" in str(caught.value)
    assert "Fichiers illisibles, donc non vérifiés" in str(caught.value)
    assert not site.exists()


def test_audit_refuses_an_encrypted_pdf(public_copy):
    """An encrypted PDF hides its text from the audit: refused."""
    from pypdf import PdfReader, PdfWriter

    site, state = public_copy
    _write_pdf(site / "livret.pdf", "<p>Visite canari-titre-rapport</p>")
    writer = PdfWriter(clone_from=PdfReader(site / "livret.pdf"))
    writer.encrypt(user_password="secret", owner_password="secret", algorithm="RC4-128")
    writer.write(site / "livret.pdf")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "livret.pdf : ce PDF est chiffré" in str(caught.value)


def test_audit_refuses_a_pdf_compression_bomb(public_copy, monkeypatch):
    """A stream that inflates beyond the limit is not inflated in memory: the PDF is refused
    as unreadable (the limit is lowered here to keep the test small)."""
    site, state = public_copy
    monkeypatch.setattr("achats.site.audit.MAX_PDF_STREAM", 1 << 20)
    packer = zlib.compressobj()
    bomb = b"".join(packer.compress(bytes(1 << 20)) for _ in range(8)) + packer.flush()
    header = b"%%PDF-1.7\n1 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb)
    (site / "bombe.pdf").write_bytes(header + bomb + b"\nendstream\nendobj\n%%EOF\n")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "bombe.pdf : un flux compressé de ce PDF dépasse 1 Mo" in str(caught.value)


def test_audit_needs_no_system_tool_to_read_a_pdf(public_copy, monkeypatch):
    """With no program on PATH (no pdftotext), the PDF's text is still read and checked."""
    site, state = public_copy
    _write_pdf(site / "fuite.pdf", "<h1>Visite canari-titre-rapport</h1>")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "fuite.pdf : « Visite canari-titre-rapport »" in str(caught.value)
    assert "illisible" not in str(caught.value)


def test_audit_reads_file_names_and_lowercase_ids(public_copy):
    """An internal entry's page path, or its ID in lower case, is a leak."""
    site, state = public_copy
    (site / "historique/cl-002").mkdir(parents=True)
    (site / "historique/cl-002/index.html").write_text("<p>historique</p>", encoding="utf-8")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "historique/cl-002/index.html (nom du fichier) : « CL-002 »" in str(caught.value)


def test_audit_reads_escaped_text(public_copy):
    """HTML entities and JSON escapes do not hide a title."""
    site, state = public_copy
    (site / "fuite.json").write_text('{"t": "Clause canari\\u002dtitre\\u002Dclause"}',
                                     encoding="utf-8")
    (site / "fuite.html").write_text("<p>March&eacute; canari-titre-marche</p>",
                                     encoding="utf-8")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "fuite.json : « Clause canari-titre-clause »" in str(caught.value)
    assert "fuite.html : « Marché canari-titre-marche »" in str(caught.value)


@pytest.mark.skipif(not HISTORY, reason="historique git pas encore disponible")
def test_audit_finds_the_message_of_an_internal_commit(public_copy):
    """The message of a commit that changed only an internal entry is a leak."""
    site, state = public_copy
    (site / "fuite.html").write_text(f"<p>Ajout du rapport RA-002 : {COMMIT_CANARY}</p>",
                                     encoding="utf-8")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "message du commit" in str(caught.value)
    assert "qui a modifié la fiche interne RA-002" in str(caught.value)


def test_audit_reads_the_version_data_of_the_history_page(public_copy):
    """The per-entry version data the themed history page loads is audited like a page:
    an internal commit message slipped into it is a leak."""
    site, state = public_copy
    data_file = site / "historique/gu-001/versions.json"
    data = json.loads(data_file.read_text(encoding="utf-8"))
    assert data["fiche"] == "GU-001" and data["versions"]
    assert all("auteur" not in v for v in data["versions"]) and "restaurer" not in data
    data["versions"][0]["message"] = f"Ajout du rapport RA-002 : {COMMIT_CANARY}"
    data_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "historique/gu-001/versions.json" in str(caught.value)
    assert "message du commit" in str(caught.value)


@pytest.mark.skipif(not HISTORY, reason="historique git pas encore disponible")
def test_messages_of_commits_that_changed_an_internal_entry_are_needles(canary):
    """Alone or with public entries, a commit on an internal entry makes its message one."""
    root, _intranet, _public = canary
    state = public_state(root)
    needles = collect_needles(state.result.entries, state.graph.entries, "", state.history)
    assert f"ajout du rapport ra-002 : {COMMIT_CANARY}" in needles.words
    assert "premier état du corpus" in needles.words  # also added the internal GU-003


def test_audit_refuses_the_intranet_site_checked_as_public(canary, tmp_path):
    """Auditing the intranet output with the public state finds every internal entry."""
    root, _intranet, _public = canary
    site = tmp_path / "site"
    shutil.copytree(root / "site", site)
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, public_state(root))
    for ident, (source, _slug, _title) in INTERNAL.items():
        assert f"{ident} ({source})" in str(caught.value)


# --- what is (not) a needle ------------------------------------------------------------------

def test_titles_written_in_public_text_are_not_needles(canary):
    """An internal title that a public entry also writes is no proof; its ID still is."""
    root, _intranet, _public = canary
    state = public_state(root)
    needles = collect_needles(state.result.entries, state.graph.entries,
                              "Le guide raconte la visite canari-titre-rapport.")
    assert "visite canari-titre-rapport" not in needles.words
    assert "ra-002" in needles.words
    assert "clause canari-titre-clause" in needles.words


def test_public_sources_leave_out_internal_fields(canary):
    """A public entry's internal field values do not count as public text."""
    root, _intranet, _public = canary
    state = public_state(root)
    sources = public_source_text(state.graph.entries, state.project.data_dir)
    assert "Visite rendue publique" in sources and "Proposition publique" in sources
    assert "canari" not in sources


def test_short_generic_values_are_not_needles(canary):
    """Titles, slugs and values under six characters are ignored; IDs never are."""
    root, _intranet, _public = canary
    state = public_state(root)
    needles = collect_needles(state.result.entries, state.graph.entries)
    assert all(len(key) >= 6 for key, owners in needles.words.items()
               if all(o.kind != "id" for o in owners))
    assert {"ra-002", "cl-002", "ma-001", "gu-003"} <= needles.ids


def test_ids_in_code_examples_of_authored_pages_are_documentation(tmp_path):
    """IDs inside code in content/pages are allowed on that page only; prose is not."""
    pages = tmp_path / "pages"
    (pages / "aide").mkdir(parents=True)
    (pages / "aide/format.md").write_text(
        "Un identifiant : `MA-001`.\n\n```yaml\nid: RA-002\n```\n\nVoir CL-002.\n",
        encoding="utf-8")
    found = documented_ids(pages, {"ma-001", "ra-002", "cl-002"})
    assert found["/aide/format/"] == {"ma-001", "ra-002"}



# --- history: each case commits one more change to the canary repository --------------------

def _commit_change(root: Path, message: str, **edits: tuple[str, str]) -> None:
    for rel, (old, new) in edits.items():
        path = root / rel
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(old, new) if old else text + new, encoding="utf-8")
    _git(root, "commit", "-q", "-am", message)


def _public_build(root: Path, site: Path) -> dict[str, str]:
    return output_texts(build_site(public=True, site_dir=str(site), project=Project(root)))


@pytest.mark.skipif(not HISTORY, reason="pages d'historique pas encore disponibles")
def test_message_of_a_commit_touching_an_internal_file_stays_internal(tmp_path):
    """A commit changing a public and an internal entry: its message is not published."""
    root = make_canary_project(tmp_path / "projet")
    _commit_change(root, "Relecture de la clause canari-commit-mixte", **{
        "content/aperos/ap-001-defi.md": ("", "\nUne phrase de plus.\n"),
        "clauses/cl-002-canari-fichier-clause.md": ("", "\nUne phrase de plus.\n")})
    assert _hits(_public_build(root, tmp_path / "public"), "canari-commit-mixte") == []


@pytest.mark.skipif(not HISTORY, reason="pages d'historique pas encore disponibles")
def test_text_difference_of_a_public_page_hides_links_to_internal_entries(tmp_path):
    """The public diff of a guide does not show the raw [[RA-002]] of its text."""
    root = make_canary_project(tmp_path / "projet")
    _commit_change(root, "Relecture du chapitre", **{
        "guides/guide-public.md": ("recommande", "recommande vivement")})
    public = _public_build(root, tmp_path / "public")
    assert not re.search(r"\bRA-002\b", public["historique/gu-001/index.html"])


@pytest.mark.skipif(not HISTORY, reason="pages d'historique pas encore disponibles")
def test_field_difference_of_a_public_entry_hides_internal_fields(tmp_path):
    """Changing a public report's participants shows neither the old nor the new names."""
    root = make_canary_project(tmp_path / "projet")
    _commit_change(root, "Participants corrigés", **{
        "content/rapports/ra-001-visite-publique.md": ("canari-participant-public",
                                                       "canari-participant-corrige")})
    public = _public_build(root, tmp_path / "public")
    assert _hits(public, "canari-participant") == []
