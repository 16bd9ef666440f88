#!/usr/bin/env python3
"""Replaces the README's key tables with the ones the key declarations give (./mflag help markdown).

Each table in README.md that has the same header as a generated table and a first row for the same key
(and, in tables with a column per command, for the same commands) is replaced by it; where two tables start
alike, the one listing the same keys and sharing the most rows is chosen. Run after changing a key; KeysTest fails until the README is current."""
import re, subprocess, sys, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
out = subprocess.run([str(root / "mflag"), "help", "markdown"], capture_output=True, text=True, check=True).stdout
tables = [m.group(2).rstrip("\n") + "\n" for m in re.finditer(r"### (.*?)\n\n(.*?)(?=\n### |\Z)", out, flags=re.S)]
readme = (root / "README.md").read_text()
lines = readme.split("\n")
def keys(rows):
    return [r.split("|")[1].strip() for r in rows]

def table_at(i):
    j = i
    while j < len(lines) and lines[j].startswith("|"):
        j += 1
    return j

for t in tables:
    new = t.rstrip("\n").split("\n")
    head = new[:3]  # header, rule, first row
    first = [c.strip() for c in head[2].split("|")[1:3]]
    candidates = [i for i in range(len(lines) - 2)
                  if lines[i] == head[0] and lines[i + 1] == head[1] and [c.strip() for c in lines[i + 2].split("|")[1:3]] == first]
    if not candidates:
        sys.exit("no table in README.md for:\n" + t)
    # two commands' tables may start alike (model, required; file, empty): the one listing the same keys, and of
    # those the one sharing the most rows with this command's, is this command's
    i = max(candidates, key=lambda i: (keys(lines[i + 2:table_at(i)]) == keys(new[2:]),
                                        len(set(lines[i + 2:table_at(i)]) & set(new[2:])), -i))
    lines[i:table_at(i)] = new
(root / "README.md").write_text("\n".join(lines))
print("README.md: %d key tables updated" % len(tables))
