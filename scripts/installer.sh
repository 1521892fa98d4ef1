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
elif [ "${1:-}" = "export" ]; then
  python -m pip install --quiet -e '.[export]'
else
  python -m pip install --quiet -e .
fi
