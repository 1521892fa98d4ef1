"""`achats edit`: the editor on this machine, with decap-server's git mode.

The intranet site (with /admin/) is built into a temporary folder and served on
127.0.0.1; decap-server (MODE=git, bound to 127.0.0.1) writes each draft on a ``cms/…``
branch of the repository; a watcher runs `achats check` on every new version of such a
branch and shows the result in the terminal and on /admin/verifications.html.
"""

from __future__ import annotations

import html
import io
import json
import os
import shutil
import signal
import socket
import tarfile
import subprocess
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from achats.git.repo import GitError, repository
from achats.problems import AchatsError
from achats.project import Project
from achats.site.editor.site import ADMIN_DIR, node_modules_root, write_admin

SERVER = Path("node_modules/decap-server/dist/index.js")
STATUS_PAGE = "verifications.html"
POLL_SECONDS = 1.0
# tarfile's "data" filter (Python 3.11.4+) refuses links and paths out of the folder.
_SAFE_EXTRACT = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def git(root: Path, *args: str) -> str:
    # Never an optional lock (`git status` refreshing the index): decap-server checks
    # branches out in this repository, and its checkout fails on a held index.lock.
    try:
        out = repository(root).run(*args, env={"GIT_OPTIONAL_LOCKS": "0"})
    except GitError as exc:
        raise AchatsError(f"git {' '.join(args)} a échoué : {exc.stderr.strip()}") from None
    return out.decode("utf-8", "replace")


def refuse_dirty_tree(root: Path) -> None:
    """decap-server commits with « git add . »: anything not yet committed would go into
    the agent's draft. Refuse to start instead."""
    status = git(root, "status", "--porcelain", "--untracked-files=all")
    if status.strip():
        listed = "\n".join("  " + line for line in status.splitlines()[:20])
        raise AchatsError(
            "le dossier du dépôt contient des fichiers modifiés ou non suivis ; l'éditeur "
            "les enregistrerait avec la première fiche. Enregistrez-les (git commit) ou "
            f"mettez-les de côté (git stash -u), puis relancez :\n{listed}")


def identity(root: Path, author: str | None) -> tuple[str, str]:
    """The agent's name and e-mail for the commits: --auteur, else git's configuration."""
    if author:
        name, _, rest = author.partition("<")
        email = rest.rstrip(">").strip()
        if not name.strip() or "@" not in email:
            raise AchatsError(f"--auteur « {author} » : attendu « Prénom Nom <adresse@…> ».")
        return name.strip(), email
    name, email = repository(root).identity()
    if not name or not email:
        raise AchatsError("qui signe les enregistrements ? Donnez --auteur \"Prénom Nom "
                          "<adresse@…>\" ou configurez git (git config user.name / "
                          "user.email).")
    return name, email


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Checks:
    """Runs `achats check` on each new version of a cms/ branch; keeps the results."""

    def __init__(self, root: Path, status_file: Path, out=print):
        self.root, self.status_file, self.out = root, status_file, out
        self.seen: dict[str, str] = {}
        self.results: list[dict] = []
        self.stop = threading.Event()
        self.write_status()

    def heads(self) -> dict[str, str]:
        refs = git(self.root, "for-each-ref", "--format=%(refname:short) %(objectname)",
                   "refs/heads/cms/")
        return dict(line.split(" ", 1) for line in refs.splitlines() if " " in line)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll()
            except (AchatsError, OSError, subprocess.SubprocessError) as exc:
                # The session goes on: the next version of the branch is checked again.
                self.out(f"achats edit : vérification impossible : {exc}")
            self.stop.wait(POLL_SECONDS)

    def poll(self) -> None:
        for branch, commit in sorted(self.heads().items()):
            if self.seen.get(branch) != commit:
                self.seen[branch] = commit
                self.check(branch, commit)

    def check(self, branch: str, commit: str) -> None:
        from achats.model.validate import check_project

        with tempfile.TemporaryDirectory(prefix="achats-edit-check-") as tmp:
            try:
                archive = repository(self.root).archive(commit)
            except GitError as exc:
                raise AchatsError(f"git archive {commit[:8]} a échoué : "
                                  f"{exc.stderr.strip()}") from None
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(tmp, **_SAFE_EXTRACT)
            result = check_project(Project(Path(tmp)))
        problems = result.problems
        text = problems.as_text() if len(problems) else ""
        verdict = "erreurs" if problems.errors else "ok"
        summary = problems.summary() if len(problems) else "aucun problème"
        self.out(f"achats check sur {branch} ({commit[:8]}) : {summary}")
        if text:
            self.out(text)
        self.results.insert(0, {"branche": branch, "commit": commit, "verdict": verdict,
                                "resume": summary, "details": text,
                                "heure": time.strftime("%H:%M:%S")})
        self.write_status()

    def write_status(self) -> None:
        rows = "".join(
            f"<tr class=\"{r['verdict']}\"><td>{html.escape(r['heure'])}</td>"
            f"<td><code>{html.escape(r['branche'])}</code></td>"
            f"<td><code>{r['commit'][:8]}</code></td><td>{html.escape(r['resume'])}</td>"
            f"<td><pre>{html.escape(r['details'])}</pre></td></tr>" for r in self.results)
        page = f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>Vérification des brouillons · Achats durables</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem}}td,th{{padding:.3rem .6rem;
text-align:left;vertical-align:top}}tr.erreurs td{{background:#fde8e8}}
tr.ok td{{background:#e8f6ea}}pre{{margin:0;white-space:pre-wrap}}</style></head><body>
<h1>Vérification des brouillons</h1>
<p>Chaque enregistrement dans l'éditeur crée ou complète une branche <code>cms/…</code> ;
<code>achats check</code> la vérifie aussitôt. Cette page se met à jour toute seule.</p>
<table><thead><tr><th>heure</th><th>branche</th><th>version</th><th>résultat</th>
<th>détail</th></tr></thead><tbody>{rows or '<tr><td colspan="5">Aucun brouillon enregistré pour le moment.</td></tr>'}
</tbody></table>
<p><a href="./">Retour à l'éditeur</a></p></body></html>
"""
        temporary = self.status_file.with_name(f".{self.status_file.name}.tmp")
        temporary.write_text(page, encoding="utf-8")
        temporary.replace(self.status_file)
        self.status_file.with_name("verifications.json").write_text(
            json.dumps(self.results, ensure_ascii=False), encoding="utf-8")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def start_decap_server(root: Path, port: int, name: str, email: str,
                       log_file: Path) -> subprocess.Popen:
    modules = node_modules_root(root)
    node = shutil.which("node") or shutil.which("nodejs")
    if modules is None or not (modules / SERVER).is_file() or node is None:
        raise AchatsError("decap-server n'est pas installé : lancez « npm ci » à la racine du "
                          "dépôt (il faut Node.js et npm).")
    env = dict(os.environ, MODE="git", PORT=str(port), BIND_HOST="127.0.0.1",
               GIT_REPO_DIRECTORY=str(root), LOG_LEVEL="info",
               GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
               GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email)
    # cwd: dotenv reads a .env of the working directory; the repository's must not count.
    with open(log_file, "ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen([node, str(modules / SERVER)], cwd=str(log_file.parent),
                                env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AchatsError(f"decap-server s'est arrêté au démarrage (code "
                              f"{process.returncode}).")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AchatsError(f"decap-server ne répond pas sur le port {port}.")


def edit(port: int | None = None, api_port: int | None = None, author: str | None = None,
         out=print, ready=None) -> None:
    from achats.site.commands import build_site
    from achats.index.graph import build_graph
    from achats.model.validate import check_project

    project = Project.find()
    root = project.root
    refuse_dirty_tree(root)
    name, email = identity(root, author)
    branch = git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
    if branch == "HEAD" or branch.startswith("cms/"):
        raise AchatsError("placez-vous d'abord sur la branche principale (git switch main) : "
                          "les brouillons partent de la branche courante.")
    port = port or 8000
    api_port = api_port or free_port()
    if not port_is_free(api_port):
        raise AchatsError(f"le port {api_port} (--api-port) est déjà pris : choisissez-en un "
                          "autre.")
    # A plain `kill` stops the session as Ctrl+C does (decap-server included).
    signal.signal(signal.SIGTERM, _interrupt)
    work = Path(tempfile.mkdtemp(prefix="achats-edit-"))
    processes: list[subprocess.Popen] = []
    httpd = None
    checks = None
    try:
        out(f"achats edit : construction du site intranet dans {work / 'site'} …")
        site = build_site(public=False, site_dir=str(work / "site"), project=project)
        checked = check_project(project)
        graph = build_graph(checked.entries, checked.vocab)
        local_api = f"http://127.0.0.1:{api_port}/api/v1"
        from mkdocs.config import load_config  # extra.editeur of mkdocs.yml
        extra = dict(load_config(str(root / "mkdocs.yml")).extra or {})
        if write_admin(Path(site), root, graph, extra, local_api=local_api,
                       branch=branch) is None:
            raise AchatsError("Decap CMS n'est pas installé : lancez « npm ci » à la racine "
                              "du dépôt.")
        server = start_decap_server(root, api_port, name, email, work / "decap-server.log")
        processes.append(server)
        wait_for_port(api_port, server)
        checks = Checks(root, Path(site) / ADMIN_DIR / STATUS_PAGE, out)
        threading.Thread(target=checks.run, daemon=True).start()
        try:
            httpd = ThreadingHTTPServer(("127.0.0.1", port),
                                        partial(_QuietHandler, directory=str(site)))
        except OSError as exc:
            raise AchatsError(f"impossible d'écouter sur 127.0.0.1:{port} ({exc.strerror}) : "
                              "choisissez un autre port avec --port.") from None
        address = f"http://127.0.0.1:{httpd.server_address[1]}/"
        out(f"achats edit : éditeur sur {address}{ADMIN_DIR}/ (brouillons : branches cms/… "
            f"de {root}, signés « {name} <{email}> ») ; vérifications : "
            f"{address}{ADMIN_DIR}/{STATUS_PAGE} ; Ctrl+C pour arrêter.")
        if ready:
            ready(address)
        httpd.serve_forever()
    finally:
        if checks:
            checks.stop.set()
        if httpd:
            httpd.server_close()
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(work, ignore_errors=True)
        out("achats edit : arrêté.")
