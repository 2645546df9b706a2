/*
 * posix.c - the POSIX calls of libsys (libsys/), each one message to the
 * pager (libsys/pager.h): the standard names and signatures, errno set
 * from the reply's label, so plain POSIX C compiles unchanged. Processes,
 * pipes and plain fd I/O here; files and directories in posix_fs.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "posix_call.h"

long posix_call(struct msg *m)
{
	if (!libsys_startinfo) {
		errno = ENOSYS;
		return -1;
	}
	long e = sys_call((long)libsys_startinfo->pager, m);
	if (e < 0) {
		errno = EIO;
		return -1;
	}
	if (m->label) { /* an errno value; anything else is not one of ours */
		errno = m->label < 4096 ? (int)m->label : EIO;
		return -1;
	}
	return (long)m->w[0];
}

long posix_call4(uint64_t label, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	struct msg m = {.label = label, .w = {a, b, c, d}};
	return posix_call(&m);
}

static long pg(struct msg *m) { return posix_call(m); }

static long pg3(uint64_t label, uint64_t a, uint64_t b, uint64_t c)
{
	return posix_call4(label, a, b, c, 0);
}

pid_t fork(void) { return (pid_t)pg3(PG_FORK, 0, 0, 0); }

int execve(const char *path, char *const argv[], char *const envp[])
{
	(void)envp; /* no environment yet */
	return (int)pg3(PG_EXEC, (uint64_t)path, (uint64_t)argv, 0);
}

int execv(const char *path, char *const argv[]) { return execve(path, argv, NULL); }

pid_t waitpid(pid_t pid, int *status, int options)
{
	struct msg m = {.label = PG_WAIT, .w = {(uint64_t)(long)pid, (uint64_t)options}};
	long r = pg(&m);
	if (r > 0 && status)
		*status = (int)m.w[1];
	return (pid_t)r;
}

pid_t wait(int *status) { return waitpid(-1, status, 0); }

pid_t getpid(void) { return (pid_t)pg3(PG_GETPID, 0, 0, 0); }

pid_t getppid(void)
{
	struct msg m = {.label = PG_GETPID};
	return pg(&m) < 0 ? -1 : (pid_t)m.w[1];
}

int kill(pid_t pid, int sig) { return (int)pg3(PG_KILL, (uint64_t)(long)pid, (uint64_t)sig, 0); }

ssize_t read(int fd, void *buf, size_t n)
{
	return pg3(PG_READ, (uint64_t)fd, (uint64_t)buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	if (!libsys_startinfo) /* root programs: straight to the console */
		return sys_debug_write(buf, n);
	return pg3(PG_WRITE, (uint64_t)fd, (uint64_t)buf, n);
}

int close(int fd) { return (int)pg3(PG_CLOSE, (uint64_t)fd, 0, 0) < 0 ? -1 : 0; }

int pipe(int fds[2])
{
	struct msg m = {.label = PG_PIPE};
	if (pg(&m) < 0)
		return -1;
	fds[0] = (int)m.w[0];
	fds[1] = (int)m.w[1];
	return 0;
}

int dup(int fd) { return (int)pg3(PG_DUP, (uint64_t)fd, 0, 0); }
int dup2(int fd, int nfd) { return (int)pg3(PG_DUP2, (uint64_t)fd, (uint64_t)nfd, 0); }

unsigned sleep(unsigned s)
{
	sys_sleep((uint64_t)s * 1000);
	return 0;
}

int usleep(useconds_t us)
{
	sys_sleep((us + 999) / 1000);
	return 0;
}
