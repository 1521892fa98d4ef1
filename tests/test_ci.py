"""The pipelines of this repository: valid against the official schemas, full history, one
list of system packages, and every build of the public variant through scripts/publier.sh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from projects import REPO

WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))
GITLAB = REPO / ".gitlab-ci.yml"
# Every network access fails through this proxy: the validation must use vendored schemas.
OFFLINE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def check_schema(schema: str, *files: Path) -> subprocess.CompletedProcess:
    """check-jsonschema (pinned in the test extras) with the schema it ships (no download)."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema,
                           *map(str, files)], capture_output=True, text=True,
                          env={**os.environ, **OFFLINE}, timeout=120)


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def flatten(script) -> str:
    """GitLab flattens nested lists (YAML anchors) in « script »."""
    return "\n".join(flatten(s) if isinstance(s, list) else s for s in script)


def gitlab_jobs() -> dict[str, dict]:
    return {name: job for name, job in load(GITLAB).items()
            if isinstance(job, dict) and "script" in job}


def every_command() -> dict[str, str]:
    """What each GitHub job and GitLab job runs, by « file: job »."""
    found = {}
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            found[f"{path.name}: {name}"] = "\n".join(str(s.get("run", ""))
                                                      for s in job.get("steps", []))
    for name, job in gitlab_jobs().items():
        found[f".gitlab-ci.yml: {name}"] = flatten(job["script"])
    return found


# --- official schemas ---------------------------------------------------------------------

def test_github_workflows_are_valid_against_the_official_schema():
    assert WORKFLOWS
    done = check_schema("vendor.github-workflows", *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlab_pipeline_is_valid_against_the_official_schema():
    done = check_schema("vendor.gitlab-ci", GITLAB)
    assert done.returncode == 0, done.stdout + done.stderr


def test_schema_validation_catches_mistakes(tmp_path):
    """The same check fails on a misspelt key (GitHub) and an unknown artifact access level
    (GitLab): it proves something."""
    github = tmp_path / "publier.yml"
    github.write_text((REPO / ".github/workflows/publier.yml").read_text(encoding="utf-8")
                      .replace("        with:\n", "        wiht:\n"), encoding="utf-8")
    assert check_schema("vendor.github-workflows", github).returncode == 1
    gitlab = tmp_path / ".gitlab-ci.yml"
    gitlab.write_text(GITLAB.read_text(encoding="utf-8")
                      .replace("access: developer", "access: developpeur"), encoding="utf-8")
    done = check_schema("vendor.gitlab-ci", gitlab)
    assert done.returncode == 1 and "developpeur" in done.stdout


# --- one publication script ---------------------------------------------------------------

def test_every_build_goes_through_the_publication_script():
    """No job runs `achats build` itself: the publishing jobs call scripts/publier.sh, the
    script the test suite runs on a clean clone (tests/test_publier.py)."""
    commands = every_command()
    assert [job for job, text in commands.items() if "achats build" in text] == []
    assert "bash scripts/publier.sh\n" in commands["publier.yml: construire"] + "\n"
    assert "bash scripts/publier.sh public" in commands[".gitlab-ci.yml: pages"]
    assert "bash scripts/publier.sh intranet" in commands[".gitlab-ci.yml: intranet"]


def test_github_publishes_public_and_keeps_the_intranet_as_an_artifact():
    workflow = load(REPO / ".github/workflows/publier.yml")
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML reads « on » as True
    by_action = {s["uses"].split("@")[0]: s for s in steps(workflow) if "uses" in s}
    assert by_action["actions/checkout"]["with"]["fetch-depth"] == 0
    assert by_action["actions/upload-pages-artifact"]["with"]["path"] == "public"
    assert by_action["actions/upload-artifact"]["with"]["path"] == "intranet"
    assert "actions/deploy-pages" in by_action
    publish = next(s for s in steps(workflow) if s.get("run") == "bash scripts/publier.sh")
    assert publish["env"]["ACHATS_SITE_URL"] == (
        "${{ vars.ACHATS_SITE_URL || steps.pages.outputs.base_url }}")
    assert by_action["actions/configure-pages"]["id"] == "pages"


def test_gitlab_publishes_public_and_keeps_the_intranet_for_members():
    pipeline, jobs = load(GITLAB), gitlab_jobs()
    assert pipeline["variables"]["GIT_DEPTH"] == 0
    assert pipeline["stages"] == ["check", "test", "build", "pages"]
    assert jobs["pages"]["artifacts"]["paths"] == ["public"]
    assert jobs["pages"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    script = flatten(jobs["pages"]["script"])
    assert 'export ACHATS_SITE_URL="${ACHATS_SITE_URL:-$CI_PAGES_URL}"' in script
    assert script.index("ACHATS_SITE_URL") < script.index("scripts/publier.sh")
    assert jobs["intranet"]["artifacts"]["paths"] == ["intranet"]
    assert jobs["intranet"]["artifacts"]["access"] == "developer"


def test_verification_checks_everything_with_full_history():
    """Pull requests and pushes: full history, check, review-check, CODEOWNERS, the tests
    (which run the publication script)."""
    workflow = load(REPO / ".github/workflows/verifier.yml")
    assert {"pull_request", "push"} <= set(workflow[True])
    text = every_command()["verifier.yml: verifier"]
    assert next(s for s in steps(workflow) if "uses" in s)["with"]["fetch-depth"] == 0
    for command in ("achats check", "achats review-check --base origin/${{ github.base_ref }}",
                    "achats codeowners --check", "bash scripts/test.sh"):
        assert command in text
    assert "achats review-check --base" in every_command()[".gitlab-ci.yml: verifier"]
    assert "bash scripts/test.sh" in every_command()[".gitlab-ci.yml: tests"]


# --- one list of system packages ----------------------------------------------------------

def test_no_job_keeps_its_own_list_of_system_packages():
    """apt-get appears only in scripts/paquets-systeme.sh; the jobs that install packages,
    .ci/run and the README call it."""
    users = {**every_command(), ".ci/run": (REPO / ".ci/run").read_text(encoding="utf-8"),
             "README.md": (REPO / "README.md").read_text(encoding="utf-8")}
    assert [name for name, text in users.items() if "apt-get install" in text] == []
    for name in (".ci/run", "verifier.yml: verifier", ".gitlab-ci.yml: tests"):
        assert "bash scripts/paquets-systeme.sh tests" in users[name], name
    for name in ("publier.yml: construire", ".gitlab-ci.yml: pages", ".gitlab-ci.yml: intranet"):
        assert "bash scripts/paquets-systeme.sh construction" in users[name], name
    assert "scripts/paquets-systeme.sh" in users["README.md"]


def _listed(profile: str) -> dict[str, str]:
    done = subprocess.run(["bash", str(REPO / "scripts/paquets-systeme.sh"), profile,
                           "--liste"], capture_output=True, text=True, check=True)
    return dict(line.split(None, 1) for line in done.stdout.splitlines())


def test_package_list_says_who_needs_each_package():
    """A public build needs Pango (WeasyPrint) and git, no PDF tool: the audit reads PDFs with
    pypdf. poppler-utils and Chromium are for the tests only; npm installs the intranet's web
    editor (and, for the tests, axe-core)."""
    build, tests = _listed("construction"), _listed("tests")
    assert {"git", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0",
            "fonts-dejavu-core", "npm"} <= set(build)
    assert "éditeur web" in build["npm"]
    assert not {"poppler-utils", "chromium"} & set(build)
    assert set(build) <= set(tests) and {"poppler-utils", "chromium", "npm"} <= set(tests)
    assert "tests" in tests["poppler-utils"]
    assert all(len(reason) > 20 for reason in tests.values())


@pytest.mark.parametrize("args", [[], ["production"], ["tests", "--tout"]])
def test_package_script_refuses_a_wrong_usage(args):
    done = subprocess.run(["bash", str(REPO / "scripts/paquets-systeme.sh"), *args],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "usage : bash scripts/paquets-systeme.sh" in done.stderr
