"""Subnet names read as words (docs/design.md section 4), never as substrings.

"PrivateSubnet1", "app-private-1a" and "Private Subnet (AZ1)" all contain the word "private";
"datalake" and "publications" contain neither "data" nor "pub". The words a subnet's Name shares
with its VPC's Name are dropped first, so that a VPC called "Public and Private" does not make
every subnet in it say both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Runs of capitals not followed by lower case (DB, VPC), capitalised or lower-case words, digits.
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def words(name: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(name))


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
    own = words(subnet_name) - words(vpc_name)
    return NameSignal(own & private_words, own & public_words)
