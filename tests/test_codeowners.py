"""Roles on the git host: CODEOWNERS generated from the tenders' roles, CI and templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from achats.review.codeowners import stale_codeowners
from achats.project import Project
from projects import REPO

TENDER_RULE = "/content/marches/achat-test/ @acheteur @redacteur"
GOVERNED = ["/CODEOWNERS", "/mkdocs*.yml", "/.github/", "/.gitlab/", "/.gitlab-ci.yml", "/.ci/",
            "/content/data/", "/content/theme/", "/achats/", "/hooks/", "/scripts/",
            "/pyproject.toml", "/package.json", "/package-lock.json"]


def governance(maintainers: str = "@equipe-achats-durables",
               legal: str = "@dajcp-commande-publique") -> list[str]:
    return [f"{path} {maintainers}" for path in GOVERNED] + \
        [f"/content/data/signataires {legal}"]


def codeowners(project_dir: Path) -> str:
    return (project_dir / "CODEOWNERS").read_text(encoding="utf-8")


def rules(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_generated_from_roles_and_legal_service(project_dir, run_cli):
    """Clauses to the legal service (default handle), each tender to its manager and editors."""
    code, out, _err = run_cli("codeowners")
    assert code == 0 and "CODEOWNERS écrit" in out
    assert rules(codeowners(project_dir)) == ["/clauses/ @dajcp-commande-publique",
                                              TENDER_RULE] + governance()
    assert "achats codeowners" in codeowners(project_dir)


def test_second_run_changes_nothing(project_dir, run_cli):
    """Generating twice gives the same file and says so."""
    run_cli("codeowners")
    before = codeowners(project_dir)
    code, out, _err = run_cli("codeowners")
    assert code == 0 and "déjà à jour" in out and codeowners(project_dir) == before


def test_owners_configured_in_mkdocs_yml(project_dir, run_cli):
    """extra.proprietaires: clauses and a default owner for everything else."""
    config = project_dir / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "\nextra:\n", "\nextra:\n  proprietaires:\n    clauses: '@juridique/marches'\n"
        "    defaut: ['@equipe-achats', 'achats@region.example']\n", 1), encoding="utf-8")
    assert run_cli("codeowners")[0] == 0
    assert rules(codeowners(project_dir)) == [
        "* @equipe-achats achats@region.example", "/clauses/ @juridique/marches", TENDER_RULE
    ] + governance(legal="@juridique/marches")


def test_check_fails_when_missing_or_stale(project_dir, run_cli):
    """--check: exit 1 with a French message while absent or out of date, 0 once current."""
    code, _out, err = run_cli("codeowners", "--check")
    assert code == 1 and "CODEOWNERS n'est pas à jour" in err and "achats codeowners" in err
    run_cli("codeowners")
    assert run_cli("codeowners", "--check")[0] == 0
    tender = project_dir / "content/marches/achat-test/index.md"
    tender.write_text(tender.read_text(encoding="utf-8").replace(
        'editeurs: ["@redacteur"]', 'editeurs: ["@redacteur", "@nouvelle-editrice"]'),
        encoding="utf-8")
    code, out, _err = run_cli("codeowners", "--check")
    assert code == 1 and "+/content/marches/achat-test/ @acheteur @redacteur " \
                         "@nouvelle-editrice" in out
    assert "@nouvelle-editrice" not in codeowners(project_dir)


@pytest.mark.parametrize("bad", ["acheteur sans arobase", "@", "@a b"])
def test_invalid_handle_is_located(project_dir, run_cli, bad):
    """A role that is not a handle: exit 1, « path:line: roles.gestionnaire », nothing written."""
    tender = project_dir / "content/marches/achat-test/index.md"
    tender.write_text(tender.read_text(encoding="utf-8").replace(
        'gestionnaire: "@acheteur"', f'gestionnaire: "{bad}"'), encoding="utf-8")
    code, _out, err = run_cli("codeowners")
    assert code == 1
    assert "content/marches/achat-test/index.md:11: roles.gestionnaire:" in err
    assert not (project_dir / "CODEOWNERS").exists()


def test_maintainers_and_signers_owner_configured(project_dir, run_cli):
    config = project_dir / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "\nextra:\n", "\nextra:\n  proprietaires:\n    mainteneurs: '@mainteneurs'\n"
        "    signataires: juridique@region.example\n", 1), encoding="utf-8")
    assert run_cli("codeowners")[0] == 0
    assert rules(codeowners(project_dir))[-len(GOVERNED) - 1:] == governance(
        "@mainteneurs", "juridique@region.example")


@pytest.mark.parametrize("pattern", GOVERNED + ["/content/data/signataires"])
def test_check_fails_when_a_governance_rule_is_missing(project_dir, run_cli, pattern):
    """Each governance rule removed by hand: --check names the path left without owner."""
    run_cli("codeowners")
    path = project_dir / "CODEOWNERS"
    text = path.read_text(encoding="utf-8")
    path.write_text("".join(line for line in text.splitlines(True)
                            if not line.startswith(pattern + " ")), encoding="utf-8")
    code, _out, err = run_cli("codeowners", "--check")
    assert code == 1 and "n'est pas à jour" in err and "règles de gouvernance manquantes" in err
    assert re.search(r"^CODEOWNERS: \S+ \(.*\) : (aucune règle|règle pour @\S+), attendu @",
                     err, re.MULTILINE)


def test_check_fails_when_a_later_rule_overrides_governance(project_dir, run_cli):
    """A rule appended by hand that gives achats/ to someone else."""
    run_cli("codeowners")
    path = project_dir / "CODEOWNERS"
    path.write_text(path.read_text(encoding="utf-8") + "*.py @intrus\n", encoding="utf-8")
    code, _out, err = run_cli("codeowners", "--check")
    assert code == 1 and "achats/cli/__init__.py (code du paquet) : règle pour @intrus" in err


@pytest.mark.parametrize("other", [".github/CODEOWNERS", "docs/CODEOWNERS"])
def test_check_fails_with_a_second_codeowners_file(project_dir, run_cli, other):
    """GitHub reads .github/CODEOWNERS before the root one: such a file is refused."""
    run_cli("codeowners")
    (project_dir / other).parent.mkdir(parents=True, exist_ok=True)
    (project_dir / other).write_text("* @intrus\n", encoding="utf-8")
    code, _out, err = run_cli("codeowners", "--check")
    assert code == 1 and f"{other}: un second fichier de propriétaires" in err


def test_repository_codeowners_is_current():
    """The CODEOWNERS committed in this repository matches its content."""
    assert stale_codeowners(Project(REPO)) == []


# -- merge-request templates of this repository (the pipelines: tests/test_ci.py) --------


@pytest.mark.parametrize("kind", ["clause", "marche", "guide", "rapport", "apero"])
def test_merge_request_templates_exist_on_both_hosts(kind):
    """One French checklist per collection, the same on GitHub and GitLab."""
    github = (REPO / f".github/PULL_REQUEST_TEMPLATE/{kind}.md").read_text(encoding="utf-8")
    gitlab = (REPO / f".gitlab/merge_request_templates/{kind}.md").read_text(encoding="utf-8")
    assert github == gitlab and "- [ ]" in github and "achats check" in github
