#!/usr/bin/env python3
# mkbadelf.py - make corrupt copies of a good user ELF for the exec tests
# (tests/guest/exectest.c): truncated, bad magic, a segment in kernel
# space, and a segment with a huge size. Usage: mkbadelf.py GOOD OUTDIR
import struct
import sys
from pathlib import Path


def phdr_offsets(data):
    phoff, = struct.unpack_from('<Q', data, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    for i in range(phnum):
        off = phoff + i * phentsize
        if struct.unpack_from('<I', data, off)[0] == 1:  # PT_LOAD
            yield off


def main():
    good = Path(sys.argv[1]).read_bytes()
    out = Path(sys.argv[2])
    (out / 'bad_trunc').write_bytes(good[:100])
    (out / 'bad_magic').write_bytes(b'\x7fELG' + good[4:])
    first = next(phdr_offsets(good))
    kern = bytearray(good)
    struct.pack_into('<QQ', kern, first + 0x10, 0xffffffc080200000, 0xffffffc080200000)
    (out / 'bad_kernel').write_bytes(bytes(kern))
    huge = bytearray(good)
    struct.pack_into('<Q', huge, first + 0x28, 1 << 62)  # p_memsz
    (out / 'bad_huge').write_bytes(bytes(huge))


if __name__ == '__main__':
    main()
