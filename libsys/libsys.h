/*
 * libsys.h - what libsys offers a program beyond picolibc (libsys/): the
 * syscall wrappers (sys.h), the pager protocol (pager.h), the start-up
 * information, and small helpers for TAP test output.
 */
#ifndef LIBSYS_LIBSYS_H
#define LIBSYS_LIBSYS_H

#include <stdint.h>

#include "abi.h"
#include "pager.h"
#include "sys.h"

extern const struct bootinfo *libsys_bootinfo;   /* root task only */
extern const struct startinfo *libsys_startinfo; /* pager-started only */
extern uint64_t libsys_start_instret;            /* rdinstret at _start */

/* Pager calls beyond POSIX (pager-started programs); errors are -errno. */
long pager_spawn(const char *name, long give_handle);  /* argv = {name} */
long pager_spawnv(const char *path, char *const argv[], long give_handle);
long pager_startup_handle(void);
long pager_stats(struct msg *out);
long pager_ps(struct pg_ps *buf, long max);          /* -> entries */
long pager_meminfo(struct pg_meminfo *mi);
long pager_cache_drop(void); /* clean unused cache pages back to the free pool */
/* PG_PAGERCTL: op PCTL_*, arguments as in pager.h; 0/value or -errno. */
long pager_ctl(long op, uint64_t a, uint64_t b);
long pager_quota(unsigned kind, uint64_t n); /* n more of kernel quota kind KQ_* */
long pager_readdir(long index, char name[PG_NAME_MAX]); /* -> file size */
long pager_lend(void *va, long pid, uint64_t to_va); /* read-only loan */

/* TAP helpers (tap.c): "ok N - name" lines, a plan, and the exit code. */
void tap_plan(int n);
int tap_check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define tap_eq(got, want, name)                                                  \
	({                                                                       \
		long got_ = (long)(got), want_ = (long)(want);                   \
		tap_check(got_ == want_, "%s (got %ld, want %ld)", name, got_, want_); \
	})
int tap_done(void);

#endif /* LIBSYS_LIBSYS_H */
