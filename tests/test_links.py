"""Relative Markdown links between source files (what editors and GitLab's web view write)
go to the right page, as [[ID]] does; in the public variant a link to an internal entry
degrades to its label. A target that does not exist is reported by `achats check`, in
French with file and line, before MkDocs' English strict-mode refusal can happen."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from achats.project import Project
from achats.site.commands import build_site
from projects import make_project
from test_public_variant import make_canary_project, output_texts


def add(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def hrefs(html: str, label: str) -> list[str]:
    return re.findall(rf'<a href="([^"]*)">{re.escape(label)}</a>', html)


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("liens") / "projet")
    add(root, "guides/second-chapitre.md",
        "\nVoir [la clause](../clauses/cl-001-environnement.md#commentaire), "
        "[le rapport](../content/rapports/ra-001-visite.md) et "
        "[l'accueil](../content/pages/index.md).\n")
    add(root, "clauses/cl-001-environnement.md", "\nVoir [la voisine](cl-002-insertion.md).\n")
    add(root, "content/rapports/ra-001-visite.md",
        "\nRetour au [chapitre](../../guides/second-chapitre.md).\n")
    add(root, "content/pages/index.md",
        "\nLa [clause sociale](../../clauses/cl-002-insertion.md) et le "
        "[règlement](../../content/marches/achat-test/rc.md).\n"
        "\n`[pas un lien](../../clauses/absente.md)`\n")
    site = build_site(project=Project(root), site_dir=str(root / "site"))
    return site


@pytest.mark.parametrize("page, label, expected", [
    ("guides/second-chapitre/index.html", "la clause",
     "../../clauses/cl-001-environnement/#commentaire"),
    ("guides/second-chapitre/index.html", "le rapport", "../../rapports/ra-001-visite/"),
    ("guides/second-chapitre/index.html", "l'accueil", "../../"),
    ("clauses/cl-001-environnement/index.html", "la voisine", "../cl-002-insertion/"),
    ("rapports/ra-001-visite/index.html", "chapitre", "../../guides/second-chapitre/"),
    ("index.html", "clause sociale", "clauses/cl-002-insertion/"),
    ("index.html", "règlement", "marches/achat-test/rc/"),
])
def test_relative_link_goes_to_the_page_built_from_the_file(linked, page, label, expected):
    html = (linked / page).read_text(encoding="utf-8").replace("&#39;", "'")
    assert hrefs(html, label) == [expected]


def test_link_in_inline_code_stays_as_written(linked):
    html = (linked / "index.html").read_text(encoding="utf-8")
    assert "[pas un lien](../../clauses/absente.md)" in html


def test_public_link_to_an_internal_entry_is_its_label_only(tmp_path):
    root = make_canary_project(tmp_path / "projet")
    add(root, "guides/guide-public.md",
        "\nLire [le compte rendu](../content/rapports/ra-002-canari-fichier-rapport.md) et "
        "[la clause publique](../clauses/cl-001-environnement.md).\n")
    public = build_site(public=True, site_dir=str(tmp_path / "public"), project=Project(root))
    html = (public / "guides/guide-public/index.html").read_text(encoding="utf-8")
    assert "le compte rendu" in html and not hrefs(html, "le compte rendu")
    assert hrefs(html, "la clause publique") == ["../../clauses/cl-001-environnement/"]
    texts = output_texts(public)
    assert not [rel for rel, text in texts.items() if "ra-002" in text.lower()]
    intranet = build_site(project=Project(root), site_dir=str(tmp_path / "intranet"))
    html = (intranet / "guides/guide-public/index.html").read_text(encoding="utf-8")
    assert hrefs(html, "le compte rendu") == ["../../rapports/ra-002-canari-fichier-rapport/"]


BROKEN = {
    "guides/second-chapitre.md": ("\nVoir [perdu](../clauses/cl-404-absente.md#ancre).\n",
                                  "clauses/cl-404-absente.md"),
    "clauses/cl-001-environnement.md": ("\nVoir [la voisine](cl-002-insertin.md).\n",
                                        "clauses/cl-002-insertin.md"),
    "content/marches/achat-test/rc.md": ("\nVoir le [CCTP](cctp.md).\n",
                                         "content/marches/achat-test/cctp.md"),
    "content/pages/index.md": ("\nVoir la [page](contribuer/absente.md).\n",
                               "content/pages/contribuer/absente.md"),
}


@pytest.mark.parametrize("rel", sorted(BROKEN))
def test_unknown_link_target_is_reported_by_check_in_french(project_dir, run_cli, rel):
    text, target = BROKEN[rel]
    add(project_dir, rel, text)
    line = (project_dir / rel).read_text(encoding="utf-8").count("\n")
    code, out, err = run_cli("check")
    assert code == 1
    assert (f"{rel}:{line}: texte: erreur: lien vers « {target} » : aucune fiche, pièce ni "
            "page à cet endroit") in out, out
    code, _out, err = run_cli("build")
    assert code == 1
    assert f"{rel}:{line}: texte: erreur: lien vers « {target} »" in err
    assert "Aborted with" not in err and "strict mode" not in err
    assert not (project_dir / "site").exists()


def test_links_to_generated_pages_from_a_page_are_accepted(project_dir, run_cli):
    add(project_dir, "content/pages/index.md",
        "\n[Clauses](clauses/index.md), [social](clauses/pilier/social.md), "
        "[mots-clés](tags.md), [parcours](parcours/index.md), "
        "[clause](clauses/cl-002-insertion.md).\n")
    code, out, _err = run_cli("check")
    assert code == 0, out


OTHER_BROKEN = {
    # what MkDocs warns about (a refusal in strict mode), reported first by `achats check`
    "content/pages/index.md": [
        ("[les clauses](clauses/)", "lien vers le dossier « clauses/ » : MkDocs ne le "
         "reconnaît pas ; visez la page elle-même (clauses/index.md)"),
        ("![logo](assets/absent.png)", "lien vers « content/pages/assets/absent.png » : aucune "
         "fiche, pièce ni page"),
    ],
    "guides/second-chapitre.md": [
        ("[les clauses](../clauses)", "lien vers le dossier « ../clauses »"),
        ("![schéma](../assets/schema.svg)", "lien vers « content/pages/assets/schema.svg »"),
    ],
}


@pytest.mark.parametrize("rel", sorted(OTHER_BROKEN))
def test_links_mkdocs_would_refuse_are_reported_first(project_dir, run_cli, rel):
    for link, _message in OTHER_BROKEN[rel]:
        add(project_dir, rel, f"\n{link}\n")
    lines = (project_dir / rel).read_text(encoding="utf-8").count("\n")
    code, out, _err = run_cli("check")
    assert code == 1
    for offset, (_link, message) in enumerate(OTHER_BROKEN[rel]):
        line = lines - 2 * (len(OTHER_BROKEN[rel]) - 1 - offset)
        assert f"{rel}:{line}: texte: erreur: {message}" in out, out


def test_links_to_files_of_the_site_and_elsewhere_are_accepted(project_dir, run_cli):
    (project_dir / "content/pages/assets").mkdir(exist_ok=True)
    (project_dir / "content/pages/assets/logo.png").write_bytes(b"\x89PNG")
    add(project_dir, "content/pages/index.md",
        "\n![logo](assets/logo.png) [flux](nouveautes.xml) [courriel](mailto:a@example.org) "
        "[site](https://example.org/a/) [ici](#accueil) [clause](clauses/cl-001-environnement.md)"
        "\n")
    add(project_dir, "guides/second-chapitre.md", "\n![logo](../assets/logo.png)\n")
    code, out, _err = run_cli("check")
    assert code == 0, out
