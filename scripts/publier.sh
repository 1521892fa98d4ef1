#!/usr/bin/env bash
# Publication : construit la variante publique (auditée) et la variante intranet dans les
# dossiers que les pipelines publient. .gitlab-ci.yml (jobs pages et intranet) et
# .github/workflows/publier.yml l'appellent ; la suite de tests le lance sur un clone neuf
# (tests/test_publier.py) : ce que la CI teste est ce que la publication exécute.
#
# Usage : bash scripts/publier.sh [tout|public|intranet]      (tout par défaut)
#   public/    variante publique, auditée : le dossier que GitLab Pages publie, et celui que
#              GitHub Pages reçoit (actions/upload-pages-artifact, path: public)
#   intranet/  variante intranet (contenu interne) : pour le serveur de l'intranet, jamais
#              publiée (voir « Publier » dans le README)
# Il faut :
#   - l'adresse réelle du site public : variable ACHATS_SITE_URL (ou site_url renseigné dans
#     mkdocs.public.yml) ; une adresse de cette machine (localhost) est refusée ;
#   - le projet installé (bash scripts/installer.sh ; .venv est utilisé s'il existe, sinon
#     la commande achats du PATH) et les paquets système
#     (bash scripts/paquets-systeme.sh construction) ;
#   - un clone avec tout l'historique (sinon les dates affichées sont « date inconnue »).
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-tout}"
case "$what" in
  tout|public|intranet) ;;
  *) echo "usage : bash scripts/publier.sh [tout|public|intranet]" >&2; exit 2 ;;
esac

fail() {
  echo "publier : erreur : $*" >&2
  exit 1
}

# --- what the builds need, checked before any build ---------------------------------------
if [ -x .venv/bin/achats ]; then
  . .venv/bin/activate
fi
command -v achats >/dev/null 2>&1 \
  || fail "la commande achats est introuvable : installez le projet (bash scripts/installer.sh)."
command -v git >/dev/null 2>&1 \
  || fail "git est introuvable (bash scripts/paquets-systeme.sh construction) : sans lui, ni" \
          "l'historique des fiches ni les dates de mise à jour."
git rev-parse --git-dir >/dev/null 2>&1 \
  || fail "$(pwd) n'est pas un dépôt git : publiez depuis un clone du dépôt."
if [ "$(git rev-parse --is-shallow-repository)" = "true" ]; then
  echo "publier : ATTENTION : clone superficiel : les pages afficheront « date inconnue »." \
       "Clonez avec tout l'historique (GitHub : fetch-depth: 0 ; GitLab : GIT_DEPTH: 0)." >&2
fi

# GitHub Pages refuses an artifact holding links, or files and folders others cannot read.
ready_for_pages() {
  local dir="$1"
  [ -f "$dir/index.html" ] || fail "$dir/index.html manque : le site n'a pas été construit."
  chmod -R u+rwX,go+rX "$dir"
  local links
  links="$(find "$dir" -type l -o -type f -links +1 | head -5)"
  [ -z "$links" ] || fail "$dir contient des liens symboliques ou physiques, que GitHub Pages" \
                          "refuse : $links"
}

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

if [ "$what" != intranet ]; then
  echo "== Variante publique (auditée) → public/ (adresse : ${ACHATS_SITE_URL:-site_url de mkdocs.public.yml})"
  # The audit runs inside the build and fails it on any leak; its verdict is also required
  # here, so that a build that skipped it (hooks unplugged) is never published.
  achats build --public --site-dir public 2>&1 | tee "$log"
  if ! grep -q "audit de la variante publique : .* aucune fuite" "$log"; then
    # Moved where no deployment step looks, as the audit does with a leaking site.
    rm -rf public.refuse && mv public public.refuse
    fail "la construction publique n'a pas annoncé d'audit sans fuite : rien n'est publié," \
         "le site est déplacé dans public.refuse (vérifiez que hooks/achats_hooks.py branche" \
         "toujours on_post_build, qui lance l'audit)."
  fi
  ready_for_pages public
fi

if [ "$what" != public ]; then
  echo "== Variante intranet → intranet/ (contenu interne : ne pas publier)"
  # The web editor (/admin/) is copied from node_modules (decap-cms, versions of
  # package-lock.json) by the intranet build.
  if command -v npm >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    echo "ATTENTION : npm est introuvable, le site intranet n'aura pas l'éditeur web (/admin/)" \
         "(bash scripts/paquets-systeme.sh construction installe nodejs et npm)." >&2
  fi
  achats build --site-dir intranet
  ready_for_pages intranet
fi

echo "== Prêt :"
[ "$what" = intranet ] || echo "  public/    $(find public -type f | wc -l) fichiers, audités : GitLab Pages, GitHub Pages"
[ "$what" = public ] || echo "  intranet/  $(find intranet -type f | wc -l) fichiers : serveur de l'intranet"
