/*
 * pfuzz.c - hostile messages to the pager (root=pager init=pfuzz): child
 * processes send random PG_* calls with random pointers, lengths and
 * descriptors. The pager must answer or keep them waiting, never crash;
 * afterwards it still serves and every frame has come back.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"
#include "rng.h"

#define ROUNDS 150
#define CALLS 300


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
	for (int i = 0; i < CALLS; i++) {
		struct msg m = {.label = 1 + rng() % PG_MADVISE}; /* every call */
		for (int w = 0; w < 6; w++)
			m.w[w] = fuzz_word();
		if (m.label == PG_KILL || (m.label == PG_EXIT && (rng() & 15)))
			continue; /* killing others is allowed, just not useful here */
		if (m.label == PG_LEND && m.w[1] == (uint64_t)init_pid)
			continue; /* a loan to us (init_pid) would stay ours: legal, but
				   * the frame count at the end could not tell */
		for (int k = 0; k < 64; k++)
			scratch[rng() % sizeof scratch] = (char)rng(); /* paths, argv */
		uint64_t label = m.label;
		sys_call((long)libsys_startinfo->pager, &m);
		if (label == PG_FORK && m.label == 0 && m.w[0] == 0)
			_exit(0); /* a fork's child: do not multiply */
	}
	_exit(0);
}

/* Fork fuzzers one round at a time; returns 1 if we (the driver) stayed
 * well throughout. */
static int drive(void)
{
	int alive = 1;
	for (int r = 0; r < ROUNDS; r++) {
		pid_t pid = fork();
		if (pid == 0)
			fuzz_child(0x9e3779b97f4a7c15ULL * (uint64_t)(r + 1));
		sys_sleep(3);
		kill(pid, SIGKILL); /* it may be blocked in a read or a wait */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		alive &= getppid() == init_pid;
	}
	return alive;
}

int main(void)
{
	struct pg_meminfo a, b;
	int st = -1;
	tap_plan(3);
	init_pid = getpid();
	pager_cache_drop();
	pager_meminfo(&a);
	pid_t driver = fork(); /* our own memory stays as it is meanwhile */
	if (driver == 0)
		_exit(drive() ? 0 : 1);
	waitpid(driver, &st, 0);
	sys_sleep(20); /* orphans the fuzzers forked finish */
	tap_check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the pager answered through %d rounds of %d random calls", ROUNDS, CALLS);
	pid_t pid = pager_spawn("exit7", 0);
	tap_check(pid > 0 && waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 7,
		  "it still starts programs");
	pager_cache_drop();
	pager_meminfo(&b);
	/* The pager's heap may have grown (pipes, files); nothing else. */
	tap_eq(b.frames_free + b.pager_heap, a.frames_free + a.pager_heap,
	       "every frame came back (free or in the pager's heap)");
	return tap_done();
}
