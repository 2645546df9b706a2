/*
 * ktest_fault.c - fault forwarding in the kernel test suite: exact fault
 * messages for loads, stores, fetches (also from kernel and non-canonical
 * pcs) and syscall buffers, the FAULT_KILL/FAIL replies, handler rights,
 * and faulters a handler received but left unanswered.
 */
#include <string.h>

#include "ktest.h"

long g_f, g_fs; /* the fault endpoint and its send handle, badge 0x99 */

void check_fault(long badge, const struct msg *m, const struct fault_want *w, const char *what)
{
	chk(badge, FAULT_BADGE, "%s: badge", what);
	chk((long)m->label, (long)LABEL_FAULT, "%s: label", what);
	chk((long)m->w[FAULT_W_SCAUSE], (long)w->scause, "%s: scause", what);
	chk((long)m->w[FAULT_W_STVAL], (long)w->stval, "%s: stval", what);
	chk((long)m->w[FAULT_W_SEPC], (long)w->sepc, "%s: sepc", what);
	chk((long)m->w[FAULT_W_FLAGS], (long)w->flags, "%s: flags", what);
	chk((long)m->w[FAULT_W_TASK], w->task, "%s: task id", what);
}

/* We hold the faulter as our caller: FAULT_KILL ends it mid-job. */
void kill_faulter(long th, struct job *j, const char *what)
{
	struct msg m = { .label = FAULT_KILL };
	chk(sys_reply(&m), 0, "%s: reply FAULT_KILL", what);
	chk(sys_thread_start(th), ERR_DEAD, "%s: the thread is dead", what);
	chk(j->done, 0, "%s: it never finished its job", what);
	sys_handle_close(th);
}

/* Start job j on a prio-20 thread handled by F and take its fault. */
long take_fault(struct job *j, struct msg *m, long *badge, int blocking)
{
	long th = start_job(j, 20, g_fs);
	*badge = blocking ? sys_recv(g_f, m) : recv_timed(g_f, m);
	return th;
}

/* Section 6: a blocking recv on F; the faulter switches straight to us. */
static void fault_hw(int kind, uint64_t va, uint64_t scause, uint64_t sepc, const char *what)
{
	static struct job j;
	struct msg m = { 0 };
	long badge;
	j = (struct job){ .kind = kind, .addr = va, .val = 1 };
	long th = take_fault(&j, &m, &badge, 1);
	check_fault(badge, &m, WANT(scause, va, sepc, 0), what);
	if (kind == JOB_EXEC) {
		m = (struct msg){ .label = FAULT_FAIL };
		chk(sys_reply(&m), ERR_INVAL, "FAULT_FAIL for a hardware fault");
		m = (struct msg){ .label = 9 };
		chk(sys_reply(&m), ERR_INVAL, "unknown fault reply label 9");
	}
	kill_faulter(th, &j, what);
}

/* A thread created with a pc the user may not execute: a fetch fault. */
static void fault_bad_pc(uint64_t pc, const char *what)
{
	struct msg m = { 0 };
	long th = sys_thread_create(H_SELF_TASK, pc, 0, 0, 20);
	chk(sys_thread_fault(th, g_fs), 0, "%s: set the fault handler", what);
	chk(sys_thread_start(th), 0, "%s: start", what);
	long badge = recv_timed(g_f, &m);
	check_fault(badge, &m, WANT(12, pc, pc, 0), what);
	m = (struct msg){ .label = FAULT_KILL };
	chk(sys_reply(&m), 0, "%s: reply FAULT_KILL", what);
	sys_handle_close(th);
}

/* Section 6: a syscall's bad buffer is a fault with FAULT_FLAG_KACCESS. */
static void fault_kaccess(void)
{
	static struct job j;
	struct msg m = { 0 };
	long badge;
	j = (struct job){ .kind = JOB_SYSCALL, .addr = 0x5000, .val = 8 };
	long th = take_fault(&j, &m, &badge, 0);
	check_fault(badge, &m, WANT(13, 0x5000, ktest_ecall, FAULT_FLAG_KACCESS),
		    "debug_write from 0x5000");
	m = (struct msg){ .label = FAULT_FAIL };
	chk(sys_reply(&m), 0, "reply FAULT_FAIL to a syscall fault");
	chk(wait_until(&j.done, 1), 1, "the syscall returned");
	chk(j.result, ERR_FAULT, "... with ERR_FAULT");
	sys_handle_close(th);
}

/* A buffer from a mapped page into an unmapped one: stval is the second
 * page; after FAULT_MAP the syscall runs again and writes it all. */
static void fault_kaccess_split(void)
{
	static const char line[] = "# debug_write across a page boundary\n";
	static struct job j;
	uint64_t v = test_va(), w = test_va(), pa = root_frame(), pb = root_frame();
	const uint64_t head = 16, len = sizeof line - 1;
	struct msg m = { 0 };
	long badge;
	memcpy((char *)root_frame_va(pa) + PAGE_SIZE - head, line, head);
	memcpy(root_frame_va(pb), line + head, len - head);
	chk(sys_map(H_SELF_TASK, v, pa, PERM_R), 0, "map the first page of a split buffer");
	chk(sys_debug_write((void *)(w - head), len), ERR_FAULT,
	    "without a fault handler, debug_write of a split buffer fails");
	j = (struct job){ .kind = JOB_SYSCALL, .addr = w - head, .val = len };
	long th = take_fault(&j, &m, &badge, 0);
	check_fault(badge, &m, WANT(13, w, ktest_ecall, FAULT_FLAG_KACCESS),
		    "debug_write across into an unmapped page");
	m = (struct msg){ .label = FAULT_MAP, .w = { w, pb, PERM_R } };
	chk(sys_reply(&m), 0, "reply FAULT_MAP to a syscall fault");
	chk(wait_until(&j.done, 1), 1, "the syscall ran again");
	chk(j.result, (long)len, "... and wrote the whole line");
	sys_handle_close(th);
}

static void never_runs(long arg)
{
	(void)arg;
}

/* A fault handler needs an endpoint handle with R_SEND. */
static void fault_handler_rights(void)
{
	long th = new_thread(never_runs, 0, 20, 0, 1);
	long recv_only = sys_handle_dup(g_f, R_RECV, 0);
	chk(sys_thread_fault(th, recv_only), ERR_RIGHTS, "fault handler without R_SEND");
	chk(sys_thread_fault(th, g_park), ERR_TYPE, "fault handler that is a notification");
	chk(sys_thread_fault(th, g_fs), 0, "fault handler set");
	sys_handle_close(recv_only);
	sys_handle_close(th);
}

/* Receiving a second call while we hold a faulter unanswered kills the
 * faulter (its registers are not the kernel's to clobber with an error). */
static void fault_released(void)
{
	static struct job t, u;
	struct msg m = { 0 };
	t = (struct job){ .kind = JOB_LOAD, .addr = 0x5000 };
	u = (struct job){ .kind = JOB_LOAD, .addr = 0x5008 };
	long tt = start_job(&t, 20, g_fs), tu = start_job(&u, 20, g_fs);
	recv_timed(g_f, &m);
	chk((long)m.w[FAULT_W_STVAL], 0x5000, "two faulters: we take the first fault");
	long badge = recv_timed(g_f, &m);
	check_fault(badge, &m, WANT(13, 0x5008, fault_load, 0), "two faulters: the second");
	chk(sys_thread_start(tt), ERR_DEAD, "the first faulter, left unanswered, was killed");
	chk(t.done, 0, "... before it finished its job");
	sys_sleep(2);
	chk(sys_poll(g_f, &m), ERR_AGAIN, "... and it does not fault again");
	sys_handle_close(tt);
	kill_faulter(tu, &u, "the second faulter");
}

void test_faults(void)
{
	g_f = sys_ep_create();
	g_fs = sys_handle_dup(g_f, R_SEND, FAULT_BADGE);
	fault_hw(JOB_LOAD, 0x5000, 13, (uint64_t)fault_load, "load from 0x5000");
	fault_hw(JOB_STORE, 0x5000, 15, (uint64_t)fault_store, "store to 0x5000");
	fault_hw(JOB_EXEC, 0x6000, 12, 0x6000, "fetch from 0x6000");
	fault_bad_pc(0xffffffc080200000UL, "thread with a kernel pc");
	fault_bad_pc(0x8000000000000000UL, "thread with a non-canonical pc");
	fault_kaccess();
	fault_kaccess_split();
	fault_handler_rights();
	fault_released();
}
