/*
 * fsutil.h - helpers shared by the guest file-system suites (fstest.c,
 * fsattack.c, mmaptest.c; layer: guest test program): errno checks, file
 * sizes, statfs, waits, and the "everything is back" frame, fd and disk
 * space baselines. A suite that counts its checks defines FSU_CHECK first.
 */
#ifndef TESTS_GUEST_FSUTIL_H
#define TESTS_GUEST_FSUTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#ifndef FSU_CHECK
#define FSU_CHECK tap_check /* every check of this header goes through it */
#endif

/* call failed with exactly errno want (-1, or MAP_FAILED for mmap). */
#define EXPECT_ERR(call, want, name)                                                              \
	({                                                                                        \
		errno = 0;                                                                        \
		long r_ = (long)(call);                                                           \
		int e_ = errno;                                                                   \
		FSU_CHECK(r_ == -1 && e_ == (want), "%s: %s (got %ld, %s)", name, strerror(want), \
			  r_, strerror(e_));                                                      \
	})

static inline long fsu_file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

/* The file system's counts (PG_STATFS; picolibc has no statvfs): 0 or -1. */
static inline int fsu_statfs(struct pg_statfs *fs)
{
	struct msg m = { .label = PG_STATFS, .w = { (uint64_t)fs } };
	return sys_call((long)libsys_startinfo->pager, &m) < 0 || m.label ? -1 : 0;
}

/* pid's wait status, or -1 (never waits for "any child": pid <= 0). */
static inline int fsu_wait(pid_t pid)
{
	int st = -1;
	return pid > 0 && waitpid(pid, &st, 0) == pid ? st : -1;
}

/* Our text and rodata pages are the page cache's frames, mapped: touch
 * them all first, so none joins both the cache and our resident set later
 * (fsu_frames_in_use would count it twice). */
static inline void fsu_touch_image(void)
{
	extern char __data_start[];
	for (volatile char *pg = (char *)0x10000; pg < __data_start; pg += 4096)
		(void)*pg;
}

/* Frames in use by nobody but the page cache, the pager's heap and us;
 * drop_cache first gives clean unused cache pages back to the free pool. */
static inline long fsu_frames_in_use(bool drop_cache)
{
	struct pg_meminfo mi = { 0 };
	struct msg m;
	if (drop_cache)
		pager_cache_drop();
	if (pager_meminfo(&mi) < 0 || pager_stats(&m) < 0)
		return -1;
	return (long)(mi.frames_used - mi.cache_pages - mi.pager_heap - m.w[3]);
}

/* Which descriptors are open, one bit each. */
static inline unsigned fsu_open_fds(void)
{
	unsigned set = 0;
	for (int fd = 0; fd < PG_MAX_FDS; fd++) {
		int d = dup(fd);
		if (d >= 0) {
			set |= 1u << fd;
			close(d);
		}
	}
	return set;
}

/* The end of a suite (2 checks): the frames and fds counted at its start
 * (fsu_frames_in_use(drop_cache), fsu_open_fds) are all back. */
static inline void fsu_check_all_back(long used, unsigned fds, bool drop_cache)
{
	long now = fsu_frames_in_use(drop_cache);
	FSU_CHECK(used >= 0 && now == used, "every frame is back but the cache's (%ld, %ld)", used,
		  now);
	long fds_now = (long)fsu_open_fds();
	FSU_CHECK(fds_now == (long)fds, "every fd is closed (got %ld, want %ld)", fds_now,
		  (long)fds);
}

/* The disk's free counts once everything so far is written back. */
static inline void fsu_space_mark(struct pg_statfs *fs)
{
	sync();
	fsu_statfs(fs);
}

/* One check: every inode and block free at fsu_space_mark(before) is free
 * again. */
static inline bool fsu_check_space_back(const struct pg_statfs *before, const char *name)
{
	struct pg_statfs now = { 0 };
	fsu_space_mark(&now);
	return FSU_CHECK(now.free_inodes == before->free_inodes &&
				 now.free_blocks == before->free_blocks,
			 "%s (inodes %lu/%lu, blocks %lu/%lu)", name,
			 (unsigned long)now.free_inodes, (unsigned long)before->free_inodes,
			 (unsigned long)now.free_blocks, (unsigned long)before->free_blocks);
}

#endif /* TESTS_GUEST_FSUTIL_H */
