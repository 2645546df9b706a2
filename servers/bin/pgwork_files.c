/*
 * pgwork_files.c (servers/bin/) - pgwork's files workload, page-cache
 * heavy: -f files of n/f pages each in /pgwork.d, written once, read
 * back and checked -r times with a cat-like read loop, then removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgwork.h"

#define FILES_DIR "/pgwork.d"

static uint64_t buf[PGW_WORDS]; /* one page, the only buffer */

static void file_name(char *name, size_t len, uint64_t i)
{
	snprintf(name, len, FILES_DIR "/f%03llu", (unsigned long long)i);
}

/* Page p of file i holds the version-0 pattern of unit i * per + p: no
 * two pages in the run are alike. */
static int file_write(const struct pgw_opts *o, uint64_t i, uint64_t per)
{
	char name[64];
	file_name(name, sizeof name, i);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return pgw_fail(o, "%s: %s", name, strerror(errno));
	int bad = 0;
	for (uint64_t p = 0; p < per && !bad; p++) {
		pgw_fill(buf, pgw_tag(o->seed, i * per + p, 0));
		if (write(fd, buf, PGW_PAGE) != (ssize_t)PGW_PAGE)
			bad = pgw_fail(o, "%s: write failed", name);
	}
	if (close(fd) < 0 && !bad)
		bad = pgw_fail(o, "%s: %s", name, strerror(errno));
	return bad;
}

/* Read up to a page, looping over short reads: the bytes read, or -1. */
static ssize_t read_page(int fd)
{
	size_t got = 0;
	while (got < PGW_PAGE) {
		ssize_t n = read(fd, (char *)buf + got, PGW_PAGE - got);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Every page of file i right, and nothing after the last. */
static int file_check(const struct pgw_opts *o, uint64_t i, uint64_t per)
{
	char name[64];
	file_name(name, sizeof name, i);
	int fd = open(name, O_RDONLY);
	if (fd < 0)
		return pgw_fail(o, "%s: %s", name, strerror(errno));
	int bad = 0;
	for (uint64_t p = 0; p < per && !bad; p++) {
		if (read_page(fd) != (ssize_t)PGW_PAGE)
			bad = pgw_fail(o, "%s: page %llu: short read", name, (unsigned long long)p);
		else
			bad = pgw_check(o, buf, pgw_tag(o->seed, i * per + p, 0), "file page",
					i * per + p);
	}
	if (!bad && read_page(fd) != 0)
		bad = pgw_fail(o, "%s: longer than %llu pages", name, (unsigned long long)per);
	close(fd);
	return bad;
}

/* Remove the files made (all -f of them, as far as they exist) and the
 * directory, so a failed run leaves the disk as it found it. */
static int files_remove(const struct pgw_opts *o)
{
	char name[64];
	int bad = 0;
	for (uint64_t i = 0; i < o->files; i++) {
		file_name(name, sizeof name, i);
		if (unlink(name) < 0 && errno != ENOENT)
			bad = pgw_fail(o, "%s: %s", name, strerror(errno));
	}
	if (rmdir(FILES_DIR) < 0)
		bad = pgw_fail(o, FILES_DIR ": %s", strerror(errno));
	return bad;
}

int pgw_files(const struct pgw_opts *o)
{
	uint64_t per = o->pages / o->files;
	if (per == 0)
		return pgw_fail(o, "-f %llu: more files than pages", (unsigned long long)o->files);
	if (mkdir(FILES_DIR, 0755) < 0 && errno != EEXIST)
		return pgw_fail(o, FILES_DIR ": %s", strerror(errno));
	int bad = 0;
	for (uint64_t i = 0; i < o->files && !bad; i++)
		bad = file_write(o, i, per);
	for (uint64_t k = 0; k < o->rounds && !bad; k++)
		for (uint64_t i = 0; i < o->files && !bad; i++)
			bad = file_check(o, i, per);
	return files_remove(o) || bad;
}
