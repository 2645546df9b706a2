"""lab_markers.py - the marker comments of the labs (docs/labs): parse them
out of a source file, and write the starter version of a file, where each
marked piece of a lab is replaced by its stub. Used by tools/lab and tested
by tests/lab/test_lab_markers.py. Python 3, stdlib only.

A piece is three kinds of comment lines, each alone on its line:
    /* LAB name: BEGIN -- what the student writes here */
    /* LAB name: STUB code */     (optional, right after BEGIN)
    ...the real code...
    /* LAB name: END */
"""
import re
from dataclasses import dataclass

SUFFIXES = (".c", ".h", ".S")
MARKER = re.compile(r"^(\s*)/\* LAB ([a-z][a-z0-9_-]*): (BEGIN -- (.+?)|STUB (.+?)|END) \*/\s*$")
LOOSE = re.compile(r"/\*\s*LAB\b")  # anything that looks like a marker must be one


class MarkerError(Exception):
    """A malformed, unbalanced, nested or unknown marker: 'path:line: why'."""


@dataclass
class Piece:
    lab: str
    path: str
    begin: int          # 0-based line index of BEGIN
    end: int            # 0-based line index of END
    what: str           # BEGIN's description
    stub: str | None    # STUB's code, or None: the starter gets nothing
    indent: str


def parse(text, path, known):
    """The pieces of one file's text; known is the set of lab names."""
    pieces, open_piece = [], None
    for i, line in enumerate(text.split("\n")):
        m = MARKER.match(line)
        if not m:
            if LOOSE.search(line):
                raise MarkerError(f"{path}:{i + 1}: malformed LAB marker")
            continue
        indent, lab, kind = m.group(1), m.group(2), m.group(3).split(" ")[0]
        where = f"{path}:{i + 1}"
        if lab not in known:
            raise MarkerError(f"{where}: unknown lab '{lab}'")
        if kind == "BEGIN":
            if open_piece:
                raise MarkerError(f"{where}: BEGIN inside the piece of lab '{open_piece.lab}' "
                                  f"from line {open_piece.begin + 1} (no nesting)")
            open_piece = Piece(lab, path, i, -1, m.group(4), None, indent)
        elif not open_piece or open_piece.lab != lab:
            raise MarkerError(f"{where}: {kind} of lab '{lab}' outside its BEGIN")
        elif kind == "STUB":
            if i != open_piece.begin + 1:
                raise MarkerError(f"{where}: STUB must come right after BEGIN")
            open_piece.stub = m.group(5)
        else:
            open_piece.end = i
            pieces.append(open_piece)
            open_piece = None
    if open_piece:
        raise MarkerError(f"{path}:{open_piece.begin + 1}: BEGIN of lab '{open_piece.lab}' "
                          "has no END")
    return pieces


def starter(text, pieces, lab):
    """text with lab's pieces replaced by their stubs. The markers stay, so
    that the starter of a starter is the starter itself."""
    lines = text.split("\n")
    for p in sorted((p for p in pieces if p.lab == lab), key=lambda p: -p.begin):
        body = [lines[p.begin + 1], p.indent + p.stub] if p.stub else []
        lines[p.begin + 1:p.end] = body
    return "\n".join(lines)
