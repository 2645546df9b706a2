/*
 * pager.h - the protocol between programs and the root pager, which is
 * also the process, file, pipe and console server (servers/). User-to-
 * user ABI: the kernel knows nothing of it. libsys/posix.c turns the
 * POSIX calls into these messages; docs/abi.md lists them.
 */
#ifndef LIBSYS_PAGER_H
#define LIBSYS_PAGER_H

#include <stdint.h>

/* Labels of calls to the pager endpoint (the badge names the caller's
 * pid). A reply's label is 0 on success, else a positive errno value
 * (labels with the top bit set are the kernel's). Pointers are addresses
 * in the caller's space; the pager reads and writes them through the
 * caller's page map, with the caller's permissions. */
#define PG_EXIT 1     /* w0 = status; no reply */
#define PG_SBRK 2     /* w0 = increment (signed) -> w0 = old break */
#define PG_SPAWN 3    /* w0 = path, w1 = argv, handle = given to the child
			 -> w0 = pid (a child of the caller) */
#define PG_WAIT 4     /* w0 = pid or -1, w1 = options (WNOHANG)
			 -> w0 = pid (0: none ready), w1 = wait status */
#define PG_STATS 6    /* -> w0 free frames, w1 zero-fill faults, w2 file
			 faults, w3 my resident pages, w4 my faults, w5 frames */
#define PG_NOZERO 7   /* bench only: w0 = va, w1 = pages filled without
			 zeroing (needs bootarg "bench") */
#define PG_FORK 8     /* -> w0 = child pid; in the child w0 = 0 */
#define PG_EXEC 9     /* w0 = path, w1 = argv -> only errors return */
#define PG_GETPID 10  /* -> w0 = pid, w1 = parent pid */
#define PG_KILL 11    /* w0 = pid, w1 = signal */
#define PG_OPEN 12    /* w0 = path, w1 = flags (O_*), w2 = mode -> w0 = fd */
#define PG_CLOSE 13   /* w0 = fd */
#define PG_READ 14    /* w0 = fd, w1 = buf, w2 = len -> w0 = bytes */
#define PG_WRITE 15   /* w0 = fd, w1 = buf, w2 = len -> w0 = bytes */
#define PG_PIPE 16    /* -> w0 = read fd, w1 = write fd */
#define PG_DUP 17     /* w0 = fd -> w0 = new fd */
#define PG_DUP2 18    /* w0 = fd, w1 = new fd -> w0 = new fd */
#define PG_PS 19      /* w0 = buf, w1 = max entries -> w0 = entries */
#define PG_MEMINFO 20 /* w0 = buf (struct pg_meminfo) */
#define PG_LEND 21    /* w0 = my va, w1 = pid, w2 = its va: lend the page
			 read-only (a third holder for COW tests) */
#define PG_READDIR 22 /* w0 = index, w1 = buf (40 bytes) -> w0 = size */
#define PG_CONSOLE_IN 23 /* console thread only: w0 = n, w1.. = bytes */
/* Files (paths are NUL-terminated, < PG_PATH_MAX, relative to the cwd). */
#define PG_LSEEK 24     /* w0 = fd, w1 = offset, w2 = whence -> w0 = offset */
#define PG_PREAD 25     /* w0 = fd, w1 = buf, w2 = len, w3 = offset -> w0 = bytes */
#define PG_PWRITE 26    /* w0 = fd, w1 = buf, w2 = len, w3 = offset -> w0 = bytes */
#define PG_STAT 27      /* w0 = path, w1 = struct pg_stat *, w2 = PG_NOFOLLOW for lstat */
#define PG_FSTAT 28     /* w0 = fd, w1 = struct pg_stat * */
#define PG_FTRUNCATE 29 /* w0 = fd, w1 = length */
#define PG_UNLINK 30    /* w0 = path */
#define PG_LINK 31      /* w0 = existing path, w1 = new path */
#define PG_RENAME 32    /* w0 = old path, w1 = new path */
#define PG_MKDIR 33     /* w0 = path, w1 = mode */
#define PG_RMDIR 34     /* w0 = path */
#define PG_GETDENTS 35  /* w0 = fd of a directory, w1 = buf, w2 = len -> w0 = bytes
			   of struct pg_dirent records (0 at the end) */
#define PG_CHDIR 36     /* w0 = path */
#define PG_GETCWD 37    /* w0 = buf, w1 = size -> w0 = length with the NUL */
#define PG_FSYNC 38     /* w0 = fd: its dirty pages and inode reach the disk */
#define PG_SYNC 39      /* every dirty page reaches the disk */
#define PG_ACCESS 40    /* w0 = path, w1 = mode (F_OK, R_OK, W_OK, X_OK) */
#define PG_STATFS 41    /* w0 = struct pg_statfs * */
/* The block driver only (servers/blk/, libsys/blkproto.h). */
#define PG_BLK_ATTACH 42 /* handle = the driver's notification -> w0 = capacity
			    check word; maps the ring and DMA pages: w1..w4 = DMA
			    frame addresses (BLK_DMA_PAGES of them) */
#define PG_BLK_READY 43  /* w0 = capacity in sectors, w1 = 0 or -errno, w2 =
			    PG_BLK_RO when the device is read-only */
#define PG_BLK_RO 1
#define PG_BLK_DONE 44   /* w0..w5 = BLK_DONE_WORD completions */
#define PG_CACHE_DROP 45 /* drop every clean, unused page-cache page -> w0 = pages
			    dropped (cold-cache experiments, exact frame counts) */
/* Mappings (<sys/mman.h> of libsys: PROT_*, MAP_*, MS_*, MADV_* as Linux). */
#define PG_MMAP 46       /* w0 = addr, w1 = len, w2 = prot, w3 = flags, w4 = fd,
			    w5 = offset -> w0 = address */
#define PG_MUNMAP 47     /* w0 = addr, w1 = len */
#define PG_MPROTECT 48   /* w0 = addr, w1 = len, w2 = prot */
#define PG_MSYNC 49      /* w0 = addr, w1 = len, w2 = flags (MS_ASYNC, MS_SYNC,
			    MS_INVALIDATE) */
#define PG_MADVISE 50    /* w0 = addr, w1 = len, w2 = advice (MADV_DONTNEED...) */

/* Page-out control (servers/evict.c, docs/experiments.md). Open to every
 * process: it changes only how memory is shared out, never what a page
 * holds. */
#define PG_PAGERCTL 51
/* w0 = kind (KQ_TASK, KQ_THREAD, KQ_EP, KQ_NOTIF), w1 = n: n more of that
 * kernel quota for the caller's task, within its share (docs/design.md,
 * quotas) -> w0 = its new quota; -EAGAIN: beyond the share or the room left,
 * -EINVAL: page-table quota (granted as faults need it) or no such kind. */
#define PG_QUOTA 52
#define PCTL_STAT 0   /* w1 = struct pg_pagerstat * */
#define PCTL_POLICY 1 /* w1 = name, w2 = seed -> 0; -ENOENT: no such policy,
			 -EINVAL: a simulator-only one (lru, arc, opt) */
#define PCTL_LIMIT 2  /* w1 = frames for process pages and the cache, 0 = no
			 limit -> 0; -EINVAL below PCTL_LIMIT_MIN */
#define PCTL_RLIMIT 3 /* w1 = pid (0 = the caller), w2 = resident pages, 0 =
			 none: the pages it brings in from now on are replaced
			 among themselves (local replacement) -> 0 */
#define PCTL_HARVEST 4 /* read and clear the A bits of the caller's pages into
			  their policy (what every eviction does first) -> 0;
			  for benchmarks */
#define PCTL_TRACE_START 5 /* record every page fault served from now on (the
			      last PCTL_TRACE_MAX), dropping the old record -> 0 */
#define PCTL_TRACE_READ 6  /* w1 = uint64_t buf[], w2 = max: the next entries of
			      the record (pid << 36 | virtual page number), in
			      fault order; recording stops -> entries, 0 at the end */
#define PCTL_TRACE_MAX 65536
#define PCTL_LIMIT_MIN 64
#define PCTL_RLIMIT_MAX 65536

struct pg_pagerstat {
	char policy[16];
	uint64_t seed;
	uint64_t limit;       /* frames, 0 = none */
	uint64_t frames_used; /* frames holding process pages or cached pages */
	uint64_t faults;      /* page faults served, all processes */
	uint64_t evictions;   /* pages the policy took away */
	uint64_t pageins;     /* pages read back from swap */
	uint64_t pageouts;    /* pages written to swap */
	uint64_t writebacks;  /* file pages written to their file to free a frame */
	uint64_t drops;       /* clean pages dropped to free a frame */
	uint64_t swap_slots, swap_used; /* pages of swap, 0 without a swap disk */
	/* the caller's own */
	uint64_t self_faults, self_pageins, self_resident, self_swapped, self_rlimit;
};

#define PG_NOFOLLOW 1

#define PG_NAME_MAX 40
#define PG_PATH_MAX 256
#define PG_ARGV_MAX 16
#define PG_MAX_FDS 16

/* Wait statuses, as <sys/wait.h> decodes them. */
#define PG_STATUS_EXIT(code) (((code) & 0xff) << 8)
#define PG_STATUS_SIGNAL(sig) ((sig) & 0x7f)

struct pg_ps {
	int32_t pid, ppid;
	uint32_t state; /* 1 running, 2 zombie */
	uint32_t resident, faults, cow_copies;
	uint32_t swapped, pageins; /* pages in swap; pages read back from it */
	char name[PG_NAME_MAX];
};

struct pg_meminfo {
	uint64_t frames_total, frames_free, frames_used, frames_shared;
	uint64_t zero_faults, file_faults, cow_copies, cow_reuses, kills;
	uint64_t pager_heap; /* frames the pager's own heap holds (high-water mark) */
	uint64_t cache_pages, cache_dirty; /* page cache: frames held, dirty */
	uint64_t disk_reads, disk_writes;  /* blocks read from and written to the disk */
	/* Kernel quotas (KQ_*): what the pager holds unused, and the most one
	 * process may hold, its child tasks included (PG_QUOTA). */
	uint64_t kq_free[KQ_COUNT], kq_share[KQ_COUNT];
};

/* PG_STAT/PG_FSTAT: what libsys turns into struct stat. */
struct pg_stat {
	uint64_t ino, size, blocks; /* blocks: 512-byte units */
	uint32_t mode, nlink, uid, gid;
	int64_t atime, mtime, ctime;
	uint32_t blksize, dev;
};

/* PG_GETDENTS records: reclen is a multiple of 8 and covers the name's NUL. */
struct pg_dirent {
	uint32_t ino;
	uint16_t reclen;
	uint8_t type; /* DT_REG 8, DT_DIR 4, DT_LNK 10, DT_UNKNOWN 0 */
	uint8_t namelen;
	char name[];
};

struct pg_statfs {
	uint64_t block_size, blocks, free_blocks, inodes, free_inodes;
};

/* At the top of a started program's stack; a0 points at it. */
#define STARTINFO_MAGIC 0x7374617274696e66ULL
struct startinfo {
	uint64_t magic;
	uint64_t pager;    /* handle: call the pager (badge = pid) */
	uint64_t self;     /* handle: own task, R_MAP | R_CONTROL */
	uint64_t pid;
	uint64_t heap;     /* initial break */
	uint64_t given;    /* handle passed by the spawner, 0 = none */
	uint64_t argc;
	char *argv[PG_ARGV_MAX + 1]; /* NULL-terminated, strings follow */
};

#define USER_STACK_TOP 0x3fe0000000ULL /* pager-started programs */
#define USER_STACK_MAX (8ULL << 20)   /* grows down on demand to this */
#define USER_HEAP_GAP (1ULL << 20)    /* guard between heap and stack */

#endif /* LIBSYS_PAGER_H */
