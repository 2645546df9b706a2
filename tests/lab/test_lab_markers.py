#!/usr/bin/env python3
"""test_lab_markers.py - host tests of tools/lab's marker parser
(tools/lab_markers.py) and of its refusals: unbalanced, nested, misplaced
or unknown markers are errors; a starter replaces only its own lab's
pieces; every marker of the tree parses. Prints TAP. Usage: SOURCE_ROOT
"""
import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(ROOT / "tools"))
import lab_markers as lm  # noqa: E402

KNOWN = {"cow", "lazy"}
GOOD = """int f(int x)
{
\t/* LAB cow: BEGIN -- double it */
\t/* LAB cow: STUB return -1; */
\tx *= 2;
\treturn x;
\t/* LAB cow: END */
}
int g(void)
{
\t/* LAB lazy: BEGIN -- nothing to stub */
\tg_calls++;
\t/* LAB lazy: END */
\treturn 0;
}"""

results = []


def check(ok, what):
    results.append((bool(ok), what))


def refused(text, what, needle):
    """parse(text) raises MarkerError naming needle."""
    try:
        lm.parse(text, "x.c", KNOWN)
    except lm.MarkerError as e:
        check(needle in str(e), f"{what}: refused ({e})")
        return
    check(False, f"{what}: refused")


def test_good():
    pieces = lm.parse(GOOD, "x.c", KNOWN)
    check([(p.lab, p.begin, p.end) for p in pieces] == [("cow", 2, 6), ("lazy", 10, 12)],
          "two pieces, at their BEGIN and END lines")
    check(pieces[0].stub == "return -1;" and pieces[1].stub is None, "the STUB's code, or none")
    check(pieces[0].what == "double it" and pieces[0].indent == "\t", "description and indent")
    cow = lm.starter(GOOD, pieces, "cow").split("\n")
    check(cow[2:6] == ["\t/* LAB cow: BEGIN -- double it */", "\t/* LAB cow: STUB return -1; */",
                       "\treturn -1;", "\t/* LAB cow: END */"],
          "cow's starter: the markers and the stub's code")
    again = lm.starter("\n".join(cow), lm.parse("\n".join(cow), "x.c", KNOWN), "cow")
    check(again == "\n".join(cow), "the starter of the starter is the starter")
    check("\tg_calls++;" in cow, "cow's starter keeps lazy's real code")
    lazy = lm.starter(GOOD, pieces, "lazy")
    check("g_calls" not in lazy and "\tx *= 2;" in lazy, "lazy's starter: an empty piece")
    check(lm.starter(GOOD, pieces, "mmap") == GOOD, "a lab with no piece here changes nothing")


def test_refusals():
    lines = GOOD.split("\n")
    refused("\n".join(lines[:12] + lines[13:]), "BEGIN without END", "has no END")
    refused("\n".join(lines[:2] + lines[4:]), "END without BEGIN", "outside its BEGIN")
    refused("\n".join(lines[:4] + ["\t/* LAB lazy: BEGIN -- inner */"] + lines[4:]),
            "BEGIN inside a piece", "no nesting")
    refused("\n".join(lines[:4] + ["\t/* LAB cow: BEGIN -- again */"] + lines[4:]),
            "BEGIN inside a piece of the same lab", "no nesting")
    refused(GOOD.replace("LAB lazy: END", "LAB cow: END"), "END of another lab", "outside")
    refused(GOOD.replace("LAB cow:", "LAB nosuch:"), "an unknown lab", "unknown lab 'nosuch'")
    refused(GOOD.replace("/* LAB cow: STUB", "/* LAB cow STUB"), "a malformed marker",
            "malformed")
    refused(GOOD.replace("BEGIN -- double it", "BEGIN"), "BEGIN without its description",
            "malformed")
    refused(GOOD.replace("\tx *= 2;", "\tx *= 2; /* LAB cow: END */"),
            "a marker after code on its line", "malformed")
    moved = lines[:3] + lines[4:5] + lines[3:4] + lines[5:]
    refused("\n".join(moved), "STUB not right after BEGIN", "right after BEGIN")


def load_lab():
    """tools/lab as a module (it has no .py)."""
    loader = importlib.machinery.SourceFileLoader("tools_lab", str(ROOT / "tools" / "lab"))
    spec = importlib.util.spec_from_loader("tools_lab", loader)
    lab = importlib.util.module_from_spec(spec)
    loader.exec_module(lab)
    return lab


def test_judge(lab):
    """Items over a suite's TAP: a group needs all its points, the rest
    needs the whole plan."""
    L = lab.Lab("t", "", [lab.Tap("s", "a", 50, r"^alpha", 2), lab.Tap("s", "r", 50, rest=True)])
    full = "1..4\nok 1 - alpha one\nok 2 - beta\nok 3 - alpha two\nok 4 - gamma\n"
    run = {"s": ("OK", full)}
    check([lab.judge(L, i, run, None)[0] for i in L.items] == [True, True], "all points pass")
    run = {"s": ("FAIL", full.replace("ok 2 - beta", "not ok 2 - beta"))}
    check([lab.judge(L, i, run, None)[0] for i in L.items] == [True, False],
          "a failing point fails only its own item")
    run = {"s": ("FAIL", full.replace("ok 3 - alpha two\n", ""))}
    check([lab.judge(L, i, run, None)[0] for i in L.items] == [False, True],
          "a group with a point missing fails, the rest is still whole")
    run = {"s": ("FAIL", full.replace("ok 4 - gamma\n", ""))}
    check(not lab.judge(L, L.items[1], run, None)[0], "the rest with a point missing fails")
    check(not lab.judge(L, L.items[0], {}, None)[0], "a suite that did not run fails")


def test_tree(lab):
    """tools/lab: every marker of the tree parses, each lab has a piece,
    an unknown lab is refused."""
    try:
        pieces = lab.all_pieces(ROOT, lab.git_files(ROOT))
        check(True, f"every marker of the tree parses ({len(pieces)} files)")
    except (lm.MarkerError, lab.LabFail) as e:
        check(False, f"every marker of the tree parses: {e}")
        return
    found = {p.lab for _, ps in pieces.values() for p in ps}
    for name in lab.BY_NAME:
        check(name in found, f"lab {name} has a marked piece")
        check(sum(i.pts for i in lab.BY_NAME[name].items) == 100, f"lab {name} totals 100")
    r = subprocess.run([str(ROOT / "tools" / "lab"), "make", "nosuch", "/nonexistent/x"],
                       capture_output=True, text=True)
    check(r.returncode == 2 and "unknown lab 'nosuch'" in r.stderr, "make of an unknown lab")
    r = subprocess.run([str(ROOT / "tools" / "lab"), "grade", "nosuch"],
                       capture_output=True, text=True)
    check(r.returncode == 2 and "unknown lab" in r.stderr, "grade of an unknown lab")


test_good()
test_refusals()
LAB = load_lab()
test_judge(LAB)
test_tree(LAB)
print(f"1..{len(results)}")
for i, (ok, what) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {what}")
sys.exit(0 if all(ok for ok, _ in results) else 1)
