"""Counting the git processes a piece of code starts, observed (not replaced).

Every git process of the package starts through gitpython (achats.git.repo), which starts
them with ``subprocess.Popen``: recording ``Popen.__init__`` sees each of them. gitpython
itself is imported first: its import checks git's version (twice, once per Python
process), which is no part of what a build or a command costs (tests/test_git_layer.py
counts it too, in a real `achats build` process).
"""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path


@contextlib.contextmanager
def git_processes(monkeypatch):
    """Yields the list of git command lines (list of str) started inside the block; the
    Popen objects themselves are in ``.popens`` of the list."""
    import git  # noqa: F401  (its import-time `git version` runs before, not inside)

    started = _Started()
    original = subprocess.Popen.__init__

    def recording(self, args, *rest, **options):
        original(self, args, *rest, **options)
        command = [str(a) for a in (args if isinstance(args, (list, tuple)) else [args])]
        if command and Path(command[0]).name == "git":
            started.append(command)
            started.popens.append(self)

    monkeypatch.setattr(subprocess.Popen, "__init__", recording)
    try:
        yield started
    finally:
        monkeypatch.setattr(subprocess.Popen, "__init__", original)


class _Started(list):
    def __init__(self):
        super().__init__()
        self.popens: list[subprocess.Popen] = []

    def commands(self) -> list[str]:
        """The git command of each process (``log``, ``cat-file``…), options skipped."""
        found = []
        for args in self:
            rest, i = args[1:], 0
            while i < len(rest) and rest[i].startswith("-"):
                i += 2 if rest[i] in ("-c", "-C") else 1
            found.append(rest[i] if i < len(rest) else "")
        return found
