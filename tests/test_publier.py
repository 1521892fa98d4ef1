"""scripts/publier.sh, run as both pipelines run it, on a clean clone of this repository.

The clone holds what is committed (what CI checks out): no .venv, no node_modules, no built
site, no ../shared. The script runs with the project installed (this test's Python) and the
real address in ACHATS_SITE_URL, like the publication jobs. Nothing is skipped: a missing
tool (git, Pango for the PDF...) fails the test, as it would fail the deployment.
"""

from __future__ import annotations

import gzip
import html
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from achats.project import Project
from achats.render.context import page_url, uri_of
from achats.model.validate import check_project
from projects import PUBLIC_SITE_URL, REPO

SCRIPT = "scripts/publier.sh"
# The format documentation shows entry IDs as examples (the audit allows them there).
DOCUMENTED = "contribuer/format-des-fiches/"


def clean_clone(dest: Path) -> Path:
    done = subprocess.run(["git", "clone", "--quiet", str(REPO), str(dest)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"git clone du dépôt impossible : {done.stderr}"
    return dest


def script_env(**changes: str | None) -> dict[str, str]:
    """The environment of a publication job: the project's Python first on PATH, the real
    public address; ``changes`` set (or, with None, remove) variables."""
    env = {k: v for k, v in os.environ.items() if k not in ("ACHATS_SITE_URL", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["ACHATS_SITE_URL"] = PUBLIC_SITE_URL
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def publish(clone: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("bash"), SCRIPT, *args], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A clean clone, and the result of `bash scripts/publier.sh` run in it."""
    clone = clean_clone(tmp_path_factory.mktemp("publier") / "depot")
    done = publish(clone, env=script_env())
    assert done.returncode == 0, (
        f"scripts/publier.sh a échoué (code {done.returncode}) :\n{done.stdout}\n{done.stderr}")
    return clone, done


def texts(site: Path) -> dict[str, str]:
    """Every file but the PDF as the text a reader or search engine sees (gzip undone)."""
    found = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file() and p.suffix != ".pdf"):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        found[path.relative_to(site).as_posix()] = html.unescape(
            data.decode("utf-8", errors="replace"))
    return found


def test_script_builds_the_audited_public_site_where_pages_expect_it(published):
    """public/ (GitLab Pages' folder, GitHub's artifact) holds the whole public site, after
    an audit without leaks; intranet/ holds the intranet; nothing else is written."""
    clone, done = published
    public, intranet = clone / "public", clone / "intranet"
    for rel in ("index.html", "404.html", "sitemap.xml", "nouveautes.xml",
                "pagefind/pagefind-entry.json", "parcours/parcours-nouveaux-arrivants.pdf"):
        assert (public / rel).is_file(), rel
    assert (intranet / "index.html").is_file()
    assert (intranet / "parcours/parcours-nouveaux-arrivants.pdf").is_file()
    if shutil.which("npm"):  # the web editor, from node_modules (decap-cms)
        assert (intranet / "admin/index.html").is_file()
        assert not (public / "admin").exists()
    assert re.search(r"audit de la variante publique : \d+ fichiers examinés .* aucune fuite",
                     done.stdout)
    status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=clone,
                            capture_output=True, text=True, check=True).stdout
    # npm ci (the intranet's web editor) leaves node_modules/, ignored like the two sites.
    installed = ["!! node_modules/"] if shutil.which("npm") else []
    assert sorted(status.splitlines()) == sorted(["!! intranet/", "!! public/", *installed])


def test_published_folders_are_what_github_pages_accepts(published):
    """No symbolic or hard link; every file readable and every folder open to others."""
    clone, _done = published
    for site in (clone / "public", clone / "intranet"):
        for path in [site, *site.rglob("*")]:
            mode = path.lstat()
            assert not stat.S_ISLNK(mode.st_mode), path
            if stat.S_ISDIR(mode.st_mode):
                assert mode.st_mode & 0o005 == 0o005, path
            else:
                assert mode.st_nlink == 1 and mode.st_mode & 0o004, path


def test_public_site_has_the_real_address_and_no_internal_entry(published):
    """Sitemap, feed and canonical links carry ACHATS_SITE_URL, never this machine; no page
    of an internal entry, no internal ID (outside the format documentation's examples)."""
    clone, _done = published
    public, intranet = texts(clone / "public"), texts(clone / "intranet")
    locations = re.findall(r"<loc>([^<]*)</loc>", public["sitemap.xml"])
    assert locations and all(url.startswith(PUBLIC_SITE_URL) for url in locations)
    assert f'<link rel="canonical" href="{PUBLIC_SITE_URL}">' in public["index.html"]
    assert PUBLIC_SITE_URL in public["nouveautes.xml"]
    # mkdocs.yml's example address (the authored pages may name 127.0.0.1 for `achats serve`).
    example = re.search(r"^site_url:\s*(\S+)", (clone / "mkdocs.yml").read_text("utf-8"),
                        re.MULTILINE).group(1)
    assert not [rel for rel, text in public.items() if example in text]
    assert example in intranet["sitemap.xml"]  # the check bites: the intranet keeps it

    result = check_project(Project(clone))
    internal = [e for e in result.entries if not e.is_public]
    assert internal, "le contenu fourni n'a plus de fiche interne : ce test ne prouve rien"
    for entry in internal:
        page = page_url(uri_of(entry)) + "index.html"
        assert page in intranet and page not in public, page
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(e.id) for e in internal)
                         + r")(?![\w-])", re.IGNORECASE)
    leaks = [rel for rel, text in public.items() if pattern.search(text)
             and not rel.startswith(DOCUMENTED) and f"/{DOCUMENTED}" not in text]
    assert leaks == []
    assert [rel for rel, text in intranet.items() if pattern.search(text)]  # the check bites


@pytest.fixture
def clone(tmp_path) -> Path:
    return clean_clone(tmp_path / "depot")


def test_script_refuses_the_example_address(clone):
    """No ACHATS_SITE_URL and site_url still on localhost: refused, with the way out; no
    site prepared for Pages."""
    done = publish(clone, "public", env=script_env(ACHATS_SITE_URL=None))
    assert done.returncode != 0
    assert "site_url: erreur:" in done.stdout and "désigne cette machine" in done.stdout
    assert "ACHATS_SITE_URL" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert not (clone / "public").exists()


def test_script_refuses_a_public_build_that_was_not_audited(clone):
    """A merge request that unhooks the post-build step (search, PDF, audit): the build
    passes, the script refuses it and moves it out of public/."""
    hooks = clone / "hooks/achats_hooks.py"
    text = hooks.read_text(encoding="utf-8")
    assert "on_post_build, " in text
    hooks.write_text(text.replace("on_post_build, ", ""), encoding="utf-8")
    done = publish(clone, "public", env=script_env())
    assert done.returncode == 1
    assert "Site construit" in done.stdout  # the build itself passed
    assert "n'a pas annoncé d'audit sans fuite : rien n'est publié" in done.stderr
    assert not (clone / "public").exists() and (clone / "public.refuse/index.html").is_file()


def _bin_without(tmp_path: Path, missing: str) -> str:
    """A PATH with the tools the script calls, except ``missing``."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("dirname", "mktemp", "rm", "grep", "tee", "find", "chmod", "head", "wc",
                 "git"):
        if tool != missing:
            (folder / tool).symlink_to(shutil.which(tool))
    if missing == "achats":
        return str(folder)
    return os.pathsep.join([str(folder), str(Path(sys.executable).parent)])


@pytest.mark.parametrize("missing, said", [
    ("git", "git est introuvable"),
    ("achats", "la commande achats est introuvable"),
])
def test_script_stops_when_a_tool_is_missing(clone, tmp_path, missing, said):
    """A missing tool stops the script before any build, naming it and how to install it."""
    done = publish(clone, env=script_env(PATH=_bin_without(tmp_path, missing)))
    assert done.returncode == 1
    assert f"publier : erreur : {said}" in done.stderr
    assert not (clone / "public").exists() and not (clone / "intranet").exists()


def test_script_rejects_an_unknown_argument(clone):
    done = publish(clone, "tout-de-suite", env=script_env())
    assert done.returncode == 2 and "usage : bash scripts/publier.sh" in done.stderr
