"""Hostile input from a merge request: YAML bombs, deep nesting, huge front matter, symbolic
links. Each ends as a French problem with file and line, exit 1; nothing is expanded,
recursed into or read from outside the repository.

`achats check` runs as a real process under a 1 GB address-space limit: an alias bomb that
were expanded would end in MemoryError (exit 3, « erreur interne »), not in a problem.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from achats.model import yamlsource
from achats.project import Project
from achats.site.commands import build_site
from projects import REPO, make_project

ACHATS = [sys.executable, "-c", "from achats.cli import run; run()"]
MEMORY = 1 << 30


def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def check(root: Path) -> tuple[int, str, str]:
    done = subprocess.run([*ACHATS, "check"], cwd=root, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), preexec_fn=_limited,
                          timeout=300)
    return done.returncode, done.stdout, done.stderr


def errors(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": erreur: " in line]


def bomb(levels: int = 9, width: int = 9) -> str:
    """The « billion laughs »: each line repeats the previous one ``width`` times."""
    lines = ['l0: &l0 [' + ", ".join(['"lol"'] * width) + ']']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]"
              for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def entry(fields: str) -> str:
    return f"---\nid: GU-070\ntitre: Hostile\netape: besoin\n{fields}---\nTexte.\n"


HOSTILE_FRONT_MATTER = {
    "bombe": (bomb(), 5, "YAML trop volumineux : plus de 20 000 valeurs"),
    "flux-990": ("sources: " + "[" * 990 + "]" * 990 + "\n", 5, "YAML trop imbriqué"),
    "flux-dict-990": ("sources: " + "{a: " * 990 + "1" + "}" * 990 + "\n", 5,
                      "YAML trop imbriqué"),
    "bloc-990": ("sources:\n  " + "- " * 990 + "x\n", 6, "YAML trop imbriqué"),
    "bloc-200": ("sources:\n  " + "- " * 200 + "x\n", 6, "YAML trop imbriqué"),
    "bloc-cles-200": ("sources:\n" + "".join(" " * (i + 1) + f"n{i}:\n" for i in range(200)),
                      36, "YAML trop imbriqué : plus de 32 niveaux"),
    "bloc-cles-990": ("sources:\n" + "".join(" " * (i + 1) + f"n{i}:\n" for i in range(990)),
                      2, "YAML trop long"),
    "fusion": ("base: &base {a: " + "[" * 50 + "]" * 50 + "}\nsources:\n  <<: *base\n", 5,
               "YAML trop imbriqué"),
    "ensemble": ("sources: !!set {" + ", ".join(f"? [{'[' * 40}{']' * 40}]" for _ in range(1))
                 + "}\n", 5, "YAML trop imbriqué"),
    "cle-complexe": ("? " + "[" * 60 + "]" * 60 + "\n: valeur\n", 5, "YAML trop imbriqué"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FRONT_MATTER))
def test_hostile_front_matter_is_a_problem_with_its_line(tmp_path, case):
    fields, line, message = HOSTILE_FRONT_MATTER[case]
    root = make_project(tmp_path / "projet")
    (root / "guides" / "hostile.md").write_text(entry(fields), encoding="utf-8")
    code, out, err = check(root)
    assert code == 1, err
    found = [e for e in errors(out) if e.startswith("guides/hostile.md:")]
    assert len(found) == 1, out
    assert found[0].startswith(f"guides/hostile.md:{line}: en-tête: erreur: {message}"), found
    assert "Traceback" not in out + err and "erreur interne" not in err


def test_limits_leave_ordinary_aliases_alone():
    """A few aliases, as some authors write lists once and reuse them, still parse."""
    value, lines = yamlsource.parse("a: &x [1, 2]\nb: *x\nc:\n  <<: {d: 1}\n  e: 2\n")
    assert value == {"a": [1, 2], "b": [1, 2], "c": {"d": 1, "e": 2}}
    assert lines["b"] == 2


def test_the_limits_are_those_of_the_document_kind():
    text = bomb(levels=5, width=10)  # 10^5 values once expanded
    with pytest.raises(yamlsource.LimitError):
        yamlsource.parse(text)
    value, _ = yamlsource.parse(text, limits=yamlsource.DATA_FILE)
    assert len(value["l4"]) == 10


@pytest.mark.parametrize("name", ["vocabulaires.yml", "articles.yml", "glossaire.yml",
                                  "parcours.yml", "mire.yml", "statuts.yml"])
def test_bomb_in_a_data_file(tmp_path, name):
    root = make_project(tmp_path / "projet")
    (root / "content/data" / name).write_text(bomb(), encoding="utf-8")
    code, out, err = check(root)
    assert code == 1, err
    assert (f"content/data/{name}:1: yaml: erreur: YAML trop volumineux : plus de 200 000 "
            "valeurs") in out
    assert "Traceback" not in out + err


def test_old_version_with_a_bomb_does_not_blow_up_the_build(tmp_path):
    """A bomb committed once then fixed stays in git: the history reads it within limits."""
    root = make_project(tmp_path / "projet")
    guide = root / "guides" / "hostile.md"
    guide.write_text(entry(bomb()), encoding="utf-8")

    def git(*args):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    git("init", "-q", "-b", "main")
    git("add", ".")
    git("-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "bombe")
    guide.write_text(entry(""), encoding="utf-8")
    git("-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qam", "réparé")
    site = build_site(project=Project(root), site_dir=str(tmp_path / "site"))
    assert (site / "guides/hostile/index.html").is_file()


# --- symbolic links --------------------------------------------------------------------------

LINKS = {
    # name in the project -> what it points to (relative targets stay inside the repository)
    "clauses/cl-070-passwd.md": "/etc/passwd",
    "guides/zero.md": "/dev/zero",
    "content/rapports/ra-070-interne.md": "../../clauses/cl-002-insertion.md",
    "content/marches/dehors": "/tmp",
    "content/pages/passwd.md": "/etc/passwd",
    "content/pages/sous-dossier": "/etc",
    "content/data/parcours.yml": "/etc/hostname",
    "content/theme/partials/fuite.html": "/etc/passwd",
}


@pytest.mark.parametrize("name", sorted(LINKS))
def test_symbolic_link_in_a_content_folder_is_refused(tmp_path, name):
    root = make_project(tmp_path / "projet")
    link = root / name
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists():
        link.unlink()
    link.symlink_to(LINKS[name])
    code, out, err = check(root)
    assert code == 1, err
    assert f"{name}:1: fichier: erreur: lien symbolique refusé" in out
    assert "root:" not in out + err  # nothing of /etc/passwd
    assert "Traceback" not in out + err


def test_symbolic_link_to_a_collection_folder_is_refused(tmp_path):
    root = make_project(tmp_path / "projet")
    outside = tmp_path / "ailleurs"
    (root / "guides").rename(outside)
    (root / "guides").symlink_to(outside)
    code, out, _err = check(root)
    assert code == 1
    assert "guides:1: fichier: erreur: lien symbolique refusé" in out


def test_a_build_with_a_link_to_etc_passwd_is_refused_before_writing(tmp_path):
    root = make_project(tmp_path / "projet")
    (root / "content/pages/passwd.md").symlink_to("/etc/passwd")
    done = subprocess.run([*ACHATS, "build"], cwd=root, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert done.returncode == 1
    assert "content/pages/passwd.md:1: fichier: erreur: lien symbolique refusé" in done.stderr
    assert not (root / "site").exists()
