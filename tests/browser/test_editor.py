"""The web editor against `achats edit` on a temporary clone of this repository: Decap CMS
in Debian's Chromium, decap-server in git mode, drafts on cms/ branches.

Outside CI, skipped with the reason when Chromium, Playwright, Node.js or Decap CMS
(npm ci) is missing; with CI=true, failing instead.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import io
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from achats.project import Project
from achats.site.commands import build_site
from achats.model.validate import check_project
from projects import REPO

from .conftest import unavailable

DECAP = REPO / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"
SERVER = REPO / "node_modules" / "decap-server" / "dist" / "index.js"
AGENT = ("Camille Agent", "camille.agent@example.fr")


# What the drafts are compared with: the branch the clone started on, as `git clone` recorded
# it. Never HEAD: decap-server checks the cms/ branches out in the clone while it answers
# the page (a draft compared with HEAD while it is checked out shows no change at all).
BASE = "origin/HEAD"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _git(root: Path, *args: str) -> str:
    # GIT_OPTIONAL_LOCKS=0: `git status` on the served clone must not take index.lock while
    # decap-server checks branches out there (its checkout would fail on the lock).
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True, env=dict(os.environ, GIT_OPTIONAL_LOCKS="0")).stdout


@pytest.fixture(scope="module")
def editor(browser, tmp_path_factory):
    """`achats edit` running on a fresh clone; yields (url, clone, output lines)."""
    if not DECAP.is_file() or not SERVER.is_file():
        unavailable("Decap CMS n'est pas installé (npm ci)")
    if shutil.which("node") is None and shutil.which("nodejs") is None:
        unavailable("Node.js absent (decap-server)")
    clone = tmp_path_factory.mktemp("editeur") / "depot"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    _git(clone, "config", "user.name", "Serveur Ne Pas Utiliser")
    _git(clone, "config", "user.email", "serveur@example.invalid")
    port, api = _free_port(), _free_port()
    process = subprocess.Popen(
        # The installed command (python -c in the clone would import the clone's package).
        [str(Path(sys.executable).parent / "achats"), "edit", "--port",
         str(port), "--api-port", str(api), "--auteur", f"{AGENT[0]} <{AGENT[1]}>"],
        cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
        # Ctrl+C as in a terminal, even when pytest runs in a background job whose shell
        # ignores SIGINT (Python would then inherit the ignoring and never stop on it).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        # A SIGABRT (sent below if it does not stop) prints every thread's stack.
        env=dict(os.environ, PYTHONFAULTHANDLER="1"))
    lines: list[str] = []
    ready = threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if "éditeur sur" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 300
    while not ready.is_set() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if not ready.is_set():
        process.kill()
        process.wait()
        reader.join(10)
        process.stdout.close()
        pytest.fail("achats edit n'a pas démarré :\n" + "\n".join(lines))
    yield f"http://127.0.0.1:{port}/", clone, lines
    os.killpg(process.pid, signal.SIGINT)  # Ctrl+C
    try:
        code = process.wait(30)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGABRT)
        process.wait(30)
        reader.join(10)
        pytest.fail("achats edit ne s'est pas arrêté après Ctrl+C :\n" + "\n".join(lines[-80:]))
    assert code == 130, "\n".join(lines[-30:])
    reader.join(10)
    process.stdout.close()
    assert "achats edit : arrêté." in lines
    with socket.socket() as s:  # decap-server stopped too
        assert s.connect_ex(("127.0.0.1", api)) != 0


@pytest.fixture
def tab(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside = []
    page.errors = []
    page.on("request", lambda r: page.outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1:", "data:", "blob:")) else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    # What a failing save message shows: the browser's console and decap-server's answers.
    page.console = []
    page.on("console", lambda message: page.console.append(f"{message.type}: {message.text}"))
    page.api = []
    page.on("response", lambda r: _record_api(page.api, r))
    page.on("requestfailed", lambda r: page.api.append(f"{r.post_data} -> échec {r.failure}")
            if "/api/v1" in r.url else None)
    page.on("dialog", lambda dialog: (page.errors.append("dialog: " + dialog.message),
                                      dialog.accept()))
    yield page
    context.close()
    assert page.outside == [], f"requêtes hors de 127.0.0.1 : {page.outside}"


def _login(page, url: str, route: str, field: str = "Identifiant") -> None:
    page.goto(url + "admin/")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(url + "admin/#/" + route)
    # Decap loads a 6 MB bundle: a loaded machine (two cores) may need more than 30 s.
    page.get_by_label(field).first.wait_for(timeout=90_000)


def _record_api(api: list, response) -> None:
    if "/api/v1" not in response.url or response.request.method != "POST":
        return
    try:
        action = json.loads(response.request.post_data or "{}").get("action")
        answer = response.text()[:300] if response.status >= 400 else ""
    except Exception as exc:  # the page may be gone: the record says so
        action, answer = "?", repr(exc)
    api.append(f"{action} -> {response.status} {answer}".rstrip())


# Decap's redux store, read from React's fibre of a form field: the draft's values and errors
# as Decap holds them (what it will save), which may differ from what the fields display.
DRAFT = """() => {
  const input = document.querySelector('input');
  if (!input) return null;
  const key = Object.keys(input).find(k => k.startsWith('__reactFiber$'));
  let fibre = key && input[key];
  while (fibre && !(fibre.memoizedProps && fibre.memoizedProps.store)) fibre = fibre.return;
  if (!fibre) return null;
  const draft = fibre.memoizedProps.store.getState().entryDraft.toJS();
  return JSON.stringify({valeurs: draft.entry && draft.entry.data, erreurs: draft.fieldsErrors});
}"""


def _diagnostics(page, lines: list) -> str:
    """Everything that tells why a save did not happen: Decap's draft, decap-server's
    answers and log, the browser's console, `achats edit`'s output."""
    server_log = ""
    for line in lines:
        if "construction du site intranet dans " in line:
            log = Path(line.split(" dans ", 1)[1].split(" ")[0]).parent / "decap-server.log"
            server_log = log.read_text(encoding="utf-8", errors="replace") \
                if log.is_file() else "(journal absent)"
    return "\n".join(["brouillon dans Decap : " + str(page.evaluate(DRAFT)),
                      "requêtes à decap-server :", *page.api,
                      "console du navigateur :", *page.console,
                      "erreurs JavaScript : " + repr(page.errors),
                      "journal de decap-server :", server_log[-4000:],
                      "sortie d'achats edit :", *lines[-30:]])


def _save(page, lines: list) -> None:
    page.get_by_role("button", name="Enregistrer").first.click()
    try:
        page.get_by_text("Entrée enregistrée").wait_for(timeout=90_000)
    except Exception as exc:  # Playwright's TimeoutError
        pytest.fail(f"« Entrée enregistrée » n'est pas apparu ({exc.__class__.__name__}) :\n"
                    + _diagnostics(page, lines))


def _wait_branch(clone: Path, branch: str, lines: list, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(lines):
            if line.startswith(f"achats check sur {branch} "):
                return line
        time.sleep(0.3)
    pytest.fail(f"pas de vérification de {branch} :\n" + "\n".join(lines))


def _checkout(clone: Path, commit: str, target: Path) -> Path:
    data = subprocess.run(["git", "archive", "--format=tar", commit], cwd=clone, check=True,
                          capture_output=True).stdout
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(target, filter="data")
    return target


def test_edit_one_field_changes_only_that_line(editor, tab):
    url, clone, lines = editor
    _login(tab, url, "collections/clause/entries/cl-029-conditions-emploi-equipe")
    tab.get_by_label("Pondération").fill("10 % de la note, sous-critère social")
    _save(tab, lines)
    branch = "cms/clause/cl-029-conditions-emploi-equipe"
    verdict = _wait_branch(clone, branch, lines)
    assert verdict.endswith("aucun problème"), verdict
    diff = _git(clone, "diff", "--unified=0", BASE, branch)
    changed = [line for line in diff.splitlines()
               if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert changed == [
        '-ponderation: "À fixer pour chaque marché ; les sources ne donnent aucune pondération."',
        '+ponderation: "10 % de la note, sous-critère social"',
    ]
    author = _git(clone, "log", "-1", "--format=%an <%ae>|%cn <%ce>", branch).strip()
    assert author == f"{AGENT[0]} <{AGENT[1]}>|{AGENT[0]} <{AGENT[1]}>"
    assert _git(clone, "status", "--porcelain") == ""
    status = json.loads(urllib.request.urlopen(url + "admin/verifications.json").read())
    assert any(r["branche"] == branch and r["verdict"] == "ok" for r in status)
    assert not tab.errors, tab.errors


def test_create_clause_through_the_form(editor, tab, tmp_path):
    url, clone, lines = editor
    _login(tab, url, "collections/clause/new")
    tab.get_by_label("Identifiant").fill("CL-9")
    tab.get_by_label("Titre", exact=True).fill("Clause de réemploi des cartons")
    tab.get_by_label("Texte à copier").fill("Le titulaire reprend ses cartons d'emballage.\n")
    tab.get_by_label("Vérification").fill("L'acheteur demande le bordereau de reprise.\n")
    tab.get_by_role("button", name="Enregistrer").first.click()
    # Decap's French error, before anything reaches git.
    tab.get_by_text("attendu CL- suivi d'au moins trois chiffres").wait_for()
    assert "cms/clause/cl-9-" not in _git(clone, "branch", "--list", "cms/*")
    # Decap rejects its save promise without a reason when the form is invalid.
    assert tab.errors == ["undefined"]
    tab.errors.clear()
    # fill() selects the field's text and types over it, right after focusing it: Decap's
    # own string control collapsed that selection at the focus re-render ("CL-9CL-090" in its
    # store, refused by the pattern: never saved). admin/achats-cms.js replaces the control.
    tab.get_by_label("Identifiant").fill("CL-090")
    _save(tab, lines)
    branch = "cms/clause/cl-090-clause-de-reemploi-des-cartons"
    verdict = _wait_branch(clone, branch, lines)
    assert verdict.endswith("aucun problème"), verdict
    files = _git(clone, "diff", "--name-status", BASE, branch).split()
    assert files == ["A", "clauses/cl-090-clause-de-reemploi-des-cartons.md"]
    tree = _checkout(clone, branch, tmp_path / "branche")
    result = check_project(Project(tree))
    assert not result.problems.errors, result.problems.as_text()
    entry = next(e for e in result.entries if e.id == "CL-090")
    assert entry.meta["statut"] == "proposee" and entry.meta["piliers"] == ["environnemental"]
    assert "validation" not in entry.meta
    assert not tab.errors, tab.errors


def test_body_with_id_link_stays_a_link(editor, tab, tmp_path):
    url, clone, lines = editor
    _login(tab, url, "collections/clause/entries/cl-001-reponse-dematerialisee")
    first_line = tab.locator("[data-slate-editor] [data-slate-node=element]").first
    first_line.click()  # the caret lands inside the first line (where does not matter)
    tab.keyboard.insert_text("Voir aussi [[CL-011]]. ")
    _save(tab, lines)
    branch = "cms/clause/cl-001-reponse-dematerialisee"
    verdict = _wait_branch(clone, branch, lines)
    assert verdict.endswith("aucun problème"), verdict
    diff = _git(clone, "diff", "--unified=0", BASE, branch)
    changed = [line for line in diff.splitlines()
               if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert len(changed) == 2, changed
    assert "Voir aussi [[CL-011]]. " in changed[1]
    assert changed[1].replace("Voir aussi [[CL-011]]. ", "")[1:] == changed[0][1:]
    tree = _checkout(clone, branch, tmp_path / "branche")
    text = (tree / "clauses/cl-001-reponse-dematerialisee.md").read_text(encoding="utf-8")
    assert "[[CL-010]]" in text and "\\[" not in text
    site = build_site(site_dir=str(tmp_path / "site"), project=Project(tree))
    page = (Path(site) / "clauses/cl-001-reponse-dematerialisee/index.html").read_text(
        encoding="utf-8")
    assert 'href="../cl-010-critere-environnemental-obligatoire/"' in page
    assert 'href="../cl-011-condition-execution-environnementale/"' in page
    assert "[[CL-01" not in page
    assert (Path(site) / "admin" / "index.html").is_file()
    assert not tab.errors, tab.errors


def test_form_refuses_bad_input_in_french(editor, tab):
    url, clone, lines = editor
    _login(tab, url, "collections/clause/entries/cl-002-transports-en-commun")
    tab.get_by_label("Titre", exact=True).fill("")
    # A value outside the vocabulary cannot be typed in: the select keeps its value.
    tab.get_by_label("Type", exact=True).click()
    tab.keyboard.type("critere_inconnu")
    tab.keyboard.press("Enter")
    tab.keyboard.press("Escape")
    tab.get_by_role("button", name="Enregistrer").first.click()
    tab.get_by_text("Le champ Titre est requis").wait_for()
    tab.get_by_text("Oops, il manque un champ requis").wait_for()
    assert tab.get_by_text("Condition d'exécution", exact=True).count() == 1
    assert "critere_inconnu" not in tab.locator("body").inner_text()
    assert "cms/clause/cl-002" not in _git(clone, "branch", "--list", "cms/*")
    assert tab.errors == ["undefined"]  # Decap's rejected save promise (invalid form)


def test_edit_one_field_of_a_tender_piece(editor, tab):
    url, clone, lines = editor
    tender = "sensibilisation-eco-citoyennete-jeunes"
    _login(tab, url, f"collections/piece/entries/{tender}/rc", field="Titre (optionnel)")
    tab.get_by_label("Titre (optionnel)").fill("Règlement de la consultation (RC)")
    _save(tab, lines)
    branch = f"cms/piece/{tender}/rc"
    verdict = _wait_branch(clone, branch, lines)
    assert verdict.endswith("aucun problème"), verdict
    assert _git(clone, "diff", "--name-only", BASE, branch).split() == \
        [f"content/marches/{tender}/rc.md"]
    diff = _git(clone, "diff", "--unified=0", BASE, branch)
    changed = [line for line in diff.splitlines()
               if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert changed == ["-titre: Règlement de la consultation",
                       '+titre: "Règlement de la consultation (RC)"']
    assert not tab.errors, tab.errors


def test_tender_collection_lists_tenders_not_their_pieces(editor, tab):
    url, clone, lines = editor
    tab.goto(url + "admin/")
    tab.get_by_role("button", name="Se connecter").click()
    tab.goto(url + "admin/#/collections/marche")
    tab.get_by_text("MA-001 — Sensibilisation des jeunes à l'éco-citoyenneté").wait_for()
    assert tab.get_by_text("Règlement de la consultation").count() == 0
    # The pieces have their own collection, without the tenders' index.md.
    tab.goto(url + "admin/#/collections/piece")
    tab.get_by_text("Règlement de la consultation", exact=False).first.wait_for()
    assert tab.get_by_text("CCTP", exact=False).count() >= 1
    assert tab.get_by_text("MA-001 — ", exact=False).count() == 0
    tab.goto(url + "admin/#/collections/clause")
    tab.get_by_text("CL-010 — ", exact=False).first.wait_for()
    assert not tab.errors, tab.errors
