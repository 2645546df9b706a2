/*
 * test_cpio.c - host unit tests for libsys/cpio.c, the newc reader.
 * Layer: tests/host. Archives are written in C here (not by mkinitrd.py)
 * so the test is self-contained; truncated copies live in exact-size heap
 * buffers so ASan catches any read past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpio.h"

#define AR_MAX 4096

static uint8_t ar[AR_MAX];
static size_t alen;
static uint32_t next_ino;
static size_t data_end[8]; /* unpadded end of entry (ino - 1)'s data */

static void ar_reset(void)
{
	memset(ar, 0, sizeof(ar));
	alen = 0;
	next_ino = 1;
}

static void ar_pad(void)
{
	while (alen % 4)
		ar[alen++] = 0;
}

/* Append one newc entry; returns the offset its header starts at. */
static size_t ar_entry(const char *name, const void *data, size_t size,
		       uint32_t mode)
{
	size_t start = alen, nsz = strlen(name) + 1;
	char hdr[111];

	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 next_ino++, mode, 0u, 0u, 1u, 0u, (unsigned)size, 0u, 0u, 0u,
		 0u, (unsigned)nsz, 0u);
	memcpy(ar + alen, hdr, 110);
	alen += 110;
	memcpy(ar + alen, name, nsz);
	alen += nsz;
	ar_pad();
	if (size)
		memcpy(ar + alen, data, size);
	alen += size;
	if (next_ino - 2 < 8)
		data_end[next_ino - 2] = alen;
	ar_pad();
	return start;
}

static size_t ar_trailer(void)
{
	return ar_entry("TRAILER!!!", NULL, 0, 0);
}

#define MODE_FILE 0100755u
#define MODE_DIR 0040755u

static size_t entry_off[8]; /* header offsets of the standard archive */

/* ./init, hello.txt (odd size), empty, dir, abc, TRAILER, ghost. */
static void build_standard(void)
{
	ar_reset();
	entry_off[0] = ar_entry("./init", "INITDATA", 8, MODE_FILE);
	entry_off[1] = ar_entry("hello.txt", "hello, world\n", 13, MODE_FILE);
	entry_off[2] = ar_entry("empty", NULL, 0, MODE_FILE);
	entry_off[3] = ar_entry("dir", NULL, 0, MODE_DIR);
	entry_off[4] = ar_entry("abc", "12345", 5, MODE_FILE);
	entry_off[5] = ar_trailer();
	entry_off[6] = ar_entry("ghost", "boo", 3, MODE_FILE);
}

static int file_is(const struct cpio_file *f, const char *name,
		   const char *data, uint64_t size)
{
	return f->namelen == strlen(name) &&
	       memcmp(f->name, name, f->namelen + 1) == 0 && f->size == size &&
	       (size == 0 || memcmp(f->data, data, size) == 0);
}

static void test_iterate(void)
{
	struct cpio_file f;
	uint64_t off = 0;

	build_standard();
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 1);
	CHECK(file_is(&f, "./init", "INITDATA", 8));
	CHECK_EQ((const uint8_t *)f.data - ar, 112 + 8); /* 110+7 -> 120 */
	CHECK_EQ(off, entry_off[1]);
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 1);
	CHECK(file_is(&f, "hello.txt", "hello, world\n", 13));
	CHECK_EQ(((const uint8_t *)f.data - ar) % 4, 0);
	CHECK_EQ(off, entry_off[2]);
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 1);
	CHECK(file_is(&f, "empty", NULL, 0));
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 1);
	CHECK(file_is(&f, "dir", NULL, 0));
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 1);
	CHECK(file_is(&f, "abc", "12345", 5));
	CHECK_EQ(off, entry_off[5]);
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 0);
	CHECK_EQ(off, entry_off[5]); /* trailer does not advance */
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 0);
}

static void test_find(void)
{
	struct cpio_file f;

	build_standard();
	CHECK_EQ(cpio_find(ar, alen, "init", &f), 0);
	CHECK(file_is(&f, "init", "INITDATA", 8));
	CHECK_EQ(cpio_find(ar, alen, "./init", &f), 0);
	CHECK(file_is(&f, "init", "INITDATA", 8));
	CHECK_EQ(cpio_find(ar, alen, "hello.txt", &f), 0);
	CHECK(file_is(&f, "hello.txt", "hello, world\n", 13));
	CHECK_EQ(cpio_find(ar, alen, "abc", &f), 0);
	CHECK(file_is(&f, "abc", "12345", 5));
	CHECK_EQ(cpio_find(ar, alen, "empty", &f), 0);
	CHECK_EQ(f.size, 0);
	CHECK_EQ(cpio_find(ar, alen, "nope", &f), -1);
	CHECK_EQ(cpio_find(ar, alen, "hello", &f), -1);
	CHECK_EQ(cpio_find(ar, alen, "hello.txt.x", &f), -1);
	CHECK_EQ(cpio_find(ar, alen, "ini", &f), -1);
	CHECK_EQ(cpio_find(ar, alen, "", &f), -1);
	CHECK_EQ(cpio_find(ar, alen, "TRAILER!!!", &f), -1);
	CHECK_EQ(cpio_find(ar, alen, "ghost", &f), -1); /* after trailer */
	CHECK_EQ(cpio_find(NULL, alen, "init", &f), -1);
	CHECK_EQ(cpio_find(ar, alen, NULL, &f), -1);
	CHECK_EQ(cpio_find(ar, alen, "init", NULL), -1);
}

static void test_no_trailer(void)
{
	struct cpio_file f;
	uint64_t off = 0;

	ar_reset();
	ar_entry("a", "x", 1, MODE_FILE);
	ar_entry("b", "yy", 2, MODE_FILE);
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 1);
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 1);
	CHECK(file_is(&f, "b", "yy", 2));
	CHECK_EQ(off, alen);
	CHECK_EQ(cpio_next(ar, alen, &off, &f), 0);
	CHECK_EQ(cpio_next(ar, 0, &off, &f), -1); /* offset beyond size */
	off = 0;
	CHECK_EQ(cpio_next(ar, 0, &off, &f), 0); /* empty archive */
	CHECK_EQ(cpio_find(ar, alen, "b", &f), 0);
}

/* Walk a copy of ar[0..len) to the end; returns the final cpio_next rc. */
static int walk_exact(size_t len, int *entries)
{
	uint8_t *p = malloc(len ? len : 1);
	struct cpio_file f;
	uint64_t off = 0;
	int rc;

	memcpy(p, ar, len);
	*entries = 0;
	while ((rc = cpio_next(p, len, &off, &f)) == 1)
		(*entries)++;
	free(p);
	return rc;
}

/*
 * Where a truncated archive still ends cleanly (rc 0): at an entry start,
 * anywhere in an entry's final padding, or once the trailer name is in.
 */
static int clean_cut(size_t len)
{
	size_t i;

	for (i = 0; i < 5; i++) {
		if (len == entry_off[i] ||
		    (len >= data_end[i] && len <= entry_off[i + 1]))
			return 1;
	}
	return len >= entry_off[5] + 110 + 11;
}

static void test_truncated(void)
{
	size_t len;
	int wrong = 0, entries;

	build_standard();
	alen = entry_off[6]; /* drop the ghost */
	CHECK_EQ(entry_off[1], 128);
	CHECK_EQ(data_end[1], 248 + 13);
	CHECK_EQ(entry_off[2], 264);
	for (len = 0; len <= alen; len++) {
		int rc = walk_exact(len, &entries);

		if (rc != (clean_cut(len) ? 0 : -1)) {
			fprintf(stderr, "truncated at %zu: rc %d\n", len, rc);
			wrong++;
		}
	}
	CHECK_EQ(wrong, 0);
	CHECK_EQ(walk_exact(alen, &entries), 0);
	CHECK_EQ(entries, 5);
	CHECK_EQ(walk_exact(100, &entries), -1); /* inside first header */
}

/* Overwrite 8 characters of header field idx of entry 0 and walk. */
static int walk_patched_field(unsigned idx, const char *text)
{
	int entries;

	build_standard();
	memcpy(ar + 6 + 8 * idx, text, 8);
	return walk_exact(entry_off[6], &entries);
}

static void test_bad_fields(void)
{
	int entries;

	CHECK_EQ(walk_patched_field(0, "0000000G"), -1); /* ino */
	CHECK_EQ(walk_patched_field(1, "000 81ED"), -1); /* mode */
	CHECK_EQ(walk_patched_field(6, "0x000008"), -1); /* filesize */
	CHECK_EQ(walk_patched_field(6, "-0000008"), -1);
	CHECK_EQ(walk_patched_field(12, "0000000g"), -1); /* check */
	CHECK_EQ(walk_patched_field(6, "FFFFFFFF"), -1); /* past end */
	CHECK_EQ(walk_patched_field(6, "00000400"), -1);
	CHECK_EQ(walk_patched_field(11, "FFFFFFFF"), -1); /* namesize */
	CHECK_EQ(walk_patched_field(11, "00000000"), -1);
	CHECK_EQ(walk_patched_field(11, "00000006"), -1); /* no NUL */
	CHECK_EQ(walk_patched_field(11, "00000008"), -1); /* NUL inside */
	CHECK_EQ(walk_patched_field(1, "000081ed"), 0); /* lower case ok */
	build_standard();
	memcpy(ar, "070702", 6); /* CRC format: not accepted */
	CHECK_EQ(walk_exact(alen, &entries), -1);
	build_standard();
	memcpy(ar + entry_off[2], "07070X", 6);
	CHECK_EQ(walk_exact(alen, &entries), -1);
	CHECK_EQ(entries, 2);
}

/* find stops at the first malformed entry, succeeding only before it. */
static void test_find_malformed(void)
{
	struct cpio_file f;

	build_standard();
	memcpy(ar + entry_off[2] + 6, "zzzzzzzz", 8);
	CHECK_EQ(cpio_find(ar, alen, "init", &f), 0);
	CHECK_EQ(cpio_find(ar, alen, "abc", &f), -1);
	build_standard();
	CHECK_EQ(cpio_find(ar, entry_off[4] + 50, "abc", &f), -1);
	CHECK_EQ(cpio_find(ar, entry_off[4] + 50, "dir", &f), 0);
}

int main(void)
{
	test_iterate();
	test_find();
	test_no_trailer();
	test_truncated();
	test_bad_fields();
	test_find_malformed();
	return check_report("test_cpio");
}
