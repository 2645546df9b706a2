/*
 * pager.h - the protocol between programs and the root pager
 * (servers/pager.c), and the start-up block the pager leaves for each
 * program it starts (libsys/start.c reads it). User-to-user ABI: the
 * kernel knows nothing of it.
 */
#ifndef LIBSYS_PAGER_H
#define LIBSYS_PAGER_H

#include <stdint.h>

/* Labels of calls to the pager endpoint. A reply's label is 0 on success,
 * else the error negated (a positive number: labels with the top bit set
 * are the kernel's). */
#define PG_EXIT 1     /* w0 = status; no reply: the task is gone */
#define PG_SBRK 2     /* w0 = increment (signed) -> w0 = old break */
#define PG_SPAWN 3    /* w0..w4 = name (40 bytes, NUL padded), handle =
			 given to the child -> w0 = pid, handle = task (R_CONTROL) */
#define PG_WAIT 4     /* w0 = pid -> w0 = status, w1 = how (PG_EXITED/KILLED) */
#define PG_STATS 6    /* -> w0 = free frames, w1 = zero-fill faults,
			 w2 = file faults, w3 = this pid's resident pages,
			 w4 = this pid's faults, w5 = total frames */
#define PG_NOZERO 7   /* bench only: w0 = va, w1 = npages of anonymous
			 memory filled without zeroing (needs bootarg "bench") */

/* Pager errors (reply label), beside the kernel's ERR_* values. */
#define PGERR_NOENT (-100)  /* no such program or pid */
#define PGERR_NOEXEC (-101) /* the program is not a valid ELF */
#define PGERR_NOMEM (-102)  /* no memory or no process slot */

#define PG_EXITED 0
#define PG_KILLED 1   /* killed by the pager; w0 then holds the scause */

#define PG_NAME_MAX 40

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
	char *argv[9];     /* NULL-terminated, strings follow */
};

#define USER_STACK_TOP 0x3fe0000000ULL /* pager-started programs */
#define USER_STACK_MAX (8ULL << 20)   /* grows down on demand to this */

#endif /* LIBSYS_PAGER_H */
