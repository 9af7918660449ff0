#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a circle.

A module is a source file (`src/a/b.rs` or `src/a/b/mod.rs` is `a::b`). A module depends on
another when it names it by path (`crate::a::b::…`, `super::…`, or `use` of either); a path
is charged to the longest module it names. Items of the crate root (`lib.rs`: the re-exports
and the app's wiring) are not a module here: the root declares every module by construction.
Test modules (`#[cfg(test)] mod tests { … }` at the end of a file) are left out.

usage: module_cycles.py CRATE_DIR [CRATE_DIR …]
"""
import os
import re
import sys

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)")
USE_GROUP = re.compile(r"\buse\s+(crate|super)((?:::[a-z_][a-z0-9_]*)*)::\{([^;]*)\};", re.S)


def modules(src):
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]):
                rel = []
            mods[tuple(rel)] = path
    return mods


def strip_tests(text):
    cut = re.search(r"^#\[cfg\(test\)\]\s*\nmod tests", text, re.M)
    text = text[: cut.start()] if cut else text
    text = re.sub(r"//[^\n]*", "", text)
    return text


def resolve(mods, segments):
    for n in range(len(segments), 0, -1):
        if tuple(segments[:n]) in mods:
            return tuple(segments[:n])
    return ()


def deps(mods, me, text):
    found = set()
    def absolute(kind, rest):
        base = [] if kind == "crate" else list(me[:-1])
        segs = [s for s in rest.split("::") if s]
        while segs and segs[0] == "super":
            base = base[:-1]
            segs = segs[1:]
        return base + segs
    for m in USE_GROUP.finditer(text):
        prefix = absolute(m.group(1), m.group(2))
        for item in re.split(r",", m.group(3)):
            item = item.strip().split(" as ")[0].strip()
            first = re.split(r"::|\{", item)[0].strip()
            if first and first != "self":
                found.add(resolve(mods, prefix + [first] + [s for s in item.split("::")[1:] if s.isidentifier()]))
            else:
                found.add(resolve(mods, prefix))
    for m in PATH.finditer(text):
        if m.group(2) == "::{":
            continue
        found.add(resolve(mods, absolute(m.group(1), m.group(2))))
    found.discard(())
    found.discard(me)
    # A module's own children are its business (a parent mounts their routes).
    return {d for d in found if d[: len(me)] != me or not me}


def cycles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)
    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in list(graph):
        if v not in index:
            strong(v)
    return out


def main():
    bad = 0
    for crate in sys.argv[1:]:
        src = os.path.join(crate, "src")
        mods = modules(src)
        graph = {}
        for me, path in mods.items():
            if not me:
                continue
            with open(path, encoding="utf-8") as f:
                graph[me] = deps(mods, me, strip_tests(f.read()))
        for comp in cycles(graph):
            bad += 1
            names = ["::".join(c) for c in comp]
            print(f"{crate}: modules in a circle: {', '.join(names)}")
            for a in comp:
                for b in sorted(graph[a] & set(comp)):
                    print(f"    {'::'.join(a)} -> {'::'.join(b)}")
    if bad:
        sys.exit(1)
    print("no module cycle in", ", ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
