"""Step 5, render: graph (+ history) -> generated pages as Markdown strings.

``render_site`` returns every generated page of one variant, keyed by source URI; nothing
here knows about MkDocs, so another generator can reuse it.
"""

from __future__ import annotations

from functools import partial

from achats.render.catalogue import (apero_archive, clause_catalogue, clause_finder, guide_index,
                        legal_index, report_catalogue, tags_page, tender_memory)
from achats.render.chart import chart_page
from achats.render.compliance import compliance_section
from achats.render.dce_links import dce_section
from achats.render.indicators import CSV_URI, PAGE_URI as INDICATORS_URI, indicators_csv, indicators_page
from achats.render.context import RenderContext, piece_uri, uri_of
from achats.render.entry import render_entry, render_piece
from achats.render.history import SHELL_URI, history_shell
from achats.render.news import atom_feed, news_page
from achats.render.path import path_index, path_print, path_section


def render_site(ctx: RenderContext, deferred: bool = False) -> dict:
    """Source URI -> Markdown (or XML for the feed) for every generated page.

    With ``deferred``, the pages of entries and tender pieces are zero-argument functions
    that render them when called: a build then renders each page in the process that
    builds it (see achats.site.parallel), not all of them before the pages are shared out.
    """
    if path_section not in ctx.extra_sections:
        ctx.extra_sections.insert(0, path_section)
    for position, section in enumerate((compliance_section, dce_section), start=1):
        if section not in ctx.extra_sections:
            ctx.extra_sections.insert(position, section)
    pages: dict = {}
    for entry in ctx.graph.entries:
        pages[uri_of(entry)] = (partial(render_entry, ctx, entry) if deferred
                                else render_entry(ctx, entry))
        for piece in entry.pieces:
            pages[piece_uri(entry, piece)] = (partial(render_piece, ctx, entry, piece)
                                              if deferred else render_piece(ctx, entry, piece))
    pages.update(clause_catalogue(ctx))
    pages["guides/index.md"] = guide_index(ctx)
    pages["base-legale/index.md"] = legal_index(ctx)
    pages["marches/index.md"] = tender_memory(ctx)
    pages[INDICATORS_URI] = indicators_page(ctx)
    pages[CSV_URI] = indicators_csv(ctx)
    pages["rapports/index.md"] = report_catalogue(ctx)
    pages["aperos/index.md"] = apero_archive(ctx)
    pages["tags.md"] = tags_page(ctx)
    pages["trouver-une-clause.md"] = clause_finder(ctx)
    pages["parcours/index.md"] = path_index(ctx)
    pages["parcours/imprimer.md"] = path_print(ctx)
    pages["mire/index.md"] = chart_page(ctx)
    pages["nouveautes.md"] = news_page(ctx)
    pages["nouveautes.xml"] = atom_feed(ctx)
    if ctx.history is not None and ctx.history.complete:
        pages[SHELL_URI] = history_shell(ctx)
    return pages
