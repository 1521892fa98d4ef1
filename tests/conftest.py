"""Shared fixtures: real throwaway projects built from the repository's skeleton."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from projects import FIXTURE, REPO, make_project  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _user_cache_of_the_session(tmp_path_factory):
    """What builds keep in the user's cache folder (the tender pieces' Word/ODT files) goes
    to a folder of this test session, for the builds run here and in subprocesses: the
    suite neither reads a developer's cache nor leaves files in it."""
    import os

    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache-utilisateur"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture
def project_dir(tmp_path, monkeypatch) -> Path:
    """A valid project (skeleton + fixture corpus) in a temporary folder, as cwd."""
    path = make_project(tmp_path / "projet")
    monkeypatch.chdir(path)
    return path


@pytest.fixture
def run_cli(capsys):
    """Run `achats …` in-process; returns (exit code, stdout, stderr)."""
    from achats.cli import main

    def run(*args: str):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors and --help
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def legal_key(tmp_path):
    """A real ed25519 key of the legal service (ssh-keygen, in the test's folder)."""
    from signing import make_key

    return make_key(tmp_path / "cles", "dajcp")
