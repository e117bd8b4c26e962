"""Which stages each front end ranks with: one declaration, so each set can be tested on the KB.

The three front ends differ on purpose. The CLI runs every stage. The exception hook
runs inside a crashing process, so it keeps to the cheap, bounded ones (no model
load, no BM25 index build). The paste page runs in a browser, which can reproduce
exactly only the stages whose data ships as JSON (regex patterns, the BM25 index);
``docs/hooks/kb_site.py`` exports its set to the page, and ``matcher.worker.js``
refuses a set it does not implement rather than rank with fewer stages unnoticed.

``tests/matcher/test_front_ends.py`` ranks every KB example with each set.
"""

from __future__ import annotations

from .types import STAGES

FRONT_ENDS: dict[str, tuple[str, ...]] = {
    "cli": STAGES,
    "hook": ("regex", "fuzzy"),
    "browser": ("regex", "lexical"),
}
