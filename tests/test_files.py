"""achats.files: a file is written whole or not at all, and no temporary file stays."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from achats.files import atomic_output, write_atomically


def test_text_and_bytes_replace_the_file(tmp_path: Path):
    target = tmp_path / "fiche.md"
    write_atomically(target, "première\r\nversion\n")
    assert target.read_bytes() == b"premi\xc3\xa8re\r\nversion\n"  # line ends as given
    write_atomically(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["fiche.md"]


def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path: Path):
    target = tmp_path / "fiche.md"
    target.write_text("ancien texte\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as stream:
            stream.write("nouveau début" * 10_000)
            raise RuntimeError("interrompu")
    assert target.read_text(encoding="utf-8") == "ancien texte\n"
    assert os.listdir(tmp_path) == ["fiche.md"]


def test_text_that_cannot_be_encoded_changes_nothing(tmp_path: Path):
    target = tmp_path / "signataires"
    target.write_text("ancien\n", encoding="ascii")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "début\n" + "\udc80", encoding="ascii")
    assert target.read_text(encoding="ascii") == "ancien\n"
    assert os.listdir(tmp_path) == ["signataires"]


def test_permissions_of_an_existing_file_are_kept(tmp_path: Path):
    target = tmp_path / "script.sh"
    target.write_text("#!/bin/sh\n", encoding="utf-8")
    target.chmod(0o750)
    write_atomically(target, "#!/bin/sh\necho\n")
    assert target.stat().st_mode & 0o777 == 0o750
    fresh = tmp_path / "nouveau.md"
    write_atomically(fresh, "x")
    assert fresh.stat().st_mode & 0o777 == 0o644


def test_without_replace_an_existing_file_is_never_overwritten(tmp_path: Path):
    target = tmp_path / "cl-001.md"
    target.write_text("déjà là\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_atomically(target, "autre\n", replace=False)
    assert target.read_text(encoding="utf-8") == "déjà là\n"
    with pytest.raises(FileExistsError):  # a file appearing while the new one is written
        with atomic_output(tmp_path / "cl-002.md", replace=False) as stream:
            stream.write("mien\n")
            (tmp_path / "cl-002.md").write_text("arrivé entre-temps\n", encoding="utf-8")
    assert (tmp_path / "cl-002.md").read_text(encoding="utf-8") == "arrivé entre-temps\n"
    assert sorted(os.listdir(tmp_path)) == ["cl-001.md", "cl-002.md"]
