/*
 * hello.c - an out-of-tree POSIX program for tests/run/run_test.py: built
 * with tools/ucc, added with tools/run --add. It forks, the child echoes
 * its arguments, the parent waits and exits with 5.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 1; i < argc; i++)
			printf("arg %d: %s\n", i, argv[i]);
		return 0;
	}
	int st;
	waitpid(pid, &st, 0);
	printf("child %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "failed");
	return 5;
}
