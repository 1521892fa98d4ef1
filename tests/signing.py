"""Real SSH keys for the tests of signed validations (ssh-keygen, in a temporary folder)."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from achats.model.fingerprint import fingerprint
from achats.model.load import split_front_matter
from achats.problems import ProblemList
from achats.review.checks import set_validation
from achats.model.signatures import NAMESPACE, OPTION, SIGNERS_FILE, message, sign

LEGAL = "dajcp@region.example"


@dataclass(frozen=True)
class Key:
    private: Path

    @property
    def public(self) -> str:
        return " ".join(self.private.with_suffix(".pub").read_text().split()[:2])

    def line(self, principal: str = LEGAL, options: str = OPTION) -> str:
        return f"{principal} {options} {self.public}\n"

    def allow(self, root: Path, principal: str = LEGAL, options: str = OPTION) -> None:
        """Add this key to the project's signers file for ``principal``."""
        path = root / SIGNERS_FILE
        before = path.read_text(encoding="utf-8") if path.is_file() else ""
        path.write_text(before + self.line(principal, options), encoding="utf-8")

    def sign(self, data: bytes, namespace: str = NAMESPACE) -> str:
        if namespace == NAMESPACE:
            return sign(data, str(self.private))
        done = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", namespace, "-f",
                               str(self.private)], input=data, capture_output=True, check=True)
        return done.stdout.decode()


def make_key(folder: Path, name: str = "cle") -> Key:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f",
                    str(path)], check=True)
    return Key(path)


def signed_text(text: str, key: Key | None, principal: str = LEGAL,
                when: dt.date = dt.date(2026, 11, 20), ident: str | None = None,
                namespace: str = NAMESPACE) -> str:
    """``text`` of a clause made « validee » with a validation signed by ``key`` (None: no
    signature). ``ident`` signs for another ID than the clause's (an attack)."""
    meta = split_front_matter(text, "x.md", ProblemList()).meta
    print_ = fingerprint(meta)
    signature = key.sign(message(ident or meta["id"], print_, principal, when.isoformat()),
                         namespace) if key else None
    return set_validation(text, principal, when, print_, signature=signature)


def sign_file(root: Path, rel: str, key: Key | None, **options) -> None:
    path = root / rel
    path.write_text(signed_text(path.read_text(encoding="utf-8"), key, **options),
                    encoding="utf-8")
