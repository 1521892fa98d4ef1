"""The Decap CMS configuration, generated from the collection declarations.

One Decap collection per project collection, with French labels, the schema's help texts
as hints, the vocabularies' labels in selects, relation widgets for references and the ID
patterns. ``validation`` is never in the form: the legal service signs with
``achats validate``; the admin page's format keeps it untouched (see admin/achats-cms.js).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from achats.problems import AchatsError
from achats.model.schema import (BY_PREFIX, COLLECTIONS, PIECE_FIELDS, Collection, Field,
                                 Vocabularies)
from achats.site.editor.media import MEDIA_FOLDER, PUBLIC_FOLDER

# The custom format registered by admin/achats-cms.js: our front-matter style.
FORMAT = "achats-frontmatter"
ENTRY_MARK = "_fiche"  # set by the format: true on files that have an ID; never written
PIECE_COLLECTION = "piece"  # the tenders' pieces (rc.md, ccap.md…), see piece_collection_config
SETTING = "editeur"  # extra.editeur in mkdocs.yml
BACKENDS = ("gitlab", "github")
# Fields the form leaves out: written by a command, never by hand.
NOT_IN_FORM = {"validation"}
# Free-text fields that hold paragraphs rather than one line.
LONG_TEXT = {"resume", "texte", "verification", "evaluation", "motif_retrait", "defi",
             "objet", "risque", "source", "e", "p", "q", "s", "activite"}

LABELS = {
    "id": "Identifiant", "titre": "Titre", "resume": "Résumé", "visibilite": "Visibilité",
    "tags": "Mots-clés", "tag": "Mot-clé", "etape": "Étape", "ordre": "Ordre",
    "clauses": "Clauses", "type": "Type", "piliers": "Piliers", "familles": "Familles d'achat",
    "procedures": "Procédures", "etapes": "Étapes", "base_legale": "Base légale",
    "document": "Pièce du marché", "niveau": "Niveau d'ambition",
    "texte": "Texte à copier", "verification": "Vérification", "ponderation": "Pondération",
    "risques": "Risques", "risque": "Risque", "clauses_liees": "Clauses liées",
    "sources": "Sources", "source": "Source", "statut": "Statut",
    "motif_retrait": "Motif du retrait", "date": "Date", "lieu": "Lieu",
    "fournisseurs": "Structures visitées", "nom": "Nom", "activite": "Activité",
    "participants": "Participants", "participant": "Participant",
    "etonnements": "Étonnements", "e": "Élément", "pistes": "Pistes d'action", "p": "Piste",
    "numero": "Numéro", "defi": "Défi", "format": "Format", "intervenants": "Intervenants",
    "origine": "Origine", "organisation": "Organisation", "projet": "Projet",
    "questions": "Questions", "q": "Question", "evaluation": "Évaluation",
    "suites": "Suites", "s": "Suite", "objet": "Objet", "direction": "Direction",
    "procedure": "Procédure", "montant_estime": "Montant estimé (€ HT)", "roles": "Rôles",
    "gestionnaire": "Gestionnaire", "editeurs": "Éditeurs", "commentateurs": "Commentateurs",
    "observateurs": "Observateurs", "calendrier": "Calendrier", "jalon": "Jalon",
    "resultat": "Résultat", "offres_recues": "Offres reçues", "issue": "Issue",
    "attributaire": "Attributaire", "c": "Commentateur", "o": "Observateur",
}

# File names: entries other than the guide's chapters and tenders start with their ID.
SLUGS = {"guide": "{{slug}}", "marche": "{{slug}}"}
DEFAULT_SLUG = "{{fields.id}}-{{slug}}"


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def _vocab_options(vocab: dict) -> list[dict]:
    return [{"label": text, "value": key} for key, text in vocab.items()]


def _article_options(articles: dict) -> list[dict]:
    return [{"label": f"{key} — {info.get('titre', '')}".rstrip(" —"), "value": key}
            for key, info in articles.items()]


def _ref_widget(f: Field, items: Field) -> dict:
    target = BY_PREFIX[items.ref[0]]
    return {
        "widget": "relation", "collection": target.name, "value_field": "id",
        "search_fields": ["id", "titre"], "display_fields": ["id", "titre"],
        "multiple": True, "options_length": 50,
    }


def widget(f: Field, vocab: Vocabularies) -> dict:
    """The Decap field for one declared field (``name``, ``label``, ``hint``, widget)."""
    out: dict = {"name": f.name, "label": label(f.name), "hint": _hint(f),
                 "required": bool(f.required)}
    items = f.items
    if f.kind == "list" and items is not None and items.ref:
        out.update(_ref_widget(f, items))
    elif f.kind == "list" and items is not None and items.vocab:
        out.update(widget="select", multiple=True,
                   options=_vocab_options(vocab.vocabularies.get(items.vocab, {})))
    elif f.kind == "list" and items is not None and items.articles:
        out.update(widget="select", multiple=True, options=_article_options(vocab.articles))
    elif f.kind == "list" and items is not None and items.kind == "mapping":
        out.update(widget="list", fields=[widget(s, vocab) for s in items.fields],
                   summary="{{fields." + items.fields[0].name + "}}")
    elif f.kind == "list":
        sub = widget(items, vocab) if items is not None else {"name": "valeur",
                                                             "widget": "string"}
        sub.pop("hint", None)
        sub["required"] = True
        # Collapsed items show their value, not the field's label.
        out.update(widget="list", field=sub, summary="{{fields." + sub["name"] + "}}")
    elif f.kind == "mapping":
        out.update(widget="object", collapsed=False,
                   fields=[widget(s, vocab) for s in f.fields])
        if not f.required:
            # Decap cannot save an optional object whose sub-fields are required: the
            # format drops the empty ones, and `achats check` still requires them.
            for sub in out["fields"]:
                sub["required"] = False
    elif f.vocab:
        out.update(widget="select",
                   options=_vocab_options(vocab.vocabularies.get(f.vocab, {})))
    elif f.kind == "integer":
        out.update(widget="number", value_type="int")
    elif f.kind == "number":
        out.update(widget="number", value_type="float")
    elif f.kind == "boolean":
        out.update(widget="boolean")
    elif f.kind == "date":
        out.update(widget="datetime", format="YYYY-MM-DD", date_format="YYYY-MM-DD",
                   time_format=False, picker_utc=True)
    else:
        out["widget"] = "text" if f.name in LONG_TEXT else "string"
    if f.pattern:
        out["pattern"] = [f"^(?:{f.pattern})$", f.pattern_help or "format incorrect"]
    if out.get("hint") is None:
        out.pop("hint")
    return out


def _hint(f: Field) -> str | None:
    return f.help[:1].upper() + f.help[1:] if f.help else None


def _body_field(label_text: str = "Texte de la fiche") -> dict:
    return {
        "name": "body", "label": label_text, "widget": "markdown",
        "modes": ["raw"], "buttons": [], "editor_components": [], "sanitize_preview": True,
        "required": False,
        "hint": "Markdown. Pour citer une fiche : [[CL-010]] (identifiant entre doubles "
                "crochets).",
    }


def collection_config(c: Collection, vocab: Vocabularies) -> dict:
    fields = [widget(f, vocab) for f in c.fields if f.name not in NOT_IN_FORM]
    for decap_field in fields:
        default = c.scaffold.get(decap_field["name"])
        if default not in (None, [], {}, "") and not _is_todo(default):
            decap_field["default"] = default
    fields.append(_body_field())
    out = {
        "name": c.name, "label": c.label_plural, "label_singular": c.label,
        "folder": c.folder, "extension": "md", "format": FORMAT, "create": True,
        "identifier_field": "titre", "slug": SLUGS.get(c.name, DEFAULT_SLUG),
        "summary": "{{id}} — {{titre}}", "fields": fields,
        "sortable_fields": ["id", "titre"],
    }
    if c.in_folders:
        # One folder per tender: this collection edits its index.md, the `piece` collection
        # (piece_collection_config) the pieces beside it.
        out["path"] = "{{slug}}/index"
        # decap lists every .md file of the folders; the format marks the files with an ID
        # (admin/achats-cms.js): only the tenders' index.md.
        out["filter"] = {"field": ENTRY_MARK, "value": True}
    return out


def piece_collection_config(tenders: Collection, vocab: Vocabularies) -> dict:
    """The pieces of the tenders (rc.md, ccap.md, cctp.md, ae.md beside each index.md), as a
    collection of their own over the same folders.

    Why not a `files` collection: it would list each existing piece by path, so the
    configuration would have to change with every new tender, and Decap's editorial workflow
    is made for folder collections. Why not nested in `marche`: a Decap entry is one file, so
    a tender's form cannot also hold its pieces. Here Decap lists every file two levels down
    (like `marche`) and keeps those without an ID (the format marks them): the pieces. No
    creation nor deletion in the browser: which pieces a tender has is decided when it is
    set up (achats new), and a piece is named by its file (rc.md…), not by a form field."""
    fields = [widget(f, vocab) for f in PIECE_FIELDS]
    fields.append(_body_field("Texte de la pièce"))
    return {
        "name": PIECE_COLLECTION, "label": "Pièces des marchés",
        "label_singular": "Pièce de marché", "folder": tenders.folder, "extension": "md",
        "format": FORMAT, "create": False, "delete": False,
        "path": "{{slug}}/index",  # the depth (two levels); pieces are never created here
        "filter": {"field": ENTRY_MARK, "value": False},
        "identifier_field": "titre", "summary": "{{dirname}} — {{titre}} ({{filename}}.md)",
        "fields": fields, "sortable_fields": ["titre"],
    }


def _is_todo(value) -> bool:
    return isinstance(value, str) and "TODO" in value


def backend_config(settings) -> dict:
    """``backend`` from ``extra.editeur`` (GitLab self-hosted with PKCE, or GitHub)."""
    if not isinstance(settings, dict):
        # Not configured yet: the page says so at login (see the README to set it).
        return {"name": "gitlab", "repo": "region/achats-durables", "branch": "main",
                "auth_type": "pkce", "base_url": "https://gitlab.com",
                "api_root": "https://gitlab.com/api/v4", "auth_endpoint": "oauth/authorize",
                "app_id": "extra.editeur.app_id manquant dans mkdocs.yml"}
    name = settings.get("forge", "gitlab")
    if name not in BACKENDS:
        raise AchatsError(f"mkdocs.yml: extra.{SETTING}.forge : « {name} » inconnu "
                          f"(valeurs permises : {', '.join(BACKENDS)}).")
    repo = settings.get("depot")
    if not isinstance(repo, str) or "/" not in repo:
        raise AchatsError(f"mkdocs.yml: extra.{SETTING}.depot : attendu « groupe/projet » "
                          f"(trouvé « {repo} »).")
    out = {"name": name, "repo": repo, "branch": str(settings.get("branche", "main"))}
    if name == "gitlab":
        base = str(settings.get("base_url", "https://gitlab.com")).rstrip("/")
        _require_https(base, "base_url")
        out.update(auth_type="pkce", base_url=base,
                   api_root=str(settings.get("api_root", f"{base}/api/v4")),
                   auth_endpoint="oauth/authorize")
        _require_https(out["api_root"], "api_root")
        app_id = settings.get("app_id")
        if not isinstance(app_id, str) or not app_id.strip():
            raise AchatsError(f"mkdocs.yml: extra.{SETTING}.app_id : l'identifiant de "
                              "l'application OAuth GitLab manque (voir le README, "
                              "« Modifier depuis le navigateur »).")
        out["app_id"] = app_id
    else:
        if settings.get("base_url"):  # the OAuth proxy GitHub needs (no PKCE for GitHub)
            _require_https(str(settings["base_url"]), "base_url")
            out["base_url"] = str(settings["base_url"])
        if settings.get("api_root"):
            out["api_root"] = str(settings["api_root"])
    return out


def _require_https(url: str, key: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise AchatsError(f"mkdocs.yml: extra.{SETTING}.{key} : adresse https attendue "
                          f"(trouvé « {url} »).")


def enabled(extra: dict | None) -> bool:
    """Whether the intranet build carries /admin/ (extra.editeur: false turns it off)."""
    return (extra or {}).get(SETTING, None) is not False


def decap_config(vocab: Vocabularies, settings=None, local_api: str | None = None,
                 site_url: str | None = None) -> dict:
    """The whole configuration. ``local_api``: decap-server's URL (``achats edit``)."""
    config: dict = {
        "locale": "fr",
        "load_config_file": False,
        "publish_mode": "editorial_workflow",
        "backend": backend_config(settings),
        # Published in the public variant only when a public entry cites it (media.py).
        "media_folder": MEDIA_FOLDER,
        "public_folder": PUBLIC_FOLDER,
        "show_preview_links": False,
        "editor": {"preview": True},
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        "collections": [collection_config(c, vocab) for c in COLLECTIONS.values()]
        + [piece_collection_config(next(c for c in COLLECTIONS.values() if c.in_folders),
                                   vocab)],
    }
    if local_api:
        config["local_backend"] = {"url": local_api}
        config["backend"]["branch"] = "main"
    if site_url:
        config["site_url"] = site_url
    return config
