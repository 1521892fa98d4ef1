"""After Pagefind: no word-index chunk bigger than what one query should download.

Pagefind (1.5) cuts its word index into chunks by counting word positions, but it never
splits the list of one word, and it leaves out of its count the accented spellings it files
under a folded word ("critère", "critères" under "criter"). A one-word query downloads the
chunk of its word: at 10,000 entries, 450 KB for "de", 400 KB for the chunk holding "critère"
and "coût" (measured with ``achats bench``).

``bound_chunks`` rewrites only the chunks above the budget (bytes as served, compressed):

- a word too big to fit on its own keeps, on each page, only its strongest position (in a
  heading first, else its first one in the text): every page still matches the word and its
  excerpt still shows it. Such a word is on a large share of the pages, where its weight in
  the ranking (BM25's idf) is small anyway; what is lost is the count of its repetitions in
  a page, and phrase queries ("…") matching past that first position;
- the chunk is cut into pieces under the budget, bounded as Pagefind bounds its own chunks
  (same prefix rule, ported from ``chunk_meta``), each stored under a name derived from its
  content; the metadata file and ``pagefind-entry.json`` are rewritten to point at them.

The layout read here is Pagefind 1.5's (CBOR in gzip, after the "pagefind_dcd" prefix). An
index of another version is refused in French rather than misread: the version is pinned in
``pyproject.toml`` and the tests read back every file this module writes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cbor2

from achats.problems import AchatsError

KNOWN_VERSIONS = ("1.5.",)  # Pagefind versions whose index layout this module was written for
MAGIC = b"pagefind_dcd"  # Pagefind's prefix inside each decompressed index file
# Target size of a word-index file, compressed (a single capped word may pass it by a little).
# A one-word query loads at most two chunks (its word, its stem) from each part of the index
# (achats.site.search: two parts on large sites): 4 x 48 KB, plus the filter files, stays under
# the 300 KB aimed at for 10,000 entries.
CHUNK_BUDGET = 48 * 1024
KEPT_POSITIONS = 1  # per page, for a word too big for one chunk
_FIRST_WEIGHT = 25  # Pagefind writes the positions of this weight first, without a marker
_META_CHUNKS = 2  # index of the chunk list [from, to, name] in the metadata array


@dataclass
class ChunkReport:
    """What ``bound_chunks`` did to one bundle."""

    chunks_before: int
    chunks_after: int
    cut: int  # chunks over the budget, replaced by pieces
    capped_words: int  # words whose positions were limited per page
    largest_before: int  # bytes, compressed
    largest_after: int


def bound_chunks(bundle: Path, budget: int = CHUNK_BUDGET,
                 kept: int = KEPT_POSITIONS) -> ChunkReport:
    """Cut every word-index chunk of ``bundle`` (a ``pagefind/`` folder) above ``budget``."""
    bundle = Path(bundle)
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    version = str(entry.get("version", ""))
    if not version.startswith(KNOWN_VERSIONS):
        raise AchatsError(
            f"index de recherche {bundle} : format de Pagefind {version or 'inconnu'} non pris "
            f"en charge (attendu : {', '.join(v + 'x' for v in KNOWN_VERSIONS)}) ; installez la "
            "version de Pagefind fixée dans pyproject.toml.")
    index_dir = bundle / "index"
    sizes = {p.stem: p.stat().st_size for p in index_dir.glob("*.pf_index")}
    report = ChunkReport(chunks_before=len(sizes), chunks_after=len(sizes), cut=0,
                         capped_words=0, largest_before=max(sizes.values(), default=0),
                         largest_after=0)
    metas = {}
    jobs = []
    for language, info in entry["languages"].items():
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = decode_index_file(meta_path)
        chunks = _chunk_list(meta, meta_path)
        metas[language] = (meta_path, meta, chunks)
        jobs += [(index_dir / f"{name}.pf_index", first, last, language, budget, kept)
                 for first, last, name in chunks if sizes.get(name, 0) > budget]
    if not jobs:
        report.largest_after = report.largest_before
        return report
    done = {job[0].stem: result for job, result in zip(jobs, _run(jobs))}
    for name, (pieces, capped) in done.items():
        del sizes[name]
        sizes.update((piece_name, size) for _, _, piece_name, size in pieces)
        report.cut += 1
        report.capped_words += capped
        report.chunks_after += len(pieces) - 1
    report.largest_after = max(sizes.values(), default=0)
    for language, (meta_path, meta, chunks) in metas.items():
        bounded = []
        for first, last, name in chunks:
            if name in done:
                bounded += [[low, high, piece] for low, high, piece, _ in done[name][0]]
            else:
                bounded.append([first, last, name])
        if bounded == chunks:
            continue
        meta[_META_CHUNKS] = bounded
        data = cbor2.dumps(meta)
        # Same shape as Pagefind's own name: language, then ten hex digits of the content.
        info = entry["languages"][language]
        info["hash"] = f"{language}_{hashlib.sha256(data).hexdigest()[:10]}"
        new_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        _replace(new_path, _stored(data))
        if new_path != meta_path:
            meta_path.unlink()
    write_entry(entry_path, entry)
    return report


PARALLEL_FROM = 8  # chunks to cut: below, a second process costs more than it saves


def _run(jobs: list[tuple]) -> list:
    """Cut the chunks, on every core when there are many (each chunk is independent)."""
    workers = min(os.cpu_count() or 1, len(jobs))
    if (workers < 2 or len(jobs) < PARALLEL_FROM or not hasattr(os, "fork")
            or threading.active_count() > 1):  # fork is only safe without other threads
        return [_cut_chunk(job) for job in jobs]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_cut_chunk, jobs, chunksize=1)


def _cut_chunk(job: tuple) -> tuple[list[tuple[str, str, str, int]], int]:
    """Cut one chunk file into pieces written beside it, then remove it: the pieces as
    (from, to, name, size), and the number of words capped."""
    path, first, last, language, budget, kept = job
    pieces, capped = _cut(path, budget, kept)
    # The sizes were estimated before compression: a piece that still compresses to more
    # than the budget is halved (unless it is a single word) until every one fits.
    fitted, stored = [], []
    while pieces:
        piece = pieces.pop(0)
        stored_bytes = _stored(_chunk_bytes(piece))
        if len(stored_bytes) > budget and len(piece) > 1:
            half = _half(piece)
            pieces[:0] = [piece[:half], piece[half:]]
            continue
        fitted.append(piece)
        stored.append(stored_bytes)
    out = []
    for (low, high), piece, data in zip(_bounds(fitted, first, last), fitted, stored):
        # Twelve hex digits (Pagefind uses seven and lengthens them on a clash, which
        # processes writing side by side cannot coordinate).
        name = f"{language}_{hashlib.sha256(data).hexdigest()[:12]}"
        _replace(path.parent / f"{name}.pf_index", data)
        out.append((low, high, name, len(data)))
    if all(name != path.stem for _, _, name, _ in out):  # not a lone word, cut into itself
        path.unlink()
    return out, capped


def _half(piece: list[tuple[list, bytes]]) -> int:
    """Where to cut a piece in two halves of about the same size (never an empty one)."""
    total, size = sum(len(data) for _, data in piece), 0
    for i, (_, data) in enumerate(piece):
        size += len(data)
        if size * 2 >= total:
            return min(max(i, 1), len(piece) - 1)
    return len(piece) // 2


def read_index_file(path: Path) -> bytes:
    """The payload of a Pagefind index file: decompressed, without its prefix."""
    data = gzip.decompress(Path(path).read_bytes())
    return data[len(MAGIC):] if data.startswith(MAGIC) else data


def decode_index_file(path: Path):
    """The decoded content of a Pagefind index file (gzip, prefix, CBOR)."""
    return cbor2.loads(read_index_file(path))


def _stored(data: bytes) -> bytes:
    """An index file as Pagefind stores it; mtime=0: the same index, the same bytes."""
    return gzip.compress(MAGIC + data, compresslevel=6, mtime=0)


def _replace(path: Path, content: bytes) -> None:
    """Write through a temporary file: a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(content)
    tmp.replace(path)


def write_entry(path: Path, entry: dict) -> None:
    """``pagefind-entry.json``, compact as Pagefind writes it."""
    _replace(path, json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _chunk_list(meta, path: Path) -> list[list[str]]:
    chunks = meta[_META_CHUNKS] if isinstance(meta, list) and len(meta) > _META_CHUNKS else None
    if not isinstance(chunks, list) or not all(
            isinstance(c, list) and len(c) == 3 and all(isinstance(s, str) for s in c)
            for c in chunks):
        raise AchatsError(f"index de recherche : fichier {path.name} illisible (liste des "
                          "morceaux de l'index absente) ; reconstruisez le site.")
    return [list(c) for c in chunks]


# --- cutting one chunk -------------------------------------------------------------------


def _cut(path: Path, budget: int, kept: int) -> tuple[list[list], int]:
    """The words of the chunk at ``path`` as (word, CBOR bytes), in pieces that fit the
    budget once compressed; the number of words whose positions were capped."""
    compressed = path.stat().st_size
    data = read_index_file(path)
    words = _words(data, path)
    # The budget is for compressed bytes; pieces are measured before compression, at the
    # ratio of this chunk, with a margin of a tenth for pieces that compress less well.
    raw_budget = budget * len(data) / max(compressed, 1) * 0.9
    capped = 0
    for i, (word, data) in enumerate(words):
        if len(data) > raw_budget:
            _cap_word(word, kept)
            words[i] = (word, cbor2.dumps(word))
            capped += 1
    pieces: list[list] = [[]]
    size = 0
    for word, data in words:
        if pieces[-1] and size + len(data) > raw_budget:
            pieces.append([])
            size = 0
        pieces[-1].append((word, data))
        size += len(data)
    return pieces, capped


def _words(data: bytes, path: Path) -> list[tuple[list, bytes]]:
    """Each word of a WordIndex ([[word, ...]]) with its own bytes: the words left as they
    are are copied, not encoded again (the bulk of the cost otherwise)."""
    if len(data) < 2 or data[0] != 0x81 or data[1] >> 5 != 4:
        raise AchatsError(f"index de recherche : morceau {path.name} illisible ; "
                          "reconstruisez le site.")
    info = data[1] & 31
    width = {24: 1, 25: 2, 26: 4, 27: 8}.get(info, 0)
    count = info if info < 24 else int.from_bytes(data[2:2 + width], "big")
    stream = io.BytesIO(data)
    stream.seek(2 + width)
    decoder = cbor2.CBORDecoder(stream)
    words = []
    for _ in range(count):
        start = stream.tell()
        word = decoder.decode()
        words.append((word, data[start:stream.tell()]))
    return words


def _chunk_bytes(piece: list[tuple[list, bytes]]) -> bytes:
    """CBOR of Pagefind's WordIndex, [[word, ...]], from the words' own bytes."""
    return b"\x81" + _array_header(len(piece)) + b"".join(data for _, data in piece)


def _array_header(length: int) -> bytes:
    if length < 24:
        return bytes([0x80 | length])
    for code, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if length < 1 << (8 * width):
            return bytes([0x80 | code]) + length.to_bytes(width, "big")
    raise ValueError(length)


def _cap_word(word: list, kept: int) -> None:
    """Keep, on each page of the word (and of its accented spellings), its ``kept`` strongest
    positions. A word is [text, pages, [[spelling, pages], ...]]; a page is
    [page number delta, positions, positions in metadata]."""
    for pages in [word[1]] + [variant[1] for variant in word[2]]:
        for page in pages:
            locs = page[1]
            if len(locs) <= kept:
                continue
            if locs[0] < 0 and min(locs[1:]) >= 0:
                # One weight only (most pages): its first positions, marker included.
                page[1] = locs[:kept + 1]
            else:
                strongest = sorted(positions(locs), key=lambda wp: (-wp[0], wp[1]))[:kept]
                page[1] = packed(strongest)


def positions(locs: list[int]) -> list[tuple[int, int]]:
    """(weight, position) pairs from Pagefind's packed list: positive numbers are gaps from
    the previous position; a negative number -(w + 1) starts weight w, followed by the
    absolute position."""
    out: list[tuple[int, int]] = []
    weight, last = _FIRST_WEIGHT, 0
    values = iter(locs)
    for value in values:
        if value < 0:
            weight = -value - 1
            last = next(values)
        else:
            last += value
        out.append((weight, last))
    return out


def packed(pairs: list[tuple[int, int]]) -> list[int]:
    """Pagefind's packed list of positions (``positions_to_packed_page``): the first weight
    group, then the others by weight, each by position."""
    ordered = sorted(pairs, key=lambda wp: (0 if wp[0] == _FIRST_WEIGHT else wp[0], wp[1]))
    out: list[int] = []
    weight, last = _FIRST_WEIGHT, 0
    for w, position in ordered:
        if w != weight:
            out += [-w - 1, position]
            weight = w
        else:
            out.append(position - last)
        last = position
    return out


# --- naming and bounding the pieces ---------------------------------------------------------


def _bounds(pieces: list[list], first: str, last: str) -> list[list[str]]:
    """[from, to] of each piece, as Pagefind's ``chunk_meta`` would have set them had it cut
    there: between two pieces, the shortest distinguishing prefixes; ``first`` and ``last``
    are the bounds of the whole chunk (already set against its neighbours)."""
    bounds = [[piece[0][0][0], piece[-1][0][0]] for piece in pieces]
    bounds[0][0] = first
    for left, right in zip(bounds, bounds[1:]):
        low, high = _prefixes(left[1], right[0])
        if low >= left[0]:  # never a range whose end is before its start
            left[1] = low
        right[0] = high
    # The chunk's own end was trimmed against the next chunk's first word; Pagefind keeps
    # the word itself when the trimmed end would fall before the start.
    if last >= bounds[-1][0]:
        bounds[-1][1] = last
    return bounds


def _prefixes(a: str, b: str) -> tuple[str, str]:
    """Pagefind's ``get_prefixes``: one character past the common prefix of a and b."""
    common = 0
    for x, y in zip(b, a):
        if x != y:
            break
        common += 1
    return a[:common + 1], b[:common + 1]
