#!/usr/bin/env python3
# The facts docs/abi.md and docs/design.md quote from the code, checked
# against the code (host test, TAP): syscall and pager-label numbers,
# SYS_COUNT, error codes, quota kinds, struct pg_meminfo's size, and the
# per-process quota shares. A doc that goes stale fails here.
import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
ABI_H = (ROOT / "libsys/abi.h").read_text()
PAGER_H = (ROOT / "libsys/pager.h").read_text()
ABI_MD = (ROOT / "docs/abi.md").read_text()
DESIGN_MD = (ROOT / "docs/design.md").read_text()
PROC_C = (ROOT / "servers/proc.c").read_text()
PG_CONSTANTS = {"PG_NOFOLLOW", "PG_NAME_MAX", "PG_PATH_MAX", "PG_ARGV_MAX", "PG_MAX_FDS",
                "PG_BLK_RO"}
results = []


def check(cond, name, detail=""):
    results.append((bool(cond), name + (f" ({detail})" if detail and not cond else "")))


def defines(text, prefix):
    """{name: int value} of '#define PREFIX_X value' lines, (-N) included."""
    out = {}
    for m in re.finditer(rf"^#define ({prefix}[A-Z0-9_]+) \(?(-?\d+)\)?", text, re.M):
        out[m.group(1)] = int(m.group(2))
    return out


def check_syscalls():
    sys_h = defines(ABI_H, "SYS_")
    count = sys_h.pop("SYS_COUNT")
    sections = {m.group(1): int(m.group(2))
                for m in re.finditer(r"^### (SYS_[A-Z_]+) \((\d+)\)", ABI_MD, re.M)}
    check(sections == sys_h, "abi.md has one section per syscall, with abi.h's number",
          f"differ: {sorted(set(sections.items()) ^ set(sys_h.items()))}")
    m = re.search(r"`>= SYS_COUNT` \((\d+)\)", ABI_MD)
    check(m and int(m.group(1)) == count, f"abi.md's SYS_COUNT is {count}",
          m.group(1) if m else "not quoted")


def check_errors_and_kinds():
    errs = defines(ABI_H, "ERR_")
    rows = {m.group(1): int(m.group(2))
            for m in re.finditer(r"^\| `(ERR_[A-Z]+)` \| (-\d+) \|", ABI_MD, re.M)}
    check(rows == errs, "abi.md's error table matches abi.h",
          f"differ: {sorted(set(rows.items()) ^ set(errs.items()))}")
    kinds = defines(ABI_H, "KQ_")
    kinds.pop("KQ_COUNT")
    quoted = {m.group(1): int(m.group(2)) for m in re.finditer(r"`(KQ_[A-Z]+)` (\d+)", ABI_MD)}
    check(quoted == kinds, "abi.md's quota kinds match abi.h",
          f"differ: {sorted(set(quoted.items()) ^ set(kinds.items()))}")


def check_pager_labels():
    labels = {k: v for k, v in defines(PAGER_H, "PG_").items() if k not in PG_CONSTANTS}
    rows = {m.group(1): int(m.group(2))
            for m in re.finditer(r"^\| `(PG_[A-Z0-9_]+)` \((\d+)\)", ABI_MD, re.M)}
    check(rows == labels, "abi.md has one row per pager label, with pager.h's number",
          f"differ: {sorted(set(rows.items()) ^ set(labels.items()))}")


def check_meminfo():
    body = re.search(r"struct pg_meminfo \{(.*?)\};", PAGER_H, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    kq_count = defines(ABI_H, "KQ_")["KQ_COUNT"]
    words = 0
    for decl in re.findall(r"uint64_t ([^;]+);", body):
        for name in decl.split(","):
            m = re.search(r"\[(\w+)\]", name)
            words += (kq_count if m.group(1) == "KQ_COUNT" else int(m.group(1))) if m else 1
    m = re.search(r"fills `struct pg_meminfo`, [a-z-]+ `uint64_t` \((\d+) bytes\)", ABI_MD)
    check(m and int(m.group(1)) == 8 * words, f"abi.md gives struct pg_meminfo as {8 * words} bytes",
          m.group(1) if m else "not quoted")


def check_shares():
    names = {"KQ_TASK": "tasks", "KQ_THREAD": "threads", "KQ_EP": "endpoints",
             "KQ_NOTIF": "notifications"}
    code = {names[m.group(1)]: (int(m.group(2)), int(m.group(3)))
            for m in re.finditer(r"\[(KQ_[A-Z]+)\] = \{(\d+), (\d+)\}", PROC_C)
            if m.group(1) in names}
    table = {m.group(1): (int(m.group(2)), int(m.group(3)))
             for m in re.finditer(r"^\| (tasks|threads|endpoints|notifications) \| (\d+) \| (\d+) \|",
                                  DESIGN_MD, re.M)}
    check(len(code) == 4 and code == table,
          "design.md's table of per-process shares matches servers/proc.c", f"{code} vs {table}")


def check_saved_max():
    n = int(re.search(r"#define PROC_SAVED_MAX (\d+)", (ROOT / "servers/pager.h").read_text()).group(1))
    test = int(re.search(r"#define SAVED_MAX (\d+)",
                         (ROOT / "tests/guest/preg_saved.c").read_text()).group(1))
    quoted = [int(x) for doc in (ABI_MD, DESIGN_MD)
              for x in re.findall(r"`PROC_SAVED_MAX` \((\d+)\)", doc)]
    check(quoted and all(q == n for q in quoted) and test == n,
          f"PROC_SAVED_MAX is {n} in the docs and in preg_saved.c", f"{quoted}, test {test}")


for fn in (check_saved_max, check_syscalls, check_errors_and_kinds, check_pager_labels, check_meminfo, check_shares):
    fn()
print(f"1..{len(results)}")
for i, (good, name) in enumerate(results, 1):
    print(f"{'ok' if good else 'not ok'} {i} - {name}")
sys.exit(0 if all(g for g, _ in results) else 1)
