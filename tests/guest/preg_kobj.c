/* Hardening class 2: every kernel object on a quota. A process takes all
 * it may have of each kind (threads it then hides by closing their
 * handles, endpoints, notifications, tasks); it gets exactly its share,
 * no more, while others still fork, exec and create threads, and every
 * object comes back when it dies: a second hog gets the same again. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

static void never(long arg) { (void)arg; }

/* Ask for exactly our share of kind (one more is refused), then make
 * objects until the kernel refuses: how many it made. */
static long take(unsigned kind, uint64_t share, long (*make)(void))
{
	if (pager_quota(kind, share + 1) != -EAGAIN || pager_quota(kind, share) != (long)share)
		return -1;
	long n = 0;
	while (n < 1000) {
		long h = make();
		if (h < 0)
			return h == ERR_QUOTA ? n : -2;
		n++;
	}
	return -3;
}

static long make_thread(void)
{
	long self = (long)libsys_startinfo->self;
	long th = sys_thread_create(self, (uint64_t)never, 0, 0, PRIO_DEFAULT);
	if (th >= 0)
		sys_handle_close(th); /* suspended and unnamed: ps cannot see it */
	return th;
}
static long make_ep(void) { return sys_ep_create(); }
static long make_notif(void) { return sys_notif_create(); }
static long make_task(void) { return sys_task_create(1); }

/* Take everything, report the four counts, then wait to be killed. */
static void hog(int fd, const struct pg_meminfo *m)
{
	long got[4] = {take(KQ_THREAD, m->kq_share[KQ_THREAD], make_thread),
		       take(KQ_EP, m->kq_share[KQ_EP], make_ep),
		       take(KQ_NOTIF, m->kq_share[KQ_NOTIF], make_notif),
		       take(KQ_TASK, m->kq_share[KQ_TASK], make_task)};
	write(fd, got, sizeof got);
	for (;;)
		sys_sleep(1000);
}

static pid_t start_hog(const struct pg_meminfo *m, long got[4])
{
	int fds[2];
	pipe(fds);
	pid_t h = fork();
	if (h == 0) {
		close(fds[0]);
		hog(fds[1], m);
	}
	close(fds[1]);
	if (read(fds[0], got, 4 * sizeof *got) != 4 * sizeof *got)
		got[0] = got[1] = got[2] = got[3] = -9;
	close(fds[0]);
	return h;
}

/* In a child: a thread of our own, then fork and exec echo. */
static int others_work(void)
{
	pid_t c = fork();
	if (c == 0) {
		long th = pager_quota(KQ_THREAD, 1) == 1 ? make_thread() : -1;
		pid_t e = fork();
		if (e == 0) {
			char *const argv[] = {"echo", "others still fork and exec", NULL};
			execv("/bin/echo", argv);
			_exit(9);
		}
		int st = -1;
		_exit(th > 0 && e > 0 && waitpid(e, &st, 0) == e && st == 0 ? 0 : 1);
	}
	int st = -1;
	return c > 0 && waitpid(c, &st, 0) == c && st == 0;
}

static int stop(pid_t h)
{
	int st = -1;
	kill(h, SIGKILL);
	return waitpid(h, &st, 0) == h && WIFSIGNALED(st);
}

int main(void)
{
	struct pg_meminfo m0, m1;
	long got[4], again[4];
	tap_plan(5);
	others_work(); /* warm: the pager's first fork of us is behind us */
	pager_meminfo(&m0);
	pid_t h = start_hog(&m0, got);
	tap_check(got[0] == (long)m0.kq_share[KQ_THREAD] && got[1] == (long)m0.kq_share[KQ_EP] &&
			  got[2] == (long)m0.kq_share[KQ_NOTIF] && got[3] == (long)m0.kq_share[KQ_TASK],
		  "the hog got exactly its share: %ld threads, %ld endpoints, %ld notifications, %ld "
		  "tasks",
		  got[0], got[1], got[2], got[3]);
	tap_check(others_work(), "meanwhile another process creates a thread, forks and execs");
	tap_check(stop(h), "the hog is killed");
	pager_meminfo(&m1);
	int same = 1;
	for (int k = 0; k < KQ_COUNT; k++)
		same &= m1.kq_free[k] == m0.kq_free[k];
	tap_check(same, "every object came back: threads %lu (was %lu), tasks %lu (was %lu)",
		  (unsigned long)m1.kq_free[KQ_THREAD], (unsigned long)m0.kq_free[KQ_THREAD],
		  (unsigned long)m1.kq_free[KQ_TASK], (unsigned long)m0.kq_free[KQ_TASK]);
	h = start_hog(&m0, again);
	tap_check(stop(h) && again[0] == got[0] && again[1] == got[1] && again[2] == got[2] &&
			  again[3] == got[3],
		  "a second hog gets the same: %ld %ld %ld %ld", again[0], again[1], again[2],
		  again[3]);
	return tap_done();
}
