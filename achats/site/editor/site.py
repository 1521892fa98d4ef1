"""/admin/ in the intranet build: Decap CMS copied from node_modules, its generated
configuration, our format and preview (admin/achats-cms.js), and the entries' titles and
addresses the preview links [[ID]] to. Never written into the public variant."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from achats.render.context import page_url, uri_of
from achats.site.editor.config import decap_config

log = logging.getLogger("mkdocs.plugins.achats")

ADMIN_DIR = "admin"
HERE = Path(__file__).resolve().parent / "admin"
# Copied from node_modules (versions locked by package-lock.json): never from a CDN.
DECAP_DIST = Path("node_modules/decap-cms/dist")
YAML_DIST = Path("node_modules/js-yaml/dist/js-yaml.min.js")
OWN_FILES = ("achats-cms.js", "apercu.css", "demarrer.js")


def node_modules_root(project_root: Path) -> Path | None:
    """The folder holding node_modules/decap-cms: the project's, else this checkout's (a
    temporary clone of the repository reuses the developer's installation)."""
    for folder in (project_root, Path(__file__).resolve().parents[3]):
        if (folder / DECAP_DIST / "decap-cms.js").is_file() and (folder / YAML_DIST).is_file():
            return folder
    return None


def _index_html(connect: list[str]) -> str:
    # The CSP keeps the editor on this site (and the forge's API, or decap-server locally).
    # Decap's validation compiles schemas at run time (ajv): 'unsafe-eval' is needed.
    sources = " ".join(["'self'"] + connect)
    csp = ("default-src 'self'; script-src 'self' 'unsafe-eval'; "
           "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
           "font-src 'self' data:; worker-src 'self' blob:; frame-src 'self'; "
           f"connect-src {sources}; base-uri 'self'; "
           "form-action 'self'")
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>Modifier les fiches · Achats durables</title>
</head>
<body>
<script src="demarrer.js"></script>
<script src="decap-cms.js"></script>
<script src="js-yaml.min.js"></script>
<script src="achats-cms.js"></script>
</body>
</html>
"""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def entries_index(graph) -> dict:
    """ID -> title and address (relative to the site's root) for the preview's links."""
    return {e.id: {"titre": e.title, "url": page_url(uri_of(e))}
            for e in graph.entries if e.id}


def write_admin(site: Path, project_root: Path, graph, extra: dict | None,
                local_api: str | None = None, branch: str = "main") -> Path | None:
    """Write /admin/ into an intranet site. Without node_modules (npm ci not run), says so
    and writes nothing: the site is complete without its editor."""
    modules = node_modules_root(project_root)
    if modules is None:
        log.info("achats : éditeur web (/admin/) non copié : Decap CMS n'est pas installé "
                 "(lancez « npm ci » à la racine du dépôt).")
        return None
    config = decap_config(graph.vocab, (extra or {}).get("editeur"), local_api=local_api)
    if local_api:
        config["backend"] = {"name": "proxy", "proxy_url": local_api, "branch": branch}
        connect = [_origin(local_api)]
    else:
        connect = sorted({_origin(config["backend"][k]) for k in ("api_root", "base_url")
                          if k in config["backend"]}) or ["https://api.github.com"]
    target = site / ADMIN_DIR
    target.mkdir(parents=True, exist_ok=True)
    dist = modules / DECAP_DIST
    for path in dist.iterdir():
        if path.name == "decap-cms.js" or path.name.endswith(".decap-cms.js") or \
                path.suffix == ".wasm" or path.name == "decap-cms.js.LICENSE.txt":
            shutil.copyfile(path, target / path.name)
    shutil.copyfile(modules / YAML_DIST, target / "js-yaml.min.js")
    for name in OWN_FILES:
        shutil.copyfile(HERE / name, target / name)
    (target / "index.html").write_text(_index_html(connect), encoding="utf-8")
    (target / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    (target / "fiches.json").write_text(
        json.dumps(entries_index(graph), ensure_ascii=False), encoding="utf-8")
    return target
