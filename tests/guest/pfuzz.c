/*
 * pfuzz.c - hostile messages to the pager (root=pager init=pfuzz): child
 * processes send random PG_* calls with random pointers, lengths and
 * descriptors. The pager must answer or keep them waiting, never crash;
 * afterwards it still serves and every frame has come back. The suite
 * makes ROUNDS rounds; tools/fuzz boots "init=pfuzz -- calls=N seed=S"
 * for long runs.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"
#include "rng.h"

#define ROUNDS 150 /* the suite's run (no calls=) */
#define CALLS 300  /* loop turns of one child at most */
/* A shared page (ours, the driver's, every child's): the calls made. Not
 * an address the pool below names, so random calls rarely touch it. */
#define COUNT_VA 0x2000000000UL

struct pfuzz_count {
	uint64_t made, rounds;
};

static volatile struct pfuzz_count *count;
static uint64_t want_calls, seed_arg; /* calls=, seed= (0: the suite's run) */
static uint64_t fuzz_turns = CALLS;    /* of the next child: fork copies it */

static char scratch[8192];
static pid_t init_pid; /* us: loans to us would stay ours */

static uint64_t fuzz_word(void)
{
	static const uint64_t pool[] = {
		0, 1, 2, 3, 15, 16, 17, (uint64_t)-1, 4095, 4096, 1 << 20, 1ULL << 40,
		0x10000, USER_TOP - 1, 0xffffffc080200000ULL, 0x3fdffff000ULL,
	};
	uint64_t r = rng();
	switch (r & 3) {
	case 0: return pool[(r >> 2) % (sizeof pool / sizeof pool[0])];
	case 1: return (uint64_t)scratch + ((r >> 2) % sizeof scratch);
	case 2: return (r >> 2) % 64;
	default: return rng();
	}
}

static void fuzz_child(uint64_t seed)
{
	int p[2];
	rng_state = seed;
	/* Our descriptors 0-2 become a pipe nobody drains: the fuzzer's random
	 * writes must not reach the console (meson reads TAP from it). */
	pipe(p);
	dup2(p[0], 0);
	dup2(p[1], 1);
	dup2(p[1], 2);
	for (uint64_t i = 0; i < fuzz_turns; i++) {
		struct msg m = {.label = 1 + rng() % PG_MADVISE}; /* every call */
		for (int w = 0; w < 6; w++)
			m.w[w] = fuzz_word();
		if (m.label == PG_KILL || (m.label == PG_EXIT && (rng() & 15)))
			continue; /* killing others is allowed, just not useful here */
		if (m.label == PG_LEND && m.w[1] <= (uint64_t)init_pid)
			continue; /* a loan to us (init_pid) or to one started before
				   * us (the block driver) stays to the end: legal,
				   * but the frame count at the end could not tell */
		for (int k = 0; k < 64; k++)
			scratch[rng() % sizeof scratch] = (char)rng(); /* paths, argv */
		uint64_t label = m.label;
		count->made++; /* before: a call that never returns was made too */
		sys_call((long)libsys_startinfo->pager, &m);
		if (label == PG_FORK && m.label == 0 && m.w[0] == 0)
			_exit(0); /* a fork's child: do not multiply */
	}
	_exit(0);
}

/* Round r's seed: the suite's (seed 0) or one that seed= changes
 * throughout. Never 0, which xorshift keeps forever. */
static uint64_t fuzz_seed(uint64_t r)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL * (r + 1) + seed_arg * 0xbf58476d1ce4e5b9ULL;
	return s ? s : 1;
}

/* Fork fuzzers one round at a time: ROUNDS rounds, or with calls=N until
 * N calls were made. Returns 1 if we (the driver) stayed well throughout. */
static int drive(void)
{
	int alive = 1;
	for (uint64_t r = 0; want_calls ? count->made < want_calls : r < ROUNDS; r++) {
		uint64_t left = want_calls - count->made;
		fuzz_turns = want_calls && left < CALLS ? left : CALLS;
		count->rounds = r + 1;
		pid_t pid = fork();
		if (pid == 0)
			fuzz_child(fuzz_seed(r));
		if (pid < 0) { /* a long run would go on failing: say why */
			printf("# pfuzz: fork failed in round %lu: errno %d\n", (unsigned long)r, errno);
			return 0;
		}
		sys_sleep(3);
		kill(pid, SIGKILL); /* it may be blocked in a read or a wait */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		alive &= getppid() == init_pid;
	}
	return alive;
}

/* One word of argv (after " -- " in the boot arguments): calls=N or
 * seed=S, decimal. -1 on anything else. */
static int pfuzz_arg(const char *w)
{
	uint64_t *out = !strncmp(w, "calls=", 6)  ? &want_calls
			: !strncmp(w, "seed=", 5) ? &seed_arg
						  : NULL;
	if (!out)
		return -1;
	w = strchr(w, '=') + 1;
	if (!*w)
		return -1;
	for (*out = 0; *w; w++) {
		if (*w < '0' || *w > '9' || *out > (UINT64_MAX - 9) / 10)
			return -1;
		*out = *out * 10 + (uint64_t)(*w - '0');
	}
	return 0;
}

/* The count page, touched now: its frame is ours before the first count
 * of frames and stays ours to the end. */
static int pfuzz_count_map(void)
{
	void *va = mmap((void *)COUNT_VA, 4096, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (va != (void *)COUNT_VA)
		return -1;
	count = va;
	count->made = count->rounds = 0;
	return 0;
}

int main(int argc, char **argv)
{
	struct pg_meminfo a, b;
	int st = -1;
	for (int i = 1; i < argc; i++)
		if (pfuzz_arg(argv[i]) < 0)
			argc = -1;
	if (argc < 0 || pfuzz_count_map() < 0) {
		printf("Bail out! pfuzz: the arguments are calls=N seed=S\n");
		return 1;
	}
	tap_plan(3);
	init_pid = getpid();
	sync();
	pager_cache_drop();
	pager_meminfo(&a);
	uint64_t start = rdinstret();
	pid_t driver = fork(); /* our own memory stays as it is meanwhile */
	if (driver == 0)
		_exit(drive() ? 0 : 1);
	waitpid(driver, &st, 0);
	sys_sleep(20); /* orphans the fuzzers forked finish */
	if (want_calls) /* for tools/fuzz */
		printf("FUZZ pfuzz %lu calls %lu rounds %lu instructions\n",
		       (unsigned long)count->made, (unsigned long)count->rounds,
		       (unsigned long)(rdinstret() - start));
	tap_check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the pager answered through %lu rounds (%lu random calls made)",
		  (unsigned long)count->rounds, (unsigned long)count->made);
	pid_t pid = pager_spawn("exit7", 0);
	tap_check(pid > 0 && waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 7,
		  "it still starts programs");
	sync(); /* the fuzzers' writes to files leave dirty pages: written, they drop */
	pager_cache_drop();
	pager_meminfo(&b);
	/* The pager's heap may have grown (pipes, files); nothing else. */
	if (!tap_eq(b.frames_free + b.pager_heap, a.frames_free + a.pager_heap,
		    "every frame came back (free or in the pager's heap)"))
		printf("# before/after: used %lu/%lu shared %lu/%lu cache %lu/%lu dirty %lu/%lu\n",
		       (unsigned long)a.frames_used, (unsigned long)b.frames_used,
		       (unsigned long)a.frames_shared, (unsigned long)b.frames_shared,
		       (unsigned long)a.cache_pages, (unsigned long)b.cache_pages,
		       (unsigned long)a.cache_dirty, (unsigned long)b.cache_dirty);
	return tap_done();
}
