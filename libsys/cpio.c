/*
 * cpio.c - "newc" cpio archive reader (the initrd format).
 * Layer: libsys (user library). Pure logic: every header field is checked
 * as 8 hex digits and every range is checked against the archive size with
 * subtraction, so a hostile archive cannot make us read past its end.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpio.h"

/*
 * Header (110 bytes of ASCII): "070701", then 13 fields of 8 hex digits:
 *   0 ino  1 mode  2 uid  3 gid  4 nlink  5 mtime  6 filesize
 *   7 devmajor  8 devminor  9 rdevmajor  10 rdevminor  11 namesize  12 check
 * namesize counts the NUL. Header+name is padded to a multiple of 4 from
 * the archive start, and so is the data.
 */
#define CPIO_HDR_SIZE 110u
#define CPIO_MAGIC_LEN 6u
#define CPIO_NFIELDS 13u
#define CPIO_F_FILESIZE 6u
#define CPIO_F_NAMESIZE 11u

static const char cpio_magic[] = "070701";
static const char cpio_trailer[] = "TRAILER!!!";

static uint64_t cpio_strlen(const char *s)
{
	uint64_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

static bool cpio_memeq(const void *a, const void *b, uint64_t n)
{
	const uint8_t *x = a, *y = b;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (x[i] != y[i])
			return false;
	}
	return true;
}

/* Round up to 4, saturating so a huge offset cannot wrap to a small one. */
static uint64_t cpio_align4(uint64_t x)
{
	if (x > UINT64_MAX - 3)
		return UINT64_MAX;
	return (x + 3) & ~(uint64_t)3;
}

/* Exactly 8 hex digits, either case; anything else is malformed. */
static int cpio_hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0, d;
	unsigned i;

	for (i = 0; i < 8; i++) {
		uint8_t c = p[i];

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -1;
		v = (v << 4) | d;
	}
	*out = v;
	return 0;
}

/* Parse the 110-byte header at h (caller checked it is in bounds). */
static int cpio_header(const uint8_t *h, uint32_t *namesize,
		       uint32_t *filesize)
{
	uint32_t field[CPIO_NFIELDS];
	unsigned i;

	if (!cpio_memeq(h, cpio_magic, CPIO_MAGIC_LEN))
		return -1;
	for (i = 0; i < CPIO_NFIELDS; i++) {
		if (cpio_hex8(h + CPIO_MAGIC_LEN + 8 * i, &field[i]) < 0)
			return -1;
	}
	*namesize = field[CPIO_F_NAMESIZE];
	*filesize = field[CPIO_F_FILESIZE];
	return 0;
}

/* namesize >= 1 bytes: NUL-terminated with no NUL before the end. */
static bool cpio_name_ok(const uint8_t *name, uint32_t namesize)
{
	uint32_t i;

	if (namesize == 0 || name[namesize - 1] != 0)
		return false;
	for (i = 0; i + 1 < namesize; i++) {
		if (name[i] == 0)
			return false;
	}
	return true;
}

int cpio_next(const void *archive, uint64_t size, uint64_t *offset,
	      struct cpio_file *f)
{
	const uint8_t *a = archive;
	uint64_t off, name_off, data_off, next;
	uint32_t namesize, filesize;

	if (a == NULL || offset == NULL || f == NULL || *offset > size)
		return -1;
	off = *offset;
	if (off == size)
		return 0; /* clean end without a trailer */
	if (size - off < CPIO_HDR_SIZE ||
	    cpio_header(a + off, &namesize, &filesize) < 0)
		return -1;
	name_off = off + CPIO_HDR_SIZE;
	if (namesize > size - name_off || !cpio_name_ok(a + name_off, namesize))
		return -1;
	if (namesize == sizeof(cpio_trailer) &&
	    cpio_memeq(a + name_off, cpio_trailer, namesize))
		return 0;
	data_off = cpio_align4(name_off + namesize);
	if (data_off > size || filesize > size - data_off)
		return -1;
	f->name = (const char *)(a + name_off);
	f->namelen = namesize - 1;
	f->data = a + data_off;
	f->size = filesize;
	/* Missing final padding is harmless: the next call sees the end. */
	next = cpio_align4(data_off + filesize);
	*offset = next > size ? size : next;
	return 1;
}

/* Drop one leading "./" (as written by `find . | cpio -o`). */
static void cpio_strip(const char **name, uint64_t *len)
{
	if (*len >= 2 && (*name)[0] == '.' && (*name)[1] == '/') {
		*name += 2;
		*len -= 2;
	}
}

int cpio_find(const void *archive, uint64_t size, const char *name,
	      struct cpio_file *f)
{
	struct cpio_file e;
	uint64_t off = 0, want;

	if (name == NULL || f == NULL)
		return -1;
	want = cpio_strlen(name);
	cpio_strip(&name, &want);
	while (cpio_next(archive, size, &off, &e) == 1) {
		cpio_strip(&e.name, &e.namelen);
		if (e.namelen == want && cpio_memeq(e.name, name, want)) {
			f->name = e.name;
			f->namelen = e.namelen;
			f->data = e.data;
			f->size = e.size;
			return 0;
		}
	}
	return -1;
}
