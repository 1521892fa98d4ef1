"""What `achats check` found per entry, kept between runs, keyed by the files' contents.

A contributor runs `achats check` after each change: most entries did not change since the
last run. The per-entry work (reading, YAML, schema, vocabularies, safety of the text) is
kept in ``.cache/achats/check.pickle`` under the project, for each entry (with its tender
pieces) under a digest of its files' paths and bytes. What compares entries with each other
(duplicate IDs, references) is always done again.

Everything is thrown away at once when anything else that the per-entry checks depend on
changes: the data files (vocabularies, articles…) or the code of the ``achats`` package.
The files are read to compute the digests (never trusted on dates), a cache that cannot be
read is ignored, and one that cannot be written is not an error. ``achats check
--sans-cache`` ignores it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from achats.files import atomic_output
from achats.project import DATA_DIR, Project

CACHE_FILE = Path(".cache") / "achats" / "check.pickle"
_FORMAT = 2
# The whole achats package, not this stage only: any code change voids the cache.
_PACKAGE = Path(__file__).resolve().parents[1]


def _add_file(digest, label: str, path) -> None:
    """A file's label (path, and kind for entries) and bytes into ``digest``."""
    digest.update(label.encode("utf-8") + b"\0")
    try:
        with open(path, "rb") as stream:
            digest.update(stream.read())
    except OSError:
        digest.update(b"\1unreadable")
    digest.update(b"\0")


def _digest_files(paths, root: Path) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for path in paths:
        _add_file(digest, path.relative_to(root).as_posix(), path)
    return digest.hexdigest()


def salt_of(project: Project) -> str:
    """What every entry's findings depend on besides its own files."""
    code = sorted(_PACKAGE.rglob("*.py"))
    data_dir = project.root / DATA_DIR
    # Symbolic links are not read (a link to /dev/zero would never end): refused by the check.
    data = sorted(Path(here, name) for here, _dirs, files in os.walk(data_dir)
                  for name in files if not os.path.islink(os.path.join(here, name)))
    return f"{_FORMAT}:{_digest_files(code, _PACKAGE)}:{_digest_files(data, project.root)}"


def group_key(group: list[tuple]) -> bytes:
    """Digest of one entry's files (planned group: collection, path, rel, piece)."""
    digest = hashlib.blake2b(digest_size=20)
    for collection, path, rel, piece in group:
        _add_file(digest, f"{collection}\0{rel}\0{piece}", path)
    return digest.digest()


class CheckCache:
    def __init__(self, project: Project):
        self.path = project.root / CACHE_FILE
        self.salt = salt_of(project)
        self.found: dict[bytes, tuple] = {}
        try:
            with open(self.path, "rb") as stream:
                stored = pickle.load(stream)
            if isinstance(stored, dict) and stored.get("salt") == self.salt:
                self.found = stored.get("groups") or {}
        except Exception:  # absent, truncated, from another version: start afresh
            self.found = {}

    def get(self, key: bytes):
        return self.found.get(key)

    def save(self, results: dict[bytes, tuple]) -> None:
        """Keep exactly ``results`` (the entries of this run) for the next run. Keys are
        digests of contents: the same keys as found hold the same findings."""
        if results.keys() == self.found.keys():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(self.path, binary=True) as stream:
                pickle.dump({"salt": self.salt, "groups": results}, stream,
                            protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            pass  # a cache: the next run checks afresh
