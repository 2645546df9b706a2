#!/usr/bin/env python3
# run_test.py - the scripted shell session: drives tools/run (boot, run one
# command line in the guest shell, print its output, exit with its status)
# and tools/ucc (an out-of-tree program), and checks exact output and exit
# statuses. Prints TAP for meson. Usage: run_test.py SOURCE_ROOT
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(sys.argv[1])
RUN = [str(ROOT / "tools/run"), "--no-build", "--timeout", "60"]
results = []


def run(cmd, add=()):
    extra = [a for p in add for a in ("--add", p)]
    p = subprocess.run(RUN + extra + [cmd], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout.replace("\r", ""), p.stderr


def check(name, ok, detail=""):
    results.append((ok, name, detail))


def main():
    st, out, _ = run("echo hello | cat")
    check("echo hello | cat prints hello", out == "hello\n" and st == 0, repr(out))
    st, out, _ = run("echo one two | cat | cat; echo b")
    check("three-stage pipeline then a second command", out == "one two\nb\n", repr(out))
    st, out, _ = run("exit 3")
    check("exit 3 gives status 3", st == 3, f"status {st}")
    st, out, _ = run("no-such-prog")
    check("an unknown program: status 127", st == 127 and "not found" in out, f"{st} {out!r}")
    st, out, _ = run("crash; echo status $?")
    check("a crashing program: status 139 (SIGSEGV)", out.endswith("status 139\n"), repr(out))
    st, out, _ = run("ls")
    check("ls lists the initrd", any(l.startswith("echo ") for l in out.splitlines()), repr(out[:80]))
    with tempfile.TemporaryDirectory() as tmp:
        prog = Path(tmp) / "hello"
        cc = subprocess.run([str(ROOT / "tools/ucc"), str(ROOT / "tests/run/hello.c"), "-o",
                             str(prog)], capture_output=True, text=True)
        check("tools/ucc builds an out-of-tree program", cc.returncode == 0, cc.stderr[-200:])
        st, out, _ = run("hello x 'y z'", add=[str(prog)])
        want = "arg 1: x\narg 2: y z\nchild ok, echo is ELF\n"
        check("tools/run --add runs it with its arguments", out == want, repr(out))
        check("and returns its exit status 5", st == 5, f"status {st}")
    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (ok, name, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            print(f"# got: {detail}")
    return 0 if all(r[0] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
