"""`achats bench`: a tiny real run through the CLI; shape of the figures, never their values."""

from __future__ import annotations

import json
import re
import subprocess

import yaml

from achats.bench import generate_corpus, set_extra
from achats.project import Project
from achats.model.validate import check_project
from projects import REPO


def test_bench_json_has_every_measure(run_cli):
    """--json prints one object with the times, the phases, the search load and the ratios."""
    code, out, err = run_cli("bench", "--entries", "20", "--commits", "5", "--json",
                             "--repeat", "1", "--projet", str(REPO))
    assert code == 0, err
    data = json.loads(out)
    assert data["entries"] == 20 and data["commits"] == 5
    for key in ("bare_build_s", "build_s", "build_with_search_s", "check_s", "check_cold_s",
                "search_query_kb_max"):
        assert isinstance(data[key], float) and data[key] > 0, key
    assert set(data["phases"]) == {"load", "validate", "index", "history", "render", "search"}
    assert all(v is None or isinstance(v, float) for v in data["phases"].values())
    assert isinstance(data["ratios"]["build/bare"], float)
    assert isinstance(data["ratios"]["build_with_search/bare"], float)
    assert data["workdir"] is None  # the temporary corpus is removed


def test_bench_table_is_french(run_cli, tmp_path):
    """Without --json: a French table with ratios to the bare build; --garder keeps files."""
    code, out, err = run_cli("bench", "--entries", "12", "--commits", "2", "--repeat", "1",
                             "--dossier", str(tmp_path / "banc"), "--garder",
                             "--projet", str(REPO))
    assert code == 0, err
    assert "Construction témoin" in out and "Rapport au témoin" in out
    assert "Recherche : une requête d'un mot charge au plus" in out
    assert (tmp_path / "banc" / "projet" / ".git").is_dir()
    assert "Génération de 12 fiches" in err


def test_bench_usage_errors_are_french(run_cli):
    """A bad count is a French error with a non-zero exit, no traceback."""
    code, _out, err = run_cli("bench", "--entries", "0", "--projet", str(REPO))
    assert code == 1 and "au moins une fiche" in err and "Traceback" not in err
    code, _out, err = run_cli("bench", "--repeat", "0", "--projet", str(REPO))
    assert code == 1 and "--repeat" in err


def test_corpus_is_valid_reproducible_and_committed(tmp_path):
    """The synthetic corpus passes `achats check`, is the same for the same seed, and has the
    requested commits touching entries."""
    first = generate_corpus(tmp_path / "a", 30, 6, seed=7, source=Project(REPO))
    second = generate_corpus(tmp_path / "b", 30, 6, seed=7, source=Project(REPO))
    result = check_project(Project(first.root.resolve()))
    assert not result.problems.errors, result.problems.as_text()
    assert len(result.entries) == 30
    assert {e.collection.name for e in result.entries} == {"guide", "clause", "rapport",
                                                          "apero", "marche"}
    # Same text, but each corpus signs its validations with its own throwaway key.
    unsigned = re.compile(r"\n  signature: .*?\n(?=\S)", re.DOTALL)
    for ident, path in first.files.items():
        assert unsigned.sub("\n", path.read_text("utf-8")) == \
            unsigned.sub("\n", second.files[ident].read_text("utf-8")), ident
    assert any("BEGIN SSH SIGNATURE" in path.read_text("utf-8")
               for path in first.files.values())
    log = subprocess.run(["git", "log", "--format=%s"], cwd=first.root, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert len(log) == 7  # the initial corpus + 6 commits
    words = [len(e.body.split()) for e in result.entries if e.collection.name == "clause"]
    assert min(words) >= 300 and max(words) <= 1000
    assert any("[[CL-" in e.body for e in result.entries)


def test_set_extra_edits_mkdocs_yml(tmp_path):
    """extra.recherche is switched in place, other keys kept."""
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\nextra:\n  variante: intranet\n  recherche: true\n"
                      "plugins: []\n", encoding="utf-8")
    set_extra(config, "recherche", "false")
    set_extra(config, "pdf", "false")
    data = yaml.safe_load(config.read_text("utf-8"))
    assert data["extra"] == {"variante": "intranet", "recherche": False, "pdf": False}
    assert data["plugins"] == []
