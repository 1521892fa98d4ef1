"""Entry pages: a readable card of the metadata, the body with resolved links, backlinks."""

from __future__ import annotations

import datetime as dt

from achats.model.fingerprint import fingerprint
from achats.index.graph import FACETS, Graph
from achats.model.load import Entry
from achats.model.scaffold import slugify
from achats.model.signatures import DEMONSTRATION_PRINCIPAL
from achats.render.context import RenderContext, esc, href, piece_uri, rel, uri_of
from achats.render.html import html_list, html_table, raw
from achats.render.search_meta import search_block

COLLECTION_HEADINGS = {"guide": "Chapitres du guide", "clause": "Clauses",
                       "marche": "Marchés", "rapport": "Rapports d'étonnement",
                       "apero": "Apéros-défis"}
# Front-matter field -> URL segment of its facet pages (graph.FACETS, from the schema).
FACET_SEGMENTS = {field: segment for field, _vocab, segment, _label in FACETS}


def facet_uri(segment: str, value: str) -> str:
    return f"clauses/{segment}/{value}.md"


def _date(value) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return esc(value) if value else "inconnue"


def _values(ctx: RenderContext, uri: str, entry: Entry, field: str, vocab: str | None) -> str:
    value = entry.meta.get(field)
    items = value if isinstance(value, list) else ([value] if value is not None else [])
    segment = FACET_SEGMENTS.get(field) if entry.collection.name == "clause" else None
    shown = []
    for item in items:
        label = esc(ctx.label(vocab, item) if vocab else str(item))
        shown.append(f'<a href="{href(uri, facet_uri(segment, item))}">{label}</a>'
                     if segment else label)
    return ", ".join(shown) or "—"


def card(ctx: RenderContext, entry: Entry, uri: str) -> str:
    """The metadata as a two-column HTML table with French labels."""
    meta, rows = entry.meta, []
    name = entry.collection.name
    rows.append(("Identifiant", f"<code>{esc(entry.id)}</code>"))
    if name == "clause":
        legal = href(uri, "base-legale/index.md")
        rows += [
            ("Type", _values(ctx, uri, entry, "type", "types_clause")),
            ("Piliers", _values(ctx, uri, entry, "piliers", "piliers")),
            ("Familles d'achat", _values(ctx, uri, entry, "familles", "familles")),
            ("Procédures", _values(ctx, uri, entry, "procedures", "procedures")),
            ("Étapes", _values(ctx, uri, entry, "etapes", "etapes")),
            ("Base légale", ", ".join(
                f'<a href="{legal}#{esc(a.lower())}">{esc(a)}</a>'
                for a in meta.get("base_legale") or [])),
            ("Pièce du marché", esc(ctx.label("documents", meta.get("document")))),
            ("Niveau d'ambition", esc(ctx.label("niveaux", meta.get("niveau")))),
            ("Statut", _values(ctx, uri, entry, "statut", "statuts_clause")),
        ]
        if meta.get("categories"):
            rows.insert(4, ("Catégories d'achat",
                            _values(ctx, uri, entry, "categories", "categories_achat")))
    elif name == "guide":
        rows.append(("Étape du processus", esc(ctx.label("etapes", meta.get("etape")))))
    elif name == "rapport":
        rows += [("Date de la visite", _date(meta.get("date"))),
                 ("Lieu", esc(meta.get("lieu") or "—"))]
        if meta.get("participants"):  # internal: absent from the public view
            rows.append(("Participants (interne)", esc(", ".join(meta["participants"]))))
    elif name == "apero":
        rows += [("Édition", f"n° {esc(meta.get('numero'))}"), ("Date", _date(meta.get("date"))),
                 ("Défi", esc(meta.get("defi"))), ("Format", esc(meta.get("format") or "—"))]
    elif name == "marche":
        amount = meta.get("montant_estime")
        rows += [
            ("Objet", esc(meta.get("objet"))),
            ("Direction", esc(ctx.label("directions", meta.get("direction")))),
            ("Procédure", esc(ctx.label("procedures", meta.get("procedure")))),
            ("Familles d'achat", _values(ctx, uri, entry, "familles", "familles")),
            ("Montant estimé", f"{amount:,.0f} € HT".replace(",", " ") if isinstance(
                amount, (int, float)) else "non précisé"),
            ("Statut", esc(ctx.label("statuts_marche", meta.get("statut")))),
        ]
        roles = meta.get("roles") or {}
        if roles:  # internal: absent from the public view
            parts = [f"gestionnaire : {esc(roles.get('gestionnaire', '—'))}"]
            for key, label in (("editeurs", "éditeurs"), ("commentateurs", "commentateurs"),
                               ("observateurs", "observateurs")):
                if roles.get(key):
                    parts.append(f"{label} : {esc(', '.join(roles[key]))}")
            rows.append(("Rôles (interne)", " ; ".join(parts)))
    if entry.collection.name != "clause":
        rows.append(("Visibilité", esc(ctx.label("visibilites", entry.visibility))))
    if ctx.history is not None:
        updated = ctx.history.updated_label(entry)
        if updated:
            rows.append(("Mis à jour", esc(updated)))
    if meta.get("tags"):
        tags = href(uri, "tags.md")
        rows.append(("Mots-clés", ", ".join(
            f'<a href="{tags}#{slugify(t)}">{esc(t)}</a>' for t in meta["tags"])))
    body = "".join(f"<tr><th scope=\"row\">{label}</th><td>{value}</td></tr>"
                   for label, value in rows)
    return raw('<div class="achats-fiche md-typeset__scrollwrap"><div class="md-typeset__table">'
               '<table><caption class="achats-invisible">Fiche</caption>'
               f"<tbody>{body}</tbody></table></div></div>")


def backlinks(ctx: RenderContext, entry: Entry, uri: str) -> str:
    groups = ctx.graph.cited_by(entry)
    if not groups:
        return ""
    out = ['<div class="achats-cite-dans">']
    for name in ("guide", "marche", "rapport", "apero", "clause"):
        if name in groups:
            out.append(f"<p><strong>{COLLECTION_HEADINGS[name]}</strong> : " + ", ".join(
                ctx.a(uri, e) for e in groups[name]) + "</p>")
    out.append("</div>")
    return "## Cité dans { .achats-cite-dans }\n" + raw("".join(out))


def _list(items) -> str:
    """An HTML list of plain texts."""
    return html_list(esc(i) for i in items or [])


def _paragraphs(text: str) -> str:
    """Plain text as HTML paragraphs (blank lines separate them), unwrapped."""
    parts = [p.strip() for p in str(text or "").strip().split("\n\n") if p.strip()]
    return "".join(f"<p>{esc(p)}</p>" for p in parts)


def _admonition(kind: str, title: str, text: str) -> str:
    return raw(f'<div class="admonition {kind}"><p class="admonition-title">{title}</p>'
               f"<p>{text}</p></div>")


def _clause_sections(ctx: RenderContext, entry: Entry, uri: str) -> list[str]:
    meta, out = entry.meta, []
    status = meta.get("statut")
    validation = meta.get("validation") if isinstance(meta.get("validation"), dict) else None
    if status == "validee" and validation:
        if validation.get("empreinte") != fingerprint(meta):
            out.append(_admonition(
                "warning", "Validée pour une version antérieure du texte",
                f"Le texte a changé depuis sa validation par {esc(validation.get('par'))} le "
                f"{_date(validation.get('le'))} : il doit être validé à nouveau."))
        elif validation.get("par") == DEMONSTRATION_PRINCIPAL:
            # Signed by the throwaway key of the bundled base: say so, on both variants.
            out.append(_admonition(
                "warning", 'Clause validée <span class="achats-badge-demonstration">'
                "validation de démonstration</span>",
                f"Validée par {esc(validation.get('par'))} le {_date(validation.get('le'))} : "
                "signature de démonstration, livrée avec la base ; aucun service juridique "
                "n'a encore relu ce texte. Faites-le valider avant de l'utiliser."))
        else:
            out.append(_admonition(
                "success", "Clause validée",
                f"Validée par {esc(validation.get('par'))} le {_date(validation.get('le'))}."))
    elif status == "retiree":
        out.append(_admonition("danger", "Clause retirée", esc(meta.get("motif_retrait") or "")))
    elif status in ("proposee", "a_valider"):
        out.append(_admonition(
            "note", "Clause en cours de validation",
            f"Statut : {esc(ctx.label('statuts_clause', status))}. Ne l'utilisez qu'après avis "
            "du service juridique."))
    document = ctx.label("documents", meta.get("document"))
    anchor = f"texte-{entry.id.lower()}"
    out.append(f"## Texte à insérer — {esc(document)}\n")
    out.append(raw(f'<div class="achats-clause-texte" id="{anchor}">'
                   f"{_paragraphs(meta.get('texte', ''))}</div>"
                   f'<p><button class="md-button md-button--primary achats-copier" '
                   f'type="button" data-copier="{anchor}">Copier le texte</button></p>'))
    out.append("## Comment vérifier\n" + raw(_paragraphs(meta.get("verification", ""))))
    if meta.get("ponderation"):
        out.append(f"## Pondération suggérée\n" + raw(f"<p>{esc(meta['ponderation'])}</p>"))
    if meta.get("risques"):
        out.append("## Risques\n\n" + html_list(ctx.text_html(uri, str(risk))
                                                  for risk in meta["risques"]))
    tenders, failed = ctx.graph.tender_use(entry)
    n = len(tenders)
    use = (f"Utilisée dans {n} marché{'s' if n > 1 else ''}, dont {len(failed)} infructueux."
           if n else "Pas encore utilisée dans un marché du wiki-marché.")
    out.append("## Utilisation dans les marchés\n" + raw(f"<p>{use}</p>"))
    if tenders:
        out.append(html_list(
            f"{ctx.a(uri, t)} ({esc(ctx.label('statuts_marche', t.meta.get('statut')))})"
            for t in tenders))
    related = [ctx.a_id(uri, i) for i in meta.get("clauses_liees") or []]
    if related:
        out.append("## Clauses liées\n\n" + html_list(related))
    return out


def render_entry(ctx: RenderContext, entry: Entry) -> str:
    uri = uri_of(entry)
    meta = entry.meta
    out = [f"# {esc(entry.title)}\n"]
    if meta.get("resume"):
        out.append(raw(f'<p class="achats-resume">{esc(meta["resume"])}</p>'))
    out.append(card(ctx, entry, uri))
    name = entry.collection.name
    if name == "clause":
        out += _clause_sections(ctx, entry, uri)
        if entry.body.strip():
            out.append("## Commentaire\n")
    body = ctx.resolve_body(entry.body, uri, entry.rel).strip()
    if body:
        out.append(body + "\n")
    if name == "rapport":
        for field, title in (("fournisseurs", "Structures visitées"),
                             ("etonnements", "Étonnements"), ("pistes", "Pistes")):
            items = meta.get(field) or []
            if field == "fournisseurs":
                items = [f"{s.get('nom')}" + (f" — {s['activite']}" if s.get("activite") else "")
                         for s in items if isinstance(s, dict)]
            if items:
                out.append(f"## {title}\n\n" + _list(items))
    if name == "apero":
        speakers = [s for s in meta.get("intervenants") or [] if isinstance(s, dict)]
        if speakers:
            out.append(f"## Intervenants ({len(speakers)})\n")
            out.append(html_table(["Origine", "Organisation", "Projet présenté"], [
                [esc(ctx.label("origines", s.get("origine"))),
                 esc(s.get("organisation") or "non précisée"),
                 esc(s.get("projet") or "non précisé")] for s in speakers]))
        if meta.get("questions"):
            out.append("## Questions de la salle\n\n" + _list(meta["questions"]))
        if meta.get("evaluation"):
            out.append("## Évaluation\n" + raw(_paragraphs(meta["evaluation"])))
        if meta.get("suites"):
            out.append("## Suites\n\n" + _list(meta["suites"]))
    if name == "marche":
        if entry.pieces:
            out.append("## Pièces du marché\n\n" + html_list(
                f'<a href="{href(uri, piece_uri(entry, p))}">{esc(p.title)} ({p.kind})</a>'
                for p in entry.pieces))
        used = meta.get("clauses") or []
        if used:
            out.append("## Clauses de la bibliothèque utilisées\n\n" + html_list(
                ctx.a_id(uri, i) for i in used))
        calendar = [m for m in meta.get("calendrier") or [] if isinstance(m, dict)]
        if calendar:
            out.append("## Calendrier\n\n" + html_table(["Jalon", "Date"], [
                [esc(m.get("jalon")), _date(m.get("date"))] for m in calendar]))
        result = meta.get("resultat")
        if isinstance(result, dict):
            out.append("## Résultat\n" + raw(
                f"<p>Offres reçues : {esc(result.get('offres_recues'))}. "
                f"Issue : {esc(ctx.label('issues_marche', result.get('issue')))}.</p>"))
        if meta.get("evaluation"):
            out.append("## Évaluation\n" + raw(_paragraphs(meta["evaluation"])))
    if name == "guide" and meta.get("clauses"):
        out.append("## Clauses recommandées\n\n" + html_list(
            ctx.a_id(uri, i) for i in meta["clauses"]))
    if name == "clause" and meta.get("sources"):
        out.append("## Sources\n\n" + _list(meta["sources"]))
    out.append(backlinks(ctx, entry, uri))
    for section in ctx.extra_sections:
        text = section(ctx, entry, uri)
        if text:
            out.append(text)
    out.append(search_block(ctx, entry))
    return "\n".join(part for part in out if part)


def render_piece(ctx: RenderContext, entry: Entry, piece) -> str:
    uri = piece_uri(entry, piece)
    body = ctx.resolve_body(piece.body, uri, piece.rel).strip()
    return (f"# {esc(piece.title)}\n\n"
            f"Pièce {piece.kind} du marché {ctx.link(uri, entry)}.\n\n{body}\n")
