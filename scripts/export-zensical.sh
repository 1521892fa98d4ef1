#!/usr/bin/env bash
# Vie après Material for MkDocs : construit le site avec achats (achats build), écrit l'export
# (achats export), le fait construire par Zensical, sans aucun code d'achats, et compare les
# deux listes de pages. Les différences attendues sont listées avec leur raison ; toute autre
# fait échouer le script. Lancé par la CI (GitHub et GitLab) ; utilisable sur un poste.
# Prérequis : bash scripts/installer.sh export (le projet et Zensical).
# Usage : bash scripts/export-zensical.sh [DOSSIER_DE_TRAVAIL]
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
echo "== achats build (site de référence, intranet)"
achats build --site-dir "$work/site"
echo "== achats export"
achats export --out "$work/export"
echo "== zensical build (sans hooks)"
start=$(date +%s)
zensical build -f "$work/export/mkdocs.yml"
echo "Zensical : $(( $(date +%s) - start )) s"
echo "== Pages comparées"
python -m achats.site.export "$work/site" "$work/export/site"
