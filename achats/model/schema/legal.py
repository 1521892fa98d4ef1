"""Legal data files: the articles table (articles.yml) and thresholds and dated obligations
(seuils.yml). Both are checked field by field, with the file line of each problem.

Self-contained on purpose: the generic check of content/data files is built elsewhere; this
module only knows the two legal files and reuses the typed fields of the front matter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field as dc_field

from achats.model import yamlsource
from achats.problems import ProblemList
from achats.model.schema.fields import CheckContext, Field, check_mapping

NATURES = ("obligation", "faculte", "definition", "procedure")
# Keys become page addresses and HTML anchors: no spaces, no punctuation but the hyphen.
ARTICLE_KEY = r"[A-Za-z0-9][A-Za-z0-9-]*"

ARTICLE_FIELDS = [
    Field("titre", "text", "objet de l'article, en quelques mots", required=True),
    Field("texte", "text", "texte de référence (code, loi, décret, règlement)", required=True),
    Field("nature", "text", "obligation, faculte, definition ou procedure", required=True,
          pattern="|".join(NATURES), pattern_help=f"valeurs permises : {', '.join(NATURES)}."),
    Field("regle", "text", "ce que l'article impose ou permet, avec nos propres mots",
          required=True),
    Field("version", "date", "date d'entrée en vigueur de la rédaction retenue (AAAA-MM-JJ)",
          required=True),
    Field("legifrance", "text", "référence Légifrance (texte et article) ou JORF",
          required=True),
    Field("applicable", "mapping", "obligation datée : depuis quand, pour quels marchés",
          fields=[Field("depuis", "date", "date de début (AAAA-MM-JJ)", required=True),
                  Field("portee", "text", "marchés concernés et exclusions", required=True)]),
    Field("a_confirmer", "text", "ce qui n'a pas pu être vérifié sur une source sûre"),
    Field("ancien_cmp", "text", "ancienne référence (Code des marchés publics)"),
]

OBJETS = ("fournitures_services", "travaux", "tous")

THRESHOLD_FIELDS = [
    Field("id", "text", "identifiant stable du seuil", required=True, pattern=ARTICLE_KEY,
          pattern_help="lettres, chiffres et tirets."),
    Field("libelle", "text", "ce que le seuil déclenche, en une phrase", required=True),
    Field("montant_ht", "integer", "montant en euros hors taxes", required=True),
    Field("objet", "text", "fournitures_services, travaux ou tous", required=True,
          pattern="|".join(OBJETS), pattern_help=f"valeurs permises : {', '.join(OBJETS)}."),
    Field("acheteurs", "text", "acheteurs concernés", required=True),
    Field("du", "date", "premier jour de validité (AAAA-MM-JJ)", required=True),
    Field("au", "date", "dernier jour de validité (AAAA-MM-JJ), absent si sans terme"),
    Field("articles", "list", "articles de articles.yml qui fixent le seuil", required=True,
          min_items=1, items=Field("article", "text", "article", articles=True)),
    Field("source", "text", "texte et date de publication", required=True),
    Field("egal_compris", "boolean", "un montant égal au seuil est-il concerné ? (par défaut "
          "oui ; non quand le texte dit « dépasse » ou « supérieur à »)"),
    Field("a_confirmer", "text", "ce qui n'a pas pu être vérifié"),
]

OBLIGATION_FIELDS = [
    Field("id", "text", "identifiant stable de l'obligation", required=True,
          pattern=ARTICLE_KEY, pattern_help="lettres, chiffres et tirets."),
    Field("libelle", "text", "l'obligation, en une phrase", required=True),
    Field("exige", "text", "ce que l'acheteur doit faire, concrètement", required=True),
    Field("depuis", "date", "date d'application (AAAA-MM-JJ)", required=True),
    Field("declencheur", "text", "événement comparé à la date (ex. lancement de la "
          "consultation)", required=True),
    Field("objet", "text", "fournitures_services, travaux ou tous", required=True,
          pattern="|".join(OBJETS), pattern_help=f"valeurs permises : {', '.join(OBJETS)}."),
    Field("seuil", "text", "identifiant d'un seuil de la liste « seuils » à partir duquel "
          "l'obligation s'applique (absent : quel que soit le montant)"),
    Field("exclusions", "text", "marchés non concernés"),
    Field("articles", "list", "articles de articles.yml qui posent l'obligation",
          required=True, min_items=1, items=Field("article", "text", "article", articles=True)),
    Field("a_confirmer", "text", "ce qui n'a pas pu être vérifié"),
]


def _reporter(rel: str, lines: dict, problems: ProblemList):
    def report(path, message, severity="erreur", line_from=None):
        line = yamlsource.line_of(lines, line_from or path)
        problems.add(rel, line, path, message, severity)
    return report


def load_articles(value, lines: dict, rel: str, problems: ProblemList) -> dict:
    """The article table, each entry checked; articles with problems stay in the table so
    that clauses citing them are not reported twice."""
    articles: dict = {}
    if value is None:
        return articles
    if not isinstance(value, dict):
        problems.add(rel, 1, "articles", "le fichier doit être un dictionnaire d'articles "
                     "(clé : l'article, valeur : ses champs).")
        return articles
    report = _reporter(rel, lines, problems)
    ctx = CheckContext({}, {})
    for key, info in value.items():
        article = str(key)
        if not re.fullmatch(ARTICLE_KEY, article):
            report(article, f"clé d'article « {article} » invalide : lettres, chiffres et "
                   "tirets seulement (ex. L2152-7, CRPM-L230-5-1).")
        if not isinstance(info, dict):
            report(article, "chaque article est un dictionnaire de champs (titre, texte, "
                   "nature, regle, version, legifrance).")
            continue
        check_mapping(ARTICLE_FIELDS, info, article, ctx, report)
        articles[article] = info
    return articles


@dataclass
class Threshold:
    id: str
    libelle: str
    montant_ht: int
    objet: str
    du: dt.date
    au: dt.date | None
    articles: list
    equal_counts: bool = True  # « égale ou supérieure » (True) or « supérieure » (False)

    def reached(self, amount_ht: float) -> bool:
        return amount_ht >= self.montant_ht if self.equal_counts else amount_ht > self.montant_ht

    def in_force(self, day: dt.date) -> bool:
        return self.du <= day and (self.au is None or day <= self.au)


@dataclass
class Obligation:
    id: str
    libelle: str
    depuis: dt.date
    objet: str
    seuil: str | None
    articles: list
    exige: str = ""
    exclusions: str = ""


@dataclass
class LegalCalendar:
    """Thresholds and dated obligations, for pages and for later checks on tenders."""
    thresholds: list = dc_field(default_factory=list)
    obligations: list = dc_field(default_factory=list)

    def threshold(self, ident: str, day: dt.date) -> Threshold | None:
        """The threshold family ``ident`` in force on ``day`` (ids are shared across
        periods by design: ``europeen-fcs-collectivites`` has one entry per period)."""
        return next((t for t in self.thresholds if t.id == ident and t.in_force(day)), None)

    def obligations_for(self, launch: dt.date, amount_ht: float | None,
                        objet: str) -> list[Obligation]:
        """Obligations that apply to a tender launched on ``launch`` for ``amount_ht``."""
        result = []
        for ob in self.obligations:
            if launch < ob.depuis or ob.objet not in ("tous", objet):
                continue
            if ob.seuil:
                limit = self.threshold(ob.seuil, launch)
                if limit is None or amount_ht is None or not limit.reached(amount_ht):
                    continue
            result.append(ob)
        return result


def load_thresholds(value, lines: dict, rel: str, problems: ProblemList,
                    articles: dict) -> LegalCalendar:
    """seuils.yml: two lists, ``seuils`` and ``obligations``, checked item by item."""
    calendar = LegalCalendar()
    if value is None:
        return calendar
    report = _reporter(rel, lines, problems)
    if not isinstance(value, dict):
        report("seuils", "le fichier doit contenir deux listes : « seuils » et « obligations ».")
        return calendar
    ctx = CheckContext({}, articles)
    check_mapping([Field("seuils", "list", "seuils en vigueur", required=True, min_items=1),
                   Field("obligations", "list", "obligations datées", required=True,
                         min_items=1)], value, "", ctx, report)
    ids: dict = {}
    for path, item in _valid_items(value, "seuils", THRESHOLD_FIELDS, ctx, report, problems):
        if item.get("au") and item["au"] < item["du"]:
            report(f"{path}.au", "la fin de validité précède son début.")
            continue
        threshold = Threshold(item["id"], item["libelle"], item["montant_ht"], item["objet"],
                              item["du"], item.get("au"), item["articles"],
                              item.get("egal_compris", True))
        other = next((o for o in ids.get(threshold.id, []) if _overlap(o, threshold)), None)
        if other is not None:
            report(f"{path}.du", f"le seuil « {threshold.id} » a déjà une valeur pour une "
                   f"partie de cette période (celle qui commence le {other.du.isoformat()}) : "
                   "une seule valeur par jour.")
            continue
        ids.setdefault(threshold.id, []).append(threshold)
        calendar.thresholds.append(threshold)
    seen: set = set()
    for path, item in _valid_items(value, "obligations", OBLIGATION_FIELDS, ctx, report,
                                   problems):
        if item["id"] in seen:
            report(f"{path}.id", f"identifiant « {item['id']} » en double.")
            continue
        seen.add(item["id"])
        if item.get("seuil") and item["seuil"] not in ids:
            report(f"{path}.seuil", f"seuil inconnu « {item['seuil']} » : il doit figurer "
                   "dans la liste « seuils ».")
            continue
        calendar.obligations.append(Obligation(item["id"], item["libelle"], item["depuis"],
                                               item["objet"], item.get("seuil"),
                                               item["articles"], item["exige"].strip(),
                                               (item.get("exclusions") or "").strip()))
    return calendar


def _overlap(a: Threshold, b: Threshold) -> bool:
    """Two validity periods share a day (an open end runs forever)."""
    return (b.au is None or a.du <= b.au) and (a.au is None or b.du <= a.au)


def _valid_items(value: dict, key: str, fields: list, ctx, report, problems: ProblemList):
    """(path, item) for each item of the list ``value[key]`` that is a mapping and passes
    ``fields``; the others are reported and skipped."""
    items = value.get(key)
    for index, item in enumerate(items if isinstance(items, list) else []):
        path = f"{key}[{index}]"
        if not isinstance(item, dict):
            report(path, "chaque élément est un dictionnaire de champs.")
            continue
        before = len(problems)
        check_mapping(fields, item, path, ctx, report)
        if len(problems) == before:
            yield path, item
