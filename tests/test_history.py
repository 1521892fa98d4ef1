"""Git history on real temporary repositories: versions, renames, merges, shallow clones,
history pages of real MkDocs builds, and a constant number of git processes per build."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import subprocess
from pathlib import Path

import pytest

from achats.git.diff import document_diff, field_changes, word_diff
from achats.git.log import NOT_COMMITTED, UNKNOWN_DATE, read_history
from achats.project import Project
from achats.site.commands import build_site
from achats.model.validate import check_project
from projects import make_project

AUTHOR = "Zoé Lefèvre-Ñúñez"
EMAIL = "zoe.lefevre@region.example"
PAST = "2024-03-12T10:00:00+01:00"
CLAUSE = "clauses/cl-002-insertion.md"
GUIDE = "guides/premier-chapitre.md"


def git(root: Path, *args: str, author: str = AUTHOR, date: str | None = None) -> str:
    """Run git in ``root`` as ``author`` (dates fixed when ``date`` is given)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": EMAIL,
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": EMAIL}
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True,
                          text=True)
    return done.stdout


def commit_all(root: Path, message: str, **options) -> None:
    git(root, "add", "-A", **options)
    git(root, "commit", "-q", "-m", message, **options)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} absent de {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def make_repo(dest: Path, date: str | None = PAST) -> Path:
    """The fixture project in a git repository: an import, then two changes of CL-002."""
    root = make_project(dest)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "Import du corpus", date=date)
    edit(root, CLAUSE, "statut: proposee", "statut: a_valider")
    commit_all(root, "Clause d'insertion prête pour le service juridique", date=date)
    edit(root, CLAUSE, "réserve 5 % des heures", "réserve 7 % des heures travaillées")
    commit_all(root, "Relève le taux d'insertion", date=date)
    return root


def no_search(root: Path, **extra) -> None:
    """Builds without the search index (faster), with extra mkdocs.yml settings."""
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    for key, value in {"recherche": "false", **extra}.items():
        line = f"  {key}: {value}\n"
        text, found = re.subn(rf"^  {key}:.*\n", line, text, flags=re.MULTILINE)
        if not found:
            text = text.replace("\nextra:\n", f"\nextra:\n{line}", 1)
    config.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path) -> Path:
    return make_repo(tmp_path / "projet")


# -- reading the history -----------------------------------------------------------------------

def test_versions_newest_first_with_commit_details(repo):
    """Each change is a version: full and short ID, zoned date, author, message, status."""
    history = read_history(repo, public=False)
    versions = history.versions(CLAUSE)
    assert [v.subject for v in versions] == [
        "Relève le taux d'insertion", "Clause d'insertion prête pour le service juridique",
        "Import du corpus"]
    newest = versions[0]
    assert newest.commit.startswith(newest.short) and len(newest.commit) == 40
    assert newest.date == dt.datetime.fromisoformat(PAST)
    assert newest.date.utcoffset() == dt.timedelta(hours=1)
    assert (newest.author, newest.email, newest.path) == (AUTHOR, EMAIL, CLAUSE)
    assert [v.status for v in versions] == ["M", "M", "A"]
    assert history.available and history.complete and history.warning is None


def test_created_and_updated_dates(repo):
    """created is the first version's date, updated the last one's."""
    edit(repo, GUIDE, "## Une section", "## Une section revue")
    commit_all(repo, "Revoit le chapitre", date="2025-01-05T09:30:00+01:00")
    history = read_history(repo, public=False)
    assert history.created(GUIDE) == dt.datetime.fromisoformat(PAST)
    assert history.updated(GUIDE) == dt.datetime.fromisoformat("2025-01-05T09:30:00+01:00")


def test_history_follows_renames(repo):
    """After `git mv`, the file's versions include those under its old name."""
    git(repo, "mv", CLAUSE, "clauses/cl-002-insertion-sociale.md")
    commit_all(repo, "Renomme la clause")
    history = read_history(repo, public=False)
    versions = history.versions("clauses/cl-002-insertion-sociale.md")
    assert len(versions) == 4
    assert versions[0].status == "R" and versions[0].old_path == CLAUSE
    assert versions[-1].path == CLAUSE
    assert history.versions(CLAUSE) == []


def test_merges_keep_both_branches_changes(repo):
    """A merged branch's commits are versions; the merge commit itself is not."""
    git(repo, "checkout", "-q", "-b", "relecture")
    edit(repo, GUIDE, "## Une section", "## Une section relue")
    commit_all(repo, "Relecture sur une branche")
    git(repo, "checkout", "-q", "main")
    edit(repo, "guides/second-chapitre.md", "Suite du parcours", "Suite logique du parcours")
    commit_all(repo, "Changement sur main")
    git(repo, "merge", "-q", "--no-ff", "relecture", "-m", "Fusion de la relecture")
    history = read_history(repo, public=False)
    assert [v.subject for v in history.versions(GUIDE)] == ["Relecture sur une branche",
                                                            "Import du corpus"]
    merge = git(repo, "rev-parse", "HEAD").strip()
    assert all(v.commit != merge for rel in (GUIDE, CLAUSE) for v in history.versions(rel))


def test_branch_change_to_a_path_renamed_on_main_follows_the_file(repo):
    """A branch edits the old name while main renames it: after the merge, one history."""
    git(repo, "checkout", "-q", "-b", "branche")
    edit(repo, GUIDE, "## Une section", "## Une section de la branche")
    commit_all(repo, "Modifie l'ancien nom", date="2030-01-01T10:00:00+01:00")
    git(repo, "checkout", "-q", "main")
    git(repo, "mv", GUIDE, "guides/chapitre-un.md")
    commit_all(repo, "Renomme le chapitre", date="2029-01-01T10:00:00+01:00")
    git(repo, "merge", "-q", "--no-ff", "branche", "-m", "Fusion")
    subjects = [v.subject for v in read_history(repo, public=False)
                .versions("guides/chapitre-un.md")]
    assert set(subjects) == {"Modifie l'ancien nom", "Renomme le chapitre", "Import du corpus"}


def test_non_ascii_file_names_and_authors(repo):
    """Accents in file names and author names come out as written."""
    (repo / "guides/élan-ça-va.md").write_text(
        "---\nid: GU-003\ntitre: Élan\netape: besoin\n---\nTexte.\n", encoding="utf-8")
    commit_all(repo, "Ajoute « Élan » — chapitre accentué", author="Jérôme Çelik")
    history = read_history(repo, public=False)
    entry = next(e for e in check_project(Project(repo)).entries if e.id == "GU-003")
    assert entry.rel == "guides/élan-ça-va.md"
    [version] = history.versions(entry.rel)
    assert (version.author, version.subject) == ("Jérôme Çelik",
                                                 "Ajoute « Élan » — chapitre accentué")
    assert history.authors(entry) == ["Jérôme Çelik"]


def test_public_history_has_no_author_nor_email(repo):
    """Read for the public variant, versions carry no name and no e-mail."""
    history = read_history(repo, public=True)
    versions = history.versions(CLAUSE)
    assert versions and all(v.author is None and v.email is None for v in versions)
    entry = next(e for e in check_project(Project(repo)).entries if e.id == "CL-002")
    assert history.authors(entry) == []


def test_updated_label_is_the_last_change_day(repo):
    """« le 12/03/2024 »; a file never committed says so, without inventing a date."""
    history = read_history(repo, public=False)
    entries = {e.id: e for e in check_project(Project(repo)).entries}
    assert history.updated_label(entries["CL-002"]) == "le 12/03/2024"
    (repo / "guides/nouveau.md").write_text("---\nid: GU-003\ntitre: Nouveau\netape: besoin\n"
                                            "---\n", encoding="utf-8")
    entries = {e.id: e for e in check_project(Project(repo)).entries}
    assert read_history(repo, public=False).updated_label(entries["GU-003"]) == NOT_COMMITTED


def test_tender_versions_include_its_pieces(repo):
    """A tender's history is its index.md and its pieces, grouped by commit."""
    edit(repo, "content/marches/achat-test/rc.md", "s'applique", "s'applique pleinement")
    commit_all(repo, "Précise le règlement de la consultation")
    history = read_history(repo, public=False)
    tender = next(e for e in check_project(Project(repo)).entries if e.id == "MA-001")
    groups = history.entry_commits(tender)
    assert [g[0].subject for g in groups] == ["Précise le règlement de la consultation",
                                              "Import du corpus"]
    assert {v.path for v in groups[1]} == {tender.rel, "content/marches/achat-test/rc.md"}


def test_recent_changes_describe_each_change(repo):
    """(date, entry, « modifiée : message ») newest first, « créée » for the first version."""
    result = check_project(Project(repo))
    from achats.index.graph import build_graph
    from achats.variant import make_view
    graph = build_graph(result.entries, result.vocab)
    view = make_view(False, graph, read_history(repo, public=False))
    changes = view.history.recent_changes(view.graph, limit=3)
    assert [(c[1].id, c[2]) for c in changes[:2]] == [
        ("CL-002", "modifiée : Relève le taux d'insertion"),
        ("CL-002", "modifiée : Clause d'insertion prête pour le service juridique")]
    assert changes[2][2] == "créée : Import du corpus"
    assert len(changes) == 3


def test_public_recent_changes_hide_messages_of_mixed_commits(repo):
    """A commit that also changed an internal entry keeps its message off the public news."""
    edit(repo, GUIDE, "## Une section", "## Une section revue")
    edit(repo, "content/rapports/ra-001-visite.md", "Texte interne", "Texte interne revu")
    commit_all(repo, "Relecture après la visite secrète")
    result = check_project(Project(repo))
    from achats.index.graph import build_graph
    from achats.variant import make_view
    view = make_view(True, build_graph(result.entries, result.vocab),
                     read_history(repo, public=True))
    changes = view.history.recent_changes(view.graph, limit=50)
    assert ("GU-001", "modifiée") in [(c[1].id, c[2]) for c in changes]
    assert "RA-001" not in [c[1].id for c in changes]
    assert not any("secrète" in c[2] for c in changes)


@pytest.mark.parametrize("where", ["hors-git", "sans-commit"])
def test_no_repository_or_no_commit_means_unknown_dates(tmp_path, where):
    """Outside git or before the first commit: a warning, no versions, unknown dates."""
    root = make_project(tmp_path / "projet")
    if where == "sans-commit":
        git(root, "init", "-q")
    history = read_history(root, public=False)
    assert not history.available and not history.complete
    expected = "aucun commit" if where == "sans-commit" else "pas dans un dépôt git"
    assert expected in history.warning
    entry = check_project(Project(root)).entries[0]
    assert history.versions(entry.rel) == [] and history.updated(entry.rel) is None
    assert history.updated_label(entry) == UNKNOWN_DATE


def shallow_clone(source: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{source}", str(dest)],
                   check=True, capture_output=True)
    return dest


def test_shallow_clone_is_reported_incomplete(repo, tmp_path):
    """A --depth 1 clone: history incomplete, warning says how to fix CI, dates unknown."""
    clone = shallow_clone(repo, tmp_path / "clone")
    history = read_history(clone, public=False)
    assert not history.complete and "fetch-depth: 0" in history.warning
    entry = next(e for e in check_project(Project(clone)).entries if e.id == "CL-002")
    assert history.updated_label(entry) == "date inconnue (historique incomplet)"


# -- readable differences ----------------------------------------------------------------------

@pytest.mark.parametrize("old, new, expected", [
    ("a b c", "a b c", [("=", "a b c")]),
    ("réserve 5 % des heures", "réserve 7 % des heures",
     [("=", "réserve "), ("-", "5"), ("+", "7"), ("=", " % des heures")]),
    ("n'est demandé en", "ne sera exigé en",
     [("-", "n'est demandé"), ("+", "ne sera exigé"), ("=", " en")]),
    ("un deux trois", "un trois", [("=", "un "), ("-", "deux "), ("=", "trois")]),
    ("", "tout neuf", [("+", "tout neuf")]),
])
def test_word_diff(old, new, expected):
    """Differences by words, neighbouring changes grouped into one deletion and insertion."""
    assert word_diff(old, new) == expected


def test_front_matter_changes_read_as_field_changes():
    """A status change is « statut » from one value to the other; nested keys are dotted."""
    changes = field_changes({"statut": "proposee", "validation": {"par": "DAJCP"}},
                            {"statut": "validee", "validation": {"par": "DAJCP",
                                                                 "le": dt.date(2026, 11, 20)}})
    assert [(c.field, c.old, c.new, c.kind) for c in changes] == [
        ("statut", "proposee", "validee", "modification"),
        ("validation.le", None, "20/11/2026", "ajout")]


def test_document_diff_separates_fields_and_text():
    """Front matter as fields, body as a word diff."""
    diff = document_diff("---\nid: X\nstatut: a\n---\nUn texte.\n",
                         "---\nid: X\nstatut: b\n---\nUn autre texte.\n")
    assert [(c.field, c.old, c.new) for c in diff.fields] == [("statut", "a", "b")]
    assert ("+", "autre ") in diff.body or ("+", " autre") in diff.body


# -- the site ----------------------------------------------------------------------------------

@pytest.fixture
def built(repo):
    """The repository's intranet site, history included."""
    no_search(repo)
    site = build_site(project=Project(repo), site_dir=str(repo / "site"))
    return repo, site


def test_entry_page_links_to_its_history_page(built):
    """The entry page says when it changed, how many versions, and links to the history."""
    _repo, site = built
    page = (site / "clauses/cl-002-insertion/index.html").read_text(encoding="utf-8")
    assert "Mis à jour le 12/03/2024, 3 versions." in page
    assert 'href="../../historique/cl-002/"' in page
    assert (site / "historique/cl-002/index.html").is_file()


def test_history_page_lists_versions_and_readable_differences(built):
    """French HTML page: versions with authors, word diff, status change as a field change."""
    _repo, site = built
    page = (site / "historique/cl-002/index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "<main" in page and "<title>Historique" in page
    assert page.count("<tr><td>12/03/2024") == 3 and AUTHOR in page
    assert "<del>5</del><ins>7</ins>" in page
    assert "champ « statut » : « <del>proposee</del> » → « <ins>a_valider</ins> »" in page
    assert 'href="../../clauses/cl-002-insertion/"' in page and 'href="../../"' in page
    css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert "../../assets/achats.css" in css
    assert any(re.fullmatch(r"\.\./\.\./assets/stylesheets/main\.\w+\.min\.css", c) for c in css)
    assert all((site / "historique/cl-002" / c).resolve().is_file() for c in css)


def test_history_page_escapes_commit_messages(repo):
    """A commit message with HTML is shown as text."""
    edit(repo, GUIDE, "## Une section", "## Une section revue")
    commit_all(repo, "<script>alert(1)</script> & co")
    no_search(repo)
    site = build_site(project=Project(repo), site_dir=str(repo / "site"))
    page = (site / "historique/gu-001/index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_number_of_differences_is_configurable(repo):
    """extra.historique_diffs: 1 shows the difference of the latest version only."""
    no_search(repo, historique_diffs=1)
    site = build_site(project=Project(repo), site_dir=str(repo / "site"))
    page = (site / "historique/cl-002/index.html").read_text(encoding="utf-8")
    assert page.count('<section class="achats-version"') == 1
    assert "<del>5</del><ins>7</ins>" in page and "<del>proposee</del>" not in page


def test_public_history_pages_name_nobody_and_skip_internal_entries(repo):
    """Public site: no author or e-mail anywhere, no history page for internal entries."""
    no_search(repo)
    # The contributors' guide quotes example values ("@acheteur-referent", "Clause d'insertion
    # sociale") that the leak audit cannot tell from the fixture's internal ones.
    (repo / "content/pages/contribuer/format-des-fiches.md").write_text(
        "# Format des fiches\n", encoding="utf-8")
    site = build_site(public=True, project=Project(repo), site_dir=str(repo / "site-public"))
    pages = {p.parent.name for p in (site / "historique").glob("*/index.html")}
    assert {"cl-001", "gu-001", "gu-002", "ap-001"} <= pages
    assert not pages & {"cl-002", "ra-001"}
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert AUTHOR not in text and EMAIL not in text, path


def test_shallow_clone_builds_with_unknown_dates_and_one_info(repo, tmp_path, caplog):
    """The build succeeds, logs once (INFO) why, shows « date inconnue », never today."""
    no_search(repo)
    commit_all(repo, "Sans recherche", date=PAST)
    clone = shallow_clone(repo, tmp_path / "clone")
    with caplog.at_level(logging.INFO):
        site = build_site(project=Project(clone), site_dir=str(tmp_path / "site"))
    infos = [r for r in caplog.records if "historique est incomplet" in r.getMessage()]
    assert len(infos) == 1 and infos[0].levelno == logging.INFO
    page = (site / "clauses/cl-002-insertion/index.html").read_text(encoding="utf-8")
    assert "date inconnue (historique incomplet)" in page
    today = dt.date.today().strftime("%d/%m/%Y")
    assert today not in page and "12/03/2024" not in page
    assert not (site / "historique").exists()


def test_build_outside_git_succeeds_without_history(tmp_path):
    """No repository at all: the site is built, dates unknown, no history pages."""
    root = make_project(tmp_path / "projet")
    no_search(root)
    site = build_site(project=Project(root), site_dir=str(tmp_path / "site"))
    page = (site / "guides/premier-chapitre/index.html").read_text(encoding="utf-8")
    assert "date inconnue (historique incomplet)" in page
    assert not (site / "historique").exists()


# -- cost: a constant number of git processes ---------------------------------------------------

def git_processes_in_build(root: Path, monkeypatch) -> list[list[str]]:
    """Every git command line started during one build (observed, not replaced), with
    this process's persistent git (cat-file) stopped first: each build counts its own."""
    from achats.git.repo import close_all
    from git_processes import git_processes

    close_all()
    with git_processes(monkeypatch) as started:
        build_site(project=Project(root), site_dir=str(root / "site"))
    return started


def add_guides(root: Path, count: int) -> None:
    for number in range(3, 3 + count):
        (root / f"guides/chapitre-{number:03d}.md").write_text(
            f"---\nid: GU-{number:03d}\ntitre: Chapitre {number}\netape: besoin\n---\n"
            f"Texte du chapitre {number}.\n", encoding="utf-8")
    commit_all(root, f"Ajoute {count} chapitres")
    for number in range(3, 3 + count):
        edit(root, f"guides/chapitre-{number:03d}.md", "Texte du", "Nouveau texte du")
    commit_all(root, "Réécrit les chapitres")


def test_git_processes_do_not_grow_with_entries(tmp_path, monkeypatch):
    """One build runs the same few git processes for 7 entries as for 67."""
    few = make_repo(tmp_path / "peu")
    many = make_repo(tmp_path / "beaucoup")
    add_guides(many, 60)
    for root in (few, many):
        no_search(root)
    counts = [git_processes_in_build(root, monkeypatch) for root in (few, many)]
    assert len(counts[0]) == len(counts[1]) <= 2
    assert counts[0].commands() == counts[1].commands() == ["log", "cat-file"]
    assert (many / "site/historique/gu-062/index.html").is_file()  # the history was read


def test_a_build_refused_by_the_check_leaves_no_git_behind(tmp_path, monkeypatch):
    """`git log` starts before the entries are checked (it runs meanwhile); when the check
    refuses the build, that git is stopped and waited for, not left running."""
    from achats.problems import AchatsError

    from git_processes import git_processes

    root = make_repo(tmp_path / "projet")
    no_search(root)
    edit(root, CLAUSE, "statut: a_valider", "statut: inconnu")
    with git_processes(monkeypatch) as started, pytest.raises(AchatsError) as refused:
        build_site(project=Project(root), site_dir=str(root / "site"))
    assert "rien n'a été construit" in str(refused.value)
    assert started.commands() == ["log"]
    assert all(p.returncode is not None for p in started.popens)  # waited for: none left
    output = next(a for a in started[0] if a.startswith("--output="))[len("--output="):]
    assert not Path(output).exists()  # its temporary output removed
    assert not (root / "site").exists()


# -- the commands: history, diff, revert -------------------------------------------------------

@pytest.fixture
def cwd_repo(repo, monkeypatch) -> Path:
    monkeypatch.chdir(repo)
    return repo


def short_ids(root: Path) -> list[str]:
    """Short commit IDs, newest first."""
    return git(root, "log", "--format=%h").split()


def test_history_command_lists_versions(cwd_repo, run_cli):
    """A French table: short ID, date, author, file and message of each version."""
    code, out, _err = run_cli("history", "cl-002")
    assert code == 0
    assert "Historique de CL-002 « Clause d'insertion » (clauses/cl-002-insertion.md) : " \
           "3 versions" in out
    newest = short_ids(cwd_repo)[0]
    assert re.search(rf"^{newest}  12/03/2024 10:00  {AUTHOR}  cl-002-insertion\.md  "
                     r"Relève le taux d'insertion$", out, re.MULTILINE)


def test_history_command_outside_git_says_why(tmp_path, monkeypatch, run_cli):
    """No repository: exit 1 and the reason, no traceback."""
    monkeypatch.chdir(make_project(tmp_path / "projet"))
    code, _out, err = run_cli("history", "CL-002")
    assert code == 1 and "historique indisponible" in err and "dépôt git" in err


def test_diff_command_shows_the_last_change_word_by_word(cwd_repo, run_cli):
    """Default: previous version against the latest, changes marked [-…-] and {+…+}."""
    code, out, _err = run_cli("diff", "CL-002")
    assert code == 0
    assert "champ « texte » modifié :" in out
    assert "réserve [-5-]{+7+} % des heures{+ travaillées+} à l'insertion" in out


def test_diff_command_between_two_revisions(cwd_repo, run_cli):
    """Two revisions given: the front-matter status change is named as a field change."""
    newest, middle, first = short_ids(cwd_repo)
    code, out, _err = run_cli("diff", "clauses/cl-002-insertion.md", first, middle)
    assert code == 0 and "champ « statut » : « [-proposee-] » → « {+a_valider+} »" in out
    assert "texte" not in out.split("===")[-1]


@pytest.mark.parametrize("command", ["diff", "revert"])
def test_unknown_revision_is_a_usage_error(cwd_repo, run_cli, command):
    """An unknown revision: exit 2, French message."""
    args = ["CL-002", "zzzzzzz"] if command == "diff" else ["CL-002", "--to", "zzzzzzz"]
    code, _out, err = run_cli(command, *args)
    assert code == 2 and "révision « zzzzzzz » inconnue" in err


def test_unknown_id_is_refused(cwd_repo, run_cli):
    """An ID nobody carries: exit 1."""
    code, _out, err = run_cli("history", "CL-404")
    assert code == 1 and "identifiant inconnu « CL-404 »" in err


def test_revert_restores_old_text_in_a_new_commit(cwd_repo, run_cli):
    """The clause gets its first text back in a new commit; other files keep their changes."""
    edit(cwd_repo, GUIDE, "## Une section", "## Une section revue")
    commit_all(cwd_repo, "Revoit le chapitre")
    first = short_ids(cwd_repo)[-1]
    original = git(cwd_repo, "show", f"{first}:{CLAUSE}")
    code, out, _err = run_cli("revert", "CL-002", "--to", first)
    assert code == 0
    head = short_ids(cwd_repo)[0]
    assert f"restauré à la version {first} dans le commit {head}" in out
    assert (cwd_repo / CLAUSE).read_text(encoding="utf-8") == original
    assert git(cwd_repo, "log", "-1", "--format=%s") == f"Restaure CL-002 à la version {first}\n"
    assert git(cwd_repo, "show", "--name-only", "--format=", "HEAD").split() == [CLAUSE]
    assert "## Une section revue" in (cwd_repo / GUIDE).read_text(encoding="utf-8")
    assert git(cwd_repo, "status", "--porcelain") == ""


def test_revert_refuses_a_dirty_tree(cwd_repo, run_cli):
    """Uncommitted changes: exit 1, French message, nothing changed, no commit."""
    edit(cwd_repo, GUIDE, "## Une section", "## Une section en cours")
    before = short_ids(cwd_repo)
    code, _out, err = run_cli("revert", "CL-002", "--to", before[-1])
    assert code == 1 and "modifications non enregistrées" in err
    assert short_ids(cwd_repo) == before
    assert "en cours" in (cwd_repo / GUIDE).read_text(encoding="utf-8")


def test_revert_after_a_rename_writes_the_current_file(cwd_repo, run_cli):
    """The version is found under the old name and restored under the current one."""
    git(cwd_repo, "mv", CLAUSE, "clauses/cl-002-insertion-sociale.md")
    commit_all(cwd_repo, "Renomme la clause")
    first = short_ids(cwd_repo)[-1]
    assert run_cli("revert", "CL-002", "--to", first)[0] == 0
    text = (cwd_repo / "clauses/cl-002-insertion-sociale.md").read_text(encoding="utf-8")
    assert "statut: proposee" in text and not (cwd_repo / CLAUSE).exists()


def test_revert_of_a_tender_restores_its_set_of_pieces(cwd_repo, run_cli):
    """A piece added since the version is removed; a changed piece gets its text back."""
    folder = cwd_repo / "content/marches/achat-test"
    (folder / "cctp.md").write_text("# CCTP\n\nTexte.\n", encoding="utf-8")
    edit(cwd_repo, "content/marches/achat-test/rc.md", "s'applique", "s'applique pleinement")
    commit_all(cwd_repo, "Ajoute le CCTP")
    first = short_ids(cwd_repo)[-1]
    code, out, _err = run_cli("revert", "MA-001", "--to", first)
    assert code == 0 and "cctp.md" in out
    assert not (folder / "cctp.md").exists()
    assert "s'applique pleinement" not in (folder / "rc.md").read_text(encoding="utf-8")


def test_revert_to_the_current_version_does_nothing(cwd_repo, run_cli):
    """Already identical: exit 1, no commit."""
    before = short_ids(cwd_repo)
    code, _out, err = run_cli("revert", "CL-002", "--to", "HEAD")
    assert code == 1 and "déjà identique" in err and short_ids(cwd_repo) == before


def test_word_diff_of_a_long_text_stays_fast():
    """A 20,000-word text with one word changed: a difference found without quadratic cost."""
    paragraph = " ".join(f"mot{i % 50} de la phrase" for i in range(500))
    old = "\n\n".join(paragraph for _ in range(10))
    new = old.replace("mot7 de la phrase", "mot7 de la PHRASE", 1)
    assert [op for op in word_diff(old, new) if op[0] != "="] == [("-", "phrase"),
                                                                  ("+", "PHRASE")]
