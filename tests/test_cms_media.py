"""Files uploaded through the web editor (content/pages/assets/fiches): in the public
variant only when a public entry cites them; the public audit refuses a site holding one
that no public entry cites. Real builds of a throwaway project."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from achats.site.audit import PublicLeakError, audit_public_site
from achats.site.editor.media import MEDIA_FOLDER, PUBLIC_FOLDER, cited_uploads
from achats.index.graph import build_graph, restrict
from achats.project import Project
from achats.site.commands import SITE_URL_VARIABLE, build_site
from achats.model.validate import check_project
from achats.variant import public_entry
from projects import PUBLIC_SITE_URL, make_project

INTERNAL = "compte-rendu-interne.odt"
PUBLIC = "affiche-publique.png"
HIDDEN = "note-du-champ-interne.odt"


def _append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("televersements") / "projet")
    # The contributors' guide quotes values that are internal in the fixture corpus (see
    # test_pdf.py): the audit would rightly refuse the public site for them.
    (root / "content/pages/contribuer/format-des-fiches.md").write_text(
        "# Format des fiches\n\nVoir le guide.\n", encoding="utf-8")
    uploads = root / MEDIA_FOLDER
    uploads.mkdir(parents=True)
    for name in (INTERNAL, PUBLIC, HIDDEN):
        (uploads / name).write_bytes(b"contenu de " + name.encode())
    # As Decap writes them (public_folder): an internal report's attachment, a public
    # clause's poster, and a file cited by nothing public any more.
    _append(root / "content/rapports/ra-001-visite.md",
            f"\n[Compte rendu]({PUBLIC_FOLDER}/{INTERNAL})\n")
    _append(root / "clauses/cl-001-environnement.md",
            f"\n![Affiche de la clause]({PUBLIC_FOLDER}/{PUBLIC})\n")
    return root


def test_citations_are_read_however_the_link_is_written():
    entry = SimpleNamespace(
        meta={"sources": [{"source": "voir ../assets/fiches/a%20b.pdf"}]},
        body="[x](/assets/fiches/c.png) et <img src=\"assets/fiches/d.svg\">", pieces=[])
    assert cited_uploads([entry]) == {"a b.pdf", "c.png", "d.svg"}


def test_internal_uploads_stay_on_the_intranet(project, tmp_path, monkeypatch):
    intranet = build_site(public=False, site_dir=str(tmp_path / "intranet"),
                          project=Project(project))
    monkeypatch.setenv(SITE_URL_VARIABLE, PUBLIC_SITE_URL)
    public = build_site(public=True, site_dir=str(tmp_path / "public"),
                        project=Project(project))
    uploaded = intranet / "assets" / "fiches"
    assert sorted(p.name for p in uploaded.iterdir()) == sorted([INTERNAL, PUBLIC, HIDDEN])
    assert sorted(p.name for p in (public / "assets" / "fiches").iterdir()) == [PUBLIC]
    # Nowhere else in the public site either.
    assert [p for p in public.rglob("*") if p.name in (INTERNAL, HIDDEN)] == []


def test_audit_refuses_a_public_site_with_an_upload_no_public_entry_cites(project, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv(SITE_URL_VARIABLE, PUBLIC_SITE_URL)
    site = build_site(public=True, site_dir=str(tmp_path / "public"), project=Project(project))
    # What a regression in the build would publish: the internal report's attachment.
    shutil.copyfile(project / MEDIA_FOLDER / INTERNAL, site / "assets" / "fiches" / INTERNAL)
    result = check_project(Project(project))
    graph = restrict(build_graph(result.entries, result.vocab), lambda e: e.is_public)
    graph = build_graph([public_entry(e) for e in graph.entries], result.vocab)
    state = SimpleNamespace(project=Project(project), result=result, graph=graph,
                            history=None, view=None, site_target=None)
    with pytest.raises(PublicLeakError) as refused:
        audit_public_site(site, state)
    message = str(refused.value)
    assert (f"assets/fiches/{INTERNAL} : « assets/fiches/{INTERNAL} » — fichier téléversé "
            "qu'aucune fiche publique ne cite") in message
    assert PUBLIC not in message
    assert not site.exists()  # moved aside (site.refuse), never left where it is deployed
