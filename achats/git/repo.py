"""The one place that runs git: one gitpython ``Repo`` per project and process.

Every git process of the package starts here (tests/test_architecture.py checks that no
other module spawns git). A build runs a constant number of them, whatever the number of
entries:

- ``git version``, once per Python process, when gitpython is first imported (it checks
  that git can be run);
- ``git log``: the one-pass history (``start_log``), written to a temporary file while the
  caller does other work;
- ``git cat-file --batch``: gitpython's persistent process, started at the first blob asked
  for and kept for the rest of the process (``read_blobs``).

Whether the project is in a repository, whether the clone is shallow, where the project
sits in the repository and whether HEAD exists are read by gitpython from the repository's
files, without a process.

Fork safety (achats.site.parallel forks a second build process): a forked child never
uses its parent's git processes or pipes. ``os.register_at_fork`` takes the parent's
repositories out of the child's reach (kept, never used, never closed: closing them in the
child would kill or write to the parent's processes), and ``repository()`` opens new ones,
with their own processes, in the child. No lock is held here, and no thread is started
(gitpython's own threads are only used by commands this layer does not run).
"""

from __future__ import annotations

import atexit
import os
import subprocess
import tempfile
from pathlib import Path

from achats.problems import AchatsError

# gitpython checks at import that git can be run, and by default refuses to be imported
# when it cannot: this layer says so in French at the first use instead.
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

MISSING_GIT = "git n'est pas installé"
# Object names longer than this are not asked to cat-file (a path this long is no entry).
_MAX_SPEC = 4096
# Requests written to cat-file before its answers are read: they always fit in the pipe
# (64 KiB, with one longest name more), so that neither side waits for the other.
_REQUEST_BYTES = 32 * 1024


class GitError(Exception):
    """A git process failed; ``stderr`` holds git's own message."""

    def __init__(self, args, returncode: int, stderr: str):
        super().__init__(f"git {' '.join(map(str, args))} : code {returncode} : "
                         f"{stderr.strip()}")
        self.returncode = returncode
        self.stderr = stderr


class NotARepository(AchatsError):
    """The project is not in a readable git repository."""


def _gitpython():
    import git  # imported at first use: runs `git version` once per process

    return git


class GitRepo:
    """The git side of one project folder, for this process.

    ``repo`` is gitpython's ``Repo`` (None outside a repository: ``problem`` says why).
    Commands run in the project's folder, as if typed there.
    """

    def __init__(self, root: Path):
        git = _gitpython()
        self.root = Path(root)
        self.pid = os.getpid()
        self._repo = None
        self.problem: str | None = None
        self._cat = None  # gitpython's persistent `git cat-file --batch` (AutoInterrupt)
        self._command = git.Git(str(self.root))  # runs in the project's folder

    @property
    def repo(self):
        """gitpython's ``Repo`` of the project, or None (``problem`` says why). Looked for
        again until found: `git init` may have run since."""
        if self._repo is None:
            git = _gitpython()
            try:
                self._repo = git.Repo(str(self.root), search_parent_directories=True)
                self.problem = None
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                self.problem = "le projet n'est pas dans un dépôt git"
            except (OSError, ValueError, git.GitError) as exc:  # an unreadable .git
                self.problem = f"dépôt git illisible ({exc})"
        return self._repo

    # -- what gitpython reads without a process -----------------------------------------------

    def require(self) -> None:
        """NotARepository (French) when the project is not in a readable repository."""
        if self.repo is None:
            raise NotARepository(f"{self.problem} : cette commande a besoin de l'historique "
                                 "git (« git init », ou lancez-la dans un clone du dépôt).")

    def has_commit(self) -> bool:
        """Whether HEAD names a commit, read from the refs (``head.is_valid()`` would start
        a `git cat-file --batch-check` to look at the object)."""
        if self.repo is None:
            return False
        from git.refs import SymbolicReference

        try:
            SymbolicReference.dereference_recursive(self.repo, "HEAD")
        except (ValueError, OSError):
            return False
        return True

    def is_shallow(self) -> bool:
        """Whether the clone misses old commits (git keeps their boundary in ``shallow``)."""
        return self.repo is not None and (Path(self.repo.common_dir) / "shallow").is_file()

    def prefix(self) -> str:
        """The project's folder inside the repository, with a final « / » ("" at its top)."""
        if self.repo is None or self.repo.working_tree_dir is None:
            return ""
        try:
            rel = self.root.resolve().relative_to(
                Path(self.repo.working_tree_dir).resolve()).as_posix()
        except ValueError:  # the project is not in the repository's working tree
            return ""
        return "" if rel == "." else f"{rel}/"

    def config(self, name: str) -> str | None:
        """A value of git's configuration as git sees it here (``user.name``…), or None."""
        try:
            return self.run("config", "--get", name).decode("utf-8", "replace").strip() or None
        except GitError:
            return None

    def identity(self) -> tuple[str | None, str | None]:
        """``user.name`` and ``user.email`` as git would sign a commit here."""
        return self.config("user.name"), self.config("user.email")

    # -- processes ------------------------------------------------------------------------------

    def _execute(self, args, **options):
        """gitpython's ``execute`` of ``git args…`` in the project's folder, in this
        process only; GitError (code 127) when git cannot be found."""
        self._check_process()
        git = _gitpython()
        try:
            return self._command.execute(["git", *args], **options)
        except git.GitCommandNotFound:
            raise GitError(list(args), 127, MISSING_GIT) from None

    def run(self, *args: str, env: dict | None = None) -> bytes:
        """Run one git process in the project's folder and return its standard output."""
        status, out, err = self._execute(args, with_extended_output=True,
                                         with_exceptions=False, stdout_as_string=False,
                                         strip_newline_in_stdout=False, env=env)
        if status != 0:
            raise GitError(list(args), status, _text(err))
        return out

    def commit_of(self, rev: str) -> str:
        """Full id of the commit ``rev`` names; GitError (code 1) when git knows no such
        commit."""
        out = self.run("rev-parse", "--verify", "-q", "--end-of-options", f"{rev}^{{commit}}")
        return out.decode("ascii", "replace").strip()

    def archive(self, commit: str) -> bytes:
        """The tree of ``commit`` as a tar archive (`git archive`)."""
        return self.run("archive", "--format=tar", "--end-of-options", commit)

    def start(self, command: str, *args: str, config: tuple[str, ...] = ()) -> "Running":
        """Start ``git [-c config]… command --output=FILE args…`` and return at once: git
        writes to a temporary file (a pipe nobody reads would stop git once full; a thread
        reading it would forbid the build's fork). ``command`` takes ``--output`` (log,
        diff…)."""
        handle, path = tempfile.mkstemp(prefix="achats-git-", suffix=".out")
        os.close(handle)
        options = [item for setting in config for item in ("-c", setting)]
        args = (*options, command, f"--output={path}", *args)
        try:
            process = self._execute(args, as_process=True, with_stdout=False)
        except BaseException:
            os.unlink(path)
            raise
        return Running(process, Path(path), list(args))

    def read_blobs(self, specs: list[str]) -> dict[str, bytes | None]:
        """Contents of ``<rev>:<path>`` objects (or object ids) through gitpython's
        persistent ``git cat-file --batch``: one process for the whole life of this
        process, asked in rounds (many requests written, then their answers read).

        Paths are relative to the repository's top; a missing object (or a tree, a commit)
        maps to None.
        """
        self._check_process()
        wanted = list(dict.fromkeys(s for s in specs
                                    if "\n" not in s and len(s) <= _MAX_SPEC))
        result: dict[str, bytes | None] = {s: None for s in specs}
        start = 0
        while start < len(wanted):
            batch, size = [], 0
            while start < len(wanted) and size < _REQUEST_BYTES:
                batch.append(wanted[start])
                size += len(wanted[start].encode("utf-8")) + 1
                start += 1
            result.update(self._ask(batch))
        return result

    def _ask(self, batch: list[str]) -> dict[str, bytes | None]:
        process = self._cat_file()
        try:
            process.stdin.write("".join(f"{s}\n" for s in batch).encode("utf-8"))
            process.stdin.flush()
            found = {}
            for spec in batch:
                header = process.stdout.readline()
                if not header:
                    raise BrokenPipeError
                parts = header.split()
                if len(parts) == 3 and parts[2].isdigit() and len(parts[0]) in (40, 64):
                    size = int(parts[2])
                    data = process.stdout.read(size + 1)[:size]  # then its "\n"
                    found[spec] = data if parts[1] == b"blob" else None
                else:
                    found[spec] = None  # "<spec> missing" or "ambiguous"
            return found
        except (BrokenPipeError, OSError, ValueError):
            error = self._stop_cat_file()
            raise GitError(["cat-file", "--batch"], 128, error or "git cat-file s'est arrêté")

    def _cat_file(self):
        self._check_process()  # never the pipes of the process that forked this one
        if self._cat is None:
            self._cat = self._execute(("cat-file", "--batch"), istream=subprocess.PIPE,
                                      as_process=True)
        return self._cat

    def _stop_cat_file(self) -> str:
        process, self._cat = self._cat, None
        if process is None:
            return ""
        error = ""
        try:
            process.stdin.close()
            process.proc.wait()
            error = _text(process.proc.stderr.read())
        except (OSError, ValueError, AttributeError):
            pass
        process._terminate()
        return error

    def close(self) -> None:
        """Stop this process's persistent git (at the end of a command, or in tests)."""
        if os.getpid() == self.pid:
            self._stop_cat_file()

    def _check_process(self) -> None:
        if os.getpid() != self.pid:  # a forked child must open its own (repository())
            raise RuntimeError("dépôt git ouvert par un autre processus")
        if not self.root.is_dir():  # gitpython would run git in the current folder
            raise GitError(["-C", str(self.root)], 128,
                           f"dossier introuvable : {self.root}")


class Running:
    """A git process writing to a temporary file (``GitRepo.start``)."""

    def __init__(self, process, output: Path, args: list[str]):
        self._process, self._output, self.args = process, output, args
        self.pid = os.getpid()

    def result(self) -> bytes:
        """Waits for git; its output, or GitError."""
        process, self._process = self._process, None
        try:
            code = process.proc.wait()
            errors = _text(process.proc.stderr.read())
            process._terminate()  # closes its pipes
            if code != 0:
                raise GitError(self.args, code, errors)
            return self._output.read_bytes()
        finally:
            self._output.unlink(missing_ok=True)

    def stop(self) -> None:
        """Stops git if it still runs (the caller does not want its output any more)."""
        process, self._process = self._process, None
        if process is None or os.getpid() != self.pid:
            return
        process._terminate()  # kills it if it still runs, then waits for it
        self._output.unlink(missing_ok=True)


def blob_text(data: bytes | None) -> str | None:
    if data is None:
        return None
    return data.decode("utf-8-sig", "replace").replace("\r\n", "\n").replace("\r", "\n")


def _text(data) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


# -- one repository per project folder and process ------------------------------------------------

_OPEN: dict[Path, GitRepo] = {}  # most recently used last
# A process that works on many projects (the tests) keeps this many cat-file processes.
_OPEN_AT_MOST = 8
# Repositories a forked child inherited from its parent: kept referenced so that they are
# never closed (or garbage-collected, which would close them) in the child.
_INHERITED: list[GitRepo] = []


def repository(root: Path | str) -> GitRepo:
    """The git side of the project at ``root`` for this process (opened once)."""
    key = Path(root).absolute()
    found = _OPEN.pop(key, None)
    if found is None:
        found = GitRepo(key)
        while len(_OPEN) >= _OPEN_AT_MOST:
            _OPEN.pop(next(iter(_OPEN))).close()
    _OPEN[key] = found
    return found


def close_all() -> None:
    """Stops this process's persistent git processes (end of a command, tests)."""
    while _OPEN:
        _OPEN.popitem()[1].close()


def _forget_in_child() -> None:
    _INHERITED.extend(_OPEN.values())
    _OPEN.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
atexit.register(close_all)  # git's pipes closed before the interpreter's own clean-up
