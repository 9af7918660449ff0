#!/usr/bin/env python3
"""Fails when a Rust source file outside tests is longer than LIMIT lines.

Tests are files under a `tests/` folder, files named `tests.rs`, and the trailing
`#[cfg(test)] mod tests { … }` of a file (not counted).

usage: file_sizes.py LIMIT DIR [DIR …]
"""
import os
import re
import sys


def counted(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    cut = re.search(r"^#\[cfg\(test\)\]\s*\nmod tests \{", text, re.M)
    if cut:
        text = text[: cut.start()]
    return text.count("\n")


def main():
    limit = int(sys.argv[1])
    over = []
    for top in sys.argv[2:]:
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in ("tests", "target")]
            for f in files:
                if f.endswith(".rs") and f != "tests.rs":
                    path = os.path.join(root, f)
                    n = counted(path)
                    if n > limit:
                        over.append((n, path))
    for n, path in sorted(over, reverse=True):
        print(f"{path}: {n} lines (limit {limit})")
    if over:
        sys.exit(1)
    print(f"no source file over {limit} lines in", ", ".join(sys.argv[2:]))


if __name__ == "__main__":
    main()
