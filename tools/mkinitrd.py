#!/usr/bin/env python3
"""mkinitrd.py - pack files into a "newc" cpio archive for the initrd.

Layer: tools (host-side build step; the kernel's root task reads the result
with libsys/cpio.c). Usage: mkinitrd.py -o OUT FILE...  Each FILE is stored
under its basename as a regular file (mode 0100755). Output is deterministic:
mtime 0, uid/gid 0, inode = index + 1, so rebuilding gives identical bytes.
"""
import argparse
import subprocess
import tempfile
import os
import sys

MAGIC = b"070701"
MODE_FILE = 0o100755
TRAILER = b"TRAILER!!!"


def pad4(n):
    """Zero bytes to bring n up to a multiple of 4 (newc alignment)."""
    return b"\0" * (-n % 4)


def entry(ino, mode, name, data):
    """One newc entry: 110-byte header, name+NUL, padding, data, padding.

    Header fields (8 hex digits each, after the 6-byte magic): ino, mode,
    uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
    rdevminor, namesize (incl. NUL), check (0 for newc).
    """
    namez = name + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(namez), 0]
    for f in fields:
        if f >= 1 << 32:
            raise ValueError("field does not fit 8 hex digits: %r" % name)
    head = MAGIC + b"".join(b"%08x" % f for f in fields) + namez
    return head + pad4(len(head)) + data + pad4(len(data))


def stripped(path, strip):
    """The file without symbols and debug info (smaller initrd, faster
    boot); files strip cannot read (the deliberately corrupt ELFs) as-is."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "s")
        r = subprocess.run([strip, "-o", out, path], capture_output=True)
        if r.returncode == 0:
            with open(out, "rb") as f:
                return f.read()
    with open(path, "rb") as f:
        return f.read()


def build(paths, strip=None):
    """The whole archive as bytes; entries are 4-aligned from the start."""
    out = []
    seen = set()
    for i, path in enumerate(paths):
        name = os.fsencode(os.path.basename(path))
        if not name or name in seen:
            raise ValueError("empty or duplicate name: %s" % path)
        seen.add(name)
        if strip:
            data = stripped(path, strip)
        else:
            with open(path, "rb") as f:
                data = f.read()
        out.append(entry(i + 1, MODE_FILE, name, data))
    out.append(entry(0, 0, TRAILER, b""))
    return b"".join(out)


def main(argv):
    ap = argparse.ArgumentParser(description="build a newc cpio initrd")
    ap.add_argument("-o", dest="out", required=True, help="output archive")
    ap.add_argument("--strip", metavar="TOOL", help="strip each file with TOOL first")
    ap.add_argument("files", nargs="+", metavar="FILE")
    args = ap.parse_args(argv)
    try:
        blob = build(args.files, args.strip)
    except (OSError, ValueError) as e:
        print("mkinitrd: %s" % e, file=sys.stderr)
        return 1
    with open(args.out, "wb") as f:
        f.write(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
