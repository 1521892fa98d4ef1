"""Writing a file whole or not at all.

Every file ``achats`` writes in place (entries, generated documents, caches) goes through a
temporary file in the same folder, flushed to the disk, then renamed over the target: an
interruption (a full disk, a killed process, a power cut) leaves the old file as it was and
no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

NEW_FILE_MODE = 0o644  # a new file's permissions (an existing file keeps its own)


@contextmanager
def atomic_output(path: Path | str, binary: bool = False, encoding: str = "utf-8",
                  newline: str | None = "", replace: bool = True):
    """A stream to write ``path``'s new content into; the file is replaced when the block
    ends without an exception, untouched otherwise. ``newline=""`` writes line ends as
    given. With ``replace=False`` an existing file is never overwritten (FileExistsError,
    even when it appears while writing)."""
    path = Path(path)
    if not replace and (path.exists() or path.is_symlink()):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
    mode = path.stat().st_mode & 0o7777 if replace and path.exists() else NEW_FILE_MODE
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent)
    try:
        if binary:
            stream = os.fdopen(handle, "wb")
        else:
            stream = os.fdopen(handle, "w", encoding=encoding, newline=newline)
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails if the target appeared meanwhile
            os.unlink(temporary)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(path: Path | str, data: str | bytes, encoding: str = "utf-8",
                     newline: str | None = "", replace: bool = True) -> None:
    """Replace (or create) ``path`` with ``data``, text or bytes, whole or not at all."""
    binary = isinstance(data, bytes)
    with atomic_output(path, binary=binary, encoding=encoding, newline=newline,
                       replace=replace) as stream:
        stream.write(data)
