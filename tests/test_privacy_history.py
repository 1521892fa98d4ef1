"""Issue 15: the public variant judged version by version, in real git repositories.

One repository, built once per variant, lives through several scenarios one after the other,
each on its own entries and with its own « fuite-… » canary strings: a canary of a scenario
must appear nowhere in the public output (pages, history pages, nouveautes.xml, sitemap,
Pagefind fragments decompressed, the PDF's text, file names) and somewhere in the intranet
output. Every difference is shown (extra.historique_diffs: 100), so no old version escapes
the check by being too old to be compared.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from achats.site.audit import PublicLeakError, audit_public_site
from achats.project import Project
from achats.site.commands import build_site
from test_public_variant import _git, make_canary_project, output_texts

GUIDE = "---\nid: {id}\ntitre: {titre}\netape: besoin\n{extra}---\n{body}\n"
RAPPORT = "---\nid: {id}\ntitre: {titre}\n{extra}---\n{body}\n"


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit(root: Path, message: str) -> str:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)
    import subprocess
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                          text=True, check=True).stdout.strip()


# Enough shared text for git to see a move with a rewritten front matter as a rename.
COMMON = "".join(f"Ligne commune numéro {n} du texte qui reste après le déplacement.\n"
                 for n in range(12)) + "\n"

# Scenario -> its canaries (each must be absent from the public site, present on the intranet).
SCENARIOS: dict[str, list[str]] = {}


def move_across_collections(root: Path) -> None:
    """An internal rapport with a confidential paragraph, moved with `git mv` into guides/
    as a public chapter without that paragraph."""
    SCENARIOS["deplacement"] = ["fuite-titre-ancien", "fuite-paragraphe-confidentiel",
                                "fuite-message-rapport", "fuite-rapport-deplace", "RA-009"]
    old = "content/rapports/ra-009-fuite-rapport-deplace.md"
    write(root, old, RAPPORT.format(
        id="RA-009", titre="Visite fuite-titre-ancien", extra="",
        body=COMMON + "Le fournisseur a présenté ses prix.\n\n"
             "Paragraphe fuite-paragraphe-confidentiel : marges et noms des acheteurs.\n"))
    commit(root, "Rapport fuite-message-rapport (première visite)")
    path = root / old
    path.write_text(path.read_text(encoding="utf-8").replace("ses prix", "ses prix et "
                                                             "ses délais"), encoding="utf-8")
    commit(root, "Rapport fuite-message-rapport, complété")
    _git(root, "mv", old, "guides/gu-009-chapitre-issu-visite.md")
    write(root, "guides/gu-009-chapitre-issu-visite.md", GUIDE.format(
        id="GU-009", titre="Chapitre issu d'une visite", extra="",
        body=COMMON + "Le fournisseur a présenté ses prix et ses délais.\n"))
    commit(root, "Chapitre tiré d'une visite")


def internal_then_public(root: Path) -> None:
    """A guide chapter committed as `visibilite: interne`, then made public."""
    SCENARIOS["interne-puis-public"] = ["fuite-brouillon-guide", "fuite-message-brouillon",
                                        "fuite-titre-brouillon"]
    rel = "guides/gu-010-chapitre-brouillon.md"
    write(root, rel, GUIDE.format(id="GU-010", titre="Chapitre fuite-titre-brouillon",
                                  extra="visibilite: interne\n",
                                  body="Premier jet fuite-brouillon-guide, à relire.\n"))
    commit(root, "Brouillon fuite-message-brouillon")
    write(root, rel, GUIDE.format(id="GU-010", titre="Chapitre fuite-titre-brouillon",
                                  extra="visibilite: interne\n",
                                  body="Second jet fuite-brouillon-guide, relu.\n"))
    commit(root, "Relecture fuite-message-brouillon")
    write(root, rel, GUIDE.format(id="GU-010", titre="Chapitre publié", extra="",
                                  body="Le texte définitif du chapitre.\n"))
    commit(root, "Publication du chapitre")
    write(root, rel, GUIDE.format(id="GU-010", titre="Chapitre publié", extra="",
                                  body="Le texte définitif et relu du chapitre.\n"))
    commit(root, "Correction publique du chapitre")


def paste_and_withdraw(root: Path) -> None:
    """A confidential sentence pasted into a public chapter, removed in the next commit, and
    that version withdrawn in content/data/retraits.yml. A second chapter gets the same
    treatment without the withdrawal: its sentence stays visible (the control)."""
    SCENARIOS["retrait"] = ["fuite-phrase-collee"]
    for ident, rel in (("GU-020", "guides/gu-020-retrait.md"),
                       ("GU-021", "guides/gu-021-temoin.md")):
        write(root, rel, GUIDE.format(id=ident, titre=f"Chapitre {ident}", extra="",
                                      body="Un texte public.\n"))
    commit(root, "Deux chapitres publics")
    write(root, "guides/gu-020-retrait.md", GUIDE.format(
        id="GU-020", titre="Chapitre GU-020", extra="",
        body="Un texte public.\n\nCollé par erreur : fuite-phrase-collee.\n"))
    write(root, "guides/gu-021-temoin.md", GUIDE.format(
        id="GU-021", titre="Chapitre GU-021", extra="",
        body="Un texte public.\n\nPhrase témoin temoin-phrase-non-retiree.\n"))
    pasted = commit(root, "Précisions")
    for ident, rel in (("GU-020", "guides/gu-020-retrait.md"),
                       ("GU-021", "guides/gu-021-temoin.md")):
        write(root, rel, GUIDE.format(id=ident, titre=f"Chapitre {ident}", extra="",
                                      body="Un texte public.\n"))
    commit(root, "Retire les précisions")
    write(root, "content/data/retraits.yml",
          "retraits:\n"
          f"  - commit: \"{pasted[:10]}\"\n"
          "    fiche: GU-020\n"
          "    motif: phrase confidentielle collée par erreur\n")
    commit(root, "Retrait d'une version publiée par erreur")


def mixed_commit(root: Path) -> None:
    """One commit touching an internal and a public file."""
    SCENARIOS["commit-mixte"] = ["fuite-message-mixte"]
    path = root / "guides/guide-public.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nUne phrase de plus.\n",
                    encoding="utf-8")
    rapport = root / "content/rapports/ra-002-canari-fichier-rapport.md"
    rapport.write_text(rapport.read_text(encoding="utf-8") + "\nUne phrase interne.\n",
                       encoding="utf-8")
    commit(root, "Relecture croisée fuite-message-mixte")


def deleted_while_internal(root: Path) -> None:
    """An internal rapport created along with a public change, then deleted."""
    SCENARIOS["supprime"] = ["fuite-rapport-supprime", "fuite-message-supprime", "RA-011"]
    write(root, "content/rapports/ra-011-fuite-rapport-supprime.md", RAPPORT.format(
        id="RA-011", titre="Visite fuite-rapport-supprime", extra="", body="Notes.\n"))
    path = root / "guides/gu-010-chapitre-brouillon.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nVoir aussi la visite.\n",
                    encoding="utf-8")
    commit(root, "Visite fuite-message-supprime et renvoi")
    (root / "content/rapports/ra-011-fuite-rapport-supprime.md").unlink()
    commit(root, "Supprime la visite fuite-message-supprime")


def message_naming_internal_entry(root: Path) -> None:
    """A public-only commit whose message names an internal entry by its ID."""
    SCENARIOS["message-id"] = ["RA-002 dans le message"]
    path = root / "guides/gu-021-temoin.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nUne dernière phrase.\n",
                    encoding="utf-8")
    commit(root, "Reprend RA-002 dans le message")


def clause_validated(root: Path) -> None:
    """A clause « proposée » (internal), then validated: its draft text stays internal."""
    from signing import make_key, signed_text

    SCENARIOS["clause-validee"] = ["fuite-texte-projet-clause"]
    rel = "clauses/cl-009-clause-sociale.md"
    base = ("---\nid: CL-009\ntitre: Clause d'insertion\ntype: condition_execution\n"
            "piliers: [social]\nfamilles: [services]\nbase_legale: [L2112-2]\n"
            "document: CCAP\nniveau: socle\ntexte: \"{texte}\"\n"
            "verification: \"Attestations trimestrielles.\"\nstatut: {statut}\n"
            "---\nCommentaire.\n")
    write(root, rel, base.format(texte="Projet fuite-texte-projet-clause à discuter.",
                                 statut="proposee"))
    commit(root, "Clause proposée")
    # The legal service's real key, listed in the signers file, signs the validation.
    key = make_key(root.parent / "cles", "dajcp")
    key.allow(root)
    write(root, rel, signed_text(base.format(
        texte="L'entreprise réserve 5 % des heures à l'insertion.", statut="validee"), key))
    commit(root, "Clause validée par la DAJCP")


def tender_drafted_then_published(root: Path) -> None:
    """A tender prepared while internal (brouillon: its pieces too), then published."""
    SCENARIOS["marche-publie"] = ["fuite-cctp-brouillon", "fuite-objet-brouillon",
                                  "fuite-message-cctp"]
    index = ("---\nid: MA-030\ntitre: Marché de nettoyage\nobjet: {objet}\n"
             "direction: dgmtre\nprocedure: procedure_adaptee\nstatut: {statut}\n"
             "roles:\n  gestionnaire: \"@gestion\"\n---\nUn marché.\n")
    folder = "content/marches/marche-nettoyage"
    write(root, f"{folder}/index.md", index.format(objet="Nettoyage fuite-objet-brouillon",
                                                   statut="brouillon"))
    write(root, f"{folder}/cctp.md", "---\ntitre: Cahier technique\n---\n"
                                     "Exigences fuite-cctp-brouillon à revoir.\n")
    commit(root, "Préparation fuite-message-cctp")
    write(root, f"{folder}/index.md", index.format(objet="Nettoyage des locaux",
                                                   statut="publie"))
    write(root, f"{folder}/cctp.md", "---\ntitre: Cahier technique\n---\n"
                                     "Exigences définitives.\n")
    commit(root, "Publication du marché de nettoyage")
    write(root, f"{folder}/cctp.md", "---\ntitre: Cahier technique\n---\n"
                                     "Exigences définitives et relues.\n")
    commit(root, "Relecture du CCTP publié")


def public_internal_public(root: Path) -> None:
    """A public chapter made internal for a while, then public again: the public history
    compares the two public versions across the internal period."""
    SCENARIOS["aller-retour"] = ["fuite-periode-interne", "fuite-message-periode"]
    rel = "guides/gu-030-aller-retour.md"
    write(root, rel, GUIDE.format(id="GU-030", titre="Chapitre aller-retour", extra="",
                                  body="Version publique une.\n"))
    commit(root, "Chapitre aller-retour")
    write(root, rel, GUIDE.format(id="GU-030", titre="Chapitre aller-retour",
                                  extra="visibilite: interne\n",
                                  body="Version de travail fuite-periode-interne.\n"))
    commit(root, "Mise en travail fuite-message-periode")
    write(root, rel, GUIDE.format(id="GU-030", titre="Chapitre aller-retour", extra="",
                                  body="Version publique deux.\n"))
    commit(root, "Chapitre republié")


def renamed_id_while_internal(root: Path) -> None:
    """An internal rapport whose ID changed, then made public: neither its old ID nor its
    internal text reach the public site."""
    SCENARIOS["id-renomme"] = ["RA-050", "fuite-notes-avant-publication"]
    rel = "content/rapports/ra-051-visite-publiee.md"
    write(root, rel, RAPPORT.format(id="RA-050", titre="Visite publiée", extra="",
                                    body="Notes fuite-notes-avant-publication.\n"))
    commit(root, "Visite")
    write(root, rel, RAPPORT.format(id="RA-051", titre="Visite publiée", extra="",
                                    body="Notes fuite-notes-avant-publication.\n"))
    commit(root, "Identifiant corrigé")
    write(root, rel, RAPPORT.format(id="RA-051", titre="Visite publiée",
                                    extra="visibilite: public\n", body="Notes publiques.\n"))
    commit(root, "Visite rendue publique")


def participants_changed(root: Path) -> None:
    """A public rapport's participants (an internal field) changed: the old names are in a
    compared version, filtered out of the difference, and known to the audit."""
    path = root / "content/rapports/ra-001-visite-publique.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "canari-participant-public", "participant-remplacant"), encoding="utf-8")
    commit(root, "Participants mis à jour")


STEPS = [move_across_collections, internal_then_public, paste_and_withdraw, mixed_commit,
         deleted_while_internal, message_naming_internal_entry, clause_validated,
         tender_drafted_then_published, public_internal_public, renamed_id_while_internal,
         participants_changed]


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The repository after every scenario, and both of its sites (texts)."""
    root = make_canary_project(tmp_path_factory.mktemp("vie") / "projet")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "extra:\n", "extra:\n  historique_diffs: 100\n", 1), encoding="utf-8")
    commit(root, "Toutes les différences affichées")
    for step in STEPS:
        step(root)
    intranet = build_site(public=False, site_dir=str(root / "site"), project=Project(root))
    public = build_site(public=True, site_dir=str(root / "site-public"), project=Project(root))
    return root, output_texts(intranet), output_texts(public)


def hits(texts: dict[str, str], needle: str) -> list[str]:
    pattern = re.compile(re.escape(needle), re.IGNORECASE)
    return [rel for rel, text in texts.items() if pattern.search(rel) or pattern.search(text)]


def check_scenario(sites, name: str, not_on_intranet=()) -> None:
    _root, intranet, public = sites
    for canary in SCENARIOS[name]:
        assert hits(public, canary) == [], canary
        if canary not in not_on_intranet:
            assert hits(intranet, canary), canary


def test_move_from_internal_rapport_to_public_guide(sites):
    check_scenario(sites, "deplacement")
    _root, intranet, public = sites
    page = public["historique/gu-009/index.html"]
    assert "Première version publique de ce fichier." in page
    assert "1 version enregistrée" in page
    # The commit that turned the rapport into a chapter was written about the rapport.
    assert "Chapitre tiré d'une visite" not in page and "« modification »" in page
    assert "Chapitre tiré d'une visite" in intranet["historique/gu-009/index.html"]
    assert "fuite-paragraphe-confidentiel" in intranet["historique/gu-009/index.html"]


def test_internal_then_public_chapter(sites):
    check_scenario(sites, "interne-puis-public")
    _root, _intranet, public = sites
    page = public["historique/gu-010/index.html"]
    assert "Première version publique de ce fichier." in page
    assert "<del>" in page and "Correction publique du chapitre" in page
    assert "Publication du chapitre" not in page  # it published the internal draft
    feed = public["nouveautes.xml"]
    assert "<summary>première version publique</summary>" in feed
    assert "<summary>modifiée : Correction publique du chapitre</summary>" in feed


def test_withdrawn_version_is_skipped_and_control_is_not(sites):
    check_scenario(sites, "retrait")
    _root, intranet, public = sites
    assert hits(public, "temoin-phrase-non-retiree")  # not withdrawn: still published
    page = intranet["historique/gu-020/index.html"]
    assert "Version retirée de la variante publique (retraits.yml, ligne 2)" in page
    assert "phrase confidentielle collée par erreur" in page
    assert "Version retirée" not in public["historique/gu-020/index.html"]


def test_commit_touching_internal_and_public_files(sites):
    check_scenario(sites, "commit-mixte")
    _root, _intranet, public = sites
    assert "modification" in public["historique/gu-001/index.html"]


def test_entry_deleted_while_internal(sites):
    """A deleted entry has no page on either variant; its commits' messages are on the
    intranet history of the public chapter they also changed, not on the public one."""
    check_scenario(sites, "supprime", not_on_intranet={"fuite-rapport-supprime", "RA-011"})
    _root, intranet, _public = sites
    assert "fuite-message-supprime" in intranet["historique/gu-010/index.html"]


def test_message_naming_an_internal_entry_is_masked(sites):
    _root, intranet, public = sites
    assert "Reprend RA-002 dans le message" in intranet["historique/gu-021/index.html"]
    page = public["historique/gu-021/index.html"]
    assert "Reprend [fiche réservée à l'intranet] dans le message" in page
    assert not re.search(r"\bRA-002\b", page)


def test_clause_draft_text_stays_internal(sites):
    check_scenario(sites, "clause-validee")
    _root, _intranet, public = sites
    assert "Première version publique" in public["historique/cl-009/index.html"]


def test_tender_pieces_drafted_while_internal_stay_internal(sites):
    check_scenario(sites, "marche-publie")
    _root, _intranet, public = sites
    page = public["historique/ma-030/index.html"]
    assert page.count("Première version publique de ce fichier.") == 2  # index and CCTP
    assert "<ins> et relues</ins>" in page


def test_public_versions_compared_across_an_internal_period(sites):
    check_scenario(sites, "aller-retour")
    _root, _intranet, public = sites
    page = public["historique/gu-030/index.html"]
    assert "2 versions enregistrées" in page
    assert "<del>une</del><ins>deux</ins>" in page


def test_old_id_of_an_internal_period(sites):
    check_scenario(sites, "id-renomme")


def test_no_author_on_public_history_pages(sites):
    _root, intranet, public = sites
    assert hits(intranet, "canari-auteur")
    assert hits(public, "canari-auteur") == []


# -- the audit searches the history too ----------------------------------------------------------

def public_state(root: Path):
    """The state of a public build of ``root``, as on_config makes it (with its view)."""
    from achats.index.graph import build_graph
    from achats.git.log import read_history
    from achats.site.build import BuildState
    from achats.model.validate import check_project
    from achats.variant import load_withdrawals, make_view

    project = Project(root)
    result = check_project(project)
    history = read_history(root, public=True)
    view = make_view(True, build_graph(result.entries, result.vocab), history,
                     load_withdrawals(project.data_dir, history), diffs=100)
    return BuildState(project, "public", result, view.graph, history, view=view)


@pytest.mark.parametrize("leak, described", [
    ("Paragraphe fuite-paragraphe-confidentiel : marges et noms des acheteurs.",
     "texte de la version"),
    ("Visite fuite-titre-ancien", "titre de la version"),
    ('<a href="/rapports/ra-009-fuite-rapport-deplace/">lien</a>', "adresse (slug)"),
    ("Collé par erreur : fuite-phrase-collee.", "retirée (retraits.yml)"),
    ("Premier jet fuite-brouillon-guide, à relire.", "de la fiche GU-010"),
    ("Rapport fuite-message-rapport (première visite)", "message du commit"),
    ("Projet fuite-texte-projet-clause à discuter.", "de la fiche CL-009"),
    ('<a href="/rapports/ra-011-fuite-rapport-supprime/">lien</a>',
     "content/rapports/ra-011-fuite-rapport-supprime.md, supprimée ou déplacée"),
    ("Participants : canari-participant-public",
     "champ interne « participants » de la fiche RA-001"),
])
def test_audit_refuses_what_the_history_withheld(sites, tmp_path, leak, described):
    """Text, titles, paths and messages of versions that were never public (or withdrawn)
    fail the audit when written into a public page."""
    root, _intranet, _public = sites
    site = tmp_path / "site-public"
    shutil.copytree(root / "site-public", site)
    state = public_state(root)
    audit_public_site(site, state)  # the clean site passes
    shutil.rmtree(site)
    shutil.copytree(root / "site-public", site)
    page = site / "guides/guide-public/index.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", f"<p>{leak}</p></article>"), encoding="utf-8")
    with pytest.raises(PublicLeakError) as caught:
        audit_public_site(site, state)
    assert "guides/guide-public/index.html" in str(caught.value)
    assert described in str(caught.value)


# -- content/data/retraits.yml ------------------------------------------------------------------

@pytest.fixture
def small_repo(tmp_path):
    """The canary project (two commits) with a third, public-only commit."""
    root = make_canary_project(tmp_path / "projet")
    path = root / "guides/guide-public.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nAjout.\n", encoding="utf-8")
    return root, commit(root, "Un ajout public")


def load(root: Path, text: str):
    from achats.git.log import read_history
    from achats.variant import load_withdrawals

    write(root, "content/data/retraits.yml", text)
    return load_withdrawals(root / "content/data", read_history(root, public=False))


def test_withdrawals_are_read_with_full_commit_ids(small_repo):
    root, head = small_repo
    found = load(root, f"# Versions retirées\nretraits:\n  - commit: '{head[:7]}'\n"
                       "    motif: test\n  - commit: "
                       f"'{head[:12].upper()}'\n    fiche: gu-001\n    motif: autre\n")
    assert [(w.commit, w.entry_id, w.line) for w in found.items] == [
        (head, None, 3), (head, "GU-001", 5)]
    assert found.find(head, "CL-001").reason == "test"


@pytest.mark.parametrize("text, expected", [
    ("retraits:\n  - commit: 'abcdef0'\n    motif: test\n",
     "retraits.yml:2: retraits[0].commit: erreur: commit « abcdef0 » inconnu"),
    ("retraits:\n  - commit: '{head}'\n", "retraits.yml:2: retraits[0].motif: erreur: motif "
                                          "obligatoire"),
    ("retraits:\n  - commit: '{head}'\n    motif: x\n    fichier: a.md\n",
     "retraits.yml:4: retraits[0].fichier: erreur: clé inconnue « fichier »"),
    ("retraits:\n  - commit: 'zz'\n    motif: x\n",
     "retraits.yml:2: retraits[0].commit: erreur: identifiant de commit attendu"),
    ("retraits:\n  - commit: '{head}'\n    motif: x\n    fiche: guide\n",
     "retraits.yml:4: retraits[0].fiche: erreur: identifiant de fiche attendu"),
    ("retraits: [\n", "retraits.yml:2: retraits: erreur: YAML invalide"),
    ("retraits: oui\n", "retraits.yml:1: retraits: erreur: « retraits » doit être une liste"),
    ("- commit: x\n", "retraits.yml:1: retraits: erreur: le fichier doit contenir une seule "
                      "clé « retraits »"),
    ("retraits:\n  - commit: '{head}'\n    motif: x\n    motif: y\n",
     "retraits.yml:4: motif: erreur: clé « motif » en double"),
])
def test_withdrawals_file_errors_name_file_line_and_field(small_repo, text, expected):
    from achats.problems import AchatsError

    root, head = small_repo
    with pytest.raises(AchatsError) as refused:
        load(root, text.replace("{head}", head[:8]))
    assert f"content/data/{expected}" in str(refused.value)


def test_a_wrong_withdrawals_file_stops_the_build_in_french(small_repo, monkeypatch, run_cli):
    root, _head = small_repo
    write(root, "content/data/retraits.yml", "retraits:\n  - commit: 'abcdef0'\n    motif: x\n")
    monkeypatch.chdir(root)
    code, _out, err = run_cli("build", "--public", "--site-dir", str(root / "public"))
    assert code == 1
    assert "content/data/retraits.yml:2: retraits[0].commit: erreur: commit « abcdef0 »" in err
    assert "Traceback" not in err and not (root / "public").exists()


def test_check_reports_a_malformed_withdrawals_file(small_repo, monkeypatch, run_cli):
    # achats check (what contributors and the merge request's CI run first) reads the file's
    # form; a commit unknown to git is left to the build, which reads the history.
    root, head = small_repo
    write(root, "content/data/retraits.yml",
          f"retraits:\n  - commit: '{head[:8]}'\n    motif: x\n    fiche: guide\n"
          "  - commit: 'abcdef0'\n    motif: y\n")
    monkeypatch.chdir(root)
    code, out, err = run_cli("check")
    assert code == 1
    assert ("content/data/retraits.yml:4: retraits[0].fiche: erreur: identifiant de fiche "
            "attendu") in out
    assert "abcdef0" not in out + err and "Traceback" not in err
    write(root, "content/data/retraits.yml",
          f"retraits:\n  - commit: '{head[:8]}'\n    motif: x\n")
    code, out, _err = run_cli("check")
    assert code == 0, out


def test_withdrawing_a_whole_commit_hides_it_for_every_entry(small_repo, tmp_path):
    """Without « fiche », every file of the commit is withdrawn: its version and message
    leave the public history, and the intranet says why."""
    root, head = small_repo
    write(root, "content/data/retraits.yml",
          f"retraits:\n  - commit: '{head[:9]}'\n"
          "    motif: ajout sans relecture <script>alert(1)</script>\n")
    public = output_texts(build_site(public=True, site_dir=str(tmp_path / "pub"),
                                     project=Project(root)))
    intranet = output_texts(build_site(public=False, site_dir=str(tmp_path / "int"),
                                       project=Project(root)))
    assert "Un ajout public" not in public["historique/gu-001/index.html"]
    assert "Un ajout public" in intranet["historique/gu-001/index.html"]
    assert "ajout sans relecture" in intranet["historique/gu-001/index.html"]
    raw = (tmp_path / "int/historique/gu-001/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw and "<script>alert" not in raw
    assert hits(public, "ajout sans relecture") == []


# -- one view, decided once -----------------------------------------------------------------------

def test_public_build_refuses_a_configuration_that_is_not_public(small_repo, monkeypatch,
                                                                 run_cli):
    """`achats build --public` with a mkdocs.public.yml that lost « variante: public » would
    build the intranet into the public folder: refused, nothing written."""
    root, _head = small_repo
    config = root / "mkdocs.public.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  variante: public\n", ""),
                      encoding="utf-8")
    monkeypatch.chdir(root)
    code, _out, err = run_cli("build", "--public", "--site-dir", str(root / "public"))
    assert code == 1
    assert "extra.variante vaut « intranet » dans la configuration de la variante publique" in err
    assert "Traceback" not in err and not (root / "public").exists()


RENDER = Path(__file__).resolve().parent.parent / "achats" / "render"


def test_renderers_do_not_test_the_variant():
    """The renderers show the view they are given: no test of the variant in achats/render
    (the behaviour is proved by the canary tests above and in test_public_variant.py)."""
    branches = re.compile(r"\.public\b|\bvariant\s*[!=]=|[\"']public[\"']|[\"']intranet[\"']")
    found = {path.name: [line for line in path.read_text(encoding="utf-8").splitlines()
                         if branches.search(line)]
             for path in RENDER.glob("*.py")}
    assert {name: lines for name, lines in found.items() if lines} == {}


@pytest.mark.parametrize("head", [
    "id: GU-001\nvisibilite: interne\n",
    "visibilite: public\nvisibilite: interne\n",  # refused (unreadable), as in a full load
    '"\\x76isibilite": interne\n',  # an escaped key is still the key
    "<<: {visibilite: interne}\n",  # a merge key
    "base: &b interne\nvisibilite: *b\n",  # an alias
    "? visibilite\n: interne\n",  # an explicit key
    "statut: !!str validee\n",
    "titre: 'visibilite: public'\n",  # the words inside a value are not the key
])
def test_visibility_of_a_version_reads_yaml_like_a_full_load(head):
    """The fast reading of a version's visibility means what a full YAML load means."""
    from achats.git.diff import split_version
    from achats.model.schema import COLLECTIONS
    from achats.variant import _meta_or_none

    text = f"---\n{head}---\nTexte.\n"
    full, fast = split_version(text).meta, _meta_or_none(text)
    assert (full is None) == (fast is None)  # unreadable for both: never public
    for collection in COLLECTIONS.values():
        if full is not None:
            assert collection.visibility(fast) == collection.visibility(full)


def test_a_version_with_unreadable_front_matter_is_not_public():
    from achats.variant import _meta_or_none

    assert _meta_or_none("---\nvisibilite: [public\n---\nTexte.\n") is None
    assert _meta_or_none("---\n- une liste\n---\n") is None
    assert _meta_or_none("---\nid: GU-001\n") is None  # never closed


def test_public_build_runs_as_few_git_processes_for_few_as_for_many_entries(
        tmp_path, monkeypatch):
    """Judging every version costs one `git cat-file` for the whole public build (the
    history pages reuse what it read): the same git processes whatever the entries."""
    from achats.git.repo import close_all
    from git_processes import git_processes
    from test_history import no_search

    def public_git_processes(root: Path) -> list[list[str]]:
        close_all()  # each build counts its own persistent cat-file
        with git_processes(monkeypatch) as started:
            build_site(public=True, project=Project(root), site_dir=str(root / "site-public"))
        return started

    few = make_canary_project(tmp_path / "peu")
    many = make_canary_project(tmp_path / "beaucoup")
    for number in range(100, 160):
        write(many, f"guides/gu-{number}.md", GUIDE.format(
            id=f"GU-{number}", titre=f"Chapitre {number}", extra="",
            body=f"Texte du chapitre {number}."))
    commit(many, "Soixante chapitres")
    for number in range(100, 160):
        path = many / f"guides/gu-{number}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("Texte du", "Nouveau texte du"),
                        encoding="utf-8")
    commit(many, "Soixante chapitres réécrits")
    for root in (few, many):
        no_search(root, pdf="false")
    counts = [public_git_processes(root) for root in (few, many)]
    assert counts[0].commands() == counts[1].commands() == ["log", "cat-file"]
    page = (many / "site-public/historique/gu-159/index.html").read_text(encoding="utf-8")
    assert "<del>Texte</del><ins>Nouveau texte</ins>" in page  # the difference was shown


def test_withdrawing_a_version_still_in_the_file_fails_the_public_build(small_repo, tmp_path):
    """Withdrawing the commit of a sentence that is still in the file cannot hide it (the
    page shows the file as it is): the build stops and says what to do."""
    from achats.problems import AchatsError

    root, _head = small_repo
    path = root / "guides/guide-public.md"
    path.write_text(path.read_text(encoding="utf-8")
                    + "\nUne phrase confidentielle encore présente.\n", encoding="utf-8")
    pasted = commit(root, "Collage")
    write(root, "content/data/retraits.yml",
          f"retraits:\n  - commit: '{pasted[:8]}'\n    motif: collage\n")
    with pytest.raises(AchatsError) as refused:
        build_site(public=True, site_dir=str(tmp_path / "pub"), project=Project(root))
    assert ("content/data/retraits.yml:2: retraits[0].commit: erreur: la phrase « Une phrase "
            f"confidentielle encore présente. » de la version retirée {pasted[:7]} est encore "
            "dans le fichier guides/guide-public.md (GU-001)") in str(refused.value)
    assert not (tmp_path / "pub").exists()
    # Removed from the file, and every version that had it withdrawn: the build passes.
    path.write_text(path.read_text(encoding="utf-8").replace(
        "\nUne phrase confidentielle encore présente.\n", ""), encoding="utf-8")
    commit(root, "Retire la phrase")
    public = output_texts(build_site(public=True, site_dir=str(tmp_path / "pub"),
                                     project=Project(root)))
    assert hits(public, "phrase confidentielle") == []


def test_history_command_shows_withdrawn_versions(small_repo, monkeypatch, run_cli):
    root, head = small_repo
    write(root, "content/data/retraits.yml",
          f"retraits:\n  - commit: '{head[:8]}'\n    fiche: GU-001\n    motif: relecture\n")
    monkeypatch.chdir(root)
    code, out, err = run_cli("history", "GU-001")
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith(head[:7]))
    assert line.endswith("Un ajout public [Version retirée de la variante publique "
                         "(retraits.yml, ligne 2) : relecture]")
    write(root, "content/data/retraits.yml", "retraits: [\n")
    code, _out, err = run_cli("history", "GU-001")
    assert code == 1 and "content/data/retraits.yml:2: retraits: erreur: YAML invalide" in err


def test_the_scenarios_public_output_includes_every_kind_of_file(sites):
    """The canary checks above read the whole public output: search fragments (decompressed),
    the PDF's text, the feed and the sitemap are part of it."""
    _root, _intranet, public = sites
    assert any(rel.startswith("pagefind/fragment/") for rel in public)
    assert any("Chapitre issu d'une visite" in text for rel, text in public.items()
               if rel.startswith("pagefind/fragment/"))
    assert any(rel.endswith(".pdf") for rel in public)
    assert {"nouveautes.xml", "sitemap.xml"} <= set(public)
    assert "historique/gu-009/index.html" in public


def test_public_message_naming_an_internal_title_is_refused_then_withdrawn(small_repo,
                                                                          tmp_path):
    """A public-only commit whose message names an internal entry by its title: the audit
    refuses the public site; withdrawing the commit hides the message, and the build passes."""
    from achats.problems import AchatsError

    root, _head = small_repo
    path = root / "guides/guide-public.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nEncore une phrase.\n",
                    encoding="utf-8")
    named = commit(root, "Suite de la Visite canari-titre-rapport")
    with pytest.raises(AchatsError) as refused:
        build_site(public=True, site_dir=str(tmp_path / "pub"), project=Project(root))
    assert ("« Visite canari-titre-rapport » — titre de la fiche interne RA-002"
            in str(refused.value))
    write(root, "content/data/retraits.yml",
          f"retraits:\n  - commit: '{named[:8]}'\n    motif: message citant une visite\n")
    public = output_texts(build_site(public=True, site_dir=str(tmp_path / "pub"),
                                     project=Project(root)))
    assert hits(public, "canari") == []
    assert "Encore une phrase" not in public["historique/gu-001/index.html"]
