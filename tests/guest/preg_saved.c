/* Hardening, handle slots: every call a process leaves waiting in the
 * pager (a pipe or console read, a waitpid, a parked request) holds one
 * slot of the pager's handle table. A process with many threads could
 * fill that table and make everyone else's blocking calls fail; now each
 * process may leave PROC_SAVED_MAX calls waiting (pager.h), its further
 * ones get EAGAIN at once, and others still block and get their data. */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define SAVED_MAX 32 /* servers/pager.h: PROC_SAVED_MAX */
#define EXTRA 8
#define NTH (SAVED_MAX + EXTRA)
#define NPIPES 5     /* 8 waiters a pipe: room for the blocked ones; 10 fds */

static int pfd[NPIPES][2];
static uint64_t stacks[NTH][512];
static volatile long nblocked_done, neagain, nbad;

/* One byte from pipe i % NPIPES, by a raw call: EAGAIN is not retried. */
static void reader(long i)
{
	char c = 0;
	struct msg m = {.label = PG_READ, .w = {(uint64_t)pfd[i % NPIPES][0], (uint64_t)&c, 1}};
	long e = sys_call((long)libsys_startinfo->pager, &m);
	if (e == 0 && m.label == EAGAIN)
		__atomic_fetch_add(&neagain, 1, __ATOMIC_RELAXED);
	else if (e == 0 && m.label == 0 && m.w[0] == 1 && c == 'x')
		__atomic_fetch_add(&nblocked_done, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&nbad, 1, __ATOMIC_RELAXED);
	for (;;)
		sys_sleep(1000);
}

/* A child's own blocking read, while we hold all our saved replies. */
static int other_blocks(void)
{
	int q[2];
	if (pipe(q) < 0)
		return 0;
	pid_t c = fork();
	if (c == 0) {
		char b = 0;
		_exit(read(q[0], &b, 1) == 1 && b == 'y' ? 0 : 1);
	}
	sys_sleep(50); /* it is blocked in the pager now */
	int st = -1;
	int early = waitpid(c, &st, WNOHANG) == 0;
	write(q[1], "y", 1);
	/* Polled: a blocking waitpid of ours would be one call too many. */
	pid_t w = 0;
	for (int i = 0; i < 100 && w == 0; i++, sys_sleep(5))
		w = waitpid(c, &st, WNOHANG);
	return early && w == c && st == 0;
}

int main(void)
{
	const struct startinfo *si = libsys_startinfo;
	tap_plan(6);
	for (int i = 0; i < NPIPES; i++)
		pipe(pfd[i]);
	pager_quota(KQ_THREAD, NTH);
	for (long i = 0; i < NTH; i++) {
		long th = sys_thread_create((long)si->self, (uint64_t)reader,
					    (uint64_t)&stacks[i][512], (uint64_t)i, PRIO_DEFAULT);
		if (th > 0 && sys_thread_fault(th, (long)si->pager) == 0) /* its faults: the pager */
			sys_thread_start(th);
		sys_sleep(1);
	}
	sys_sleep(50);
	tap_check(neagain == EXTRA, "%d readers blocked, the %d past the limit got EAGAIN at once "
		  "(%ld did)", SAVED_MAX, EXTRA, (long)neagain);
	tap_check(other_blocks(), "meanwhile another process blocks in a read and gets its byte");
	int st;
	pid_t s = fork();
	if (s == 0) {
		sys_sleep(100);
		_exit(0);
	}
	long r = waitpid(s, &st, 0), e = errno;
	while (waitpid(s, &st, WNOHANG) == 0)
		sys_sleep(5);
	tap_check(r == -1 && e == EAGAIN, "our own blocking waitpid is one call too many: EAGAIN");
	for (int i = 0; i < NPIPES; i++) /* one byte per blocked reader */
		for (long j = i; j < NTH; j += NPIPES)
			write(pfd[i][1], "x", 1);
	sys_sleep(100);
	tap_check(nblocked_done == SAVED_MAX, "every blocked reader got its byte (%ld did)",
		  (long)nblocked_done);
	tap_check(nbad == 0, "no other result (%ld)", (long)nbad);
	s = fork();
	if (s == 0) {
		sys_sleep(20);
		_exit(3);
	}
	tap_check(waitpid(s, &st, 0) == s && WEXITSTATUS(st) == 3,
		  "answered, they are given back: our blocking waitpid works again");
	return tap_done();
}
