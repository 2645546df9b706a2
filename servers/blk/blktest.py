#!/usr/bin/env python3
# servers/blk/blktest.py - the block driver's guest test (meson test 'blk'):
# boot the pager with bootarg blktest on a fresh 8 MiB zero image attached
# as the virtio-blk disk (qemu-run --disk), pass its TAP through, then check
# that the image holds what the guest wrote (servers/blk/blkc_test.c).
# usage: blktest.py QEMU_RUN KERNEL INITRD
# The initrd (which carries the pager and the driver) cannot be a meson
# dependency of this test (servers/ is read before it is defined), so it is
# brought up to date here; in a full `meson test` ninja has nothing to do.
import os
import struct
import subprocess
import sys
import tempfile

SECTORS = 16384
N = 64


def sector_of(i):
    return i * 256 + (i % 7) * 8


def word(i, j):
    return 0x6B6F737375000000 ^ (i << 16) ^ j


def check_image(path):
    """The 64 ranges hold their patterns; returns the number that differ."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != SECTORS * 512:
        return N
    bad = 0
    for i in range(N):
        want = struct.pack("<512Q", *(word(i, j) for j in range(512)))
        off = sector_of(i) * 512
        bad += data[off:off + 4096] != want
    return bad


def main():
    qemu_run, kernel, initrd = sys.argv[1:4]
    build = os.path.dirname(os.path.abspath(initrd))
    if subprocess.run(["ninja", "-C", build, "initrd.cpio"], stdout=sys.stderr).returncode:
        print(f"Bail out! cannot build {initrd}")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, "blk.img")
        with open(img, "wb") as f:
            f.truncate(SECTORS * 512)
        rc = subprocess.run([qemu_run, "--tap", "--tap-comments", "--icount", "--timeout", "60",
                             "--kernel", kernel, "--initrd", initrd, "--disk", img,
                             "--append", "root=pager init=cat blktest"]).returncode
        sys.stdout.flush()
        bad = check_image(img)
        print(f"# host: {N - bad} of {N} ranges on the image hold the pattern written")
        if bad:
            print(f"# host check failed: {bad} ranges differ")
            return 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
