"""Subnet names read as words (docs/design.md section 4), never as substrings.

"PrivateSubnet1", "app-private-1a" and "Private Subnet (AZ1)" all contain the word "private";
"datalake" and "publications" contain neither "data" nor "pub". A run of letters that is wholly
made of known words is read as those words ("privatesubnet1" and "PRIVATESUBNET" say private,
"dbsubnet1" says db), and the common abbreviations are read as the word ("priv-a" and
"k8s-priv" say private); a run with anything unknown in it stays one word ("datalake"). The
words a subnet's Name shares with its VPC's Name are dropped first, so that a VPC called
"Public and Private" does not make every subnet in it say both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

# Runs of capitals not followed by lower case (DB, VPC), capitalised or lower-case words, digits.
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


# Abbreviations read as the word they stand for.
ABBREVIATIONS = {"priv": "private", "prv": "private", "pvt": "private"}
# Words a Name puts beside its tier that say nothing themselves: a run of letters made of
# these and the tier words is split into them.
FILLERS = frozenset({"subnet", "subnets", "sn", "net", "tier", "layer", "zone", "az", "vpc"})


def words(name: str, known: Iterable[str] = ()) -> frozenset[str]:
    """The Name's words, lower case; runs of letters wholly made of `known` words (and the
    fillers and abbreviations) are split into them, and abbreviations read as their word."""
    vocabulary = frozenset(known) | FILLERS | frozenset(ABBREVIATIONS)
    found: set[str] = set()
    for word in (w.lower() for w in _WORD.findall(name)):
        found |= {ABBREVIATIONS.get(p, p) for p in _split(word, vocabulary)}
    return frozenset(found)


@cache
def _split(word: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
    """`word` as a sequence of known words (the fewest), or as itself where it is not one."""
    if word in vocabulary or not word.isalpha():
        return (word,)
    best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
    best[0] = ()
    for end in range(1, len(word) + 1):
        for start in range(end):
            head, piece = best[start], word[start:end]
            if head is not None and piece in vocabulary:
                candidate = (*head, piece)
                if best[end] is None or len(candidate) < len(best[end] or ()):
                    best[end] = candidate
    return best[-1] or (word,)


@dataclass(frozen=True)
class NameSignal:
    private: frozenset[str] = frozenset()
    public: frozenset[str] = frozenset()

    @property
    def says_private(self) -> bool:
        return bool(self.private)

    @property
    def says_public(self) -> bool:
        return bool(self.public)


def name_signal(
    subnet_name: str,
    vpc_name: str,
    *,
    private_words: frozenset[str],
    public_words: frozenset[str],
) -> NameSignal:
    known = private_words | public_words
    own = words(subnet_name, known) - words(vpc_name, known)
    return NameSignal(own & private_words, own & public_words)
