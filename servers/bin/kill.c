/*
 * kill.c (servers/bin/) - "kill [-N] PID...": send signal N (default 9,
 * SIGKILL) to each process with kill(); a failure is reported and makes
 * the status 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
			fprintf(stderr, "kill: %s: bad signal number\n", argv[1]);
			return 1;
		}
		sig = (int)n;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: kill [-N] PID...\n");
		return 1;
	}
	for (; i < argc; i++) {
		long pid = parse_number(argv[i]);
		if (pid < 0) {
			fprintf(stderr, "kill: %s: not a process id\n", argv[i]);
			status = 1;
		} else if (kill((pid_t)pid, sig) < 0) {
			fprintf(stderr, "kill: %ld: %s\n", pid, strerror(errno));
			status = 1;
		}
	}
	return status;
}
