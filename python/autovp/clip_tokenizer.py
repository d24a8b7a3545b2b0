"""CLIP's byte-level BPE, written from its definition, as the reference the engine's tokenizer
(the @huggingface/tokenizers library reading tokenizer.json) is checked against. Also trains the
small vocabulary of the test fixture (python/scripts/make_tiny_clip.py).

    text → NFC, runs of whitespace → one space, lower case
         → pieces: 's 't 're 've 'm 'll 'd | a run of letters | one digit | a run of other non-space
         → each piece's UTF-8 bytes as printable characters (GPT-2's byte ↔ unicode table)
         → the last character gets "</w>"; merge adjacent pairs, lowest merge rank first
         → ids, between <|startoftext|> and <|endoftext|>
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Dict, Iterable, List, Sequence, Tuple

BOS = "<|startoftext|>"
EOS = "<|endoftext|>"
SUFFIX = "</w>"
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


PRINTABLE = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
# Bytes in vocabulary order: printable ones first (as themselves), then the rest.
BYTE_ORDER = PRINTABLE + [b for b in range(256) if b not in PRINTABLE]


def byte_table() -> Dict[int, str]:
    """GPT-2's byte → printable character table: printable bytes stand for themselves, the others
    for 256, 257, … in byte order."""
    table = {b: chr(b) for b in PRINTABLE}
    for k, b in enumerate(b for b in range(256) if b not in PRINTABLE):
        table[b] = chr(256 + k)
    return table


def byte_chars() -> List[str]:
    table = byte_table()
    return [table[b] for b in BYTE_ORDER]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).lower()


def _kind(c: str) -> str:
    cat = unicodedata.category(c)
    if c.isspace():
        return "space"
    return "letter" if cat.startswith("L") else "number" if cat.startswith("N") else "other"


def pieces(text: str) -> List[str]:
    """The pre-tokenizer's matches, left to right (the alternatives in order, each greedy)."""
    out: List[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        contraction = next((x for x in CONTRACTIONS if text.startswith(x, i)), None)
        if contraction:
            out.append(contraction)
            i += len(contraction)
            continue
        kind = _kind(c)
        if kind == "space":
            i += 1
            continue
        if kind == "number":
            out.append(c)
            i += 1
            continue
        j = i + 1
        while j < len(text) and _kind(text[j]) == kind:
            j += 1
        out.append(text[i:j])
        i = j
    return out


def symbols(piece: str) -> List[str]:
    table = byte_table()
    chars = [table[b] for b in piece.encode("utf-8")]
    chars[-1] += SUFFIX
    return chars


def apply_merges(word: List[str], ranks: Dict[Tuple[str, str], int]) -> List[str]:
    while len(word) > 1:
        pairs = [(ranks.get((a, b)), k) for k, (a, b) in enumerate(zip(word, word[1:])) if (a, b) in ranks]
        if not pairs:
            break
        best = min(pairs)[0]
        merged: List[str] = []
        k = 0
        while k < len(word):
            if k + 1 < len(word) and ranks.get((word[k], word[k + 1])) == best:
                merged.append(word[k] + word[k + 1])
                k += 2
            else:
                merged.append(word[k])
                k += 1
        word = merged
    return word


class ClipTokenizerReference:
    def __init__(self, vocab: Dict[str, int], merges: Sequence[Tuple[str, str]]):
        self.vocab = vocab
        self.ranks = {tuple(m): r for r, m in enumerate(merges)}

    def encode(self, text: str, max_length: int) -> List[int]:
        """Ids with start and end tokens, the content cut to fit max_length."""
        ids = [self.vocab[t] for p in pieces(normalise(text)) for t in apply_merges(symbols(p), self.ranks)]
        return [self.vocab[BOS]] + ids[: max_length - 2] + [self.vocab[EOS]]


def train_merges(corpus: Iterable[str], count: int) -> List[Tuple[str, str]]:
    """Greedy BPE: merge the most frequent adjacent pair (ties: the first in sorted order)."""
    words = Counter(tuple(symbols(p)) for line in corpus for p in pieces(normalise(line)))
    merges: List[Tuple[str, str]] = []
    made = set()
    while len(merges) < count:
        pairs: Counter = Counter()
        for w, n in words.items():
            for pair in zip(w, w[1:]):
                pairs[pair] += n
        candidates = sorted((-n, pair) for pair, n in pairs.items() if pair[0] + pair[1] not in made)
        if not candidates:
            break
        pair = candidates[0][1]
        merges.append(pair)
        made.add(pair[0] + pair[1])
        ranks = {pair: 0}
        words = Counter({tuple(apply_merges(list(w), ranks)): n for w, n in words.items()})
    return merges


def vocabulary(merges: Sequence[Tuple[str, str]]) -> Dict[str, int]:
    """CLIP's order: byte characters, the same with </w>, one token per merge, then BOS and EOS."""
    chars = byte_chars()
    tokens = chars + [c + SUFFIX for c in chars] + [a + b for a, b in merges] + [BOS, EOS]
    return {t: i for i, t in enumerate(tokens)}
