/*
 * df.c (servers/bin/) - the root file system's size, space used and space
 * free in KiB, and its inodes, from the pager's PG_STATFS (picolibc has
 * no statvfs). The record is checked before it is printed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libsys.h"

/* PG_STATFS: 0, or -1 with errno from the reply. */
static int get_statfs(struct pg_statfs *fs)
{
	struct msg m = { .label = PG_STATFS, .w = { (uint64_t)fs } };
	if (!libsys_startinfo) {
		errno = ENOSYS;
		return -1;
	}
	if (sys_call((long)libsys_startinfo->pager, &m) < 0) {
		errno = EIO;
		return -1;
	}
	if (m.label) {
		errno = m.label < 4096 ? (int)m.label : EIO;
		return -1;
	}
	return 0;
}

int main(void)
{
	struct pg_statfs fs;
	if (get_statfs(&fs) < 0) {
		fprintf(stderr, "df: /: %s\n", strerror(errno));
		return 1;
	}
	/* A block size that is not a power of two in 512..64K, or more free
	 * than there is, is not a file system's answer. */
	if (fs.block_size < 512 || fs.block_size > 65536 || (fs.block_size & (fs.block_size - 1)) ||
	    fs.free_blocks > fs.blocks || fs.free_inodes > fs.inodes || fs.blocks > (1ULL << 48)) {
		fprintf(stderr, "df: /: %s\n", strerror(EIO));
		return 1;
	}
	unsigned long long kib = fs.block_size / 512; /* half-KiB units per block */
	unsigned long long size = fs.blocks * kib / 2, avail = fs.free_blocks * kib / 2;
	printf("%-10s %10s %10s %10s %8s %8s %s\n", "Filesystem", "1K-blocks", "Used", "Available",
	       "Inodes", "IFree", "Mounted on");
	printf("%-10s %10llu %10llu %10llu %8llu %8llu %s\n", "root", size, size - avail, avail,
	       (unsigned long long)fs.inodes, (unsigned long long)fs.free_inodes, "/");
	return 0;
}
