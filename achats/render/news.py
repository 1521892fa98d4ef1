"""« Nouveautés »: recent changes as a page and an Atom feed agents can follow."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape as xml_escape

from achats.model.sanitize import plain_text
from achats.render.context import RenderContext, esc, page_url, rel, uri_of

LIMIT = 30


def _front_matter_events(ctx: RenderContext) -> list[tuple[dt.datetime, object, str]]:
    """Dated events from front matter, when git history is not available."""
    events = []
    for e in ctx.graph.entries:
        validation = e.meta.get("validation")
        if isinstance(validation, dict) and isinstance(validation.get("le"), dt.date):
            events.append((validation["le"], e, f"validée par {validation.get('par')}"))
        if isinstance(e.meta.get("date"), dt.date):
            events.append((e.meta["date"], e, "date de la fiche"))
    return [(_as_datetime(d), e, what) for d, e, what in events]


def _as_datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)


def recent_events(ctx: RenderContext) -> list[tuple[dt.datetime, object, str]]:
    if ctx.history is not None and ctx.history.available:
        events = ctx.history.recent_changes(ctx.graph, LIMIT)
    else:
        events = _front_matter_events(ctx)
    events.sort(key=lambda ev: (ev[0], ev[1].id), reverse=True)
    return events[:LIMIT]


def news_page(ctx: RenderContext) -> str:
    uri = "nouveautes.md"
    events = recent_events(ctx)
    out = ["# Nouveautés\n",
           f"Les dernières modifications de la base. Suivez-les dans votre lecteur de flux : "
           f"[flux Atom]({rel(uri, 'nouveautes.xml')}).\n"]
    if ctx.history is None or not ctx.history.available:
        out.append('!!! note "Historique git indisponible"\n    Les dates viennent des fiches '
                   "elles-mêmes (date de visite, de validation).\n")
    if not events:
        out.append("_Rien de récent._\n")
    for when, entry, what in events:
        out.append(f"- {when.strftime('%d/%m/%Y')} — {ctx.link(uri, entry)} : {esc(what)}")
    return "\n".join(out) + "\n"


def atom_feed(ctx: RenderContext) -> str:
    base = (ctx.site_url or "").rstrip("/") + "/"
    events = recent_events(ctx)
    updated = events[0][0] if events else dt.datetime(2012, 10, 1, tzinfo=dt.timezone.utc)
    items = []
    for when, entry, what in events:
        link = base + page_url(uri_of(entry))
        items.append(
            "  <entry>\n"
            # Plain text: feed readers may render a title as HTML whatever its type.
            f"    <title>{xml_escape(plain_text(entry.title))}</title>\n"
            f'    <link href="{xml_escape(link)}"/>\n'
            f"    <id>{xml_escape(link)}#{when.strftime('%Y%m%d%H%M%S')}</id>\n"
            f"    <updated>{when.isoformat()}</updated>\n"
            f"    <summary>{xml_escape(plain_text(what))}</summary>\n"
            "  </entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">\n'
        "  <title>Achats durables — nouveautés</title>\n"
        f'  <link href="{xml_escape(base)}nouveautes/"/>\n'
        f"  <id>{xml_escape(base)}nouveautes.xml</id>\n"
        f"  <updated>{updated.isoformat()}</updated>\n"
        + "\n".join(items) + "\n</feed>\n")
