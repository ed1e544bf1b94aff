"""How many examples the property tests draw, and with which seed.

`make test` and CI load the `ci` profile: a fixed seed (derandomized) and no example database,
so a clean clone runs exactly the examples every other run did, and a test never fails by
chance. `make explore` loads `explore`: random seeds and ten times the examples, for a
developer hunting bugs (a failure prints the seed and the example to add as a regression test).
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile(
    "explore", max_examples=1000, derandomize=False, database=None, deadline=None, print_blob=True
)
settings.load_profile("ci")


def examples(count: int) -> int:
    """`count` under the fixed-seed profile; ten times `count` under `make explore`."""
    loaded = settings.default
    assert loaded is not None  # a profile is loaded above
    return max(1, count * loaded.max_examples // 100)
