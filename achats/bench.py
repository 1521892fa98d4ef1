"""Benchmark: does the site cost grow linearly with the corpus, and how far from bare MkDocs?

``run_bench`` writes a synthetic corpus in the project's own schema into a temporary git
repository (entries of the five collections, realistic body sizes, cross-references, M
commits touching random entries; reproducible from a seed), then times on the same files,
in one run and side by side:

- the bare build: plain MkDocs + Material over the same Markdown files, no hooks, a nav with
  only the home page, no search plugin (the reference: what any MkDocs site pays);
- our full build (`achats build`) without the search index, then with it;
- `achats check`;
- each step of ours, in this process: load, validate, index (graph), history, render, search.

Builds and `achats check` run as subprocesses (same Python, same way for the bare and the
full builds), each measure is the best of ``repeat`` runs. Figures are only meaningful as the
ratios between measures of one run: the tests check the shape of the result, never times.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field as dc_field
from pathlib import Path

import yaml

from achats.git.repo import GitError, repository
from achats.model.fingerprint import fingerprint
from achats.problems import AchatsError, ProblemList
from achats.project import DATA_DIR, Project

# What a benchmark project copies from the real one besides its entries.
SKELETON = ["mkdocs.yml", "mkdocs.public.yml", "hooks", "content/pages", "content/theme",
            DATA_DIR, "content/modeles"]

# Share of each collection in the synthetic corpus (tenders also get 3 pieces each).
SHARES = [("clause", 0.40), ("guide", 0.15), ("rapport", 0.15), ("apero", 0.10),
          ("marche", 0.20)]

SEED = 2012

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# --- synthetic French text -------------------------------------------------------------

# Frequent French words and their approximate frequency per 1,000 words of written French
# (orders of magnitude of the usual frequency lists): "de" alone is about 4 % of the words,
# which matters, since the search index chunk of the commonest word is the biggest one.
_FUNCTION_WORDS = {
    "de": 38, "la": 21, "le": 17, "et": 16, "les": 15, "des": 13, "à": 12, "en": 10,
    "du": 7, "un": 7, "une": 6, "que": 6, "est": 5, "pour": 5, "qui": 4.5, "dans": 4.5,
    "il": 4, "par": 4, "a": 3, "sur": 3, "au": 3, "plus": 3, "pas": 2.5, "ne": 2.5, "se": 2.5,
    "ce": 2.5, "avec": 2.5, "ou": 2, "sont": 2, "son": 1.8, "aux": 1.8, "sa": 1.5,
    "ses": 1.5, "on": 1.5, "elle": 1.5, "ont": 1.2, "ils": 1.2, "cette": 1.2, "ces": 1.2,
    "mais": 1.2, "comme": 1.2, "leur": 1, "tout": 1, "être": 1, "leurs": 0.8, "aussi": 0.8,
    "tous": 0.8, "fait": 0.8, "peut": 0.8, "dont": 0.8, "entre": 0.6, "sans": 0.6,
    "doit": 0.5, "sous": 0.4, "après": 0.4, "ainsi": 0.4, "donc": 0.4, "avant": 0.3,
    "lors": 0.3,
}
_FUNCTION_SHARE = 300  # per 1,000 words: the rest are content words

_CONTENT_WORDS = (
    "achat achats public publique marché marchés acheteur acheteurs clause clauses critère "
    "critères environnemental environnementale social sociale économique durable durables "
    "développement insertion emploi handicap entreprise entreprises fournisseur fournisseurs "
    "prestataire titulaire candidat candidats offre offres prix coût coûts cycle vie énergie "
    "carbone émissions déchets recyclage réemploi matériaux bois papier mobilier véhicules "
    "transport transports restauration collective alimentation bio local circuits courts "
    "nettoyage produits écolabel label labels norme normes certification vérification "
    "contrôle preuve preuves attestation sur honneur pièce pièces règlement consultation "
    "cahier charges technique techniques administratives particulières acte engagement "
    "besoin besoins définition sourçage dialogue rencontre fournisseurs visite étude "
    "rapport étonnement retour expérience évaluation bilan suivi exécution indicateur "
    "indicateurs heures travail personnes éloignées structure structures association "
    "associations économie solidaire adaptée établissement service aide réservé réservés "
    "lot lots allotissement groupement petites moyennes procédure adaptée appel ouvert "
    "restreint négociation commande code article articles loi climat résilience condition "
    "conditions pondération note notation analyse choix attribution service juridique "
    "direction région lycées agents élus commission formation sensibilisation nouveaux "
    "arrivants guide chapitre étape processus stratégie politique schéma promotion "
    "responsable socialement écologiquement objectif objectifs impact faisabilité mire "
    "proposition propositions risque risques juridique lien objet équivalent équivalents "
    "mémoire technique clause-type rédaction dossier pièces délai délais calendrier "
    "publication avis réponse dématérialisée plateforme numérique données ouvertes usagers "
    "jeunes citoyenneté éco-citoyenneté défi apéro intervenants questions salle suites "
    "diapositives minutes atelier résidence semaines chercheurs designers agents innovation "
    "co-construction wiki co-écriture version validation relecture commentaire commentaires "
    "parité égalité femmes hommes qualité sécurité santé conditions travail sous-traitance "
    "salariés équipe équipes compétences transfert connaissances accompagnement changement "
    "performance globale consommation eau électricité chauffage bâtiment bâtiments travaux "
    "chantier chantiers réhabilitation isolation thermique maintenance entretien durée "
    "garantie réparabilité pièces détachées emballages livraison logistique distance "
    "proximité territoire territorial emploi local filière filières biosourcés").split()

_SYLLABLES = ("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go la le li lo "
              "lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so ta te ti "
              "to tu va ve vi vo tra tre tri pla ple pli bri bro cla clo gra gro").split()


class Text:
    """Pseudo-French prose: real frequent words (Zipf-like weights) and a long tail of rare
    invented words, so the search index has a realistic vocabulary."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        # Function words at their usual frequencies, content words Zipf-like, ranked after
        # them (1/(rank + 30)): the commonest content word is then about 1 % of the words.
        zipf = [1.0 / (rank + 30) for rank in range(1, len(_CONTENT_WORDS) + 1)]
        scale = (1000 - _FUNCTION_SHARE) / sum(zipf)
        self.words = list(_FUNCTION_WORDS) + _CONTENT_WORDS
        self.weights = list(_FUNCTION_WORDS.values()) + [w * scale for w in zipf]
        self.cumulative = list(_accumulate(self.weights))

    def rare(self) -> str:
        n = self.rng.choice((2, 3, 3, 4))
        return "".join(self.rng.choice(_SYLLABLES) for _ in range(n))

    def pick_words(self, n: int) -> list[str]:
        picked = self.rng.choices(self.words, cum_weights=self.cumulative, k=n)
        for i in range(n):
            if self.rng.random() < 0.06:
                picked[i] = self.rare()
        return picked

    def sentence(self, low: int = 8, high: int = 22) -> str:
        words = self.pick_words(self.rng.randint(low, high))
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def title(self) -> str:
        words = [w for w in self.pick_words(12) if w not in _FUNCTION_WORDS][:4] or ["achat"]
        return " ".join(words).capitalize()

    def paragraph(self, words: int) -> tuple[str, int]:
        out, count = [], 0
        while count < words:
            sentence = self.sentence()
            out.append(sentence)
            count += sentence.count(" ") + 1
        return " ".join(out), count


def _accumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


# --- corpus -----------------------------------------------------------------------------


@dataclass
class Corpus:
    root: Path
    entries: int
    commits: int
    pages: int  # entry pages + tender pieces
    files: dict = dc_field(default_factory=dict)  # entry id -> path relative to the root
    ids: dict = dc_field(default_factory=dict)  # collection -> list of ids


def _slug(text: str) -> str:
    from achats.model.scaffold import slugify
    return slugify(text, limit=40)


def _counts(total: int) -> dict[str, int]:
    counts = {name: int(total * share) for name, share in SHARES}
    for name, _share in SHARES:  # every collection present, the rest to clauses
        if counts[name] == 0 and total >= len(SHARES):
            counts[name] = 1
    counts["clause"] += total - sum(counts.values())
    return counts


def _ident(prefix: str, number: int, width: int) -> str:
    return f"{prefix}-{number:0{width}d}"


def _unique(items) -> list:
    """Lists in front matter may not repeat a value (achats check refuses duplicates)."""
    return list(dict.fromkeys(items))


def _unique_by_name(items: list[dict]) -> list[dict]:
    return list({item["nom"]: item for item in items}.values())


def _front_matter(meta: dict, body: str) -> str:
    return "---\n" + yaml.dump(meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                               width=100) + "---\n" + body


class _Writer:
    """Writes one synthetic entry per call, in the schema of content/pages/contribuer/."""

    def __init__(self, project: Project, rng: random.Random, vocab: dict, articles: list,
                 ids: dict[str, list[str]]):
        self.root = project.root
        self.rng = rng
        self.text = Text(rng)
        self.vocab = vocab
        self.articles = articles
        self.ids = ids
        self.to_sign: list[tuple[Path, dict, str]] = []  # validated clauses: path, meta, body
        self.tags = [f"thème {w}" for w in ("énergie", "insertion", "déchets", "mobilité",
                                            "alimentation", "numérique", "handicap", "bois",
                                            "papier", "bâtiment", "formation", "eau")]

    def pick(self, vocab: str, low: int = 1, high: int = 1) -> list[str]:
        keys = list(self.vocab[vocab])
        return self.rng.sample(keys, self.rng.randint(low, min(high, len(keys))))

    def refs(self, collection: str, low: int, high: int) -> list[str]:
        pool = self.ids.get(collection) or []
        if not pool:
            return []
        return sorted(set(self.rng.choice(pool) for _ in range(self.rng.randint(low, high))))

    def body(self, words: int) -> str:
        """Sections of paragraphs with a list and [[ID]] links, about ``words`` words."""
        parts, count = [], 0
        while count < words:
            if parts and self.rng.random() < 0.35:
                parts.append("## " + self.text.title())
            paragraph, n = self.text.paragraph(self.rng.randint(40, 110))
            if self.rng.random() < 0.5:
                target = self.refs("clause", 1, 1) or self.refs("guide", 1, 1)
                if target:
                    paragraph += f" Voir [[{target[0]}]]."
            parts.append(paragraph)
            count += n
            if self.rng.random() < 0.15:
                items = [self.text.sentence(4, 10) for _ in range(3)]
                parts.append("\n".join(f"- {item}" for item in items))
                count += sum(item.count(" ") + 1 for item in items)
        return "\n\n".join(parts) + "\n"

    def write(self, path: Path, meta: dict, body: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_front_matter(meta, body), encoding="utf-8")

    def clause(self, ident: str) -> Path:
        rng, text = self.rng, self.text
        kind = rng.choice(list(self.vocab["types_clause"]))
        meta = {
            "id": ident, "titre": text.title(), "resume": text.sentence(10, 20),
            "type": kind, "piliers": self.pick("piliers", 1, 2),
            "familles": self.pick("familles", 1, 2), "procedures": self.pick("procedures", 1, 3),
            "etapes": self.pick("etapes", 1, 2),
            "base_legale": rng.sample(self.articles, rng.randint(1, 2)),
            "document": rng.choice(list(self.vocab["documents"])),
            "niveau": rng.choice(list(self.vocab["niveaux"])),
            "texte": " ".join(text.sentence() for _ in range(rng.randint(2, 4))) + "\n",
            "verification": " ".join(text.sentence() for _ in range(rng.randint(1, 3))) + "\n",
        }
        if kind == "critere_attribution":
            meta["ponderation"] = f"{rng.choice((5, 10, 15, 20))} %"
        meta["risques"] = _unique(text.sentence(6, 14) for _ in range(rng.randint(0, 2)))
        meta["clauses_liees"] = [i for i in self.refs("clause", 0, 2) if i != ident]
        meta["sources"] = ["Synthèse du banc d'essai."]
        meta["tags"] = rng.sample(self.tags, rng.randint(0, 2))
        roll = rng.random()
        status = ("validee" if roll < 0.8 else "proposee" if roll < 0.9
                  else "a_valider" if roll < 0.97 else "retiree")
        meta["statut"] = status
        if status == "retiree":
            meta["motif_retrait"] = text.sentence()
        if status == "validee":
            meta["validation"] = {"par": BENCH_SIGNER, "le": dt.date(2026, 1, 1)
                                  + dt.timedelta(days=rng.randint(0, 300)),
                                  "empreinte": fingerprint(meta)}
        path = self.root / "clauses" / f"{ident.lower()}-{_slug(meta['titre'])}.md"
        body = self.body(rng.randint(300, 800))
        self.write(path, meta, body)
        if status == "validee":
            self.to_sign.append((path, meta, body))
        return path

    def guide(self, ident: str, order: int) -> Path:
        meta = {"id": ident, "titre": self.text.title(), "etape": self.pick("etapes")[0],
                "ordre": order, "resume": self.text.sentence(10, 20),
                "clauses": self.refs("clause", 0, 4),
                "tags": self.rng.sample(self.tags, self.rng.randint(0, 2))}
        path = self.root / "guides" / f"{ident.lower()}-{_slug(meta['titre'])}.md"
        self.write(path, meta, self.body(self.rng.randint(300, 800)))
        return path

    def rapport(self, ident: str) -> Path:
        rng, text = self.rng, self.text
        meta = {"id": ident, "titre": "Visite : " + text.title(),
                "date": dt.date(2012, 1, 1) + dt.timedelta(days=rng.randint(0, 5000)),
                "lieu": rng.choice(["Lyon", "Grenoble", "Saint-Étienne", "Annecy", "Valence",
                                    "Chambéry", "Bourg-en-Bresse"]),
                "fournisseurs": _unique_by_name([{"nom": text.title(), "activite": text.sentence(5, 10)}
                                                 for _ in range(rng.randint(1, 3))]),
                "participants": _unique(f"agent {text.rare()}" for _ in range(rng.randint(1, 4))),
                "etonnements": _unique(text.sentence() for _ in range(rng.randint(1, 4))),
                "pistes": _unique(text.sentence() for _ in range(rng.randint(1, 3))),
                "clauses": self.refs("clause", 0, 3)}
        path = self.root / "content/rapports" / f"{ident.lower()}-{_slug(meta['titre'])}.md"
        self.write(path, meta, self.body(rng.randint(300, 800)))
        return path

    def apero(self, ident: str, number: int) -> Path:
        rng, text = self.rng, self.text
        meta = {"id": ident, "titre": f"Apéro-défi n° {number} : {text.title().lower()}",
                "numero": number,
                "date": dt.date(2012, 10, 1) + dt.timedelta(days=7 * number),
                "defi": text.sentence(8, 16), "format": "6 diapositives en 6 minutes",
                "intervenants": [{"origine": rng.choice(["interne", "externe"]),
                                  "organisation": text.title(), "projet": text.sentence(5, 9)}
                                 for _ in range(rng.randint(2, 5))],
                "questions": _unique(text.sentence(6, 12)[:-1] + " ?"
                                     for _ in range(rng.randint(1, 4))),
                "evaluation": text.sentence(), "suites": [text.sentence()]}
        path = self.root / "content/aperos" / f"{ident.lower()}-{_slug(meta['titre'])}.md"
        self.write(path, meta, self.body(rng.randint(300, 800)))
        return path

    def marche(self, ident: str) -> Path:
        rng, text = self.rng, self.text
        status = rng.choice(list(self.vocab["statuts_marche"]))
        meta = {"id": ident, "titre": text.title(), "objet": text.sentence(8, 16),
                "direction": rng.choice(list(self.vocab["directions"])),
                "procedure": rng.choice(list(self.vocab["procedures"])),
                "familles": self.pick("familles", 1, 2),
                "montant_estime": rng.randint(5, 500) * 1000, "statut": status,
                "roles": {"gestionnaire": f"@{text.rare()}",
                          "editeurs": _unique(f"@{text.rare()}" for _ in range(rng.randint(0, 2))),
                          "commentateurs": ["@dajcp"], "observateurs": []},
                "clauses": self.refs("clause", 1, 5),
                "calendrier": [{"jalon": "Publication de l'avis",
                                "date": dt.date(2026, rng.randint(1, 12), rng.randint(1, 28))}]}
        if status in ("attribue", "infructueux", "evalue"):
            issue = status if status != "evalue" else rng.choice(["attribue", "infructueux"])
            meta["resultat"] = {"offres_recues": rng.randint(0, 9), "issue": issue}
        if status == "evalue":
            meta["evaluation"] = text.sentence()
        folder = self.root / "content/marches" / f"{ident.lower()}-{_slug(meta['titre'])}"
        self.write(folder / "index.md", meta, self.body(rng.randint(300, 800)))
        for name, title in (("rc.md", "Règlement de la consultation"),
                            ("ccap.md", "Cahier des clauses administratives particulières"),
                            ("cctp.md", "Cahier des clauses techniques particulières")):
            self.write(folder / name, {"titre": title}, self.body(rng.randint(150, 400)))
        return folder / "index.md"


def _copy_skeleton(source: Project, root: Path) -> None:
    for name in SKELETON:
        origin, target = source.root / name, root / name
        if not origin.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, target)
    # The real home page and data files cite the real entries: the corpus gets its own.
    (root / "content/pages/index.md").write_text(
        "# Banc d'essai\n\nCorpus synthétique généré par « achats bench ».\n", encoding="utf-8")


def set_extra(config: Path, key: str, value: str) -> None:
    """Set ``extra.<key>`` in a mkdocs.yml by editing its lines (comments and tags kept)."""
    lines = config.read_text(encoding="utf-8").split("\n")
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "extra:"), None)
    if start is None:
        lines += ["extra:", f"  {key}: {value}"]
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i] and not lines[i].startswith((" ", "#"))), len(lines))
        found = next((i for i in range(start + 1, end)
                      if re.match(rf"\s+{re.escape(key)}\s*:", lines[i])), None)
        if found is None:
            lines.insert(start + 1, f"  {key}: {value}")
        else:
            lines[found] = f"  {key}: {value}"
    config.write_text("\n".join(lines), encoding="utf-8")


def generate_corpus(root: Path, entries: int, commits: int, seed: int = SEED,
                    source: Project | None = None) -> Corpus:
    """A git repository at ``root`` holding a valid synthetic project of ``entries`` entries
    and ``commits`` commits after the first one (each touching 1 to 4 random entries)."""
    if entries < 1:
        raise AchatsError("le banc d'essai a besoin d'au moins une fiche (--entries).")
    if commits < 0:
        raise AchatsError("le nombre de commits (--commits) ne peut pas être négatif.")
    source = source or Project.find()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    _copy_skeleton(source, root)
    project = Project(root.resolve())
    rng = random.Random(seed)
    vocab = yaml.safe_load((root / DATA_DIR / "vocabulaires.yml").read_text(encoding="utf-8"))
    articles = list(yaml.safe_load(
        (root / DATA_DIR / "articles.yml").read_text(encoding="utf-8")))
    counts = _counts(entries)
    ids: dict[str, list[str]] = {}
    for name in counts:
        prefix = {"clause": "CL", "guide": "GU", "rapport": "RA", "apero": "AP",
                  "marche": "MA"}[name]
        width = max(3, len(str(counts[name])))
        ids[name] = [_ident(prefix, i, width) for i in range(1, counts[name] + 1)]
    writer = _Writer(project, rng, vocab, articles, ids)
    corpus = Corpus(root, entries, commits, pages=entries + 3 * counts["marche"], ids=ids)
    for ident in ids["clause"]:
        corpus.files[ident] = writer.clause(ident)
    for order, ident in enumerate(ids["guide"], 1):
        corpus.files[ident] = writer.guide(ident, order % 20 + 1)
    for ident in ids["rapport"]:
        corpus.files[ident] = writer.rapport(ident)
    for number, ident in enumerate(ids["apero"], 1):
        corpus.files[ident] = writer.apero(ident, number)
    for ident in ids["marche"]:
        corpus.files[ident] = writer.marche(ident)
    _write_data(root, rng, ids)
    _sign_validations(root, writer)
    _commit_history(root, rng, corpus, writer, commits)
    return corpus


# The validated clauses of the corpus are signed like real ones, by a throwaway key.
BENCH_SIGNER = "banc-essai@achats.invalid"


def _sign_validations(root: Path, writer: _Writer) -> None:
    """Sign every validated clause with a key made for this corpus (then deleted): one
    ssh-keygen process per 1,000 clauses, each message in its own file."""
    from achats.model.signatures import NAMESPACE, OPTION, SIGNERS_FILE, message, ssh_keygen

    if not writer.to_sign:
        return
    with tempfile.TemporaryDirectory(prefix="achats-banc-") as folder:
        key = Path(folder) / "banc"
        subprocess.run([ssh_keygen(), "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True, capture_output=True)
        key_type, blob = key.with_suffix(".pub").read_text(encoding="ascii").split()[:2]
        (root / SIGNERS_FILE).write_text(f"{BENCH_SIGNER} {OPTION} {key_type} {blob}\n",
                                         encoding="utf-8")
        files = []
        for number, (_path, meta, _body) in enumerate(writer.to_sign):
            block = meta["validation"]
            name = Path(folder) / f"m{number}"
            name.write_bytes(message(meta["id"], block["empreinte"], block["par"],
                                     block["le"].isoformat()))
            files.append(str(name))
        for start in range(0, len(files), 1000):
            subprocess.run([ssh_keygen(), "-q", "-Y", "sign", "-n", NAMESPACE, "-f",
                            str(key), *files[start:start + 1000]],
                           check=True, capture_output=True)
        for name, (path, meta, body) in zip(files, writer.to_sign):
            meta["validation"]["signature"] = Path(name + ".sig").read_text(encoding="ascii")
            writer.write(path, meta, body)


def _write_data(root: Path, rng: random.Random, ids: dict[str, list[str]]) -> None:
    data = root / DATA_DIR
    path = ids.get("guide", [])[:10]
    (data / "parcours.yml").write_text(yaml.dump(
        {"titre": "Parcours du banc d'essai", "introduction": "Les premiers chapitres.",
         "etapes": path}, Dumper=_Dumper, allow_unicode=True, sort_keys=False), "utf-8")
    proposals = [{"id": f"P{i:02d}", "libelle": f"Proposition {i}", "impact": rng.randint(1, 5),
                  "faisabilite": rng.randint(1, 5),
                  "clauses": [rng.choice(ids["clause"])] if ids.get("clause") else [],
                  "source": "Banc d'essai."} for i in range(1, 9)]
    (data / "mire.yml").write_text(yaml.dump(
        {"titre": "Mire du banc d'essai", "source": "Banc d'essai.", "propositions": proposals},
        Dumper=_Dumper, allow_unicode=True, sort_keys=False), "utf-8")


AUTHORS = [("Agnès Achat", "agnes@example.org"), ("Bruno Besoin", "bruno@example.org"),
           ("Chloé Clause", "chloe@example.org"), ("David Dajcp", "david@example.org"),
           ("Élise Évaluation", "elise@example.org")]


def _git(root: Path, *args: str, env: dict | None = None) -> None:
    try:
        repository(root).run(*args, env=env)
    except GitError as exc:
        raise AchatsError(f"git {' '.join(args[:2])} a échoué dans le banc d'essai : "
                          f"{exc.stderr.strip()}") from None


def _commit_history(root: Path, rng: random.Random, corpus: Corpus, writer: _Writer,
                    commits: int) -> None:
    when = dt.datetime(2024, 1, 1, 9, 0, tzinfo=dt.timezone.utc)

    def commit(message: str, author: tuple[str, str], *paths: str) -> None:
        nonlocal when
        when += dt.timedelta(hours=rng.randint(2, 48))
        stamp = when.isoformat()
        env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
               "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1],
               "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        _git(root, "add", "--", *paths, env=env)
        _git(root, "commit", "-q", "--no-verify", "-m", message, env=env)

    _git(root, "init", "-q")
    _git(root, "config", "commit.gpgsign", "false")
    (root / ".gitignore").write_text("site/\nsite-public/\n", encoding="utf-8")
    commit("Corpus initial du banc d'essai", AUTHORS[0], ".")
    identifiers = sorted(corpus.files)
    for number in range(1, commits + 1):
        touched = rng.sample(identifiers, min(len(identifiers), rng.randint(1, 4)))
        paths = []
        for ident in touched:
            path = corpus.files[ident]
            text = path.read_text(encoding="utf-8")
            paragraph, _n = writer.text.paragraph(rng.randint(20, 60))
            path.write_text(text.rstrip("\n") + "\n\n" + paragraph + "\n", encoding="utf-8")
            paths.append(str(path.relative_to(root)))
        if rng.random() < 0.05:  # now and then a renamed file: history must follow it
            ident = touched[0]
            old = corpus.files[ident]
            if old.name != "index.md":
                new = old.with_name(f"{ident.lower()}-{writer.text.rare()}.md")
                _git(root, "mv", str(old.relative_to(root)), str(new.relative_to(root)))
                corpus.files[ident] = new
                paths = [p for p in paths if p != str(old.relative_to(root))]
                paths.append(str(new.relative_to(root)))
        commit(f"Mise à jour n° {number} : {', '.join(touched)}", rng.choice(AUTHORS), *paths)


# --- the bare reference site ---------------------------------------------------------------

BARE_CONFIG = """\
# The reference: plain MkDocs + Material on the same Markdown files; no hooks, no search
# plugin, a nav with only the home page (listing every page makes MkDocs quadratic).
site_name: Banc d'essai (témoin)
site_url: http://localhost:8000/
docs_dir: docs
use_directory_urls: true
theme:
  name: material
  language: fr
  features: [navigation.tabs, navigation.indexes, navigation.top, navigation.footer,
             toc.follow, content.tooltips]
nav:
  - Accueil: index.md
markdown_extensions:
  - abbr
  - attr_list
  - md_in_html
  - tables
  - toc:
      permalink: true
  - admonition
  - pymdownx.details
  - pymdownx.superfences
plugins: []
validation:
  nav:
    omitted_files: ignore
  links:
    not_found: ignore
    unrecognized_links: ignore
"""

BARE_FOLDERS = {"guides": "guides", "clauses": "clauses", "content/rapports": "rapports",
                "content/aperos": "aperos", "content/marches": "marches"}


def make_bare_site(corpus_root: Path, bare: Path) -> None:
    """A plain MkDocs project whose docs are hard links to the corpus's Markdown files."""
    docs = bare / "docs"
    for source, target in BARE_FOLDERS.items():
        for path in sorted((corpus_root / source).rglob("*.md")):
            dest = docs / target / path.relative_to(corpus_root / source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, dest)
            except OSError:
                shutil.copy2(path, dest)
    (docs / "index.md").write_text("# Témoin\n\nLes mêmes fichiers, sans la base.\n", "utf-8")
    (bare / "mkdocs.yml").write_text(BARE_CONFIG, encoding="utf-8")


# --- measures --------------------------------------------------------------------------------

ACHATS = "import sys; from achats.cli import main; sys.exit(main(sys.argv[1:]))"


def _run(command: list[str], cwd: Path, what: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          errors="replace")
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        errors = [line for line in lines if "avertissement" not in line]  # warnings: noise
        tail = "\n".join(errors[-12:] or lines[-12:])
        raise AchatsError(f"banc d'essai : {what} a échoué (code {done.returncode}) :\n{tail}")
    return seconds


def _best(repeat: int, measure) -> float:
    return min(measure() for _ in range(max(1, repeat)))


def measure_phases(root: Path, site: Path | None, repeat: int) -> dict:
    """Each step of ours, in this process, on the corpus at ``root`` (best of ``repeat``)."""
    from achats.index.graph import build_graph
    from achats.model.load import load_entries
    from achats.render import RenderContext, render_site
    from achats.model.schema import load_vocabularies
    from achats.model.validate import validate_entries, validate_path

    project = Project(root.resolve())
    phases: dict[str, float | None] = {}
    state: dict = {}

    def load():
        problems = ProblemList()
        state["vocab"] = load_vocabularies(project.data_dir, DATA_DIR, problems)
        state["entries"] = load_entries(project, problems)

    def validate():
        problems = ProblemList()
        validate_entries(state["entries"], state["vocab"], problems)
        validate_path(state["vocab"], {e.id for e in state["entries"] if e.id}, problems)

    def index():
        state["graph"] = build_graph(state["entries"], state["vocab"])

    for name, step in (("load", load), ("validate", validate), ("index", index)):
        phases[name] = _best(repeat, lambda step=step: _timed(step))

    try:
        from achats.git.log import read_history
    except ImportError:
        read_history = None
    if read_history is None:
        phases["history"] = None
        state["history"] = None
    else:
        def history():
            state["history"] = read_history(project.root, public=False)
        phases["history"] = _best(repeat, lambda: _timed(history))

    def render():
        from achats.variant import make_view

        view = make_view(False, state["graph"], state["history"])
        ctx = RenderContext.of_view(view, site_url="http://localhost:8000/")
        try:
            from achats.render.history import history_section
        except ImportError:
            pass
        else:
            ctx.extra_sections.append(history_section)
        state["pages"] = render_site(ctx)

    phases["render"] = _best(repeat, lambda: _timed(render))
    if site is not None:
        from achats.site.search import index_site
        phases["search"] = _best(repeat, lambda: _timed(lambda: index_site(site, "intranet")))
    else:
        phases["search"] = None
    return phases


def _timed(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


@dataclass
class BenchResult:
    data: dict

    def as_json(self) -> str:
        import json
        return json.dumps(self.data, ensure_ascii=False, indent=2)

    def as_table(self) -> str:
        return format_table(self.data)


def run_bench(entries: int, commits: int, seed: int = SEED, repeat: int = 2,
              workdir: Path | None = None, keep: bool = False,
              source: Project | None = None, progress=None) -> BenchResult:
    """Generate the corpus, time everything side by side, return the figures."""
    from achats.site.search import query_load

    say = progress or (lambda message: None)
    base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="achats-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    root, bare, out = base / "projet", base / "temoin", base / "sorties"
    if root.exists():
        raise AchatsError(f"{root} existe déjà : choisissez un dossier vide (--dossier).")
    try:
        say(f"Génération de {entries} fiches et {commits} commits dans {base}…")
        started = time.perf_counter()
        corpus = generate_corpus(root, entries, commits, seed, source)
        make_bare_site(root, bare)
        generated = time.perf_counter() - started
        config = root / "mkdocs.yml"
        # The PDF of the path is an extra output of constant size (ten chapters), not part
        # of the site: it stays out of the comparison with the bare build.
        set_extra(config, "pdf", "false")
        set_extra(config, "dce", "false")  # Word/ODT pieces: not what the bench measures
        python = sys.executable

        # The three builds are timed in rounds (bare, full, full with search, then again),
        # not each K times in a row: on a shared machine the load drifts over minutes, and a
        # drift then weighs on the three alike instead of on one of them.
        site = out / "avec-recherche"
        builds = {
            "bare": ("Construction témoin (MkDocs + Material)", None, lambda: _run(
                [python, "-m", "mkdocs", "build", "-q", "-f", str(bare / "mkdocs.yml"),
                 "-d", str(out / "temoin")], bare, "la construction témoin")),
            "build": ("Construction complète sans index de recherche", "false", lambda: _run(
                [python, "-c", ACHATS, "build", "--site-dir", str(out / "sans-recherche")],
                root, "achats build (sans recherche)")),
            "search": ("Construction complète avec index de recherche", "true", lambda: _run(
                [python, "-c", ACHATS, "build", "--site-dir", str(site)], root,
                "achats build (avec recherche)")),
        }
        best: dict[str, float] = {}
        for round_number in range(1, repeat + 1):
            for key, (label, search, measure) in builds.items():
                say(f"{label} (essai {round_number}/{repeat})…")
                if search is not None:
                    set_extra(config, "recherche", search)
                best[key] = min(best.get(key, float("inf")), measure())
        bare_s, build_s, search_build_s = best["bare"], best["build"], best["search"]
        say("achats check…")
        # Cold: everything read and checked (--sans-cache). Then as a contributor runs it
        # again after a change: one run fills the cache, the next ones reuse it. Both after
        # one untimed run: after three builds that wrote whole sites, the system may have
        # let the corpus's files leave its memory, and reading them back from disk (1.5 s
        # at 10,000 entries, seen) is the machine's cost, not the check's.
        _run([python, "-c", ACHATS, "check", "--sans-cache"], root, "achats check --sans-cache")
        check_cold_s = _best(repeat, lambda: _run(
            [python, "-c", ACHATS, "check", "--sans-cache"], root, "achats check --sans-cache"))
        _run([python, "-c", ACHATS, "check"], root, "achats check")
        check_s = _best(repeat, lambda: _run([python, "-c", ACHATS, "check"], root,
                                             "achats check"))
        load = query_load(site)
        say("Étapes, une par une…")
        phases = measure_phases(root, out / "sans-recherche", repeat)
        data = {
            "entries": entries, "commits": commits, "pages": corpus.pages, "seed": seed,
            "repeat": repeat, "cpus": os.cpu_count(), "cpu": cpu_model(),
            "generation_s": round(generated, 2),
            "bare_build_s": round(bare_s, 3), "build_s": round(build_s, 3),
            "build_with_search_s": round(search_build_s, 3), "check_s": round(check_s, 3),
            "check_cold_s": round(check_cold_s, 3),
            "phases": {k: (round(v, 3) if v is not None else None) for k, v in phases.items()},
            "history_available": phases.get("history") is not None,
            # entry file + two largest word chunks + all filter files (search.query_load)
            "search_query_kb_max": _kb(load.index),
            "search_query_kb": {"entry": _kb(load.entry),
                                "largest_chunk": _kb(load.largest_chunk),
                                "second_chunk": _kb(load.second_chunk),
                                "filters": _kb(load.filters), "meta": _kb(load.meta),
                                "fragments": _kb(load.fragments),
                                "complete": _kb(load.complete),
                                "chunks": len(load.chunk_sizes),
                                "next_largest_chunks": [_kb(c) for c in load.chunk_sizes[2:5]],
                                "median_chunk": _kb(load.chunk_sizes[len(load.chunk_sizes) // 2])
                                if load.chunk_sizes else 0.0},
            "ratios": {
                "build/bare": round(build_s / bare_s, 2),
                "build_with_search/bare": round(search_build_s / bare_s, 2),
            },
            "ms_per_entry": {"bare": round(1000 * bare_s / entries, 2),
                             "build": round(1000 * build_s / entries, 2),
                             "build_with_search": round(1000 * search_build_s / entries, 2),
                             "check": round(1000 * check_s / entries, 3)},
            "workdir": str(base) if keep else None,
        }
        return BenchResult(data)
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def _kb(size: int) -> float:
    return round(size / 1024, 1)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or platform.machine()


PHASE_LABELS = [("load", "chargement"), ("validate", "validation"), ("index", "index (graphe)"),
                ("history", "historique git"), ("render", "rendu des pages"),
                ("search", "index de recherche (Pagefind)")]


def _seconds(value) -> str:
    return f"{value:8.2f} s" if value is not None else "   absent"


def format_table(data: dict) -> str:
    """The figures as a French table (what `achats bench` prints without --json)."""
    bare = data["bare_build_s"]
    rows = [("Construction témoin (MkDocs + Material, mêmes fichiers)", bare, 1.0),
            ("Construction complète, sans index de recherche", data["build_s"],
             data["ratios"]["build/bare"]),
            ("Construction complète, avec index de recherche", data["build_with_search_s"],
             data["ratios"]["build_with_search/bare"]),
            ("achats check (cache à jour, fiches inchangées)", data["check_s"],
             data["check_s"] / bare),
            ("achats check --sans-cache (tout relu)", data["check_cold_s"],
             data["check_cold_s"] / bare)]
    width = max(len(r[0]) for r in rows)
    out = [f"Banc d'essai : {data['entries']} fiches ({data['pages']} pages), "
           f"{data['commits']} commits, graine {data['seed']}, meilleur de {data['repeat']} "
           f"essais ; {data['cpus']} cœurs ({data['cpu']}).", "",
           f"{'Mesure':<{width}}  {'Temps':>10}  {'Rapport au témoin':>17}",
           f"{'-' * width}  {'-' * 10}  {'-' * 17}"]
    out += [f"{label:<{width}}  {_seconds(value)}  {ratio:>16.2f}×" for label, value, ratio
            in rows]
    out += ["", "Par fiche : témoin {bare} ms, complète {build} ms, avec recherche "
            "{build_with_search} ms, check {check} ms.".format(**data["ms_per_entry"]), "",
            "Étapes (dans un seul processus) :"]
    for key, label in PHASE_LABELS:
        value = data["phases"].get(key)
        out.append(f"  {label:<32} {_seconds(value)}"
                   + ("" if value is not None else " (étape pas encore disponible)"))
    q = data["search_query_kb"]
    out += ["", f"Recherche : une requête d'un mot charge au plus {data['search_query_kb_max']} "
            f"Ko d'index (entrée {q['entry']} + les deux plus gros blocs de mots, "
            f"{q['largest_chunk']} et {q['second_chunk']}, pour le mot et sa racine "
            f"+ filtres {q['filters']}) ; {q['complete']} Ko avec les métadonnées "
            f"({q['meta']}) et 5 résultats ({q['fragments']}).",
            f"Blocs de mots : {q['chunks']}, médiane {q['median_chunk']} Ko, les plus gros "
            f"ensuite : {', '.join(str(c) for c in q['next_largest_chunks'])} Ko.",
            "Le PDF du parcours n'est pas produit pendant le banc d'essai (coût fixe, hors site)."]
    if data.get("workdir"):
        out.append(f"Fichiers conservés dans {data['workdir']}.")
    return "\n".join(out)
