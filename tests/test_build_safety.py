"""A build never destroys: interrupted, refused or pointed at the wrong folder, it leaves
the previous site (and the project) exactly as they were (achats.site.sitedir).

The builds are real `achats build --public` processes. To interrupt the audit for certain,
a `sitecustomize` module placed first on PYTHONPATH wraps the audit's PDF reader: it says the
audit has started (a file), then waits; the signal is sent once that file exists. Since the audit comes before the swap, every signal of these
tests reaches the build before its new site could replace the previous one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from achats.bench import set_extra
from achats.site.sitedir import MARKER
from projects import REPO, make_project
from signing import make_key, sign_file
from test_public_variant import make_canary_project

ACHATS = [sys.executable, "-c", "from achats.cli import run; run()"]
# Loaded by the build's interpreter at start-up (site.py imports `sitecustomize` from the
# path): the audit's PDF reader announces itself, then waits for the test's go-ahead.
WAITING_AUDIT = """import os, time
import achats.site.audit as audit
_read = audit.pdf_text
def pdf_text(*args, **kwargs):
    open(os.environ["ACHATS_TEST_AUDIT_STARTED"], "w").close()
    while not os.path.exists(os.environ["ACHATS_TEST_AUDIT_GO"]):
        time.sleep(0.05)
    return _read(*args, **kwargs)
audit.pdf_text = pdf_text
"""


def digest(folder: Path) -> dict[str, str]:
    """Every file (hidden ones too) and its bytes' hash; folders listed as such."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest()
                                                if p.is_file() else "dossier")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A public site built by `achats build --public`, then a change to the content that
    any later completed build would show."""
    base = tmp_path_factory.mktemp("securite")
    root = make_canary_project(base / "projet")
    # Enough entries for the pages to be shared with a second process.
    # Validated copies of a clause: each signed anew for its own ID by a real key.
    model = (root / "clauses" / "cl-001-environnement.md").read_text(encoding="utf-8")
    key = make_key(tmp_path_factory.mktemp("cles"), "dajcp")
    key.allow(root)
    for i in range(60):
        rel = f"clauses/cl-{100 + i:03d}-masse.md"
        (root / rel).write_text(model.replace("id: CL-001", f"id: CL-{100 + i:03d}"),
                                encoding="utf-8")
        sign_file(root, rel, key)
    set_extra(root / "mkdocs.yml", "parallele", "true")
    site = base / "site-public"
    done = _achats(root, "build", "--public", "--site-dir", str(site))
    assert done.returncode == 0, done.stderr
    guide = root / "guides" / "guide-public.md"
    text = guide.read_text(encoding="utf-8")
    guide.write_text(text + "\nUn paragraphe ajouté après la première construction.\n",
                     encoding="utf-8")
    return root, site, digest(site)


def _env(**extra) -> dict:
    env = dict(os.environ, **{"PYTHONPATH": str(REPO), **extra})
    env.pop("ACHATS_DEBUG", None)
    return env


def _achats(root: Path, *args: str, env: dict | None = None):
    return subprocess.run([*ACHATS, *args], cwd=root,
                          capture_output=True, text=True, env=env or _env())


def _waiting_audit(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(WAITING_AUDIT, encoding="utf-8")
    return folder


def _forked_helpers(pid: int) -> list[int]:
    """Children of ``pid`` running the same program as it (git and Pagefind do not)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        program = Path(f"/proc/{pid}/exe").resolve()
    except OSError:
        return []
    found = []
    for child in children:
        try:
            if Path(f"/proc/{child}/exe").resolve() == program:
                found.append(int(child))
        except OSError:
            continue
    return found


def _processes_with(tag: str) -> list[str]:
    """Processes of this user still carrying ``tag`` in their environment (command lines)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if tag.encode() in (entry / "environ").read_bytes():
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("stage", ["pages", "second-processus", "pdf", "audit"])
def test_interrupted_public_build_leaves_previous_site_byte_identical(previous, tmp_path,
                                                                      signum, stage):
    root, site, before = previous
    tag = uuid.uuid4().hex
    tools = _waiting_audit(tmp_path / "outils")
    started, go = tmp_path / "audit-commence", tmp_path / "audit-continue"
    env = _env(ACHATS_TEST_TAG=tag, PYTHONPATH=f"{tools}{os.pathsep}{REPO}",
               ACHATS_TEST_AUDIT_STARTED=str(started), ACHATS_TEST_AUDIT_GO=str(go))
    build = subprocess.Popen([*ACHATS, "build", "--public",
                              "--site-dir", str(site)], cwd=root, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # What shows that the stage has started: a line of the build's log, the forked second
    # process (achats.site.parallel) running, or the audit's PDF reader waiting.
    awaited = {"pages": "Building documentation", "second-processus": "Building documentation",
               "pdf": "PDF du parcours"}.get(stage)
    seen = []
    try:
        if awaited is not None:
            for line in build.stderr:
                seen.append(line)
                if awaited in line:
                    break
        if stage == "second-processus":  # forked after this line, in on_nav
            while not _forked_helpers(build.pid) and build.poll() is None:
                time.sleep(0.01)
        elif stage == "audit":
            while not started.exists() and build.poll() is None:
                time.sleep(0.05)
        assert build.poll() is None, "".join(seen)
        build.send_signal(signum)
        _out, rest = build.communicate(timeout=120)
    finally:
        go.touch()  # an audit still waiting (test failed) goes on and ends
        if build.poll() is None:
            build.kill()
            build.wait()
    err = "".join(seen) + rest
    assert build.returncode == 128 + signum, err
    assert "achats : interrompu." in err
    assert "Traceback" not in err
    assert digest(site) == before
    assert sorted(p.name for p in site.parent.iterdir()) == ["projet", "site-public"]
    assert _processes_with(tag) == []  # neither the second process nor Pagefind is left


def test_refused_public_site_never_replaces_the_good_one(previous, tmp_path):
    """The audit refuses a leaking build: kept aside as *.refuse, the good site in place."""
    root, site, before = previous
    page = root / "content/pages/contribuer/fuite.md"
    page.write_text("# Fuite\n\nLisez « Visite canari-titre-rapport ».\n", encoding="utf-8")
    try:
        done = _achats(root, "build", "--public", "--site-dir", str(site))
    finally:
        page.unlink()
    assert done.returncode == 1
    assert "audit de la variante publique" in done.stderr
    assert f"déplacé dans {site}.refuse" in done.stderr
    assert digest(site) == before
    refused = site.with_name("site-public.refuse")
    assert (refused / "contribuer/fuite/index.html").is_file()
    shutil.rmtree(refused)
    assert sorted(p.name for p in site.parent.iterdir()) == ["projet", "site-public"]


def test_strict_mode_refusal_leaves_previous_site(previous, tmp_path):
    """A warning MkDocs turns into a refusal in strict mode: the new output is removed."""
    root, site, before = previous
    # A nav entry to a missing page: a strict-mode warning of the configuration, which the
    # content check does not read.
    config = root / "mkdocs.public.yml"
    saved = config.read_text(encoding="utf-8")
    config.write_text(saved + "nav:\n  - Accueil: index.md\n  - Absente: absente.md\n",
                      encoding="utf-8")
    try:
        done = _achats(root, "build", "--public", "--site-dir", str(site))
    finally:
        config.write_text(saved, encoding="utf-8")
    assert done.returncode == 1, done.stderr
    assert "strict" in done.stderr
    assert digest(site) == before
    assert sorted(p.name for p in site.parent.iterdir()) == ["projet", "site-public"]


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.mark.parametrize("target", [".", ".git", "clauses", "content", "content/data",
                                    "hooks", "..", "guides/sortie", "mkdocs.yml",
                                    "ailleurs", "suivi"])
def test_site_dir_that_would_destroy_something_is_refused(tmp_path, target):
    """The project, git, sources, tracked files, a file, a folder that is not one of our
    sites: refused with exit code 2 in French, and nothing at all changes."""
    root = make_project(tmp_path / "projet")
    (root / "ailleurs").mkdir()
    (root / "ailleurs" / "notes.txt").write_text("à garder\n", encoding="utf-8")
    (root / "suivi").mkdir()
    (root / "suivi" / MARKER).write_text("imité\n", encoding="utf-8")
    (root / "suivi" / "budget.md").write_text("suivi par git\n", encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "x")
    before = digest(tmp_path)
    done = _achats(root, "build", "--site-dir", target)
    assert done.returncode == 2, done.stderr
    assert f"dossier de sortie « {target} » refusé" in done.stderr
    assert "Rien n'a été modifié." in done.stderr
    assert "Traceback" not in done.stderr
    assert digest(tmp_path) == before


def test_site_dir_set_in_mkdocs_yml_is_checked_too(tmp_path):
    """A merge request changing site_dir to a source folder cannot empty it."""
    root = make_project(tmp_path / "projet")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("\nsite_dir: site\n",
                                                                 "\nsite_dir: clauses\n"),
                      encoding="utf-8")
    before = digest(root)
    done = _achats(root, "build")
    assert done.returncode == 2, done.stderr
    assert "refusé : il contient ou fait partie des sources du projet (clauses)" in done.stderr
    assert digest(root) == before
    plain = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root,
                           capture_output=True, text=True, env=_env())
    assert plain.returncode != 0
    assert "dossier de sortie" in plain.stderr
    assert digest(root) == before


def test_our_previous_site_and_an_empty_folder_are_accepted(tmp_path):
    """A folder we built is replaced (marker kept); an empty folder is used."""
    root = make_project(tmp_path / "projet")
    empty = tmp_path / "vide"
    empty.mkdir()
    done = _achats(root, "build", "--site-dir", str(empty))
    assert done.returncode == 0, done.stderr
    assert (empty / MARKER).is_file() and (empty / "index.html").is_file()
    (empty / "reste.html").write_text("ancien", encoding="utf-8")
    done = _achats(root, "build", "--site-dir", str(empty))
    assert done.returncode == 0, done.stderr
    assert not (empty / "reste.html").exists()
    assert (empty / MARKER).is_file()
    assert oct(empty.stat().st_mode & 0o777) != oct(0o700)  # readable by a web server
    assert sorted(p.name for p in tmp_path.iterdir()) == ["projet", "vide"]
