/*
 * fuzz.c - random syscalls with hostile arguments from a throw-away task
 * (root=fuzz): the kernel must answer every one and go on. Each round
 * clones a task that makes SYSCALLS calls drawn from a fixed-seed
 * generator, then kills it; afterwards the kernel still answers and every
 * page-table page has come back to our quota. The suite makes ROUNDS
 * rounds; tools/fuzz boots "root=fuzz -- calls=N seed=S" for long runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "libsys.h"
#include "rng.h"
#include "root.h"

#define ROUNDS 200   /* the suite's run (no calls=) */
#define SYSCALLS 400 /* loop turns of one task at most */
/* A page of ours each task also maps here: its count of calls made. Not
 * an address the pool below names, so random calls rarely touch it. */
#define COUNT_VA 0x2000000000UL

static uint64_t fuzz_turns = SYSCALLS; /* of the next task: copied into its image */

/* Boot arguments after " -- ": calls=N (make rounds until N calls were
 * made) and seed=S (varies every round's seed; 0 = the suite's). Decimal
 * only; returns -1 on any other word. */
static int fuzz_args(const char *args, uint64_t *calls, uint64_t *seed)
{
	const char *w = strstr(args, " -- ");
	for (w = w ? w + 4 : ""; *w; ) {
		uint64_t *out = !strncmp(w, "calls=", 6) ? calls : !strncmp(w, "seed=", 5) ? seed : 0;
		if (!out)
			return -1;
		w = strchr(w, '=') + 1;
		if (*w < '0' || *w > '9')
			return -1;
		for (*out = 0; *w >= '0' && *w <= '9'; w++) {
			if (*out > (UINT64_MAX - 9) / 10)
				return -1;
			*out = *out * 10 + (uint64_t)(*w - '0');
		}
		if (*w && *w != ' ')
			return -1;
		while (*w == ' ')
			w++;
	}
	return 0;
}


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
	volatile uint64_t *made = (volatile uint64_t *)COUNT_VA;
	rng_state = (uint64_t)seed;
	long ep = sys_ep_create(), n = sys_notif_create();
	(void)ep, (void)n;
	for (uint64_t i = 0; i < fuzz_turns; i++) {
		long nr = (long)(rng() % (SYS_COUNT + 2));
		if (nr == SYS_EXIT && (rng() & 7))
			continue; /* mostly keep going */
		++*made; /* before: a call that never returns was made too */
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

/* Round r's seed: the suite's (seed 0) or one that S changes throughout.
 * Never 0, which xorshift keeps forever. */
static uint64_t fuzz_seed(uint64_t seed, uint64_t r)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL * (r + 1) + seed * 0xbf58476d1ce4e5b9ULL;
	return s ? s : 1;
}

/* One round: a task making at most turns calls, killed after 2 ms. Returns
 * the calls it made, or -1 if it could not be started with its count page.
 * root_clone takes the task's image and stack frames from our grant with
 * no way back; once the task is dead nothing maps them, and nothing here
 * frees a frame (the allocator's free list stays empty), so the allocator
 * is set back to where it stood: a long run does not use up the grant. */
static int64_t fuzz_round(uint64_t seed, uint64_t turns, uint64_t count_pa)
{
	volatile uint64_t *made = root_frame_va(count_pa);
	struct frames before = root_frames;
	long th, task;
	fuzz_turns = turns;
	*made = 0;
	task = root_clone(fuzz_task, (long)seed, 5, 64, &th);
	if (task < 0)
		return -1;
	/* It runs at priority 5, below ours: not before we sleep. */
	long e = sys_map(task, COUNT_VA, count_pa, PERM_R | PERM_W);
	if (e >= 0)
		sys_sleep(2); /* it runs (or blocks) meanwhile */
	sys_task_kill(task);
	sys_handle_close(task);
	sys_handle_close(th);
	if (!before.nfree_list)
		root_frames = before;
	return e < 0 ? -1 : (int64_t)*made;
}

int main(void)
{
	uint64_t quota0, used0, quota, used, calls = 0, seed = 0, made = 0, rounds = 0;
	int alive = 1, quota_back = 1;
	root_init();
	uint64_t count_pa = root_frame();
	if (fuzz_args(libsys_bootinfo->bootargs, &calls, &seed) < 0 || !count_pa) {
		printf("Bail out! fuzz: the words after ' -- ' are calls=N seed=S\n");
		return 1;
	}
	tap_plan(4);
	sys_task_info(H_SELF_TASK, &used0, &quota0);
	uint64_t start = rdinstret();
	for (; calls ? made < calls : rounds < ROUNDS; rounds++) {
		uint64_t left = calls - made;
		int64_t n = fuzz_round(fuzz_seed(seed, rounds),
				       calls && left < SYSCALLS ? left : SYSCALLS, count_pa);
		alive &= n >= 0 && sys_null() == 0;
		if (n < 0)
			break; /* a long run would go on failing */
		made += (uint64_t)n;
		sys_task_info(H_SELF_TASK, &used, &quota);
		quota_back &= quota == quota0;
	}
	if (calls) /* for tools/fuzz */
		printf("FUZZ fuzz %lu calls %lu rounds %lu instructions\n", (unsigned long)made,
		       (unsigned long)rounds, (unsigned long)(rdinstret() - start));
	tap_check(alive, "the kernel answered after each of %lu rounds (%lu random syscalls made)",
		  (unsigned long)rounds, (unsigned long)made);
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
