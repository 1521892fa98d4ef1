#!/usr/bin/env bash
# Installe le projet avec ses dépendances de test dans .venv et lance toute la suite.
# Les tests de navigateur utilisent le Chromium de Debian (/usr/bin/chromium) : absent, ils
# sont sautés avec la raison (sauf si CI=true, où ils doivent tourner).
# Usage : bash scripts/test.sh [options de pytest]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/installer.sh test
# axe-core (package.json, version figée par package-lock.json) pour les tests d'accessibilité ;
# sans npm, ces tests sont sautés avec la raison (sauf si CI=true).
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
fi
. .venv/bin/activate
exec python -m pytest "$@"
