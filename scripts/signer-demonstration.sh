#!/usr/bin/env bash
# Signe les clauses livrées au statut « validee » avec un signataire de démonstration :
# 1. crée une clé ed25519 éphémère dans un dossier temporaire ;
# 2. inscrit sa clé publique dans content/data/signataires sous le principal
#    demonstration@achats.invalid (en remplaçant la clé de démonstration précédente) ;
# 3. signe chaque clause « validee », et seulement celles-là (achats validate) ;
# 4. supprime la clé privée (le dossier temporaire) : plus personne ne peut signer avec.
# À relancer par un mainteneur après une modification du texte des clauses validées.
# Usage : bash scripts/signer-demonstration.sh [DOSSIER DU PROJET]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
python="$here/.venv/bin/python"
[ -x "$python" ] || python="python3"
exec "$python" -m achats.review.demonstration "${1:-$here}"
