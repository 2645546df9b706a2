/*
 * pgwork_fork.c (servers/bin/) - pgwork's fork workload, copy-on-write
 * heavy: the parent fills -n pages, -k children each rewrite a random half
 * of them -r times and check all of them, and the parent checks its own.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pgwork.h"

/* A child's pages: version ((c + 1) << 32 | round), never the parent's 0
 * nor another child's. */
static uint64_t kid_tag(const struct pgw_opts *o, uint64_t c, uint64_t p, uint64_t round)
{
	return pgw_tag(o->seed, p, (c + 1) << 32 | round);
}

/* Child c: its subset is page p where bit 0 of the p-th draw of its PRNG
 * (seeded pgw_mix(seed + c + 1)) is 1, drawn again from the same start in
 * every round, so no list is kept. Round k rewrites the subset with
 * version k, then checks every page: its own at k, the rest still 0. */
static int kid_run(const struct pgw_opts *o, uint64_t *m, uint64_t c)
{
	const uint64_t start = pgw_mix(o->seed + c + 1);
	for (uint64_t k = 1; k <= o->rounds; k++) {
		uint64_t state = start;
		for (uint64_t p = 0; p < o->pages; p++)
			if (pgw_rand(&state) & 1)
				pgw_fill(m + p * PGW_WORDS, kid_tag(o, c, p, k));
		state = start;
		for (uint64_t p = 0; p < o->pages; p++) {
			int mine = pgw_rand(&state) & 1;
			uint64_t tag = mine ? kid_tag(o, c, p, k) : pgw_tag(o->seed, p, 0);
			if (pgw_check(o, m + p * PGW_WORDS, tag,
				      mine ? "child page" : "shared page", p))
				return 1;
		}
	}
	return 0;
}

/* Wait for the kids forked; 1 if any did not exit with status 0. */
static int kids_wait(const struct pgw_opts *o, const pid_t *pid, uint64_t n)
{
	int bad = 0;
	for (uint64_t c = 0; c < n; c++) {
		int st;
		if (waitpid(pid[c], &st, 0) != pid[c])
			bad = pgw_fail(o, "waitpid %d failed", (int)pid[c]);
		else if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad = pgw_fail(o, "child %llu (pid %d): wait status %#x",
				       (unsigned long long)c, (int)pid[c], st);
	}
	return bad;
}

int pgw_fork(const struct pgw_opts *o)
{
	uint64_t *m = pgw_map(o, o->pages), n = 0;
	pid_t pid[PGW_MAX_KIDS];
	int bad = 0;
	if (!m)
		return 1;
	for (uint64_t p = 0; p < o->pages; p++)
		pgw_fill(m + p * PGW_WORDS, pgw_tag(o->seed, p, 0));
	fflush(stdout); /* nothing buffered for a child to print twice */
	fflush(stderr); /* (picolibc's fflush(NULL) faults: one by one) */
	for (; n < o->kids && !bad; n++) {
		pid[n] = fork();
		if (pid[n] == 0) {
			int st = kid_run(o, m, n);
			fflush(stderr);
			_exit(st);
		}
		if (pid[n] < 0)
			bad = pgw_fail(o, "fork failed");
	}
	bad |= kids_wait(o, pid, bad ? n - 1 : n);
	for (uint64_t p = 0; p < o->pages && !bad; p++)
		bad = pgw_check(o, m + p * PGW_WORDS, pgw_tag(o->seed, p, 0), "parent page", p);
	munmap(m, o->pages * PGW_PAGE);
	return bad;
}
