/*
 * hello.c - an out-of-tree POSIX program for tests/run/run_test.py: built
 * with tools/ucc, added with tools/run --add. Uses the usual headers
 * unchanged: forks, the child echoes its arguments through a pipe, the
 * parent reads them, opens /bin/echo, waits, and exits with 5.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fds[2];
	if (pipe(fds) < 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		char line[128];
		for (int i = 1; i < argc; i++) {
			int n = snprintf(line, sizeof line, "arg %d: %s\n", i, argv[i]);
			write(fds[1], line, (size_t)n);
		}
		return 0;
	}
	close(fds[1]);
	char *buf = malloc(256);
	ssize_t n, got = 0;
	while ((n = read(fds[0], buf + got, 255 - (size_t)got)) > 0)
		got += n;
	buf[got] = 0;
	fputs(buf, stdout);
	int st, fd = open("/bin/echo", O_RDONLY);
	char magic[4] = {0};
	read(fd, magic, 4);
	close(fd);
	waitpid(pid, &st, 0);
	printf("child %s, echo is %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "failed",
	       memcmp(magic, "\177ELF", 4) ? "not ELF" : "ELF");
	free(buf);
	return 5;
}
