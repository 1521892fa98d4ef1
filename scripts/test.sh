#!/usr/bin/env bash
# Installe le projet avec ses dépendances de test dans .venv et lance toute la suite.
# Les tests de navigateur utilisent le Chromium de Debian (/usr/bin/chromium) : absent, ils
# sont sautés avec la raison (sauf si CI=true, où ils doivent tourner).
# Usage : bash scripts/test.sh [options de pytest]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/installer.sh test
. .venv/bin/activate
exec python -m pytest "$@"
