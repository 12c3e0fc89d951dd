#!/usr/bin/env python3
"""Lists the references between the top-level modules of a crate and fails
when they form a circle.

    tools/module-cycles.py [CRATE_SRC_DIR ...]   (default: every crate)

A reference is a path that starts with `crate::`, `super::` or `self::` in
code (comments and string literals do not count) outside `#[cfg(test)]`
items and test modules, resolved to the top-level module it names. The
crate root (lib.rs) is left out: it declares and re-exports every module.
Exit status 1 when some modules reach each other.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def strip_comments_and_strings(text):
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not text[i - 1].isalnum()):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            out.append('""')
            i = n if end < 0 else end + 1 + len(hashes)
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:]):
            i += len(re.match(r"'(\\.|[^\\'])'", text[i:]).group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def item_end(text, start):
    """Where the item starting at `start` ends: its `;` or its closing brace."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        elif text[i] == ";" and depth == 0:
            return i + 1
    return len(text)


def strip_test_items(text):
    """Removes every item under #[cfg(test)]; returns the text and the names
    of test-only modules it declares (`#[cfg(test)] mod x;`)."""
    test_mods = set()
    while True:
        m = re.search(r"#\[cfg\(test\)\]", text)
        if not m:
            return text, test_mods
        end = item_end(text, m.end())
        decl = re.match(r"\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text[m.end():end])
        if decl:
            test_mods.add(decl.group(1))
        text = text[: m.start()] + text[end:]


def module_path(src, path):
    rel = path.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib"):
        parts.pop()
    return parts


def names_in_group(group):
    """The first segment of each path in a `{a, b::c, self}` group."""
    names, depth, cur = [], 0, ""
    for c in group:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == "," and depth == 0:
            names.append(cur)
            cur = ""
        elif depth == 0 or c not in "{}":
            cur += c if depth == 0 else ""
    names.append(cur)
    return [re.split(r"::|\s", n.strip())[0] for n in names if n.strip()]


PATH = re.compile(r"\b(crate|super|self)((?:::super)*)::(\{|\w+)")


def references(text, mod):
    """Top-level modules that the paths in `text` (in module `mod`) name."""
    found = set()
    for m in PATH.finditer(text):
        head, supers, first = m.group(1), m.group(2), m.group(3)
        if head == "crate":
            base = []
        else:
            ups = (1 if head == "super" else 0) + supers.count("super")
            base = mod[: len(mod) - ups] if ups <= len(mod) else []
        if first == "{":
            end = item_end(text, m.end() - 1)
            firsts = names_in_group(text[m.end() - 1 + 1 : end - 1])
        else:
            firsts = [first]
        for f in firsts:
            full = base + ([] if f == "self" else [f])
            if full:
                found.add(full[0])
    return found


def crate_graph(src):
    modules = {}
    test_only = set()
    files = sorted(src.rglob("*.rs"))
    texts = {}
    for f in files:
        text, test_mods = strip_test_items(strip_comments_and_strings(f.read_text()))
        mod = module_path(src, f)
        texts[f] = (mod, text)
        for t in test_mods:
            test_only.add(tuple(mod + [t]))
    top = {module_path(src, f)[0] for f in files if module_path(src, f)}
    for f, (mod, text) in texts.items():
        if not mod or any(tuple(mod[: i + 1]) in test_only for i in range(len(mod))):
            continue
        if "tests" in mod:
            continue
        refs = {r for r in references(text, mod) if r in top and r != mod[0]}
        modules.setdefault(mod[0], set()).update(refs)
    return modules


def cycles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                out.append(sorted(scc))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    dirs = [pathlib.Path(a) for a in sys.argv[1:]] or sorted(ROOT.glob("crates/*/src")) + [ROOT / "src"]
    bad = False
    for src in dirs:
        graph = crate_graph(src.resolve())
        print(f"{src}:")
        for m in sorted(graph):
            print(f"  {m} -> {', '.join(sorted(graph[m])) or '(nothing)'}")
        for c in cycles(graph):
            bad = True
            print(f"  CIRCLE: {' <-> '.join(c)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
