#!/usr/bin/env bash
# Crée (une fois) l'environnement Python .venv et y installe le projet et ses dépendances
# épinglées. Usage : bash scripts/installer.sh [test | export]
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "test" ]; then
  python -m pip install --quiet -e '.[test]'
  # Zensical (achats export) when the index has it (its theme, zensical-ui, is not on every
  # index): otherwise the reason is kept in .venv/zensical-indisponible and the Zensical
  # tests are skipped with it, even under CI=true (tests/test_export.py).
  rm -f .venv/zensical-indisponible
  if ! python -m pip install --quiet -e '.[test,export]' >.venv/zensical-pip.log 2>&1; then
    { echo "pip install -e '.[export]' a échoué sur cette machine :"
      grep -E "^ERROR" .venv/zensical-pip.log | head -n 3; } > .venv/zensical-indisponible
    echo "Zensical non installé (voir .venv/zensical-indisponible) : ses tests seront sautés."
  fi
elif [ "${1:-}" = "export" ]; then
  python -m pip install --quiet -e '.[export]'
else
  python -m pip install --quiet -e .
fi
