#!/usr/bin/env bash
# La seule liste des paquets système (Debian, Ubuntu) du projet. .ci/run, le README et chaque
# job GitHub et GitLab appellent ce script : aucun ne garde sa propre liste.
#
# Usage : bash scripts/paquets-systeme.sh construction|tests [--liste]
#   construction  construire et publier les deux variantes (scripts/publier.sh, achats build)
#   tests         la même chose, plus ce que la suite de tests demande (scripts/test.sh)
#   --liste       afficher chaque paquet et qui en a besoin, sans rien installer
# Installe avec apt-get, en root ou avec sudo.
set -euo pipefail

# One line per package: "name|who needs it" (the text after | is shown by --liste).
BUILD=(
  "git|l'historique des fiches (un seul git log par construction), achats review-check, scripts/publier.sh"
  "libpango-1.0-0|WeasyPrint, pour le PDF du parcours : mise en page du texte (Pango 1.44 ou plus récent)"
  "libpangoft2-1.0-0|WeasyPrint, pour le PDF du parcours : polices (FreeType, fontconfig)"
  "libharfbuzz-subset0|WeasyPrint, pour le PDF du parcours : polices réduites aux caractères utilisés"
  "fonts-dejavu-core|le PDF du parcours : une police installée (une image Docker minimale n'en a aucune)"
  "openssh-client|ssh-keygen : achats validate signe, achats review-check et achats check vérifient les validations signées"
)
# The public audit reads the PDF with pypdf (a Python dependency): no system tool for it.
TESTS=(
  "chromium|les tests de navigateur (tests/browser) : Playwright pilote le Chromium de Debian, jamais un navigateur téléchargé"
  "poppler-utils|les tests seulement (tests/test_pdf.py, tests/test_public_variant.py, tests/browser) : pdftotext et pdfinfo relisent les PDF, indépendamment du pypdf de l'audit"
)
# scripts/installer.sh creates .venv: Debian's python3 needs python3-venv for that (images
# with their own Python, such as python:3.11-bookworm, do not).
VENV=(
  "python3-venv|scripts/installer.sh, qui crée .venv (seulement si le python3 du système ne le sait pas)"
)
# npm installs the intranet's web editor (decap-cms) and, for the tests, axe-core
# (package-lock.json). Debian's nodejs and npm only when the machine has no npm:
# NodeSource's nodejs ships its own and conflicts.
NPM=(
  "nodejs|l'éditeur web de l'intranet (npm ci installe decap-cms) et les tests d'accessibilité (axe-core) ; seulement si npm manque"
  "npm|l'éditeur web de l'intranet (npm ci installe decap-cms) et les tests d'accessibilité (axe-core) ; seulement si npm manque"
)

usage() {
  echo "usage : bash scripts/paquets-systeme.sh construction|tests [--liste]" >&2
  exit 2
}

list_only=false
case "$#:${2:-}" in
  1:) ;;
  2:--liste) list_only=true ;;
  *) usage ;;
esac
profile="$1"

case "$profile" in
  construction) wanted=("${BUILD[@]}") ;;
  tests) wanted=("${BUILD[@]}" "${TESTS[@]}") ;;
  *) usage ;;
esac
if $list_only || ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  wanted+=("${VENV[@]}")
fi
if $list_only || ! command -v npm >/dev/null 2>&1; then
  wanted+=("${NPM[@]}")
fi

if $list_only; then
  for line in "${wanted[@]}"; do
    printf '%-20s %s\n' "${line%%|*}" "${line#*|}"
  done
  exit 0
fi

names=()
for line in "${wanted[@]}"; do names+=("${line%%|*}"); done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get est introuvable : installez l'équivalent de ces paquets Debian avec le" \
       "gestionnaire de paquets de ce système : ${names[*]}" >&2
  exit 1
fi
run=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "installer des paquets demande d'être root (ou sudo) : ${names[*]}" >&2; exit 1; }
  run=(sudo)
fi
echo "== Paquets système ($profile) : ${names[*]}"
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq --no-install-recommends "${names[@]}" >/dev/null \
  || { echo "échec de l'installation des paquets système : ${names[*]}" >&2; exit 1; }
