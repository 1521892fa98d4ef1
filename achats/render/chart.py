"""The impact/feasibility chart (the « mire » of the CAO workshop) as accessible SVG."""

from __future__ import annotations

from achats.render.context import RenderContext, esc, rel

SIZE, MARGIN, SCALE = 520, 60, 5


def _position(value: float) -> float:
    return MARGIN + (value - 0.5) / SCALE * (SIZE - 2 * MARGIN)


def chart_svg(chart: dict) -> str:
    """SVG with a title, a description and one labelled point per proposal."""
    proposals = [p for p in chart.get("propositions") or [] if isinstance(p, dict)]
    inner = SIZE - 2 * MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" role="img" '
        f'aria-labelledby="mire-titre mire-desc" class="achats-mire">',
        f'<title id="mire-titre">{esc(chart.get("titre", "Mire impact / faisabilité"))}</title>',
        f'<desc id="mire-desc">Chaque point est une proposition, placée selon sa faisabilité '
        f"(axe horizontal, de difficile à facile) et son impact (axe vertical, de faible à fort). "
        f"Les mêmes données figurent dans le tableau qui suit.</desc>",
        f'<rect x="{MARGIN}" y="{MARGIN}" width="{inner}" height="{inner}" fill="none" '
        f'stroke="currentColor" stroke-width="1"/>',
        f'<line x1="{SIZE / 2}" y1="{MARGIN}" x2="{SIZE / 2}" y2="{SIZE - MARGIN}" '
        f'stroke="currentColor" stroke-dasharray="4 4" stroke-width="0.5"/>',
        f'<line x1="{MARGIN}" y1="{SIZE / 2}" x2="{SIZE - MARGIN}" y2="{SIZE / 2}" '
        f'stroke="currentColor" stroke-dasharray="4 4" stroke-width="0.5"/>',
        f'<text x="{SIZE / 2}" y="{SIZE - 15}" text-anchor="middle" font-size="14" '
        f'fill="currentColor">Faisabilité →</text>',
        f'<text x="18" y="{SIZE / 2}" text-anchor="middle" font-size="14" fill="currentColor" '
        f'transform="rotate(-90 18 {SIZE / 2})">Impact →</text>',
    ]
    for p in proposals:
        try:
            x = _position(float(p.get("faisabilite")))
            y = SIZE - _position(float(p.get("impact")))
        except (TypeError, ValueError):
            continue
        label = esc(p.get("id", ""))
        parts.append(
            f'<g class="achats-mire-point"><title>{label} : {esc(p.get("libelle", ""))} — impact '
            f'{esc(p.get("impact"))}, faisabilité {esc(p.get("faisabilite"))}</title>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#2e7d32"/>'
            f'<text x="{x + 10:.1f}" y="{y + 4:.1f}" font-size="12" fill="currentColor">'
            f"{label}</text></g>")
    parts.append("</svg>")
    return "".join(parts)


def chart_page(ctx: RenderContext) -> str:
    uri = "mire/index.md"
    chart = ctx.vocab.chart
    out = [f"# {esc(chart.get('titre', 'Mire impact / faisabilité'))}\n"]
    if not chart.get("propositions"):
        out.append("_Aucune donnée de positionnement (content/data/mire.yml)._\n")
        return "\n".join(out)
    if chart.get("source"):
        out.append(f"Source : {esc(chart['source'])}\n")
    scale = chart.get("echelle") or {}
    if scale:
        out.append("Échelles : " + " ; ".join(f"{esc(k)} {esc(v)}" for k, v in scale.items())
                   + ".\n")
    out.append('<figure class="achats-mire-figure">' + chart_svg(chart)
               + "<figcaption>Mire impact / faisabilité des propositions</figcaption></figure>\n")
    out.append("| Repère | Proposition | Impact | Faisabilité | Clauses | Source |")
    out.append("| --- | --- | --- | --- | --- | --- |")
    for p in chart["propositions"]:
        if not isinstance(p, dict):
            continue
        clauses = ", ".join(ctx.link_id(uri, i, i) for i in p.get("clauses") or [])
        out.append(f"| {esc(p.get('id', ''))} | {esc(p.get('libelle', ''))} | "
                   f"{esc(p.get('impact', ''))} | {esc(p.get('faisabilite', ''))} | "
                   f"{clauses or '—'} | {esc(p.get('source', ''))} |")
    return "\n".join(out) + "\n"
