/*
 * kill.c (servers/bin/) - "kill [-N] PID...": send signal N (default 9,
 * SIGKILL) to each process with kill(); a failure is reported and makes
 * the status 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "kill: ..." on fd 2 (libsys's stderr FILE writes to fd 1). */
static void kill_error(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	write(2, buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* A whole decimal number, or -1. */
static long parse_number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= 0 ? v : -1;
}

int main(int argc, char **argv)
{
	int sig = SIGKILL, i = 1, status = 0;
	if (argc > 1 && argv[1][0] == '-') {
		long n = parse_number(argv[1] + 1);
		if (n < 0) {
			kill_error("kill: %s: bad signal number\n", argv[1]);
			return 1;
		}
		sig = (int)n;
		i++;
	}
	if (i >= argc) {
		kill_error("usage: kill [-N] PID...\n");
		return 1;
	}
	for (; i < argc; i++) {
		long pid = parse_number(argv[i]);
		if (pid < 0) {
			kill_error("kill: %s: not a process id\n", argv[i]);
			status = 1;
		} else if (kill((pid_t)pid, sig) < 0) {
			kill_error("kill: %ld: %s\n", pid, strerror(errno));
			status = 1;
		}
	}
	return status;
}
