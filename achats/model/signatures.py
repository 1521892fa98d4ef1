"""Signed clause validations: who may sign (content/data/signataires), signing, verifying.

A clause's ``validation`` block carries an SSH signature (``ssh-keygen -Y sign``, namespace
``achats-validation``) over a canonical message: the clause's ID, the fingerprint of the
validated text, the signer's principal and the date. The signature lives in the file, so it
survives squash merges and rebases (commit signatures do not).

Who may sign is ``content/data/signataires``, in OpenSSH's allowed-signers format, kept
deliberately narrow: one principal per line, without wildcards, with exactly the option
``namespaces="achats-validation"`` and nothing else (no ``cert-authority``, no validity
dates: a signature must stay valid whatever the day of the check). Lines that break these
rules are reported and never handed to ssh-keygen.

Verifying is ``ssh-keygen -Y verify``, the reference. One process per signature costs ~5 ms
(far more on a busy machine): on a large base, ``achats check`` first tries the same
verification in one pass, in this process (``accepted_in_process``: ed25519 keys, the SSHSIG
format of OpenSSH's PROTOCOL.sshsig, the ``cryptography`` package), and calls ssh-keygen for
whatever it does not accept (another key type, or a signature that fails: ssh-keygen's
verdict and message are the ones reported). ``review-check``, the gate of a merge request,
always calls ssh-keygen. The verdict depends only on the signers lines, the principal, the
message and the signature: a success is kept in ``.cache/achats/signatures`` under a digest
of those four, so an unchanged validation is not verified twice (a failure is always
verified again); ``review-check`` never uses it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from achats.files import write_atomically
from achats.model.fingerprint import fingerprint
from achats.problems import AchatsError, ProblemList
from achats.project import DATA_DIR, Project

NAMESPACE = "achats-validation"
SIGNERS_FILE = f"{DATA_DIR}/signataires"
DEMONSTRATION_PRINCIPAL = "demonstration@achats.invalid"
FIELD = "validation.signature"
CACHE_FILE = Path(".cache") / "achats" / "signatures"

# A principal names one signer: letters, digits and . _ + - @, no wildcard (* ?), no list
# (,), no negation (!): OpenSSH would read those as patterns matching other principals.
PRINCIPAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*(?:@[A-Za-z0-9][A-Za-z0-9.-]*)?")
PRINCIPAL_HELP = ("une seule adresse ou un nom sans espace (lettres, chiffres, . _ + - @), "
                  "ex. dajcp@region.example")
KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521", "ssh-rsa", "sk-ssh-ed25519@openssh.com",
             "sk-ecdsa-sha2-nistp256@openssh.com")
OPTION = f'namespaces="{NAMESPACE}"'
ARMOR = re.compile(r"-----BEGIN SSH SIGNATURE-----\n([A-Za-z0-9+/=\n]+)\n"
                   r"-----END SSH SIGNATURE-----\n?")


class SigningError(AchatsError):
    """ssh-keygen is missing or refused to sign."""


# -- the canonical message --------------------------------------------------------------------

def message(ident: str, print_: str, principal: str, date: str) -> bytes:
    """The bytes signed for a validation: everything a reader relies on, one per line."""
    return (f"{NAMESPACE} v1\nid: {ident}\nempreinte: {print_}\npar: {principal}\n"
            f"le: {date}\n").encode("utf-8")


# -- the signers file -------------------------------------------------------------------------

@dataclass(frozen=True)
class Signer:
    principal: str
    key_type: str
    key: str  # base64 blob
    line: int

    def allowed_line(self) -> str:
        return f"{self.principal} {OPTION} {self.key_type} {self.key}\n"


def parse_signers(text: str, rel: str = SIGNERS_FILE) -> tuple[list[Signer], ProblemList]:
    """Valid signers and the problems of the other lines (``rel:line: signataires: …``)."""
    signers, problems = [], ProblemList()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        problem = None
        parts = line.split()
        if len(parts) < 4:
            problem = ("ligne incomplète : attendu « principal namespaces=\"achats-validation\" "
                       "type-de-clé clé-publique » (comme ssh-keygen -Y l'attend).")
        else:
            principal, options, key_type, key = parts[:4]
            blob = _decode(key)
            if not PRINCIPAL.fullmatch(principal):
                problem = (f"principal « {principal} » refusé : {PRINCIPAL_HELP}. Les motifs "
                           "(*, ?, !) et les listes (,) désigneraient d'autres signataires.")
            elif options != OPTION:
                problem = (f"options « {options} » refusées : seule l'option {OPTION} est "
                           "permise (ni cert-authority, ni valid-before/valid-after, ni autre "
                           "espace de noms), sans espace.")
            elif key_type not in KEY_TYPES:
                problem = (f"type de clé « {key_type} » inconnu (attendu : "
                           f"{', '.join(KEY_TYPES[:2])}…).")
            elif blob is None or not blob.startswith(
                    len(key_type).to_bytes(4, "big") + key_type.encode()):
                problem = "clé publique illisible (base64 d'une clé du type indiqué attendu)."
            else:
                signers.append(Signer(principal, key_type, key, number))
        if problem:
            problems.add(rel, number, "signataires", problem)
    return signers, problems


def _decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def read_signers(project: Project) -> tuple[list[Signer], ProblemList, bool]:
    """(signers, problems, whether the file exists) of the project's signers file."""
    path = project.root / SIGNERS_FILE
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return [], ProblemList(), False
    except (OSError, UnicodeDecodeError) as exc:
        problems = ProblemList()
        problems.add(SIGNERS_FILE, 1, "signataires", f"fichier illisible ({exc}).")
        return [], problems, True
    signers, problems = parse_signers(text)
    return signers, problems, True


def allowed_signers_text(signers: list[Signer]) -> str:
    """What ssh-keygen reads: only the lines that passed parse_signers, rewritten."""
    return "".join(s.allowed_line() for s in signers)


# -- ssh-keygen -------------------------------------------------------------------------------

def ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if not found:
        raise SigningError("ssh-keygen introuvable : installez OpenSSH (paquet Debian "
                           "« openssh-client ») pour signer et vérifier les validations.")
    return found


def sign(data: bytes, key: str) -> str:
    """Armored SSH signature of ``data`` with the private key ``key`` (or a public key whose
    private half is in ssh-agent), namespace achats-validation."""
    done = subprocess.run([ssh_keygen(), "-Y", "sign", "-n", NAMESPACE, "-f", key],
                          input=data, capture_output=True, check=False)
    armored = done.stdout.decode("ascii", "replace").replace("\r\n", "\n")
    if done.returncode != 0 or not ARMOR.fullmatch(armored.strip() + "\n"):
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = [line for line in said if not line.startswith("Signing data")]
        raise SigningError(f"ssh-keygen n'a pas pu signer avec la clé « {key} » : "
                           f"{' '.join(said) or 'raison inconnue'} (rien n'a été écrit).")
    return armored.strip() + "\n"


def verify(allowed: Path, principal: str, data: bytes, signature: str) -> tuple[bool, str]:
    """(verified, what ssh-keygen said) for one signature, with ``ssh-keygen -Y verify``."""
    with tempfile.NamedTemporaryFile("w", suffix=".sig", encoding="ascii",
                                     delete=False) as sig:
        sig.write(signature)
    try:
        done = subprocess.run([ssh_keygen(), "-Y", "verify", "-f", str(allowed), "-I",
                               principal, "-n", NAMESPACE, "-s", sig.name],
                              input=data, capture_output=True, check=False)
    finally:
        os.unlink(sig.name)
    said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
    return done.returncode == 0, said.splitlines()[-1] if said else ""


def _read_string(data: bytes, at: int) -> tuple[bytes, int]:
    """One SSH wire-format string (uint32 length, bytes) at ``at``; ValueError if cut."""
    if at + 4 > len(data):
        raise ValueError("truncated")
    size = int.from_bytes(data[at:at + 4], "big")
    if at + 4 + size > len(data):
        raise ValueError("truncated")
    return data[at + 4:at + 4 + size], at + 4 + size


def _ssh_string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def accepted_in_process(signers: list[Signer], principal: str, data: bytes,
                        signature: str) -> bool:
    """True only when the armored ``signature`` is a valid SSHSIG (PROTOCOL.sshsig, version
    1, namespace achats-validation, sha256 or sha512) of ``data`` by an ed25519 key listed
    for ``principal``. False means « not decided here »: ask ssh-keygen."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return False
    match = ARMOR.fullmatch(signature)
    blob = _decode(match.group(1).replace("\n", "")) if match else None
    if not blob or not blob.startswith(b"SSHSIG") or blob[6:10] != (1).to_bytes(4, "big"):
        return False
    try:
        public, at = _read_string(blob, 10)
        namespace, at = _read_string(blob, at)
        reserved, at = _read_string(blob, at)
        hash_name, at = _read_string(blob, at)
        sig_blob, at = _read_string(blob, at)
        if at != len(blob):
            return False
        sig_type, inner = _read_string(sig_blob, 0)
        raw_sig, inner = _read_string(sig_blob, inner)
        key_type, inner_key = _read_string(public, 0)
        raw_key, inner_key = _read_string(public, inner_key)
    except ValueError:
        return False
    allowed = {_decode(s.key) for s in signers
               if s.principal == principal and s.key_type == "ssh-ed25519"}
    if (namespace != NAMESPACE.encode() or hash_name not in (b"sha256", b"sha512")
            or public not in allowed or key_type != b"ssh-ed25519"
            or sig_type != b"ssh-ed25519" or inner != len(sig_blob) or len(raw_sig) != 64
            or inner_key != len(public) or len(raw_key) != 32):
        return False
    digest = hashlib.new(hash_name.decode(), data).digest()
    signed = (b"SSHSIG" + _ssh_string(namespace) + _ssh_string(reserved)
              + _ssh_string(hash_name) + _ssh_string(digest))
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_sig, signed)
    except (InvalidSignature, ValueError):
        return False
    return True


def normal_signature(value) -> str | None:
    """The armored signature of a front-matter value, or None when it is not one."""
    if not isinstance(value, str):
        return None
    text = "\n".join(line.strip() for line in value.strip().splitlines()) + "\n"
    match = ARMOR.fullmatch(text)
    if not match or _decode(match.group(1).replace("\n", "")) is None:
        return None
    return text


# -- validations to verify --------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """A clause's signed validation as it stands in its file (small: crosses processes)."""

    rel: str
    id: str
    principal: str
    date: str  # ISO
    print_: str  # the fingerprint in the block (equal to the text's: see claim_of)
    signature: object  # the raw front-matter value (None when absent)
    line: int  # of validation.signature, or of validation when absent

    @property
    def message(self) -> bytes:
        return message(self.id, self.print_, self.principal, self.date)


def claim_of(entry) -> Claim | None:
    """The validation an entry asks readers to trust: a « validee » clause whose block
    matches its text (a stale fingerprint or a missing field has its own error)."""
    meta = entry.meta
    if entry.collection.name != "clause" or meta.get("statut") != "validee":
        return None
    block = meta.get("validation")
    if not isinstance(block, dict) or not entry.id:
        return None
    by, when, print_ = block.get("par"), block.get("le"), block.get("empreinte")
    if not isinstance(by, str) or not hasattr(when, "isoformat") or print_ != fingerprint(meta):
        return None
    line = entry.line("validation.signature") if "signature" in block \
        else entry.line("validation")
    return Claim(entry.rel, entry.id, by, when.isoformat(), print_, block.get("signature"),
                 line)


def fix_command(claim: Claim, principal: str | None = None) -> str:
    return (f"achats validate {claim.id} --by {principal or '<principal>'} "
            "--key <clé privée du signataire>")


def check_claims(project: Project, claims: list[Claim], problems: ProblemList,
                 cache: bool = True) -> None:
    """Every claim verified against the project's signers file; problems added."""
    signers, file_problems, exists = read_signers(project)
    problems.extend(file_problems)
    if not claims:
        return
    if not exists:
        for claim in claims:
            problems.add(claim.rel, claim.line, FIELD,
                         f"aucun fichier {SIGNERS_FILE} : personne n'est autorisé à signer "
                         "une validation. Le service juridique y inscrit sa clé publique "
                         "(voir « Valider une clause » dans Contribuer).")
        return
    store = SignatureCache(project) if cache else None
    _verify_all(signers, claims, problems, store, SIGNERS_FILE)
    if store:
        store.save()


def _verify_all(signers: list[Signer], claims: list[Claim], problems: ProblemList,
                store: "SignatureCache | None", source: str, in_process: bool = True) -> None:
    known = {s.principal for s in signers}
    allowed_text = allowed_signers_text(signers)
    todo: list[tuple[Claim, str]] = []
    for claim in claims:
        signature = normal_signature(claim.signature)
        if claim.signature is None:
            problems.add(claim.rel, claim.line, FIELD,
                         f"validation non signée : une clause « validee » porte la signature "
                         f"SSH de son signataire. Le service juridique lance « "
                         f"{fix_command(claim)} ».")
        elif signature is None:
            problems.add(claim.rel, claim.line, FIELD,
                         "signature illisible : bloc « -----BEGIN SSH SIGNATURE----- … "
                         "-----END SSH SIGNATURE----- » attendu, tel qu'écrit par achats "
                         f"validate. Faites signer à nouveau : « {fix_command(claim)} ».")
        elif claim.principal not in known:
            problems.add(claim.rel, claim.line, FIELD,
                         f"signataire « {claim.principal} » inconnu : ce principal n'a pas de "
                         f"clé dans {source}. Seul un signataire inscrit valide : « "
                         f"{fix_command(claim)} ».")
        elif store is not None and store.known(allowed_text, claim, signature):
            continue
        elif in_process and accepted_in_process(signers, claim.principal, claim.message,
                                                signature):
            if store is not None:
                store.add(allowed_text, claim, signature)
        else:
            todo.append((claim, signature))
    if not todo:
        return
    with tempfile.TemporaryDirectory(prefix="achats-signataires-") as folder:
        allowed = Path(folder) / "allowed_signers"
        allowed.write_text(allowed_text, encoding="utf-8")
        workers = min(len(todo), max(2, (os.cpu_count() or 1) * 2))
        with ThreadPoolExecutor(workers) as pool:
            verdicts = list(pool.map(
                lambda item: verify(allowed, item[0].principal, item[0].message, item[1]),
                todo))
    for (claim, signature), (ok, said) in zip(todo, verdicts):
        if ok:
            if store is not None:
                store.add(allowed_text, claim, signature)
            continue
        problems.add(claim.rel, claim.line, FIELD,
                     f"signature refusée par ssh-keygen ({said or 'sans message'}) : elle ne "
                     f"correspond pas à cette validation (identifiant, empreinte, signataire "
                     f"ou date modifiés après la signature, signature d'une autre clause ou "
                     f"d'un autre outil, ou clé qui n'est pas celle de « {claim.principal} » "
                     f"dans {source}). Faites valider à nouveau : « "
                     f"{fix_command(claim, claim.principal)} ».")


def verify_with_signers_text(text: str | None, claims: list[Claim], source: str
                             ) -> ProblemList:
    """Claims verified against a signers file given as text (review-check: the base's)."""
    problems = ProblemList()
    if not claims:
        return problems
    if text is None:
        for claim in claims:
            problems.add(claim.rel, claim.line, FIELD,
                         f"{source} n'existe pas : aucune validation signée ne peut y être "
                         "vérifiée. Le fichier des signataires arrive d'abord seul, approuvé "
                         "par le service juridique.")
        return problems
    signers, _file_problems = parse_signers(text, source)
    _verify_all(signers, claims, problems, None, source, in_process=False)
    return problems


# -- verdicts kept between runs ---------------------------------------------------------------

class SignatureCache:
    """Digests of verified (signers lines, principal, message, signature), one per line."""

    def __init__(self, project: Project):
        self.path = project.root / CACHE_FILE
        self.before: set[str] = set()
        self.now: set[str] = set()
        try:
            self.before = set(self.path.read_text(encoding="ascii").split())
        except (OSError, UnicodeDecodeError):
            self.before = set()

    @staticmethod
    def _key(allowed_text: str, claim: Claim, signature: str) -> str:
        digest = hashlib.blake2b(digest_size=20)
        for part in (allowed_text.encode(), claim.principal.encode(), claim.message,
                     signature.encode()):
            digest.update(len(part).to_bytes(8, "big") + part)
        return digest.hexdigest()

    def known(self, allowed_text: str, claim: Claim, signature: str) -> bool:
        key = self._key(allowed_text, claim, signature)
        if key in self.before:
            self.now.add(key)
            return True
        return False

    def add(self, allowed_text: str, claim: Claim, signature: str) -> None:
        self.now.add(self._key(allowed_text, claim, signature))

    def save(self) -> None:
        if self.now == self.before:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, "".join(f"{k}\n" for k in sorted(self.now)))
        except OSError:
            pass  # a cache: the next run verifies afresh
