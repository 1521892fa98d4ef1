"""The output folder of a build: which folders may receive a site, and the atomic swap.

A build never writes where the site is served from. ``achats build`` builds into a fresh
folder beside the target (``.<name>.construction-XXXX``); only once the pages, the search
index, the PDF and (public variant) the audit have all succeeded is that folder swapped
with the target, in one rename. On any failure or signal the new folder is removed and the
previous site is left as it was, byte for byte.

MkDocs empties its output folder before writing: pointed at ``clauses/`` or ``.git`` it
deletes them. So a target is refused unless it is absent, empty, or a site we built (it
holds ``MARKER``, written into the output folder as each build starts, before MkDocs
cleans it, which keeps hidden files).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import tempfile
from pathlib import Path

from achats.git.repo import GitError, repository
from achats.problems import AchatsError
from achats.project import Project
from achats.model.schema import COLLECTIONS

MARKER = ".site-achats-durables"
MARKER_TEXT = ("Site construit par « achats build » (Achats durables). Ce dossier est remplacé "
               "en entier à chaque construction : n'y rangez rien.\n")
BUILDING = ".construction-"  # infix of the temporary folder beside the target
REPLACED = ".remplace-"  # infix of the previous site while it is being removed
STOPPING_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class SiteDirRefused(AchatsError):
    """The output folder would destroy something: a usage error (exit code 2)."""

    exit_code = 2


def source_folders(project: Project, config=None) -> list[Path]:
    """The project's source folders, which no output folder may contain or be inside."""
    folders = [project.root / c.folder for c in COLLECTIONS.values()]
    folders += [project.root / "content", project.root / "hooks", project.data_dir,
                project.pages_dir]
    if config is not None:
        folders.append(Path(config.docs_dir))
        if config.theme.custom_dir:
            folders.append(Path(config.theme.custom_dir))
    return folders


def write_marker(site: Path) -> None:
    """Marks ``site`` as ours, so that a later build may replace it."""
    (Path(site) / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _git_dirs(root: Path) -> list[Path]:
    """The repository's git folders, read from the files git leaves (no git process): ``.git``
    itself, and for a worktree the folder its ``.git`` file names and the common one."""
    dot_git = root / ".git"
    found = [dot_git]
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            own = (root / text[len("gitdir:"):].strip()).resolve()
            found.append(own)
            common = own / "commondir"
            if common.is_file():
                found.append((own / common.read_text(encoding="utf-8").strip()).resolve())
    return found


def _tracked_below(root: Path, target: Path) -> str | None:
    """A file tracked by git at or below ``target`` (inside the repository), if any."""
    try:
        rel = target.relative_to(root)
    except ValueError:
        return None
    try:
        listed = repository(root).run("ls-files", "-z", "--", rel.as_posix() or ".")
    except GitError:
        return None
    if not listed:
        return None
    return listed.split(b"\0", 1)[0].decode("utf-8", "replace")


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_site_dir(target: Path | str, root: Path, protected: list[Path] = (),
                   marker: str = MARKER, kind: str = "un site construit par achats",
                   advice: str = "un site déjà construit par achats (par défaut site/ ou "
                                 "site-public/)") -> Path:
    """The resolved output folder, or SiteDirRefused (in French) if building there could
    destroy anything: the project itself or a folder above it, a git folder, a source
    folder (``protected``: collections, pages, data, hooks…), a folder holding tracked
    files, a file, or an existing folder that is not ``kind`` (it lacks ``marker``; `achats
    export` passes its own)."""
    shown = str(target)
    target = Path(target).resolve()
    root = Path(root).resolve()
    advice = f"Choisissez un dossier absent, vide, ou {advice}. Rien n'a été modifié."

    def refuse(why: str) -> SiteDirRefused:
        return SiteDirRefused(f"dossier de sortie « {shown} » refusé : {why}. {advice}")

    if _within(root, target):
        raise refuse("c'est le dossier du projet ou un dossier qui le contient ; "
                     "la construction le viderait")
    for git_dir in _git_dirs(root):
        if _within(target, git_dir.resolve()):
            raise refuse("c'est un dossier de git ; la construction détruirait le dépôt")
    for folder in protected:
        folder = Path(folder).resolve()
        if folder != root and (_within(target, folder) or _within(folder, target)):
            raise refuse(f"il contient ou fait partie des sources du projet "
                         f"({folder.relative_to(root) if _within(folder, root) else folder})")
    if not (target.exists() or target.is_symlink()):
        return target  # nothing there to lose
    if not target.is_dir():
        raise refuse("ce n'est pas un dossier")
    if not any(target.iterdir()):
        return target
    if not (target / marker).is_file():
        raise refuse(f"ce dossier existe et n'est pas {kind} "
                     f"(fichier {marker} absent) ; la construction l'effacerait")
    # The marker could have been committed into a folder of the repository.
    tracked = _tracked_below(root, target)
    if tracked is not None:
        raise refuse(f"il contient des fichiers suivis par git (par exemple {tracked})")
    return target


def fresh_folder_beside(target: Path) -> Path:
    """An empty folder in the target's parent (same file system: the swap is a rename)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f".{target.name}{BUILDING}", dir=target.parent))
    except OSError as exc:
        raise AchatsError(f"impossible de créer le dossier de construction à côté de "
                          f"{target} ({exc.strerror}) : rien n'a été modifié.") from None
    # mkdtemp makes it private (0700); once swapped in, a web server must read it.
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    return folder


def _exchange(a: Path, b: Path) -> bool:
    """Swaps two paths in one system call (Linux renameat2 RENAME_EXCHANGE); False if the
    system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)),
                     rename_exchange)
    return done == 0


def swap_in(built: Path, target: Path) -> None:
    """Puts the finished site ``built`` in place of ``target``; signals wait until it is done
    (never half swapped). The previous site is removed afterwards."""
    with signals_held():
        if not target.exists():
            built.rename(target)
            return
        if _exchange(built, target):
            old = built  # the previous site now has the temporary name
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}{REPLACED}", dir=target.parent))
            old.rmdir()
            target.rename(old)
            built.rename(target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def signals_held():
    """SIGINT, SIGTERM and SIGHUP wait until the block is done (then act as usual): for
    what must not be left half done, like a swap or the cleaning after a failure."""
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)


def child_processes() -> set[int]:
    """This process's children (Linux /proc; an empty set elsewhere)."""
    found: set[int] = set()
    try:
        for task in Path("/proc/self/task").iterdir():
            found.update(int(pid) for pid in (task / "children").read_text().split())
    except OSError:
        pass
    return found


def stop_children(spared: set[int]) -> None:
    """Kills and reaps the children of this process not in ``spared``: after an interrupted
    build, whatever it started and did not stop in time (a process forked between a signal
    and its registration: Pagefind, a pool worker) must not go on writing."""
    for pid in child_processes() - spared:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            continue


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP during a build, raised like Ctrl-C so that every
    ``finally`` runs: temporary folder removed, second process and Pagefind stopped."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopOnSignals:
    """Within this block the stopping signals raise Interrupted in this process. A process
    forked meanwhile (the second build process, pool workers) just ends, quietly: the build
    process cleans up after it. Only in the main thread, where Python handles signals."""

    def __enter__(self):
        self.previous = {}
        self.owner = os.getpid()
        import threading
        if threading.current_thread() is threading.main_thread():
            for signum in STOPPING_SIGNALS:
                self.previous[signum] = signal.signal(signum, self._stop)
        return self

    def _stop(self, signum, frame):
        if os.getpid() != self.owner:
            os._exit(128 + signum)
        raise Interrupted(signum)

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        return False
