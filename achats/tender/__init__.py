"""From knowledge to tender: tender documents (DCE) in Word and OpenDocument, DECP open
data and the obligations in force (achats dce, achats decp, the 2026 checks of achats check).

Kept apart from the knowledge-base modules: it reads entries (achats.model.load) and never the
site; the site may later link to what it produces.
"""
