"""The Content-Security-Policy of every page: scripts only from the site itself.

The policy goes into each page as ``<meta http-equiv="Content-Security-Policy">`` (first in
<head>, before any script; content/theme/main.html) and into ``_headers`` at the site's root
for hosts that read it (Netlify, Cloudflare Pages; README gives the nginx and Apache lines).
The theme writes a few small inline scripts (Material's partials/javascripts/*.html); each
is allowed by its SHA-256 hash, computed at build from the theme's own templates with the
page's base_url (one of them holds it). A script written into a page by anything else
(injected content) has no allowed hash and does not run; nor do event attributes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

# Material's partials whose inline scripts our configuration includes (others, such as
# palette.html or announce.html, come with theme features we do not use: turning one on
# means adding its partial here, or its script is blocked).
THEME_SCRIPTS = ["partials/javascripts/base.html", "partials/javascripts/content.html"]
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def script_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def policy(script_hashes=(), wasm: bool = False) -> str:
    """The policy's text. ``wasm``: Pagefind compiles its WebAssembly search engine (in a
    worker, which obeys the policy of its own HTTP response, i.e. the _headers one):
    Chromium refuses it without 'wasm-unsafe-eval' (seen: « CompileError:
    WebAssembly.instantiate() … violates the following Content Security Policy »); never
    'unsafe-eval'. Kept in the <meta> too, for Pagefind's fallback without a worker."""
    scripts = " ".join(["'self'", *(["'wasm-unsafe-eval'"] if wasm else []),
                        *sorted(set(script_hashes))])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        # Material and Pagefind UI set styles from their scripts; content cannot write
        # <style> or style= (achats.model.sanitize), so inline styles are only the theme's.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",  # data: for the theme's icons in its stylesheets
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


class ThemeScripts:
    """The theme's inline scripts, rendered as the theme renders them for a given base_url."""

    def __init__(self, env, config):
        self.bodies = []
        for name in THEME_SCRIPTS:
            try:
                source, _filename, _uptodate = env.loader.get_source(env, name)
            except Exception:  # a partial this version of Material does not have
                continue
            self.bodies += [env.from_string(body) for body in _SCRIPT.findall(source)]
        self.config = config
        self.by_base: dict[str, tuple[str, ...]] = {}

    def hashes(self, base_url: str) -> tuple[str, ...]:
        found = self.by_base.get(base_url)
        if found is None:
            found = self.by_base[base_url] = tuple(
                script_hash(body.render(config=self.config, base_url=base_url))
                for body in self.bodies)
        return found


def preview_policy(wasm: bool = False) -> str:
    """The policy of `achats serve` pages: MkDocs injects its live-reload script inline into
    every page it serves, with a changing timestamp that no hash can allow, so the preview
    on 127.0.0.1 allows inline scripts ('unsafe-inline' is ignored by browsers as soon as a
    hash is listed: none is). Built sites never get this policy."""
    return policy((), wasm).replace("script-src 'self'", "script-src 'self' 'unsafe-inline'", 1)


def prepare_env(env, config, serving: bool = False) -> ThemeScripts:
    """From on_env: ``achats_csp(base_url)`` for the template's <meta>."""
    scripts = ThemeScripts(env, config)
    wasm = bool((config.extra or {}).get("recherche", True))
    if serving:
        env.globals["achats_csp"] = lambda base_url: preview_policy(wasm)
    else:
        env.globals["achats_csp"] = lambda base_url: policy(scripts.hashes(base_url), wasm)
    return scripts


def headers_file(config, scripts: ThemeScripts, base_urls) -> str:
    """``_headers`` (Netlify / Cloudflare Pages syntax) for the whole site: the same policy,
    with the hashes of the theme's scripts at every page depth of the site (a served page
    obeys both the header and its <meta>), plus what a <meta> cannot say (frame-ancestors)."""
    wasm = bool((config.extra or {}).get("recherche", True))
    hashes = {h for base in base_urls for h in scripts.hashes(base)}
    return ("/*\n"
            f"  Content-Security-Policy: {policy(hashes, wasm)}; frame-ancestors 'self'\n"
            "  X-Content-Type-Options: nosniff\n"
            "  Referrer-Policy: same-origin\n")


def base_urls(site, site_url: str | None) -> set[str]:
    """The base_url MkDocs gives pages at each depth of the built ``site`` (a Path), and the
    absolute one of the error page (404.html: the path of site_url)."""
    deepest = max((len(p.relative_to(site).parts) for p in site.rglob("index.html")),
                  default=1)
    return ({".", urlsplit(site_url or "/").path or "/"}
            | {"/".join([".."] * depth) for depth in range(1, deepest)})
