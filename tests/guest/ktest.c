/*
 * ktest.c - the in-guest kernel test suite (root=ktest): main, the TAP
 * plan, exact-value checks and the helpers every section shares (helper
 * threads running a "job", clones with a shared box page, waits that give
 * up after TIMEOUT_MS instead of hanging). Sections live in ktest_*.c.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ktest.h"

#define KTEST_CHECKS 514 /* every check runs unconditionally: this is exact */

long g_park;
long g_my_id;

static const char *num(char *buf, size_t n, long v)
{
	if (v > -4096 && v < 4096)
		snprintf(buf, n, "%ld", v);
	else
		snprintf(buf, n, "%#lx", (unsigned long)v);
	return buf;
}

int chk(long got, long want, const char *fmt, ...)
{
	char name[128], g[24], w[24];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	return tap_check(got == want, "%s (got %s, want %s)", name, num(g, sizeof g, got),
			 num(w, sizeof w, want));
}

/* Fresh pages of our own address space, never reused; below the root
 * heap (ROOT_HEAP_VA) and the frame window. */
uint64_t test_va(void)
{
	static uint64_t next = 0x0800000000;
	next += PAGE_SIZE;
	return next;
}

uint64_t now_ms(void)
{
	return rdtime() * 1000 / libsys_bootinfo->timebase_hz;
}

/* A thread of our task on a one-page stack from the grant. */
long new_thread(void (*fn)(long), long arg, unsigned prio, long fault_ep, int suspended)
{
	void *stack = root_frame_va(root_frame());
	return root_thread(fn, arg, stack, PAGE_SIZE, prio, fault_ep, suspended);
}

static void job_thread(long arg)
{
	struct job *j = (struct job *)arg;
	switch (j->kind) {
	case JOB_LOAD:
		j->result = (long)fault_load(j->addr);
		break;
	case JOB_STORE:
		fault_store(j->addr, j->val);
		j->result = (long)fault_load(j->addr);
		break;
	case JOB_EXEC:
		fault_exec(j->addr);
		break;
	case JOB_SYSCALL:
		j->result = ktest_syscall((long)j->addr, (long)j->val, SYS_DEBUG_WRITE);
		break;
	case JOB_SIGNAL:
		j->result = sys_notif_signal((long)j->addr, j->val);
		break;
	case JOB_CALL:
		j->result = sys_call((long)j->addr, &j->m);
		break;
	case JOB_WAIT:
		j->result = sys_notif_wait((long)j->addr);
		break;
	}
	j->done = 1;
}

long start_job(struct job *j, unsigned prio, long fault_ep)
{
	return new_thread(job_thread, (long)j, prio, fault_ep, 0);
}

/* A clone whose box page main sees at *box. The clone runs only once main
 * blocks (its prio is below ours), so the box is mapped before its first
 * instruction. */
long clone_box(void (*fn)(long), long arg, unsigned prio, struct box **box, long *thread)
{
	uint64_t pa = root_frame();
	*box = root_frame_va(pa);
	long task = root_clone(fn, arg, prio, CLONE_QUOTA, thread);
	chk(sys_map(task, BOX_VA, pa, PERM_R | PERM_W), 0, "clone at prio %u, box mapped", prio);
	return task;
}

/* Sleep in 1 ms steps until *v == want; 0 after TIMEOUT_MS. */
int wait_until(volatile long *v, long want)
{
	for (unsigned i = 0; i < TIMEOUT_MS && *v != want; i++)
		sys_sleep(1);
	return *v == want;
}

/* Receive, sleeping in 1 ms steps; ERR_AGAIN after TIMEOUT_MS. */
long recv_timed(long ep, struct msg *m)
{
	long r = ERR_AGAIN;
	for (unsigned i = 0; i < TIMEOUT_MS && r == ERR_AGAIN; i++) {
		r = sys_poll(ep, m);
		if (r == ERR_AGAIN)
			sys_sleep(1);
	}
	return r;
}

/* Wait on n with a TIMEOUT_BIT timer as a guard; it stays armed until n
 * is closed or re-armed. */
long wait_timed(long n)
{
	sys_notif_timer(n, TIMEOUT_MS, TIMEOUT_BIT);
	return sys_notif_wait(n);
}

/* Section 1: the cheapest entry and unknown syscall numbers. */
void test_basics(void)
{
	chk(sys_null(), 0, "null syscall");
	chk(sys4(999, 0, 0, 0, 0), ERR_NOSYS, "syscall 999");
	chk(sys4(SYS_COUNT, 0, 0, 0, 0), ERR_NOSYS, "syscall SYS_COUNT");
	chk(sys4(-1, 0, 0, 0, 0), ERR_NOSYS, "syscall -1");
	chk(g_my_id, 1, "task_info(H_SELF_TASK): the root is task 1");
}

int main(void)
{
	root_init();
	tap_plan(KTEST_CHECKS);
	g_park = sys_notif_create();
	g_my_id = sys_task_info(H_SELF_TASK, NULL, NULL);
	test_basics();
	test_time();
	test_ipc();
	test_notif();
	test_ipc_local();
	test_faults();
	test_fault_map();
	test_fault_more();
	test_mm();
	test_hostile();
	test_quota();
	test_tasks();
	test_sched();
	test_regs();
	test_fpu();
	return tap_done();
}
