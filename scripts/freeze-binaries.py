#!/usr/bin/env python3
"""Copies the release executables (build them first: `swift build -c release`)
to a folder with a COMMIT file naming the tree they were built from, so that a
benchmark piece of up to an hour runs one build while the tree is rebuilt:

    python3 scripts/freeze-binaries.py /tmp/gvm-bin
    GVM_BINARIES=/tmp/gvm-bin python3 scripts/convergence.py --phase raft ...

The benchmark rows then record binariesCommit beside commit (the tree's HEAD
when the row was written)."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gvmharness as gh  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    commit = gh.freeze_binaries(argv[0])
    print(f"froze the release executables of {commit} in {argv[0]}; run with GVM_BINARIES={argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
