/*
 * fuzz.c - random syscalls with hostile arguments from a throw-away task
 * (root=fuzz): the kernel must answer every one and go on. Each round
 * clones a task that makes SYSCALLS calls drawn from a fixed-seed
 * generator, then kills it; afterwards the kernel still answers and every
 * page-table page has come back to our quota.
 */
#include <stdint.h>

#include "libsys.h"
#include "rng.h"
#include "root.h"

#define ROUNDS 200
#define SYSCALLS 400


/* Interesting values: handles, edges of the address space, kernel
 * addresses, alignments, huge counts. */
static long fuzz_arg(void)
{
	static const uint64_t pool[] = {
		0, 1, 2, 0x101, 0x102, 0x103, 0x201, 0xff, 0x7777, (uint64_t)-1,
		0x1000, 0x10000, 0x10001, USER_TOP, USER_TOP - 4096, 0xffffffc080200000ULL,
		0x80200000, 0x80000000, 1ULL << 63, 1ULL << 40, 4096, 4095, 7, 31, 32,
		CLONE_STACK_TOP - 4096, CLONE_STACK_TOP - 8, 0x3f00000000ULL - 64,
	};
	uint64_t r = rng();
	return (long)(r & 1 ? pool[(r >> 1) % (sizeof pool / sizeof pool[0])] : rng());
}

static void fuzz_task(long seed)
{
	rng_state = (uint64_t)seed;
	long ep = sys_ep_create(), n = sys_notif_create();
	(void)ep, (void)n;
	for (int i = 0; i < SYSCALLS; i++) {
		long nr = (long)(rng() % (SYS_COUNT + 2));
		if (nr == SYS_EXIT && (rng() & 7))
			continue; /* mostly keep going */
		register long a0 __asm__("a0") = fuzz_arg();
		register long a1 __asm__("a1") = fuzz_arg();
		register long a2 __asm__("a2") = fuzz_arg();
		register long a3 __asm__("a3") = fuzz_arg();
		register long a4 __asm__("a4") = fuzz_arg();
		register long t1 __asm__("t1") = rng() & 1 ? 0 : fuzz_arg();
		register long t0 __asm__("t0") = nr;
		__asm__ volatile("ecall"
				 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(t1)
				 : "r"(t0)
				 : "a5", "a6", "a7", "memory");
	}
}

int main(void)
{
	uint64_t quota0, used0, quota, used;
	int alive = 1, quota_back = 1;
	root_init();
	tap_plan(4);
	sys_task_info(H_SELF_TASK, &used0, &quota0);
	for (int r = 0; r < ROUNDS; r++) {
		long th, task = root_clone(fuzz_task, 0x9e3779b97f4a7c15LL * (r + 1), 5, 64, &th);
		sys_sleep(2); /* it runs (or blocks) meanwhile */
		if (task >= 0) {
			sys_task_kill(task);
			sys_handle_close(task);
			sys_handle_close(th);
		}
		alive &= sys_null() == 0;
		sys_task_info(H_SELF_TASK, &used, &quota);
		quota_back &= quota == quota0;
	}
	tap_check(alive, "the kernel answered after each of %d rounds of %d random syscalls",
		  ROUNDS, SYSCALLS);
	tap_check(quota_back, "our page-table quota came back after every round");
	sys_task_info(H_SELF_TASK, &used, &quota);
	tap_eq(used, used0, "our own page-table pages are as before");
	/* No task slot leaked: all 62 (64 minus the unused slot 0 minus the
	 * root) can be had again. Each
	 * new task's handle is kept by the previous one, so we hold one. */
	long first = sys_task_create(1), prev = first, n = first >= 0;
	for (long t; n < 64 && (t = sys_task_create(1)) >= 0; prev = t, n++) {
		sys_handle_give(n == 1 ? first : prev, t, 0, 0);
		if (prev != first)
			sys_handle_close(prev);
	}
	tap_eq(n, 62, "every task slot is free again");
	if (prev != first)
		sys_handle_close(prev);
	sys_handle_close(first); /* the chain goes, one release at a time */
	return tap_done();
}
