#!/usr/bin/env python3
# run_test.py - the scripted shell session: drives tools/run (boot, run one
# command line in the guest shell, print its output, exit with its status)
# and tools/ucc (an out-of-tree program), and checks exact output and exit
# statuses; tools/mkdisk images (owners, modes, a user's directory) read back
# with debugfs, and a corrupt disk failing the run through e2fsck -fn.
# Prints TAP for meson. Usage: run_test.py SOURCE_ROOT [BUILD_DIR]
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(sys.argv[1])
BUILD = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "build"
RUN = [str(ROOT / "tools/run"), "--no-build", "--build", str(BUILD), "--timeout", "60"]
DEBUGFS = "/usr/sbin/debugfs"
ENV = dict(os.environ, KOSSU_BUILD=str(BUILD))
results = []


def run(cmd, add=(), disk=None):
    extra = [a for p in add for a in ("--add", p)] + (["--disk", disk] if disk else [])
    p = subprocess.run(RUN + extra + [cmd], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout.replace("\r", ""), p.stderr


def listing(img, path):
    """{name: (mode, uid, gid, size)} of a directory of img, from debugfs ls -p."""
    r = subprocess.run([DEBUGFS, "-R", f"ls -p {path}", img], capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        f = line.split("/")
        if len(f) == 8 and f[5] not in (".", ".."):
            out[f[5]] = (int(f[2], 8), int(f[3]), int(f[4]), f[6])
    return out


def disk_checks(tmp):
    """tools/mkdisk DIR: /bin from the build, /tmp 1777, DIR's files with their
    modes, all 0:0; tools/run --disk boots on it; a corrupt one fails the run."""
    top = Path(tmp) / "top"
    (top / "notes").mkdir(parents=True)
    (top / "notes" / "a.txt").write_text("twelve bytes")
    os.chmod(top / "notes" / "a.txt", 0o600)
    img = str(Path(tmp) / "my.img")
    mk = subprocess.run([str(ROOT / "tools/mkdisk"), "-o", img, str(top)], env=ENV,
                        capture_output=True, text=True)
    check("tools/mkdisk DIR makes an image", mk.returncode == 0 and mk.stderr == "",
          mk.stderr[-200:])
    root, bins = listing(img, "/"), listing(img, "/bin")
    check("its root holds bin, tmp (1777), home, notes, all 0:0",
          {k: v[:3] for k, v in root.items() if k != "lost+found"} ==
          {"bin": (0o40755, 0, 0), "tmp": (0o41777, 0, 0), "home": (0o40755, 0, 0),
           "notes": (0o40755, 0, 0)}, repr(root))
    check("/bin holds the build's programs, 0755 and 0:0",
          bins.get("sh", (0,))[:3] == (0o100755, 0, 0) and "echo" in bins and
          all(v[:3] == (0o100755, 0, 0) for v in bins.values()), repr(sorted(bins)[:5]))
    check("DIR's file keeps its mode and size", listing(img, "/notes").get("a.txt") ==
          (0o100600, 0, 0, "12"), repr(listing(img, "/notes")))
    st, out, err = run("echo on my disk", disk=img)
    check("tools/run --disk IMG boots on it", (st, out) == (0, "on my disk\n"), f"{st} {err!r}")
    subprocess.run([DEBUGFS, "-w", "-R", "sif /notes/a.txt links_count 3", img],
                   capture_output=True)
    st, out, err = run("echo fine", disk=img)
    check("a disk that e2fsck -fn rejects after the run fails it (status 1)",
          st == 1 and "e2fsck -fn" in err and "ref count is 3" in err, f"{st} {err[-300:]!r}")


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
    st, out, _ = run("ls /bin")
    names = [w for l in out.splitlines() for w in l.split()[:1] + l.split()[-1:]]
    check("ls /bin lists the programs", st == 0 and "echo" in names, repr(out[:80]))
    with tempfile.TemporaryDirectory() as tmp:
        prog = Path(tmp) / "hello"
        cc = subprocess.run([str(ROOT / "tools/ucc"), str(ROOT / "tests/run/hello.c"), "-o",
                             str(prog)], capture_output=True, text=True, env=ENV)
        check("tools/ucc builds an out-of-tree program", cc.returncode == 0, cc.stderr[-200:])
        st, out, _ = run("hello x 'y z'", add=[str(prog)])
        want = "arg 1: x\narg 2: y z\nchild ok, echo is ELF\n"
        check("tools/run --add runs it with its arguments", out == want, repr(out))
        check("and returns its exit status 5", st == 5, f"status {st}")
        disk_checks(tmp)
    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (ok, name, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            print(f"# got: {detail}")
    return 0 if all(r[0] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
