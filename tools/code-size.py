#!/usr/bin/env python3
"""Keeps the code readable in pieces: no source file over 800 lines and no
function over 120 lines.

    tools/code-size.py DIR [DIR ...]

Test files (`tests.rs`, anything under a `tests/` folder) and the header
fact tables (`facts_*.rs`, one assertion per C fact) are data rather than
code to read through, and are left out of the file limit. Prints each file
or function over its limit and exits 1 if there is one.
"""

import pathlib
import re
import sys

MAX_FILE = 800
MAX_FN = 120
FN = re.compile(
    r'^(\s*)(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern "C"\s+)?fn\s+(\w+)'
)


def is_data(path: pathlib.Path) -> bool:
    return (
        path.name == "tests.rs"
        or "tests" in path.parts
        or path.name.startswith("facts_")
    )


def functions(lines):
    """(name, first line, length) of each function: from its `fn` line to
    the closing brace at the same indentation (rustfmt's layout)."""
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m or line.rstrip().endswith(";"):
            continue
        indent = m.group(1)
        if line.rstrip().endswith("}"):
            yield m.group(8), i + 1, 1
            continue
        for j in range(i + 1, len(lines)):
            if lines[j].startswith(indent + "}") and not lines[j][len(indent)].isspace():
                yield m.group(8), i + 1, j - i + 1
                break


def main(dirs):
    over = []
    for d in dirs:
        for path in sorted(pathlib.Path(d).rglob("*.rs")):
            lines = path.read_text(encoding="utf-8").split("\n")
            if not is_data(path) and len(lines) - 1 > MAX_FILE:
                over.append(f"{path}: {len(lines) - 1} lines (at most {MAX_FILE})")
            for name, at, length in functions(lines):
                if length > MAX_FN:
                    over.append(f"{path}:{at}: fn {name} is {length} lines (at most {MAX_FN})")
    for line in over:
        print(line)
    return 1 if over else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
