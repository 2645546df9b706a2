/*
 * ktest_sched.c - task and scheduling sections of the kernel test suite:
 * a task killed by a bad access while others run on, preemption by time
 * slices, priority order, thread registers (read, write, start twice)
 * and per-thread FPU state.
 */
#include "ktest.h"

static void clone_bad(long addr)
{
	fault_load((uint64_t)addr);
}

static void clone_count(long arg)
{
	struct box *b = (struct box *)BOX_VA;
	(void)arg;
	for (;;)
		b->counter++;
}

static void clone_spin(long arg)
{
	(void)arg;
	((struct box *)BOX_VA)->counter = 1;
	for (;;)
		__asm__ volatile("");
}

/* Section 14: C dies of a load from address 8; D counts on. */
static void tasks_kill(void)
{
	struct box *bd;
	long thd, thc;
	uint64_t q0, q, u;
	sys_task_info(H_SELF_TASK, &u, &q0);
	long d = clone_box(clone_count, 0, 9, &bd, &thd);
	long c = root_clone(clone_bad, 8, 10, CLONE_QUOTA, &thc);
	ok(c > 0, "clone C that will load from address 8");
	sys_sleep(20);
	chk(sys_task_info(c, NULL, NULL), ERR_DEAD, "C was killed by its bad load");
	chk(sys_thread_start(thc), ERR_DEAD, "C's thread is dead");
	long c1 = bd->counter;
	ok(c1 > 0, "D counted meanwhile (%ld)", c1);
	sys_sleep(20);
	long c2 = bd->counter;
	ok(c2 > c1, "D counts on after C died (%ld > %ld)", c2, c1);
	chk(sys_task_kill(d), 0, "kill D");
	chk(sys_task_info(d, NULL, NULL), ERR_DEAD, "D is dead");
	chk(sys_handle_give(d, g_park, R_SEND, 0), ERR_DEAD, "give a handle to dead D");
	chk(sys_thread_create(d, 0x10000, 0, 0, 5), ERR_DEAD, "create a thread in dead D");
	long c3 = bd->counter;
	sys_sleep(5);
	chk(bd->counter, c3, "D's counter stopped");
	sys_task_info(H_SELF_TASK, &u, &q);
	chk((long)q, (long)q0, "both clones' quotas came back");
	sys_handle_close(c), sys_handle_close(thc);
	sys_handle_close(d), sys_handle_close(thd);
}

/* Section 15: a spinner cannot starve its prio-5 peer, nor us at 31. */
static void tasks_preempt(void)
{
	struct box *bs, *bk;
	long ths, thk;
	long s = clone_box(clone_spin, 0, 5, &bs, &ths);
	long k = clone_box(clone_count, 0, 5, &bk, &thk);
	uint64_t t0 = now_ms();
	chk(sys_sleep(50), 0, "sleep 50 ms over a spinning task");
	uint64_t dt = now_ms() - t0;
	ok(dt >= 49 && dt < 5000, "we woke up after %lu ms", (unsigned long)dt);
	chk((long)bs->counter, 1, "the spinner ran");
	ok(bk->counter > 0, "its peer got time slices too (%ld)", bk->counter);
	chk(sys_task_kill(s), 0, "kill the spinner");
	chk(sys_task_kill(k), 0, "kill the counter");
	sys_handle_close(s), sys_handle_close(ths);
	sys_handle_close(k), sys_handle_close(thk);
}

void test_tasks(void)
{
	tasks_kill();
	tasks_preempt();
}

static volatile long g_order[8], g_norder;

static void prio_thread(long id)
{
	g_order[g_norder++] = id;
}

/* A ready thread suspended does not run until started again. */
static void sched_suspend(void)
{
	long th = new_thread(prio_thread, 7, 20, 0, 0);
	chk(sys_thread_suspend(th), 0, "suspend a ready thread");
	chk(sys_thread_suspend(th), 0, "suspend it again: no change");
	sys_sleep(5);
	chk(g_norder, 4, "it did not run while suspended");
	chk(sys_thread_start(th), 0, "start it again");
	chk(wait_until(&g_norder, 5), 1, "then it ran");
	chk(g_order[4], 7, "... and it was that thread");
	sys_handle_close(th);
}

/* Section 16: the higher-priority ready thread runs first. */
void test_sched(void)
{
	long a = new_thread(prio_thread, 10, 10, 0, 0);
	long b = new_thread(prio_thread, 20, 20, 0, 0);
	chk(g_norder, 0, "neither ran while we (prio 31) ran");
	chk(wait_until(&g_norder, 2), 1, "both ran once we slept");
	chk(g_order[0], 20, "prio 20 ran first");
	chk(g_order[1], 10, "prio 10 ran second");
	long c = new_thread(prio_thread, 1, 10, 0, 1);
	long d = new_thread(prio_thread, 2, 10, 0, 1);
	chk(sys_thread_prio(d, 25), 0, "raise a suspended thread to prio 25");
	chk(sys_thread_prio(d, 32), ERR_INVAL, "prio above ours");
	chk(sys_thread_start(c), 0, "start the prio-10 thread");
	chk(sys_thread_start(d), 0, "start the prio-25 thread");
	chk(wait_until(&g_norder, 4), 1, "both ran");
	chk(g_order[2], 2, "the raised thread ran first");
	chk(g_order[3], 1, "then the prio-10 one");
	sys_handle_close(a), sys_handle_close(b);
	sys_handle_close(c), sys_handle_close(d);
	sched_suspend();
}

static volatile long g_seen[3], g_seen_done;

/* Entered through ktest_regs_entry with the registers we wrote. */
void ktest_regs_seen(long a0, long a1, long a2)
{
	g_seen[0] = a0, g_seen[1] = a1, g_seen[2] = a2;
	g_seen_done = 1;
	ktest_park(g_park);
}

/* Section 20: read, write and start a suspended thread; read a blocked one. */
void test_regs(void)
{
	struct user_regs r = {0};
	uint64_t stack = (uint64_t)root_frame_va(root_frame()), tr = stack + PAGE_SIZE - 64;
	long th = root_thread(prio_thread, 0, (void *)stack, PAGE_SIZE, 20, 0, 1);
	chk(sys_thread_read(th, &r), 0, "read a suspended thread's registers");
	chk((long)r.regs[0], (long)root_thread_start, "pc = root_thread_start");
	chk((long)r.regs[2], (long)tr, "sp = below the trampoline block");
	chk((long)r.regs[10], (long)tr, "a0 = the trampoline block");
	r.regs[0] = (uint64_t)ktest_regs_entry;
	for (int i = 0; i < 3; i++)
		r.regs[10 + i] = 0xfeed0001 + i;
	chk(sys_thread_write(th, &r), 0, "write pc and a0..a2");
	chk(sys_thread_start(th), 0, "start it");
	chk(sys_thread_start(th), ERR_STATE, "start it twice");
	chk(wait_until(&g_seen_done, 1), 1, "it ran from the pc we wrote");
	for (int i = 0; i < 3; i++)
		chk(g_seen[i], 0xfeed0001 + i, "it saw the a%d we wrote", i);
	chk(sys_thread_read(th, &r), 0, "read a blocked thread's registers");
	chk((long)r.regs[0], (long)ktest_park_ecall + 4, "pc just past its ecall");
	chk((long)r.regs[5], SYS_NOTIF_WAIT, "t0 = SYS_NOTIF_WAIT");
	chk((long)r.regs[7], g_park, "t2 = the notification it waits on");
	chk(sys_thread_suspend(th), ERR_STATE, "suspend a blocked thread");
	r.regs[0] = 0x4000; /* what a refused write would have put there */
	chk(sys_thread_write(th, &r), ERR_STATE, "write a blocked thread's registers");
	chk(sys_thread_read(th, &r), 0, "read them again");
	chk((long)r.regs[0], (long)ktest_park_ecall + 4, "... unchanged");
	sys_handle_close(th);
}

struct fp_job {
	double start;
	volatile long progress, handoffs, quarters, done;
};
static struct fp_job g_fp[2];

/* Add 0.5 a thousand times, yielding every 10: x must stay ours. */
static void fp_thread(long i)
{
	struct fp_job *me = &g_fp[i], *other = &g_fp[1 - i];
	double x = me->start;
	for (long k = 1; k <= 1000; k++) {
		x += 0.5;
		if (k % 10)
			continue;
		me->progress = k;
		long before = other->progress;
		sys_yield();
		if (other->progress != before)
			me->handoffs++;
	}
	me->quarters = (long)(x * 4);
	me->done = 1;
}

/* Section 21: two FPU threads interleaved keep their own registers. */
void test_fpu(void)
{
	g_fp[0] = (struct fp_job){ .start = 0.25 };
	g_fp[1] = (struct fp_job){ .start = 3.0 };
	long a = new_thread(fp_thread, 0, 20, 0, 0);
	long b = new_thread(fp_thread, 1, 20, 0, 0);
	chk(wait_until(&g_fp[0].done, 1), 1, "FPU thread A finished");
	chk(wait_until(&g_fp[1].done, 1), 1, "FPU thread B finished");
	chk(g_fp[0].quarters, 2001, "A: 0.25 + 1000 * 0.5 = 500.25 (in quarters)");
	chk(g_fp[1].quarters, 2012, "B: 3.0 + 1000 * 0.5 = 503.0 (in quarters)");
	ok(g_fp[0].handoffs > 0 && g_fp[1].handoffs > 0, "they interleaved (%ld and %ld handoffs)",
	   g_fp[0].handoffs, g_fp[1].handoffs);
	sys_handle_close(a);
	sys_handle_close(b);
}
