/*
 * elf.h - validating ELF64 front-end for loading user programs: parses and
 * checks a RISC-V ET_EXEC image and lists its PT_LOAD segments; it does not
 * map or copy anything. Layer: libsys (used by the root task's loader).
 *
 * Invariants (all guaranteed when elf_parse returns 0):
 *  - 1 <= nseg <= ELF_MAX_SEGS; only PT_LOAD segments with memsz > 0 kept,
 *    in program-header order.
 *  - each seg: off + filesz <= file size; filesz <= memsz;
 *    0x1000 <= va; va + memsz <= va_limit (no wrap);
 *    va % 4096 == off % 4096; perms != 0 and W implies R.
 *  - no two kept segments touch the same 4 KiB page.
 *  - entry lies inside a kept segment with PERM_X.
 * Reads never leave [file, file + size). On error *out is zeroed.
 */
#ifndef LIBSYS_ELF_H
#define LIBSYS_ELF_H

#include <stdint.h>

#include "abi.h"

#define ELF_MAX_SEGS 8

#define ELF_EMAGIC (-1)    /* not ELF (or shorter than an ELF header) */
#define ELF_ECLASS (-2)    /* not ELFCLASS64 / little-endian / version 1 */
#define ELF_EMACHINE (-3)  /* e_machine != EM_RISCV (243) */
#define ELF_ETYPE (-4)     /* e_type != ET_EXEC */
#define ELF_EPHDR (-5)     /* phdr table out of bounds or bad phentsize */
#define ELF_ESEG (-6)      /* a PT_LOAD breaks a per-segment rule above */
#define ELF_EOVERLAP (-7)  /* two PT_LOAD segments share a page */
#define ELF_ETOOMANY (-8)  /* more than ELF_MAX_SEGS PT_LOAD */
#define ELF_EENTRY (-9)    /* entry not inside an executable segment */
#define ELF_ENOSEG (-10)   /* no (non-empty) PT_LOAD at all */

struct elf_seg {
	uint64_t va, memsz, filesz, off;
	uint32_t perms; /* PERM_R/W/X from abi.h */
};

struct elf_image {
	uint64_t entry;
	int nseg;
	struct elf_seg seg[ELF_MAX_SEGS];
};

/* 0 or a negative ELF_E* code. va_limit is the exclusive top, e.g. USER_TOP. */
int elf_parse(const void *file, uint64_t size, uint64_t va_limit,
	      struct elf_image *out);

#endif /* LIBSYS_ELF_H */
