"""The editor's configuration (from the schemas), /admin/ in the intranet build only, the
audit's check for it, and what `achats edit` refuses before starting anything."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from achats.site.audit import Needles, scan_site
from achats.cli import main
from achats.site.editor.config import decap_config, enabled
from achats.site.editor.local import identity, refuse_dirty_tree
from achats.problems import AchatsError, ProblemList
from achats.project import Project
from achats.model.schema import COLLECTIONS, PIECE_FIELDS, load_vocabularies
from achats.site.commands import SITE_URL_VARIABLE, build_site
from projects import PUBLIC_SITE_URL, REPO, make_project


@pytest.fixture(scope="module")
def vocab():
    problems = ProblemList()
    loaded = load_vocabularies(REPO / "content/data", "content/data", problems)
    assert not problems
    return loaded


def _fields(config, collection):
    c = next(c for c in config["collections"] if c["name"] == collection)
    return {f["name"]: f for f in c["fields"]}, c


def test_one_collection_per_project_collection_with_the_schema(vocab):
    config = decap_config(vocab, {"forge": "gitlab", "depot": "dajcp/achats",
                                  "base_url": "https://gitlab.region.example",
                                  "app_id": "abc123"})
    assert [c["name"] for c in config["collections"]] == \
        ["guide", "clause", "rapport", "apero", "marche", "piece"]
    assert config["locale"] == "fr" and config["publish_mode"] == "editorial_workflow"
    for c in config["collections"][:-1]:
        declared = COLLECTIONS[c["name"]]
        fields, _ = _fields(config, c["name"])
        assert "validation" not in fields
        for f in declared.fields:
            if f.name != "validation":
                assert fields[f.name]["required"] is f.required, (c["name"], f.name)
        assert fields["id"]["pattern"][0] == f"^(?:{declared.prefix}-\\d{{3,}})$"
        assert fields["body"]["modes"] == ["raw"] and fields["body"]["sanitize_preview"]
        assert c["format"] == "achats-frontmatter" and c["folder"] == declared.folder
    fields, clause = _fields(config, "clause")
    assert fields["type"]["widget"] == "select"
    assert fields["type"]["options"] == [
        {"label": label, "value": key} for key, label in vocab.vocabularies["types_clause"].items()]
    assert fields["piliers"]["multiple"] is True
    assert fields["type"]["hint"] == "Nature de la clause"
    assert (fields["clauses_liees"]["widget"], fields["clauses_liees"]["collection"],
            fields["clauses_liees"]["value_field"]) == ("relation", "clause", "id")
    assert [o["value"] for o in fields["base_legale"]["options"]] == list(vocab.articles)
    assert fields["statut"]["default"] == "proposee"
    assert clause["slug"] == "{{fields.id}}-{{slug}}"
    tender_fields, tender = _fields(config, "marche")
    assert tender["path"] == "{{slug}}/index"
    assert tender_fields["clauses"]["collection"] == "clause"
    assert tender["filter"] == {"field": "_fiche", "value": True}
    # The pieces beside each tender's index.md: same folders, the files without an ID,
    # the piece schema's fields; edited, never created nor deleted in the browser.
    piece_fields, piece = _fields(config, "piece")
    assert (piece["folder"], piece["path"], piece["format"]) == \
        (tender["folder"], "{{slug}}/index", "achats-frontmatter")
    assert piece["filter"] == {"field": "_fiche", "value": False}
    assert piece["create"] is False and piece["delete"] is False
    assert list(piece_fields) == [f.name for f in PIECE_FIELDS] + ["body"]
    assert piece_fields["titre"]["hint"] == "Titre de la pièce"
    assert piece_fields["body"]["modes"] == ["raw"]
    # An optional object with required sub-fields cannot be saved by Decap: optional in the
    # form, still required by `achats check`.
    assert [s["required"] for s in tender_fields["resultat"]["fields"]] == [False] * 3
    assert config["backend"] == {
        "name": "gitlab", "repo": "dajcp/achats", "branch": "main", "auth_type": "pkce",
        "base_url": "https://gitlab.region.example",
        "api_root": "https://gitlab.region.example/api/v4",
        "auth_endpoint": "oauth/authorize", "app_id": "abc123"}


def test_github_backend_and_wrong_settings(vocab):
    config = decap_config(vocab, {"forge": "github", "depot": "region/achats",
                                  "branche": "principale",
                                  "base_url": "https://oauth.region.example"})
    assert config["backend"] == {"name": "github", "repo": "region/achats",
                                 "branch": "principale",
                                 "base_url": "https://oauth.region.example"}
    wrong = [
        ({"forge": "bitbucket", "depot": "a/b"}, "extra.editeur.forge : « bitbucket » inconnu"),
        ({"forge": "gitlab", "depot": "sans-groupe", "app_id": "x"}, "extra.editeur.depot"),
        ({"forge": "gitlab", "depot": "a/b"}, "extra.editeur.app_id"),
        ({"forge": "gitlab", "depot": "a/b", "app_id": "x", "base_url": "http://gitlab.lan"},
         "extra.editeur.base_url : adresse https attendue"),
    ]
    for settings, message in wrong:
        with pytest.raises(AchatsError, match=message.replace(".", r"\.")):
            decap_config(vocab, settings)
    assert enabled({}) and enabled({"editeur": {"forge": "gitlab"}})
    assert not enabled({"editeur": False})


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Both variants of the bundled content (as tests/browser builds them)."""
    out = tmp_path_factory.mktemp("editeur")
    intranet = build_site(public=False, site_dir=str(out / "site"), project=Project(REPO))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SITE_URL_VARIABLE, PUBLIC_SITE_URL)
        public = build_site(public=True, site_dir=str(out / "site-public"),
                            project=Project(REPO))
    return REPO, intranet, public


def test_admin_in_the_intranet_build_only(sites):
    root, intranet, public = sites
    admin = intranet / "admin"
    assert (admin / "decap-cms.js").is_file() and (admin / "js-yaml.min.js").is_file()
    page = (admin / "index.html").read_text(encoding="utf-8")
    # Everything from the site itself: no CDN, and the CSP keeps the page on it.
    assert re.findall(r'src="([^"]*)"', page) == [
        "demarrer.js", "decap-cms.js", "js-yaml.min.js", "achats-cms.js"]
    assert "default-src 'self'" in page
    # Without extra.editeur: GitLab.com's API only, besides the site itself.
    assert "connect-src 'self' https://gitlab.com;" in page
    config = json.loads((admin / "config.json").read_text(encoding="utf-8"))
    assert config["backend"]["name"] == "gitlab"
    index = json.loads((admin / "fiches.json").read_text(encoding="utf-8"))
    assert index and all(set(v) == {"titre", "url"} for v in index.values())
    assert not (public / "admin").exists()
    leftovers = [p for p in public.rglob("*") if "decap" in p.name or p.name == "fiches.json"]
    assert leftovers == []


def test_audit_refuses_a_public_site_with_the_editor(tmp_path):
    (tmp_path / "admin").mkdir()
    (tmp_path / "admin" / "decap-cms.js").write_text("/* bundle */", encoding="utf-8")
    (tmp_path / "index.html").write_text(
        "<script>window.CMS_MANUAL_INIT = true;</script>", encoding="utf-8")
    (tmp_path / "guide.html").write_text(
        "<p>Decap CMS est décrit dans le guide des contributeurs.</p>", encoding="utf-8")
    hits = scan_site(tmp_path, Needles()).hits
    assert sorted((h.file, h.value) for h in hits) == [
        ("admin/decap-cms.js", "/decap-cms.js"), ("index.html", "cms_manual_init")]
    assert "trace de l'éditeur web" in hits[0].format()


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_edit_refuses_a_working_tree_with_changes(tmp_path, monkeypatch, capsys):
    root = make_project(tmp_path / "projet")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=A", "-c", "user.email=a@example.fr", "commit", "-qm", "départ")
    refuse_dirty_tree(root)  # clean: no error
    (root / "clauses" / "brouillon.md").write_text("---\nid: CL-777\n---\n", encoding="utf-8")
    with pytest.raises(AchatsError, match="fichiers modifiés ou non suivis") as error:
        refuse_dirty_tree(root)
    assert "clauses/brouillon.md" in str(error.value)
    monkeypatch.chdir(root)
    assert main(["edit", "--port", "0", "--auteur", "Camille <camille@example.fr>"]) == 1
    err = capsys.readouterr().err
    assert "achats : erreur : le dossier du dépôt contient des fichiers modifiés" in err
    assert "Traceback" not in err
    with pytest.raises(AchatsError, match="--auteur « Camille » "):
        identity(root, "Camille")
    assert identity(root, "Camille Martin <camille@example.fr>") == \
        ("Camille Martin", "camille@example.fr")
