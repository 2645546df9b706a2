/*
 * elf.c - validating ELF64 front-end: header and program-header checks for
 * RISC-V executables, producing a list of PT_LOAD segments to map.
 * Layer: libsys (user library for the loader). Pure logic: fields are read
 * byte-wise little-endian, so the file needs no particular alignment.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf.h"

/*
 * Elf64_Ehdr (64 bytes): e_ident[16] (magic 7f 'E' 'L' 'F', [4] class,
 * [5] data, [6] version), then 16 type u16, 18 machine u16, 20 version u32,
 * 24 entry u64, 32 phoff u64, 40 shoff u64, 48 flags u32, 52 ehsize u16,
 * 54 phentsize u16, 56 phnum u16, 58 shentsize, 60 shnum, 62 shstrndx.
 */
#define EHDR_SIZE 64u
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_RISCV 243

/*
 * Elf64_Phdr (56 bytes): 0 type u32, 4 flags u32, 8 offset, 16 vaddr,
 * 24 paddr, 32 filesz, 40 memsz, 48 align (u64 each).
 */
#define PHDR_SIZE 56u
#define PT_LOAD 1u
#define PF_X 1u /* note: ELF flag bits differ from PERM_R/W/X */
#define PF_W 2u
#define PF_R 4u

#define ELF_PAGE 4096u
#define ELF_MIN_VA 0x1000u /* keep page 0 unmapped so NULL faults */

/* volatile so the compiler cannot turn this into a memset call. */
static void elf_zero(void *p, size_t n)
{
	volatile uint8_t *d = p;

	while (n--)
		*d++ = 0;
}

static uint64_t elf_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static int elf_check_ehdr(const uint8_t *e, uint64_t size)
{
	if (size < EHDR_SIZE || e[0] != 0x7f || e[1] != 'E' || e[2] != 'L' ||
	    e[3] != 'F')
		return ELF_EMAGIC;
	if (e[EI_CLASS] != ELFCLASS64 || e[EI_DATA] != ELFDATA2LSB ||
	    e[EI_VERSION] != EV_CURRENT)
		return ELF_ECLASS;
	if (elf_le(e + 18, 2) != EM_RISCV)
		return ELF_EMACHINE;
	if (elf_le(e + 16, 2) != ET_EXEC)
		return ELF_ETYPE;
	return 0;
}

/* The whole phdr table must lie in the file; returns phnum or an error. */
static int elf_check_phdrs(const uint8_t *e, uint64_t size, uint64_t *phoff)
{
	uint64_t off = elf_le(e + 32, 8);
	uint64_t num = elf_le(e + 56, 2);

	if (elf_le(e + 54, 2) != PHDR_SIZE || off > size ||
	    num * PHDR_SIZE > size - off) /* num <= 0xffff: no overflow */
		return ELF_EPHDR;
	*phoff = off;
	return (int)num;
}

/* ELF PF_* to abi PERM_*: R 4->1, W 2->2, X 1->4. */
static uint32_t elf_perms(uint32_t flags)
{
	return ((flags & PF_R) ? PERM_R : 0) | ((flags & PF_W) ? PERM_W : 0) |
	       ((flags & PF_X) ? PERM_X : 0);
}

/* Decode one PT_LOAD at ph and apply the per-segment rules. */
static int elf_load_seg(const uint8_t *ph, uint64_t size, uint64_t va_limit,
			struct elf_seg *s)
{
	uint32_t flags = (uint32_t)elf_le(ph + 4, 4);

	s->off = elf_le(ph + 8, 8);
	s->va = elf_le(ph + 16, 8);
	s->filesz = elf_le(ph + 32, 8);
	s->memsz = elf_le(ph + 40, 8);
	s->perms = elf_perms(flags);
	if (s->off > size || s->filesz > size - s->off)
		return ELF_ESEG;
	if (s->filesz > s->memsz)
		return ELF_ESEG;
	/* va + memsz <= va_limit, written so it cannot wrap. */
	if (s->va > va_limit || s->memsz > va_limit - s->va)
		return ELF_ESEG;
	if (s->va < ELF_MIN_VA || s->va % ELF_PAGE != s->off % ELF_PAGE)
		return ELF_ESEG;
	/* Sv39 has no write-only or no-access leaf: W needs R, need some. */
	if (s->perms == 0 || ((flags & PF_W) && !(flags & PF_R)))
		return ELF_ESEG;
	return 0;
}

/* Pages are compared as inclusive page-number ranges: no rounding wrap. */
static bool elf_seg_overlap(const struct elf_seg *a, const struct elf_seg *b)
{
	uint64_t a_first = a->va / ELF_PAGE;
	uint64_t a_last = (a->va + a->memsz - 1) / ELF_PAGE;
	uint64_t b_first = b->va / ELF_PAGE;
	uint64_t b_last = (b->va + b->memsz - 1) / ELF_PAGE;

	return a_first <= b_last && b_first <= a_last;
}

static int elf_collect(const uint8_t *e, uint64_t size, uint64_t va_limit,
		       struct elf_image *out)
{
	struct elf_seg s;
	uint64_t phoff;
	int phnum, i, rc;

	phnum = elf_check_phdrs(e, size, &phoff);
	if (phnum < 0)
		return phnum;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = e + phoff + (uint64_t)i * PHDR_SIZE;

		if (elf_le(ph, 4) != PT_LOAD)
			continue;
		rc = elf_load_seg(ph, size, va_limit, &s);
		if (rc < 0)
			return rc;
		if (s.memsz == 0)
			continue; /* maps nothing */
		if (out->nseg == ELF_MAX_SEGS)
			return ELF_ETOOMANY;
		out->seg[out->nseg++] = s;
	}
	return out->nseg == 0 ? ELF_ENOSEG : 0;
}

static int elf_check_layout(const struct elf_image *img)
{
	const struct elf_seg *s;
	int i, j;

	for (i = 0; i < img->nseg; i++) {
		for (j = i + 1; j < img->nseg; j++) {
			if (elf_seg_overlap(&img->seg[i], &img->seg[j]))
				return ELF_EOVERLAP;
		}
	}
	for (i = 0; i < img->nseg; i++) {
		s = &img->seg[i];
		if ((s->perms & PERM_X) && img->entry >= s->va &&
		    img->entry - s->va < s->memsz)
			return 0;
	}
	return ELF_EENTRY;
}

int elf_parse(const void *file, uint64_t size, uint64_t va_limit,
	      struct elf_image *out)
{
	const uint8_t *e = file;
	int rc;

	if (out == NULL)
		return ELF_EMAGIC;
	elf_zero(out, sizeof(*out));
	if (e == NULL)
		return ELF_EMAGIC;
	rc = elf_check_ehdr(e, size);
	if (rc == 0) {
		out->entry = elf_le(e + 24, 8);
		rc = elf_collect(e, size, va_limit, out);
	}
	if (rc == 0)
		rc = elf_check_layout(out);
	if (rc < 0)
		elf_zero(out, sizeof(*out));
	return rc;
}
