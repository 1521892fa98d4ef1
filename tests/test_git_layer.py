"""The git layer (achats.git.repo, achats.git.log) on real repositories: the one-pass log
parsed into versions (renames, deletions, merges, unusual names), blobs through the
persistent cat-file, clear French errors without git or outside a repository, fork safety,
and the git processes of a real `achats build`, counted by a `git` on the PATH that notes
every start (gitpython's own included)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from achats.git.log import read_history
from achats.git.repo import GitError, close_all, repository
from projects import make_project
from test_history import commit_all, edit, git, make_repo, no_search

GIT = shutil.which("git")
ACHATS = [sys.executable, "-c", "import sys; from achats.cli import main; sys.exit(main())"]


def plain_repo(root: Path) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    return root


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(autouse=True)
def _own_processes():
    yield
    close_all()  # no persistent cat-file left from one test to the next


# -- the log, parsed into versions --------------------------------------------------------------

def test_renames_are_followed_and_deletions_kept(tmp_path):
    root = plain_repo(tmp_path / "depot")
    write(root, "a.md", "un\ndeux\ntrois\nquatre\n")
    write(root, "gone.md", "bientôt supprimé\n")
    commit_all(root, "Premier")
    git(root, "mv", "a.md", "b.md")
    commit_all(root, "Renomme a en b")
    edit(root, "b.md", "deux", "DEUX")
    (root / "gone.md").unlink()
    commit_all(root, "Modifie b, supprime gone")
    history = read_history(root, public=False)
    assert history.complete and history.warning is None
    kinds = [(v.status, v.path, v.old_path, v.subject) for v in history.versions("b.md")]
    assert kinds == [("M", "b.md", None, "Modifie b, supprime gone"),
                     ("R", "b.md", "a.md", "Renomme a en b"),
                     ("A", "a.md", None, "Premier")]
    assert [v.status for v in history.versions("gone.md")] == ["D", "A"]
    newest = history.versions("b.md")[0]
    assert history.commit_files(newest.commit) == {"b.md", "gone.md"}
    assert newest.author and newest.email  # intranet: authors read
    assert read_history(root, public=True).versions("b.md")[0].author is None


def test_changes_made_on_a_merged_branch_are_versions_of_their_own_commit(tmp_path):
    root = plain_repo(tmp_path / "depot")
    write(root, "f.md", "base\n")
    commit_all(root, "Base")
    git(root, "checkout", "-q", "-b", "branche")
    edit(root, "f.md", "base", "branche")
    commit_all(root, "Sur la branche")
    git(root, "checkout", "-q", "main")
    write(root, "g.md", "autre\n")
    commit_all(root, "Sur main")
    git(root, "merge", "-q", "--no-ff", "-m", "Fusion", "branche")
    history = read_history(root, public=False)
    assert [v.subject for v in history.versions("f.md")] == ["Sur la branche", "Base"]
    subjects = {v.subject for rel in ("f.md", "g.md") for v in history.versions(rel)}
    assert "Fusion" not in subjects  # the merge commit itself changed nothing of its own


def test_unusual_file_names_are_read_whole(tmp_path):
    """Quotes, spaces, a newline, non-ASCII and non-UTF-8 bytes in names: -z and
    core.quotepath=false give them as they are (invalid UTF-8 replaced, never a crash)."""
    root = plain_repo(tmp_path / "depot")
    names = ['guillemets "doubles" et \'simples\'.md', "ligne\nsuivante.md", "été à Lyon.md",
             "espaces  doubles .md"]
    for name in names:
        write(root, name, f"{name}\n")
    (root / os.fsdecode(b"latin1-\xe9t\xe9.md")).write_bytes(b"octets\n")
    commit_all(root, "Noms inhabituels")
    history = read_history(root, public=False)
    assert history.complete
    for name in names:
        assert [v.status for v in history.versions(name)] == ["A"], name
    assert [v.status for v in history.versions("latin1-\ufffdt\ufffd.md")] == ["A"]


def test_no_commit_shallow_clone_and_outside_git_say_why_dates_are_unknown(tmp_path):
    empty = plain_repo(tmp_path / "vide")
    assert "aucun commit" in read_history(empty, public=False).warning
    outside = tmp_path / "hors-git"
    outside.mkdir()
    found = read_history(outside, public=False)
    assert not found.complete and "pas dans un dépôt git" in found.warning
    source = make_repo(tmp_path / "source")
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{source}", "partiel")
    shallow = read_history(tmp_path / "partiel", public=False)
    assert not shallow.complete and "shallow" in shallow.warning


def test_a_project_below_the_repository_top_has_its_prefix(tmp_path):
    top = plain_repo(tmp_path / "depot")
    project = make_project(top / "sous" / "projet")
    commit_all(top, "Projet dans un sous-dossier")
    history = read_history(project, public=False)
    assert history.prefix == "sous/projet/"
    rel = "clauses/cl-002-insertion.md"
    version = history.versions(rel)[0]
    blob = repository(project).read_blobs([f"{version.commit}:{history.prefix}{rel}"])
    assert blob[f"{version.commit}:{history.prefix}{rel}"] == (project / rel).read_bytes()


# -- blobs through the persistent cat-file ------------------------------------------------------

def test_blobs_are_read_by_one_persistent_process(tmp_path, monkeypatch):
    from git_processes import git_processes

    root = plain_repo(tmp_path / "depot")
    big = "".join(f"ligne {n} d'un long fichier\n" for n in range(20000))  # > 64 KiB
    write(root, "gros.md", big)
    write(root, "dossier/nom avec espaces.md", "espaces\n")
    for n in range(1500):
        write(root, f"petits/fichier-{n:04d}.md", f"contenu {n}\n")
    commit_all(root, "Fichiers")
    specs = (["HEAD:gros.md", "HEAD:dossier/nom avec espaces.md", "HEAD:absent.md",
              "HEAD:dossier", "inconnue:gros.md", "HEAD:avec\nsaut.md"]
             + [f"HEAD:petits/fichier-{n:04d}.md" for n in range(1500)])  # several rounds
    with git_processes(monkeypatch) as started:
        first = repository(root).read_blobs(specs)
        again = repository(root).read_blobs(["HEAD:gros.md"])
    assert first["HEAD:gros.md"] == again["HEAD:gros.md"] == big.encode()
    assert first["HEAD:dossier/nom avec espaces.md"] == b"espaces\n"
    for missing in ("HEAD:absent.md", "HEAD:dossier", "inconnue:gros.md", "HEAD:avec\nsaut.md"):
        assert first[missing] is None, missing
    assert all(first[f"HEAD:petits/fichier-{n:04d}.md"] == f"contenu {n}\n".encode()
               for n in range(1500))
    assert started.commands() == ["cat-file"]  # one process for everything


def test_a_dead_cat_file_is_an_error_then_replaced(tmp_path):
    root = make_repo(tmp_path / "projet")
    layer = repository(root)
    assert layer.read_blobs(["HEAD:mkdocs.yml"])["HEAD:mkdocs.yml"]
    layer._cat.proc.kill()
    layer._cat.proc.wait()
    with pytest.raises(GitError):
        layer.read_blobs(["HEAD:mkdocs.yml"])
    assert layer.read_blobs(["HEAD:mkdocs.yml"])["HEAD:mkdocs.yml"]  # a new one


# -- without git, outside a repository: French, no traceback -------------------------------------

def _path_without_git(tmp_path: Path) -> str:
    """A PATH with this Python and nothing else (no git)."""
    bin_dir = tmp_path / "bin-sans-git"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    return str(bin_dir)


@pytest.mark.parametrize("command", [["history", "CL-002"], ["diff", "CL-002"],
                                     ["revert", "CL-002", "--to", "HEAD~1"]])
def test_commands_without_git_installed_say_so_in_french(tmp_path, command):
    root = make_repo(tmp_path / "projet")
    env = {**os.environ, "PATH": _path_without_git(tmp_path)}
    done = subprocess.run([*ACHATS, *command], cwd=root, env=env, capture_output=True,
                          text=True)
    assert done.returncode != 0
    assert "git n'est pas installé" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [["history", "CL-002"], ["diff", "CL-002"],
                                     ["revert", "CL-002", "--to", "HEAD"],
                                     ["review-check", "--base", "main"]])
def test_commands_outside_a_repository_say_so_in_french(tmp_path, command):
    root = make_project(tmp_path / "projet")
    done = subprocess.run([*ACHATS, *command], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "dépôt git" in done.stderr, done.stderr


def test_a_build_without_git_installed_is_built_with_unknown_dates(tmp_path):
    root = make_repo(tmp_path / "projet")
    no_search(root, pdf="false")
    env = {**os.environ, "PATH": _path_without_git(tmp_path)}
    done = subprocess.run([*ACHATS, "build"], cwd=root, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "git n'est pas installé" in done.stderr + done.stdout
    page = (root / "site/guides/premier-chapitre/index.html").read_text(encoding="utf-8")
    assert "date inconnue (historique incomplet)" in page


# -- fork safety ----------------------------------------------------------------------------------

def test_a_forked_child_never_uses_its_parents_git(tmp_path):
    """The child gets its own cat-file; the parent's, started before the fork, is left
    untouched (not used, not closed, not killed) and still answers afterwards."""
    import gc

    root = make_repo(tmp_path / "projet")
    parent = repository(root)
    expected = (root / "mkdocs.yml").read_bytes()
    assert parent.read_blobs(["HEAD:mkdocs.yml"])["HEAD:mkdocs.yml"] == expected
    parent_cat = parent._cat.proc.pid
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without Python's clean-up
        report = {}
        try:
            try:
                parent.read_blobs(["HEAD:mkdocs.yml"])
                report["parent_used"] = True
            except RuntimeError:
                report["parent_used"] = False
            mine = repository(root)
            report["same_object"] = mine is parent
            report["blob_ok"] = mine.read_blobs(["HEAD:mkdocs.yml"])["HEAD:mkdocs.yml"] \
                == expected
            report["cat"] = mine._cat.proc.pid
            close_all()
            gc.collect()
        except BaseException as exc:  # noqa: BLE001 (reported to the parent)
            report["error"] = repr(exc)
        os.write(writer, json.dumps(report).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as stream:
        report = json.loads(stream.read())
    os.waitpid(pid, 0)
    assert report == {"parent_used": False, "same_object": False, "blob_ok": True,
                      "cat": report["cat"]}
    assert report["cat"] != parent_cat
    assert parent._cat.proc.pid == parent_cat and parent._cat.proc.poll() is None
    assert parent.read_blobs(["HEAD:mkdocs.yml"])["HEAD:mkdocs.yml"] == expected


# -- the git processes of a real build -----------------------------------------------------------

def _noting_git(tmp_path: Path) -> tuple[dict, Path]:
    """An environment whose `git` notes each start (one line per process) in a file."""
    bin_dir, notes = tmp_path / "bin-git-note", tmp_path / "git-notes.txt"
    bin_dir.mkdir()
    script = bin_dir / "git"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$PPID $1 $2 $3" >> "{notes}"\n'
                      f'exec "{GIT}" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, notes


def _build_processes(root: Path, env: dict, notes: Path, *options: str,
                     by_process: bool = False) -> list:
    """The git commands a real `achats build` started, sorted (with ``by_process``: as
    (command, id of the process that started it))."""
    notes.write_text("", encoding="utf-8")
    done = subprocess.run([*ACHATS, "build", *options], cwd=root, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = [line.split() for line in notes.read_text(encoding="utf-8").split("\n")
             if line.strip()]
    found = sorted((words[3] if words[1] == "-c" else words[1], int(words[0]))
                   for words in lines)
    return found if by_process else [command for command, _pid in found]


@pytest.mark.skipif(GIT is None, reason="git absent")
def test_a_real_build_runs_the_same_few_git_processes_for_few_or_many_entries(tmp_path):
    """Counted in the real `achats build` process (and any process it forks): gitpython's
    `git version` at import (twice), one `git log`, one `git cat-file --batch`; the public
    variant (every version of every public entry judged) as the intranet."""
    from test_history import add_guides
    from test_public_variant import make_canary_project

    few, many = make_repo(tmp_path / "peu"), make_repo(tmp_path / "beaucoup")
    add_guides(many, 60)
    public = make_canary_project(tmp_path / "public")
    env, notes = _noting_git(tmp_path)
    counts = {}
    for name, root in (("peu", few), ("beaucoup", many)):
        no_search(root, pdf="false")
        counts[name] = _build_processes(root, env, notes)
    no_search(public, pdf="false")
    counts["public"] = _build_processes(public, env, notes, "--public")
    for name, found in counts.items():
        assert found == ["cat-file", "log", "version", "version"], (name, found)
    assert (many / "site/historique/gu-062/index.html").is_file()
    # Built again into the site it made: one `git ls-files` more checks that no file
    # tracked by git is in the folder the build replaces.
    assert _build_processes(many, env, notes) == ["cat-file", "log", "ls-files", "version",
                                                  "version"]


@pytest.mark.skipif(GIT is None, reason="git absent")
def test_a_build_shared_with_a_forked_process_runs_as_few_git_processes(tmp_path):
    """extra.parallele: true forks a second build process, which writes the history pages
    (reading old versions): it opens its own cat-file, the count stays the same."""
    from achats.bench import generate_corpus, set_extra
    from achats.project import Project
    from projects import REPO

    root = tmp_path / "projet"
    generate_corpus(root, 40, 8, seed=11, source=Project(REPO))
    set_extra(root / "mkdocs.yml", "parallele", "true")
    set_extra(root / "mkdocs.yml", "pdf", "false")
    set_extra(root / "mkdocs.yml", "recherche", "false")
    env, notes = _noting_git(tmp_path)
    found = dict(_build_processes(root, env, notes, by_process=True))
    assert sorted(found) == ["cat-file", "log", "version"], found
    assert found["cat-file"] != found["log"]  # started by the forked process, its own
    assert len(list((root / "site/historique").glob("*/index.html"))) >= 40


def test_a_process_working_on_many_projects_keeps_few_git_processes(tmp_path):
    """The persistent cat-file of the least recently used projects is stopped: the tests,
    which open hundreds of repositories, never run out of processes or pipes."""
    from achats.git import repo as layer

    roots = []
    for n in range(layer._OPEN_AT_MOST + 3):
        root = plain_repo(tmp_path / f"depot-{n}")
        write(root, "f.md", f"{n}\n")
        commit_all(root, "Un fichier")
        roots.append(root)
    opened = []
    for n, root in enumerate(roots):
        opened.append(repository(root))
        assert opened[-1].read_blobs(["HEAD:f.md"])["HEAD:f.md"] == f"{n}\n".encode()
    alive = [g for g in opened if g._cat is not None and g._cat.proc.poll() is None]
    assert len(alive) == layer._OPEN_AT_MOST
    assert alive == opened[-layer._OPEN_AT_MOST:]
    # A project whose process was stopped gets a new one when asked again.
    assert repository(roots[0]).read_blobs(["HEAD:f.md"])["HEAD:f.md"] == b"0\n"
