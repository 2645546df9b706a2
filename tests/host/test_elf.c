/*
 * test_elf.c - host unit tests for libsys/elf.c, the ELF64 validator.
 * Layer: tests/host. Images are assembled in memory from locally defined
 * Elf64_Ehdr/Phdr structs (the host is little-endian, like RISC-V), then
 * broken one field at a time to hit every ELF_E* code. Truncated and fuzzed
 * copies live in exact-size heap buffers so ASan catches stray reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "elf.h"

typedef struct {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum;
	uint16_t e_shentsize, e_shnum, e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} Elf64_Phdr;

#define PT_LOAD 1
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4

#define IMG_SIZE 0x2020u
#define LIMIT 0x4000000000ULL /* USER_TOP */
#define MAX_PH 12

static uint8_t img[IMG_SIZE];
static Elf64_Ehdr eh;
static Elf64_Phdr ph[MAX_PH];
static int nph;

static void add_ph(uint32_t type, uint32_t flags, uint64_t off, uint64_t va,
		   uint64_t filesz, uint64_t memsz)
{
	Elf64_Phdr p = { type, flags, off, va, va, filesz, memsz, 0x1000 };

	ph[nph++] = p;
}

/* Valid image: note, text (R+X), data+bss (R+W), stack; entry in text. */
static void std_image(void)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ident, 16);
	eh.e_type = 2;
	eh.e_machine = 243;
	eh.e_version = 1;
	eh.e_entry = 0x10010;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	nph = 0;
	add_ph(PT_NOTE, PF_R, 0x800, 0x800, 0x20, 0x20);
	add_ph(PT_LOAD, PF_R | PF_X, 0x1000, 0x10000, 0x100, 0x100);
	add_ph(PT_LOAD, PF_R | PF_W, 0x2000, 0x12000, 0x20, 0x3000);
	add_ph(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
}

/* Serialise eh + ph[] into img (struct layout == ELF64 LE on the host). */
static void emit(void)
{
	memset(img, 0xcc, sizeof(img));
	eh.e_phnum = (uint16_t)nph;
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), ph, nph * sizeof(Elf64_Phdr));
}

/* Parse the first len bytes of img from an exact-size heap copy. */
static int parse_len(size_t len, uint64_t limit, struct elf_image *out)
{
	uint8_t *p = malloc(len ? len : 1);
	int rc;

	memcpy(p, img, len);
	rc = elf_parse(p, len, limit, out);
	free(p);
	return rc;
}

static int parse(void)
{
	struct elf_image out;

	emit();
	return parse_len(IMG_SIZE, LIMIT, &out);
}

static void test_layout(void)
{
	uint16_t one = 1;

	CHECK(*(uint8_t *)&one == 1); /* the builder relies on LE */
	CHECK_EQ(sizeof(Elf64_Ehdr), 64);
	CHECK_EQ(sizeof(Elf64_Phdr), 56);
}

static void test_valid(void)
{
	struct elf_image out;

	std_image();
	emit();
	CHECK_EQ(parse_len(IMG_SIZE, LIMIT, &out), 0);
	CHECK_EQ(out.entry, 0x10010);
	CHECK_EQ(out.nseg, 2);
	CHECK_EQ(out.seg[0].va, 0x10000);
	CHECK_EQ(out.seg[0].memsz, 0x100);
	CHECK_EQ(out.seg[0].filesz, 0x100);
	CHECK_EQ(out.seg[0].off, 0x1000);
	CHECK_EQ(out.seg[0].perms, PERM_R | PERM_X);
	CHECK_EQ(out.seg[1].va, 0x12000);
	CHECK_EQ(out.seg[1].memsz, 0x3000);
	CHECK_EQ(out.seg[1].filesz, 0x20);
	CHECK_EQ(out.seg[1].off, 0x2000);
	CHECK_EQ(out.seg[1].perms, PERM_R | PERM_W);
	/* Trailing bytes beyond the last segment are fine. */
	CHECK_EQ(elf_parse(img, IMG_SIZE, LIMIT, &out), 0);
	CHECK_EQ(elf_parse(NULL, IMG_SIZE, LIMIT, &out), ELF_EMAGIC);
	CHECK_EQ(elf_parse(img, IMG_SIZE, LIMIT, NULL), ELF_EMAGIC);
}

/* Edge cases that must still be accepted. */
static void test_valid_edges(void)
{
	struct elf_image out;

	std_image();
	ph[2].p_vaddr = 0x11000; /* data on the page right after text */
	CHECK_EQ(parse(), 0);
	std_image();
	ph[2].p_vaddr = LIMIT - 0x3000; /* ends exactly at va_limit */
	CHECK_EQ(parse(), 0);
	std_image();
	eh.e_entry = 0x100ff; /* last byte of text */
	CHECK_EQ(parse(), 0);
	std_image();
	add_ph(PT_LOAD, PF_R, 0x1000, 0x20000, 0, 0); /* empty: ignored */
	emit();
	CHECK_EQ(parse_len(IMG_SIZE, LIMIT, &out), 0);
	CHECK_EQ(out.nseg, 2);
	std_image();
	ph[1].p_flags = PF_X; /* execute-only is a valid Sv39 leaf */
	emit();
	CHECK_EQ(parse_len(IMG_SIZE, LIMIT, &out), 0);
	CHECK_EQ(out.seg[0].perms, PERM_X);
}

static void test_truncated(void)
{
	struct elf_image out;
	size_t len;
	int wrong = 0;

	std_image();
	emit();
	CHECK_EQ(parse_len(0, LIMIT, &out), ELF_EMAGIC);
	CHECK_EQ(parse_len(63, LIMIT, &out), ELF_EMAGIC);
	CHECK_EQ(parse_len(64 + 56, LIMIT, &out), ELF_EPHDR);
	CHECK_EQ(parse_len(0x1080, LIMIT, &out), ELF_ESEG);
	CHECK_EQ(parse_len(IMG_SIZE - 1, LIMIT, &out), ELF_ESEG);
	CHECK_EQ(out.nseg, 0); /* zeroed on error */
	for (len = 0; len < IMG_SIZE; len++)
		wrong += parse_len(len, LIMIT, &out) >= 0;
	CHECK_EQ(wrong, 0);
}

static void test_header_errors(void)
{
	std_image();
	eh.e_ident[1] = 'e';
	CHECK_EQ(parse(), ELF_EMAGIC);
	std_image();
	eh.e_ident[4] = 1; /* ELFCLASS32 */
	CHECK_EQ(parse(), ELF_ECLASS);
	std_image();
	eh.e_ident[5] = 2; /* big-endian */
	CHECK_EQ(parse(), ELF_ECLASS);
	std_image();
	eh.e_machine = 62; /* x86-64 */
	CHECK_EQ(parse(), ELF_EMACHINE);
	std_image();
	eh.e_type = 3; /* ET_DYN */
	CHECK_EQ(parse(), ELF_ETYPE);
	std_image();
	eh.e_phentsize = 32;
	CHECK_EQ(parse(), ELF_EPHDR);
	std_image();
	eh.e_phoff = IMG_SIZE + 8; /* beyond the end */
	CHECK_EQ(parse(), ELF_EPHDR);
	std_image();
	eh.e_phoff = IMG_SIZE - 100; /* table straddles the end */
	CHECK_EQ(parse(), ELF_EPHDR);
	std_image();
	eh.e_phoff = UINT64_MAX - 8;
	CHECK_EQ(parse(), ELF_EPHDR);
}

static void test_segment_errors(void)
{
	std_image();
	ph[2].p_memsz = UINT64_MAX - 0x1000; /* va + memsz wraps */
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[2].p_vaddr = LIMIT; /* above va_limit */
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[2].p_vaddr = LIMIT - 0x2000; /* end crosses va_limit */
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[2].p_filesz = 0x3001; /* filesz > memsz */
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[2].p_filesz = 0x21; /* off + filesz one past the file */
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[2].p_offset = UINT64_MAX - 0xfff; /* keeps va%4096 == off%4096 */
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[1].p_vaddr = 0; /* page 0 */
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[2].p_vaddr = 0x12010; /* va % 4096 != off % 4096 */
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[2].p_flags = PF_W; /* W without R */
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[2].p_flags = PF_W | PF_X;
	CHECK_EQ(parse(), ELF_ESEG);
	std_image();
	ph[2].p_flags = 0; /* no access at all */
	CHECK_EQ(parse(), ELF_ESEG);
}

static void test_layout_errors(void)
{
	int i;

	std_image();
	ph[2].p_vaddr = 0x10000; /* same page as text */
	CHECK_EQ(parse(), ELF_EOVERLAP);
	std_image();
	ph[2].p_offset = 0x1f00; /* data starts at 0x10f00: text's page */
	ph[2].p_vaddr = 0x10f00;
	CHECK_EQ(parse(), ELF_EOVERLAP);
	std_image();
	eh.e_entry = 0x12000; /* in data, not executable */
	CHECK_EQ(parse(), ELF_EENTRY);
	std_image();
	eh.e_entry = 0x10100; /* one past the end of text */
	CHECK_EQ(parse(), ELF_EENTRY);
	std_image();
	eh.e_entry = 0;
	CHECK_EQ(parse(), ELF_EENTRY);
	std_image();
	ph[1].p_type = PT_NOTE;
	ph[2].p_type = PT_NOTE;
	CHECK_EQ(parse(), ELF_ENOSEG);
	std_image();
	nph = 0;
	CHECK_EQ(parse(), ELF_ENOSEG);
	std_image();
	for (i = 3; i < 10; i++) /* text + data + 7 more = 9 PT_LOAD */
		add_ph(PT_LOAD, PF_R, 0x1000, 0x10000 + 0x2000 * i, 0x10, 0x10);
	CHECK_EQ(parse(), ELF_ETOOMANY);
	nph--; /* 8 PT_LOAD: the maximum */
	CHECK_EQ(parse(), 0);
}

static uint32_t lcg_state = 4242;

static uint32_t lcg(void)
{
	lcg_state = lcg_state * 1103515245u + 12345u;
	return lcg_state >> 8;
}

/* On success every documented invariant must hold. */
static int image_ok(const struct elf_image *o, uint64_t size)
{
	int i, x = 0;

	if (o->nseg < 1 || o->nseg > ELF_MAX_SEGS)
		return 0;
	for (i = 0; i < o->nseg; i++) {
		const struct elf_seg *s = &o->seg[i];

		if (s->off > size || s->filesz > size - s->off ||
		    s->filesz > s->memsz || s->va < 0x1000 ||
		    s->va > LIMIT || s->memsz > LIMIT - s->va ||
		    s->va % 4096 != s->off % 4096 || s->perms == 0)
			return 0;
		x |= (s->perms & PERM_X) && o->entry >= s->va &&
		     o->entry - s->va < s->memsz;
	}
	return x;
}

/* Random mutations of the headers: no crash, only valid codes/images. */
static void test_fuzz(void)
{
	static const size_t hdr_bytes = 64 + 4 * 56;
	struct elf_image out;
	int i, k, bad = 0;

	for (i = 0; i < 50000; i++) {
		int rc;

		std_image();
		emit();
		for (k = 0; k < 1 + (int)(lcg() % 3); k++)
			img[lcg() % hdr_bytes] = (uint8_t)lcg();
		rc = parse_len(IMG_SIZE, LIMIT, &out);
		if (rc < ELF_ENOSEG || rc > 0 ||
		    (rc == 0 && !image_ok(&out, IMG_SIZE)))
			bad++;
	}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	test_layout();
	test_valid();
	test_valid_edges();
	test_truncated();
	test_header_errors();
	test_segment_errors();
	test_layout_errors();
	test_fuzz();
	return check_report("test_elf");
}
