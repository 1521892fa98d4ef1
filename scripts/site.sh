#!/usr/bin/env bash
# Installe le projet dans .venv, construit le site sur le contenu fourni et le sert sur
# http://127.0.0.1:8000/ (Ctrl+C pour arrêter). Usage : bash scripts/site.sh [--public]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/installer.sh
. .venv/bin/activate
achats check
achats serve "$@"
