#!/usr/bin/env python3
"""storage_test.py - host-driven storage suites (issue 6), layer: tests.

Each suite makes its own ext2 image (tools/mkdisk, i.e. Debian's mke2fs -d,
then maybe corrupted here), boots "root=pager init=sh -- -c CMD" on it
through tools/qemu-run under -icount, and checks the exact console lines,
the power-off status, and the image afterwards with e2fsck and debugfs. The
guest side is tests/guest/stortest.c (its header lists the operations);
pattern() here is its pat_byte(). Prints TAP for meson.

usage: storage_test.py SUITE SOURCE_ROOT BUILD_DIR
suites: noblock durable persist corrupt full blkdeath pressure readonly
"""
import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
from array import array
from pathlib import Path

DEBUGFS = "/usr/sbin/debugfs"
E2FSCK = "/usr/sbin/e2fsck"
BOOT_TIMEOUT = 30  # s per boot: each takes about one
START = "pager: root pager up"
POWER = re.compile(r"kernel: power off, status (\d+)$")
EXITED = re.compile(r"pager: init \(sh\) exited with status \d+; powering off$")


class Suite:
    """TAP bookkeeping plus the boot, image and pattern helpers."""

    def __init__(self, root, build, tmp):
        self.root, self.build, self.tmp = Path(root), Path(build), Path(tmp)
        self.results = []

    # ---- TAP ------------------------------------------------------------
    def check(self, name, ok, detail=""):
        self.results.append((bool(ok), name, detail))
        return ok

    def equal(self, name, got, want):
        return self.check(name, got == want, f"got {got!r}\n   want {want!r}")

    def report(self):
        print("TAP version 13")
        print(f"1..{len(self.results)}")
        for i, (ok, name, detail) in enumerate(self.results, 1):
            print(f"{'ok' if ok else 'not ok'} {i} - {name}")
            if not ok:
                for line in str(detail).splitlines()[-30:]:
                    print(f"#  {line[:400]}{' ...' if len(line) > 400 else ''}")
        return 0 if all(r[0] for r in self.results) else 1

    # ---- images ---------------------------------------------------------
    def mkdisk(self, name, files, size_mib=64, block=None):
        """An image holding /bin (the build's programs) and files
        {relative path: bytes or None for a directory} at the root."""
        top = self.tmp / (name + ".d")
        top.mkdir()
        for rel, data in files.items():
            path = top / rel
            if data is None:
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        img = self.tmp / (name + ".img")
        cmd = [str(self.root / "tools/mkdisk"), "--build", str(self.build), "-o", str(img),
               "--size", str(size_mib)] + (["--block", str(block)] if block else []) + [str(top)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"mkdisk failed: {r.stderr}")
        return img

    def copy(self, img, name):
        dst = self.tmp / name
        subprocess.run(["cp", "--sparse=always", str(img), str(dst)], check=True)
        return dst

    # ---- booting --------------------------------------------------------
    def boot(self, img, command, fresh=False, kill_on=None, icount=True, mem=None,
             read_only=False):
        """Boot on img (--disk, or --fresh-disk: a copy that qemu-run checks
        with e2fsck -fn); run command with sh -c. Returns (status, lines
        between the pager's start line and the power-off lines, power-off
        status or None, whole console). kill_on: SIGKILL QEMU as soon as
        that line appears (status None). icount: run under -icount.
        read_only: the device refuses writes (VIRTIO_BLK_F_RO)."""
        args = [str(self.root / "tools/qemu-run"), "--timeout", str(BOOT_TIMEOUT),
                "--kernel", str(self.build / "kernel.elf"),
                "--initrd", str(self.build / "initrd.cpio"),
                "--fresh-disk" if fresh else "--disk", str(img),
                "--append", "root=pager init=sh -- -c " + command]
        args += ["--icount"] if icount else []
        args += ["--mem", mem] if mem else []
        args += ["--read-only"] if read_only else []
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        console, killed = [], False
        try:
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "")
                console.append(line)
                if kill_on is not None and line == kill_on:
                    os.killpg(proc.pid, signal.SIGKILL)  # qemu-run and QEMU at once
                    killed = True
                    break
            status = proc.wait(timeout=BOOT_TIMEOUT + 30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return self.split_console(None if killed else status, console)

    @staticmethod
    def split_console(status, console):
        out, power, started = [], None, False
        for line in console:
            m = POWER.match(line)
            if m:
                power = int(m.group(1))
            elif started and not EXITED.match(line):
                out.append(line)
            started = started or line.startswith(START)
        return status, out, power, "\n".join(console)

    # ---- checking images ------------------------------------------------
    def fsck(self, img, repair=False):
        r = subprocess.run([E2FSCK, "-fy" if repair else "-fn", str(img)], capture_output=True,
                           text=True, stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout + r.stderr

    def debugfs(self, img, request):
        r = subprocess.run([DEBUGFS, "-R", request, str(img)], capture_output=True,
                           stdin=subprocess.DEVNULL)
        return r.stdout

    def names(self, img, path):
        """The names in directory path (debugfs ls -p), . and .. left out."""
        text = self.debugfs(img, f"ls -p {path}").decode("utf-8", "replace")
        out = set()
        for line in text.splitlines():
            f = line.split("/")
            if len(f) == 8 and f[5] not in (".", ".."):
                out.add(f[5])
        return out

    def inode_offset(self, img, path):
        """Byte offset of path's inode in img (debugfs imap)."""
        text = self.debugfs(img, f"imap {path}").decode()
        m = re.search(r"located at block (\d+), offset 0x([0-9a-f]+)", text)
        return int(m.group(1)) * block_size(img) + int(m.group(2), 16)


def pattern(size, seed, start=0):
    """The bytes start..start+size of stortest's pattern of seed."""
    w0, w1 = start >> 2, (start + size + 3) >> 2
    words = array("I", ((((w + seed) * 2654435761) & 0xFFFFFFFF) ^ (w >> 13)
                        for w in range(w0, w1)))
    if sys.byteorder != "little":
        words.byteswap()
    return words.tobytes()[start & 3:(start & 3) + size]


def block_size(img):
    with open(img, "rb") as f:
        f.seek(1024 + 24)
        return 1024 << struct.unpack("<I", f.read(4))[0]


def poke(img, offset, fmt, *values):
    with open(img, "r+b") as f:
        f.seek(offset)
        f.write(struct.pack(fmt, *values))


def peek(img, offset, fmt):
    with open(img, "rb") as f:
        f.seek(offset)
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))


# ---- 1. the pager never blocks on the disk ---------------------------------
BIG = 8 << 20


def suite_noblock(s):
    """While stortest reads an 8 MiB cold file in 1 MiB calls, its child's
    zero-fill faults keep completing: during every read call that needed
    the disk, the child completed some faults; the data is exact. Not under
    -icount: there QEMU delivers the disk's completions only between long runs
    of a busy guest's instructions, and the read takes 20 s instead of 1."""
    img = s.mkdisk("noblock", {"big.dat": pattern(BIG, 5)})
    st, out, power, con = s.boot(img, f"stortest n /big.dat {BIG} 5", fresh=True, icount=False)
    s.equal("the boot powered off with status 0, e2fsck -fn clean", (st, power), (0, 0))
    m = [re.match(r"stortest: (\d+) cold reads, faults during one: at least (-?\d+), "
                  r"in all (\d+)$", l) for l in out]
    m = [x for x in m if x]
    cold, least, total = map(int, m[0].groups()) if m else (0, 0, 0)
    s.equal("each of the 8 read calls of 1 MiB needed the disk", cold, 8)
    s.check("the faulter completed faults during every cold read call", least > 0,
            f"fewest {least}, in all {total}\n{con}")
    s.check("and in all more than one per 4 KiB page read (2048)", total > 2048, f"{total}")
    s.equal("the 8 MiB read back are exactly the file's", out[-1:], ["stortest: ok 1"])


# ---- 2. durability: fsync / sync, then QEMU killed -------------------------
def durable_case(s, name, command, files):
    img = s.mkdisk("dur-" + name, {"home/keep.txt": b"kept\n"}, size_mib=16)
    st, out, power, con = s.boot(img, command + " p durable l", kill_on="stortest: durable")
    s.check(f"{name}: QEMU killed right after the marker", st is None and power is None,
            f"status {st}, power-off {power}\n{con}")
    rc, text = s.fsck(img, repair=True)
    s.check(f"{name}: e2fsck -fy repairs the image (status 0 or 1)", rc in (0, 1), text)
    rc, text = s.fsck(img)
    s.equal(f"{name}: then e2fsck -fn is clean", (rc, text if rc else ""), (0, ""))
    for path, (size, seed) in files.items():
        data = s.debugfs(img, f"cat {path}")
        s.check(f"{name}: debugfs cat {path} gives exactly the {size} bytes written",
                data == pattern(size, seed), f"{len(data)} bytes")
    s.equal(f"{name}: the image's own file is still there",
            s.debugfs(img, "cat /home/keep.txt"), b"kept\n")


def durable_control(s):
    """Without fsync or sync the kill loses the file: the kill comes long
    before the flusher (every 5 s of guest time), so the cases above test
    fsync and sync, not the flusher."""
    img = s.mkdisk("dur-control", {}, size_mib=16)
    st, out, power, con = s.boot(img, "stortest w /home/nf 300000 11 p durable l",
                                 kill_on="stortest: durable")
    s.fsck(img, repair=True)
    s.check("control: a file written without fsync or sync is not all on the disk after "
            "the kill", st is None and s.debugfs(img, "cat /home/nf") != pattern(300000, 11),
            f"status {st}")


def suite_durable(s):
    durable_control(s)
    durable_case(s, "fsync", "stortest m /home/f W /home/f/data 300000 11",
                 {"/home/f/data": (300000, 11)})
    durable_case(s, "sync", "stortest w /home/s.dat 200000 12 m /home/sd "
                 "w /home/sd/f 5000 13 s", {"/home/s.dat": (200000, 12),
                                            "/home/sd/f": (5000, 13)})


# ---- 3. persistence across two boots -----------------------------------------
MANY = {f"/home/p/many/entry-with-a-long-name-{i:03d}": (100 + 37 * i, 100 + i)
        for i in range(48)}
BOOT1_FILES = dict({
    "/home/p/empty": (0, 1), "/home/p/one": (1, 2), "/home/p/sub/blk": (4096, 3),
    "/home/p/sub/ind": (70000, 4), "/home/p/dind": (400000, 5), "/home/p/new": (3000, 7),
    "/data/h.dat": (105000, 21)}, **MANY)
BOOT2_FILES = dict(BOOT1_FILES, **{"/home/p/one": (11, 2), "/home/p/b2": (6000, 30)})
del BOOT2_FILES["/home/p/sub/ind"]


def persist_plans():
    w1 = ["c /data/h.dat 100000 21", "m /home/p", "m /home/p/sub", "m /home/p/many",
          "m /home/p/rmd", "w /home/p/gone 5000 6", "w /home/p/old 3000 7",
          "a /data/h.dat 5000 21", "u /home/p/gone", "r /home/p/old /home/p/new",
          "d /home/p/rmd"]
    w1 += [f"w {p} {n} {k}" for p, (n, k) in BOOT1_FILES.items() if p not in
           ("/home/p/new", "/data/h.dat")]
    c2 = [f"c {p} {n} {k}" for p, (n, k) in BOOT1_FILES.items()]
    c2 += ["g /home/p/gone", "g /home/p/old", "g /home/p/rmd",
           "a /home/p/one 10 2", "u /home/p/sub/ind", "w /home/p/b2 6000 30",
           "c /home/p/one 11 2", "E ENOENT c /home/p/sub/ind 0 0"]
    return "\n".join(w1) + "\n", "\n".join(c2) + "\n", len(w1), len(c2)


def image_holds(s, img, files, label):
    bad = [p for p, (n, k) in files.items() if s.debugfs(img, f"cat {p}") != pattern(n, k)]
    s.equal(f"{label}: debugfs reads exactly what the guest wrote ({len(files)} files)", bad, [])


def persist_case(s, block):
    w1, c2, n1, n2 = persist_plans()
    img = s.mkdisk(f"persist{block}", {"plans/w1": w1.encode(), "plans/c2": c2.encode(),
                                        "data/h.dat": pattern(100000, 21)}, block=block)
    k = f"{block // 1024} KiB blocks"
    st, out, power, con = s.boot(img, "stortest f /plans/w1; ls /home/p")
    want = [f"stortest: ok {n1}", "dind", "empty", "many", "new", "one", "sub"]
    s.equal(f"{k}, boot 1: the plan of writes, renames and removals runs; ls shows the result",
            out, want)
    s.equal(f"{k}, boot 1: powered off with status 0", (st, power), (0, 0))
    rc, text = s.fsck(img)
    s.equal(f"{k}, after boot 1: e2fsck -fn is clean", (rc, text if rc else ""), (0, ""))
    image_holds(s, img, BOOT1_FILES, f"{k}, after boot 1")
    s.equal(f"{k}, after boot 1: debugfs lists /home/p", s.names(img, "/home/p"),
            {"dind", "empty", "many", "new", "one", "sub"})
    s.equal(f"{k}, after boot 1: /home/p/many holds its 48 names", s.names(img, "/home/p/many"),
            {p.rsplit("/", 1)[1] for p in MANY})
    st, out, power, con = s.boot(img, "stortest f /plans/c2")
    s.equal(f"{k}, boot 2: every file of boot 1 reads back exactly, then changes are made",
            out, [f"stortest: ok {n2}"])
    s.equal(f"{k}, boot 2: powered off with status 0", (st, power), (0, 0))
    rc, text = s.fsck(img)
    s.equal(f"{k}, after boot 2: e2fsck -fn is clean", (rc, text if rc else ""), (0, ""))
    image_holds(s, img, BOOT2_FILES, f"{k}, after boot 2")
    s.equal(f"{k}, after boot 2: /home/p/sub holds only blk", s.names(img, "/home/p/sub"), {"blk"})


def suite_persist(s):
    for block in (1024, 4096):
        persist_case(s, block)


# ---- 4. corrupt images -------------------------------------------------------
CORRUPT_FILES = {"good.txt": b"good\n", "bad.txt": b"bad file\n", "d/x": b"x\n",
                 "ind.dat": pattern(20000, 31), "dind.dat": pattern(300000, 32)}
NO_FS = "pager: the disk holds no file system we can use: running from the initrd"


def lines_match(got, want):
    """want's entries ending in '*' match any line with that prefix."""
    return len(got) == len(want) and all(
        g.startswith(w[:-1]) if w.endswith("*") else g == w for g, w in zip(got, want))


def bad_magic(s, img):
    poke(img, 1024 + 56, "<H", 0x1234)


def block_outside(s, img):
    off = s.inode_offset(img, "/bad.txt")
    blocks = peek(img, 1024 + 4, "<I")[0]
    poke(img, off + 40, "<I", blocks + 1000)  # i_block[0]


def bad_rec_len(s, img):
    bs = block_size(img)
    blk = int(s.debugfs(img, "bmap /d 0").split()[0])
    rec_len = peek(img, blk * bs + 4, "<H")[0]  # '.', then '..' at rec_len
    poke(img, blk * bs + rec_len + 4, "<H", bs)  # '..' now runs past the block's end


def self_indirect(s, img, slot):
    bs = block_size(img)
    for path in ("/ind.dat", "/dind.dat")[slot - 12:slot - 11]:
        ind = peek(img, s.inode_offset(img, path) + 40 + 4 * slot, "<I")[0]
        poke(img, ind * bs, "<I", ind)  # its first pointer names itself


CORRUPTIONS = [
    ("bad superblock magic: not mounted, the shell runs from the initrd", bad_magic,
     "echo up; cat /good.txt; echo st $?",
     [NO_FS, "fs: *", "up", "cat: /good.txt: No such file or directory", "st 1"], 0),
    ("a block pointer outside the disk: EIO for that file only", block_outside,
     "cat /bad.txt; echo st $?; cat /good.txt; echo st $?",
     ["fs: *", "cat: /bad.txt: I/O error", "st 1", "good", "st 0"], 0),
    ("a directory entry's rec_len past its block: EIO listing it", bad_rec_len,
     "ls /d; echo st $?; cat /good.txt; exit 3",
     ["fs: *", "ls: /d: I/O error", "st 1", "good"], 3),
    ("an indirect block naming itself: EIO, no hang", lambda s, i: self_indirect(s, i, 12),
     "wc -c /ind.dat; echo st $?; cat /good.txt",
     ["fs: *", "wc: /ind.dat: I/O error", "st 1", "good"], 0),
    ("a double indirect block naming itself: EIO, no hang",
     lambda s, i: self_indirect(s, i, 13), "wc -c /dind.dat; echo st $?; cat /good.txt",
     ["fs: *", "wc: /dind.dat: I/O error", "st 1", "good"], 0),
]


def suite_corrupt(s):
    base = s.mkdisk("corrupt", CORRUPT_FILES, size_mib=8)
    for i, (name, damage, cmd, want, status) in enumerate(CORRUPTIONS):
        img = s.copy(base, f"corrupt{i}.img")
        damage(s, img)
        st, out, power, con = s.boot(img, cmd)
        fs_lines = [l for l in out if l.startswith("fs: ")]
        rest = [l for l in out if not l.startswith("fs: ")]
        s.equal(name, rest, [w for w in want if w != "fs: *"])
        s.check("  with one 'fs: ' line saying why", len(fs_lines) == 1, f"got {fs_lines!r}")
        s.equal(f"  and the boot powered off with status {status}", (st, power),
                (status, status))


# ---- 5. a full disk --------------------------------------------------------
FULL_PLAN = """t
x /tmp/fill
t
E ENOSPC w /tmp/small 5000 3
c /tmp/small 0 3
E ENOSPC m /tmp/dir
u /tmp/fill
u /tmp/small
t
x /tmp/fill2
u /tmp/fill2
w /tmp/after 100000 9
c /tmp/after 100000 9
t
"""


def suite_full(s):
    img = s.mkdisk("full", {"plan": FULL_PLAN.encode()}, size_mib=2)
    st, out, power, con = s.boot(img, "stortest f /plan", fresh=True)
    s.equal("powered off with status 0, e2fsck -fn clean afterwards", (st, power), (0, 0))
    free = [tuple(map(int, l.split()[2:5:2])) for l in out if l.startswith("stortest: free ")]
    full = [int(l.split()[3]) for l in out if l.startswith("stortest: full after ")]
    s.equal("a write and a mkdir on the full disk fail with ENOSPC; the plan ran",
            out[-1:], ["stortest: ok 14"])
    if not s.check("the plan reported statfs 4 times and 2 fills", len(free) == 4 and
                   len(full) == 2, f"{out!r}"):
        return
    s.check("ENOSPC came when the disk was full: less than a 4 KiB page of 1 KiB blocks "
            "left", 0 < full[0] and free[1][0] < 4, f"{full[0]} bytes, then {free[1]}")
    s.equal("deleting gave back every block and inode (statfs as before)", free[2], free[0])
    s.equal("the second fill stopped at exactly the same byte", full[1], full[0])
    s.equal("a 100000-byte file then takes 98 data blocks, 1 indirect block and 1 inode",
            free[3], (free[0][0] - 99, free[0][1] - 1))


# ---- 6. the driver dies ------------------------------------------------------
def suite_blkdeath(s):
    img = s.mkdisk("blkdeath", {"good.txt": b"good\n", "big.dat": pattern(BIG, 5)})
    # kill just before a read: cat and echo ran once, so their pages are cached.
    cmd = ("ps; cat /good.txt; echo x; kill 99; kill 1; echo st $?; cat /big.dat; echo st $?; "
           "cat /good.txt; echo next")
    st, out, power, con = s.boot(s.copy(img, "blkdeath1.img"), cmd)
    s.check("ps shows the driver blk as pid 1", len(out) > 1 and
            re.match(r"\s+1\s+0\s+run(\s+\d+){5}\s+blk$", out[1]), f"{out[:3]!r}")
    rest = [l for l in out if not re.match(r"\s+\d+\s+\d+\s+\w+\s+\d+|\s+PID ", l)]
    s.equal("kill -9 of blk, then reading an uncached file: EIO; the next commands run",
            rest, ["good", "x", "kill: 99: No such process", "st 0", "cat: /big.dat: I/O error",
                   "st 1", "good", "next"])
    s.equal("  and the boot powered off with status 0", (st, power), (0, 0))
    # kill while a read is in flight.
    st, out, power, con = s.boot(s.copy(img, "blkdeath2.img"),
                                 f"echo a; stortest k /big.dat {BIG} 5; echo st $?")
    s.check("blk killed during a read: the read fails with EIO, the shell goes on",
            lines_match(out, ["a", "stortest: driver killed, read: EIO after *",
                              "stortest: ok 1", "st 0"]) and not out[1].endswith(" all bytes"),
            f"{out!r}")
    s.equal("  and the boot powered off with status 0", (st, power), (0, 0))


# ---- 7. memory pressure -------------------------------------------------------
def suite_pressure(s):
    """A file bigger than all of memory is copied: the dirty pages must be
    written back to make room (the writer waits for that), never anyone
    killed; the copy is exact on the disk afterwards."""
    size = 36 << 20
    img = s.mkdisk("pressure", {"big.dat": pattern(size, 9)}, size_mib=96)
    st, out, power, con = s.boot(img, "cat /big.dat > /copy; echo st $?; sync; echo synced",
                                 fresh=False, mem="40M")
    s.equal("a 36 MiB copy with 40 MiB of RAM: it completes, nobody killed",
            [l for l in out if not l.startswith("pager: root")], ["st 0", "synced"])
    s.equal("  and the boot powered off with status 0", (st, power), (0, 0))
    rc, text = s.fsck(img)
    s.equal("  e2fsck -fn clean afterwards", rc, 0)
    s.check("  the copy reads back exactly with debugfs",
            s.debugfs(img, "cat /copy") == pattern(size, 9), "contents differ")


# ---- 8. a read-only device is mounted read-only ----------------------------
def suite_readonly(s):
    """The disk is attached read-only (the device offers VIRTIO_BLK_F_RO):
    the pager mounts it read-only, reads work, every change fails with
    EROFS (no I/O error, nothing half-done), and not one byte of the image
    changes, not even the superblock's mount count or state."""
    img = s.mkdisk("readonly", {"note.txt": b"kept\n"})
    before = img.read_bytes()
    cmd = ("cat /note.txt; echo new > /x; mkdir /d; rm /note.txt; touch /note.txt; "
           "mv /note.txt /n2; echo more >> /note.txt; cat /note.txt")
    st, out, power, con = s.boot(img, cmd, read_only=True)
    s.equal("powered off with status 0", (st, power), (0, 0))
    s.equal("mounted read-only; reads work, each change fails with EROFS", out,
            ["pager: the disk is read-only: mounted read-only", "kept",
             "sh: /x: Read-only file system", "mkdir: /d: Read-only file system",
             "rm: /note.txt: Read-only file system", "touch: /note.txt: Read-only file system",
             "mv: /note.txt: Read-only file system", "sh: /note.txt: Read-only file system",
             "kept"])
    s.check("not one byte of the image changed", img.read_bytes() == before)
    code, text = s.fsck(img)
    s.check("e2fsck -fn clean", code == 0, text)


SUITES = {"noblock": suite_noblock, "durable": suite_durable, "persist": suite_persist,
          "corrupt": suite_corrupt, "full": suite_full, "blkdeath": suite_blkdeath,
          "pressure": suite_pressure, "readonly": suite_readonly}


def suite_main(prog, suites, suite_class, prefix):
    """argv SUITE SOURCE_ROOT BUILD_DIR: run that suite, print TAP; also
    tests/pageout/pageout_test.py's main."""
    if len(sys.argv) != 4 or sys.argv[1] not in suites:
        sys.exit(f"usage: {prog} {{{'|'.join(suites)}}} SOURCE_ROOT BUILD_DIR")
    suite, root, build = sys.argv[1:]
    # The initrd and disk template are made after tests/ is read, so they
    # cannot be this test's meson dependencies: bring them up to date here.
    # The suites run in parallel: one ninja at a time.
    with open(Path(build, ".storage-test.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = subprocess.run(["ninja", "-C", build, "initrd.cpio", "disk-template.img"],
                               stdout=sys.stderr).returncode == 0
    if not built:
        print("Bail out! cannot build the initrd and disk template")
        return 1
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        s = suite_class(root, build, tmp)
        try:
            suites[suite](s)
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as e:
            s.check("the suite ran to its end", False, repr(e))
        return s.report()


def main():
    return suite_main("storage_test.py", SUITES, Suite, "kossu-storage-")


if __name__ == "__main__":
    sys.exit(main())
