/*
 * ktest_ipc_local.c - IPC between threads of our own task in the kernel
 * test suite: notifications (bits, poll, timers, wake-ups, rights), a
 * server that leaves a caller unanswered, and endpoints or notifications
 * whose last handle goes while threads wait on them.
 */
#include "ktest.h"

/* Section 19: bits accumulate, poll empties, timers and other threads wake. */
void test_notif(void)
{
	static struct job j;
	long n = sys_notif_create();
	chk(sys_notif_signal(n, 1), 0, "signal bit 0x1");
	chk(sys_notif_signal(n, 2), 0, "signal bit 0x2");
	chk(wait_timed(n), 3, "wait returns both bits");
	chk(sys_notif_poll(n), 0, "poll on an empty notification");
	uint64_t t0 = now_ms();
	chk(sys_notif_timer(n, 5, 0x8), 0, "arm a 5 ms timer");
	chk(sys_notif_wait(n), 0x8, "wait returns the timer's bits");
	ok(now_ms() - t0 >= 4, "... after %lu ms", (unsigned long)(now_ms() - t0));
	j = (struct job){ .kind = JOB_SIGNAL, .addr = (uint64_t)n, .val = 0x10 };
	long th = start_job(&j, 20, 0);
	chk(wait_timed(n), 0x10, "a lower-priority thread's signal wakes our wait");
	chk(wait_until(&j.done, 1) ? j.result : -99, 0, "its signal returned 0");
	long ns = sys_handle_dup(n, R_SEND, 0), nr = sys_handle_dup(n, R_RECV, 0);
	chk(sys_notif_wait(ns), ERR_RIGHTS, "wait without R_RECV");
	chk(sys_notif_timer(ns, 5, 1), ERR_RIGHTS, "timer without R_RECV");
	chk(sys_notif_signal(nr, 1), ERR_RIGHTS, "signal without R_SEND");
	sys_handle_close(ns);
	chk(sys_notif_wait(ns), ERR_HANDLE, "wait through a closed handle");
	sys_handle_close(th);
	sys_handle_close(nr);
	sys_handle_close(n);
}

/* A server that receives again without replying releases its caller. */
static void ipc_unanswered(void)
{
	static struct job a, b;
	long e = sys_ep_create();
	struct msg m = { 0 };
	a = (struct job){ .kind = JOB_CALL, .addr = (uint64_t)e, .m = { .label = 1 } };
	b = (struct job){ .kind = JOB_CALL, .addr = (uint64_t)e, .m = { .label = 2 } };
	long ta = start_job(&a, 20, 0), tb = start_job(&b, 20, 0);
	chk(recv_timed(e, &m), 0, "receive the first caller");
	chk((long)m.label, 1, "its label");
	chk(sys_poll(e, &m), 0, "receive the second without replying to the first");
	chk((long)m.label, 2, "its label");
	m = (struct msg){ .label = 22 };
	chk(sys_reply(&m), 0, "answer the second");
	chk(wait_until(&a.done, 1), 1, "the first caller was released");
	chk(a.result, ERR_STATE, "... with ERR_STATE");
	chk(wait_until(&b.done, 1), 1, "the second caller ran on");
	chk(b.result, 0, "... its call returned 0");
	chk((long)b.m.label, 22, "... with our reply");
	sys_handle_close(ta), sys_handle_close(tb);
	sys_handle_close(e);
}

/* Closing the last handle of an object fails the threads waiting on it. */
static void ipc_object_death(void)
{
	static struct job c, w;
	long e = sys_ep_create(), n = sys_notif_create();
	c = (struct job){ .kind = JOB_CALL, .addr = (uint64_t)e, .m = { .label = 3 } };
	w = (struct job){ .kind = JOB_WAIT, .addr = (uint64_t)n };
	long tc = start_job(&c, 20, 0), tw = start_job(&w, 20, 0);
	sys_sleep(2);
	chk(c.done + w.done, 0, "a caller and a waiter are blocked");
	chk(sys_handle_close(e), 0, "close the endpoint's last handle");
	chk(sys_handle_close(n), 0, "close the notification's last handle");
	chk(wait_until(&c.done, 1), 1, "the caller woke");
	chk(c.result, ERR_DEAD, "... with ERR_DEAD");
	chk(wait_until(&w.done, 1), 1, "the waiter woke");
	chk(w.result, ERR_DEAD, "... with ERR_DEAD");
	sys_handle_close(tc), sys_handle_close(tw);
}

void test_ipc_local(void)
{
	ipc_unanswered();
	ipc_object_death();
}
