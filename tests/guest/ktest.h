/*
 * ktest.h - shared pieces of the in-guest kernel test suite (ktest*.c,
 * run as the root task with root=ktest): the asm probes of ktest_asm.S,
 * helper threads, clones with a shared "box" page, waits that never hang,
 * exact-value checks, and one function per group of sections.
 */
#ifndef KTEST_H
#define KTEST_H

#include <stdint.h>

#include "libsys.h"
#include "root.h"

/* ktest_asm.S: labels give the exact sepc of a fault or a syscall. */
uint64_t fault_load(uint64_t va); /* ld a0, 0(a0) */
void fault_store(uint64_t va, uint64_t val); /* sd a1, 0(a0) */
void fault_exec(uint64_t va); /* jr a0 */
long ktest_syscall(long a0, long a1, long nr); /* ecall at ktest_ecall */
extern char ktest_ecall[];
void ktest_park(long notif) __attribute__((noreturn)); /* waits forever */
extern char ktest_park_ecall[];
extern char ktest_regs_entry[]; /* sets gp/tp, calls ktest_regs_seen */
void ktest_regs_seen(long a0, long a1, long a2) __attribute__((noreturn));
extern char root_thread_start[]; /* libsys/root_tramp.S */

/* ktest.c: checks. chk compares exactly; ok checks a condition. */
int chk(long got, long want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define ok tap_check

/* ktest.c: helpers. */
#define TIMEOUT_MS 2000
#define TIMEOUT_BIT (1UL << 40) /* wait_timed's guard timer */
#define CLONE_QUOTA 8
#define BOX_VA (CLONE_STACK_TOP - 0x10000) /* in the clone's stack L0 table */
#define FAULT_BADGE 0x99

struct box { /* a page shared by main and one clone, at BOX_VA in the clone */
	volatile long counter;
};

/* What a helper thread does (job_thread); done is set when it returns. */
enum job_kind {
	JOB_LOAD,
	JOB_STORE,
	JOB_EXEC,
	JOB_SYSCALL,
	JOB_SIGNAL,
	JOB_CALL,
	JOB_WAIT
};
struct job {
	int kind;
	uint64_t addr, val;
	struct msg m; /* JOB_CALL: message in, reply out */
	volatile long result;
	volatile long done;
};

extern long g_park; /* a notification nobody signals */
extern long g_my_id; /* our task id */
uint64_t test_va(void);
long new_thread(void (*fn)(long), long arg, unsigned prio, long fault_ep, int suspended);
long start_job(struct job *j, unsigned prio, long fault_ep);
long clone_box(void (*fn)(long), long arg, unsigned prio, struct box **box, long *thread);
int wait_until(volatile long *v, long want);
long recv_timed(long ep, struct msg *m);
long wait_timed(long notif);
uint64_t now_ms(void);

/* ktest_fault.c: the fault endpoint F, its send handle (badge 0x99), and
 * checks of one fault message against what it must say. */
struct fault_want {
	uint64_t scause, stval, sepc, flags;
	long task;
};
#define WANT(scause, stval, sepc, flags) \
	(&(struct fault_want){ (scause), (stval), (uint64_t)(sepc), (flags), g_my_id })
extern long g_f, g_fs;
void check_fault(long badge, const struct msg *m, const struct fault_want *w, const char *what);
long take_fault(struct job *j, struct msg *m, long *badge, int blocking);
void kill_faulter(long th, struct job *j, const char *what);

/* Sections, in the order main runs them. */
void test_basics(void);
void test_ipc(void);
void test_notif(void);
void test_ipc_local(void);
void test_faults(void);
void test_fault_map(void);
void test_fault_more(void);
void test_mm(void);
void test_hostile(void);
void test_time(void);
void test_quota(void);
void test_tasks(void);
void test_sched(void);
void test_regs(void);
void test_fpu(void);

#endif /* KTEST_H */
