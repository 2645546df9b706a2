/*
 * kregress.c - regressions for kernel bugs found in review (root=kregress):
 * moving a thread's fault handler while its fault is queued, a kernel
 * entry whose releases kill the calling thread itself, a chain of 240
 * threads each holding the previous one's fault, killed at once; and the
 * task death notification the pager relies on.
 */
#include "kreg.h"
#include "libsys.h"
#include "root.h"

void close_and_spin(void);
void chain_link(void);

#define CHAIN 240

static int alive(void) { return sys_null() == 0; }

/* A thread queued in a fault keeps its handler: changing it is refused. */
static void test_fault_handler_move(void)
{
	long e = sys_ep_create(), e2 = sys_ep_create(), task = sys_task_create(4);
	long x = sys_thread_create(task, 0, 0, 0, 5); /* pc 0: a fetch fault */
	sys_thread_fault(x, e);
	sys_handle_close(e); /* x's fault reference is the last one */
	sys_thread_start(x);
	sys_sleep(2);
	tap_eq(sys_thread_fault(x, 0), ERR_STATE, "clear the handler of a thread in a fault");
	tap_eq(sys_thread_fault(x, e2), ERR_STATE, "move it to another endpoint");
	tap_eq(sys_task_kill(task), 0, "kill its task");
	tap_check(alive(), "the kernel goes on");
	sys_handle_close(x), sys_handle_close(task), sys_handle_close(e2);
}

/* Our used and quota of each kernel quota kind, in one number per kind. */
static void kq_snapshot(uint64_t snap[KQ_COUNT])
{
	for (unsigned k = 0; k < KQ_COUNT; k++) {
		uint64_t used, quota;
		sys_task_info_q(H_SELF_TASK, k, &used, &quota, NULL);
		snap[k] = used << 32 | quota;
	}
}

/* P creates T; a thread of T closes T's only handle to P: P's release
 * kills its child T, the calling thread included, inside that syscall.
 * P leaves its slot while T, which P paid for, is still held by us: T's
 * charge passes to us (obj_orphans) and comes back when we close it. */
static void test_release_kills_caller(void)
{
	const struct bootinfo *bi = libsys_bootinfo;
	uint64_t before[KQ_COUNT], after[KQ_COUNT];
	kq_snapshot(before);
	long ep = sys_ep_create(), p, pth, f = sys_handle_dup(ep, R_SEND, 0x77);
	long t = kreg_family(ep, f, &p, &pth); /* T, created by P */
	struct msg m;
	uint64_t code = (uint64_t)close_and_spin;
	tap_eq(sys_map(t, code, bi->image_pa + code - bi->image_va, PERM_R | PERM_X), 0,
	       "map the closing code into T");
	long h = sys_handle_give(t, p, 0, 0); /* T's only handle to P */
	long th = sys_thread_create(t, code, 0, (uint64_t)h, 5);
	m = (struct msg){0};
	sys_reply_recv(ep, &m); /* P goes on and faults to us */
	m = (struct msg){.label = FAULT_KILL};
	sys_reply(&m);
	sys_handle_close(pth), sys_handle_close(p), sys_handle_close(f);
	tap_eq(sys_thread_start(th), 0, "start T's thread");
	sys_sleep(5);
	tap_eq(sys_task_info(t, NULL, NULL), ERR_DEAD, "T died with P, from its own close");
	tap_check(alive(), "the kernel goes on");
	sys_handle_close(th), sys_handle_close(t), sys_handle_close(ep);
	kq_snapshot(after);
	int same = 1;
	for (unsigned k = 0; k < KQ_COUNT; k++)
		same &= after[k] == before[k];
	tap_check(same, "every quota came back to us: tasks used %lu, was %lu",
		  (unsigned long)(after[KQ_TASK] >> 32), (unsigned long)(before[KQ_TASK] >> 32));
}

/* Thread i handles thread i-1's fault and faults while holding it; killing
 * the last one kills them all (iteratively: the kernel stack stays flat). */
static void test_fault_chain(void)
{
	static long eps[CHAIN];
	long e, made = 0;
	for (int i = 0; i < CHAIN; i++)
		eps[i] = sys_ep_create();
	for (int i = 0; i < CHAIN; i++) {
		uint64_t pc = i ? (uint64_t)chain_link : 0; /* thread 0 faults at once */
		long th = sys_thread_create(H_SELF_TASK, pc, 0, i ? (uint64_t)eps[i - 1] : 0, 5);
		if (th < 0)
			break;
		sys_thread_fault(th, eps[i]);
		sys_thread_start(th);
		sys_handle_close(th);
		made++;
	}
	tap_eq(made, CHAIN, "240 threads, each the fault handler of the one before");
	sys_sleep(20);
	struct msg m = {0};
	e = sys_poll(eps[CHAIN - 1], &m);
	tap_check(e >= 0 && m.label == LABEL_FAULT, "the last one's fault reaches us");
	m = (struct msg){.label = FAULT_KILL};
	tap_eq(sys_reply(&m), 0, "kill it: the whole chain goes");
	tap_eq(sys_irq_ack(H_PLATFORM, 0), ERR_INVAL, "kernel data intact (platform handle works)");
	tap_check(alive(), "the kernel goes on");
	for (int i = 0; i < CHAIN; i++)
		sys_handle_close(eps[i]);
	long th = sys_thread_create(H_SELF_TASK, 0, 0, 0, 5);
	tap_check(th > 0, "thread slots are free again");
	sys_handle_close(th);
}

/* TASK_WATCH: a task's death signals the watcher's bits, once. */
static void test_task_watch(void)
{
	long n = sys_notif_create(), task = sys_task_create(2);
	long ro = sys_handle_dup(n, R_RECV, 0);
	tap_eq(sys_task_watch(task, ro, 1), ERR_RIGHTS, "watch through a handle without R_SEND");
	tap_eq(sys_task_watch(task, n, 0x30), 0, "watch a task");
	tap_eq(sys_notif_poll(n), 0, "nothing yet");
	sys_task_kill(task);
	tap_eq(sys_notif_poll(n), 0x30, "its death signals the bits");
	tap_eq(sys_task_watch(task, n, 1), ERR_DEAD, "a dead task cannot be watched");
	sys_handle_close(task), sys_handle_close(ro), sys_handle_close(n);
}

int main(void)
{
	root_init();
	tap_plan(20);
	test_fault_handler_move();
	test_release_kills_caller();
	test_fault_chain();
	test_task_watch();
	return tap_done();
}
