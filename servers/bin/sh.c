/*
 * sh.c (servers/bin/) - the shell. Reads command lines (a "$ " prompt on
 * stdin, or one line from "sh -c CMD"), has sh_parse.c split them into
 * pipelines, and runs pipelines (a | b), lists (a; b) and background jobs
 * (a &) with fork, pipe, dup2, execv and waitpid, each stage with its
 * redirections (sh_redir.c). Builtins: exit [n], wait [pid], cd [dir].
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sh.h"

#define LINE_MAX_LEN 1024

int sh_last_status;
static bool exit_requested;

void sh_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("sh: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int decode_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- builtins ------------------------------------------------------- */

static bool is_builtin(const char *name)
{
	return !strcmp(name, "exit") || !strcmp(name, "wait") || !strcmp(name, "cd");
}

static int builtin_exit(const struct stage *st)
{
	char *end;
	if (st->argc > 2) {
		sh_error("exit: too many arguments");
		return 1;
	}
	exit_requested = true;
	if (st->argc < 2)
		return sh_last_status;
	long n = strtol(st->argv[1], &end, 10);
	if (!*st->argv[1] || *end) {
		sh_error("exit: %s: numeric argument required", st->argv[1]);
		return 2;
	}
	return (int)(n & 0xff);
}

/* wait: every child, reporting each; wait PID: that one, its status. */
static int builtin_wait(const struct stage *st)
{
	int wst;
	pid_t pid;
	if (st->argc > 1) {
		char *end;
		pid = (pid_t)strtol(st->argv[1], &end, 10);
		if (*end || waitpid(pid, &wst, 0) != pid) {
			sh_error("wait: %s: no such child", st->argv[1]);
			return 127;
		}
		return decode_status(wst);
	}
	while ((pid = waitpid(-1, &wst, 0)) > 0)
		printf("[%d] done %d\n", (int)pid, decode_status(wst));
	return 0;
}

/* cd DIR; with no DIR the root (there is no HOME). */
static int builtin_cd(const struct stage *st)
{
	const char *dir = st->argc > 1 ? st->argv[1] : "/";
	if (st->argc > 2) {
		sh_error("cd: too many arguments");
		return 1;
	}
	if (chdir(dir) < 0) {
		sh_error("cd: %s: %s", dir, strerror(errno));
		return 1;
	}
	return 0;
}

static int run_builtin(const struct stage *st)
{
	const char *name = st->argv[0];
	return !strcmp(name, "exit") ? builtin_exit(st) :
	       !strcmp(name, "cd")   ? builtin_cd(st) :
				       builtin_wait(st);
}

/* A builtin, or a stage of redirections only, run by the shell itself:
 * its redirections last for that command only. */
static int run_in_shell(const struct stage *st)
{
	int saved[MAX_REDIRS], napplied = 0, status = 1;
	if (sh_redir_apply(st, saved, &napplied) == 0)
		status = st->argc ? run_builtin(st) : 0;
	sh_redir_restore(st, saved, napplied);
	return status;
}

/* ---- running -------------------------------------------------------- */

/* In the child: stdin from in_fd, stdout to out[1], then the stage's own
 * redirections (so 2>&1 and > win over the pipe, as POSIX orders them),
 * then exec. */
static __attribute__((noreturn)) void child_run(const struct stage *st, int in_fd, const int out[2])
{
	if (in_fd >= 0) {
		dup2(in_fd, 0);
		close(in_fd);
	}
	if (out[1] >= 0) {
		dup2(out[1], 1);
		close(out[1]);
		close(out[0]);
	}
	if (sh_redir_apply(st, NULL, NULL) < 0)
		_exit(1);
	if (!st->argc)
		_exit(0);
	if (is_builtin(st->argv[0]))
		_exit(run_builtin(st));
	execv(st->argv[0], st->argv);
	if (errno == ENOENT)
		sh_error("%s: not found", st->argv[0]);
	else
		sh_error("%s: %s", st->argv[0], strerror(errno));
	_exit(127);
}

/* A background job reads an empty pipe (EOF) instead of the console. */
static int empty_input(void)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	close(fds[1]);
	return fds[0];
}

/* Fork every stage, wired with pipes; returns how many were started. */
static int start_stages(const struct pipeline *pl, pid_t *pids)
{
	int in_fd = pl->background ? empty_input() : -1, i;
	fflush(stdout); /* or the children would flush our buffer too */
	for (i = 0; i < pl->n; i++) {
		int out[2] = { -1, -1 };
		if (i + 1 < pl->n && pipe(out) < 0) {
			sh_error("pipe: %s", strerror(errno));
			break;
		}
		pids[i] = fork();
		if (pids[i] == 0)
			child_run(&pl->stages[i], in_fd, out);
		if (in_fd >= 0)
			close(in_fd);
		if (out[1] >= 0)
			close(out[1]);
		in_fd = out[0];
		if (pids[i] < 0) {
			sh_error("fork: %s", strerror(errno));
			break;
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	return i;
}

/* Wait for every started stage; the status is the last one's. */
static int wait_stages(const pid_t *pids, int n)
{
	int status = 0;
	for (int i = 0; i < n; i++) {
		int st;
		pid_t r;
		do
			r = waitpid(pids[i], &st, 0);
		while (r < 0 && errno == EINTR);
		status = r == pids[i] ? decode_status(st) : 1;
	}
	return status;
}

static void run_pipeline(const struct pipeline *pl)
{
	pid_t pids[MAX_STAGES];
	const struct stage *first = &pl->stages[0];
	if (pl->n == 1 && !pl->background && (!first->argc || is_builtin(first->argv[0]))) {
		sh_last_status = run_in_shell(first);
		return;
	}
	int started = start_stages(pl, pids);
	if (pl->background) {
		if (started)
			printf("[%d]\n", (int)pids[started - 1]);
		sh_last_status = started == pl->n ? 0 : 1;
		return;
	}
	int status = wait_stages(pids, started);
	sh_last_status = started == pl->n ? status : 1;
}

/* Check the whole line first (nothing runs if any part is wrong), then
 * run its pipelines one after the other. */
static void run_line(const char *line)
{
	static struct lexer lx;
	static struct pipeline pl;
	lx.s = line;
	do {
		if (sh_parse_pipeline(&lx, &pl) != P_OK) {
			sh_last_status = 2;
			return;
		}
	} while (!pl.last);
	lx.s = line;
	do {
		if (sh_parse_pipeline(&lx, &pl) != P_OK) {
			sh_last_status = 2;
			return;
		}
		if (pl.n)
			run_pipeline(&pl);
	} while (!pl.last && !exit_requested);
}

/* ---- the interactive loop ------------------------------------------ */

static void reap_jobs(void)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		printf("[%d] done %d\n", (int)pid, decode_status(st));
}

/* One line into buf; false at the end of input. */
static bool read_line(char *buf, size_t size)
{
	if (!fgets(buf, (int)size, stdin))
		return false;
	size_t n = strlen(buf);
	if (n + 1 == size && buf[n - 1] != '\n') {
		int c;
		while ((c = getchar()) != EOF && c != '\n')
			;
		sh_error("line too long");
		buf[0] = 0;
	}
	return true;
}

static int interact(void)
{
	static char line[LINE_MAX_LEN];
	while (!exit_requested) {
		reap_jobs();
		fputs("$ ", stdout);
		fflush(stdout);
		if (!read_line(line, sizeof line)) {
			putchar('\n');
			break;
		}
		run_line(line);
	}
	return sh_last_status;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "-c")) {
		if (argc < 3) {
			sh_error("-c: option requires an argument");
			return 2;
		}
		run_line(argv[2]);
		return sh_last_status;
	}
	if (argc >= 2) {
		sh_error("usage: sh [-c COMMAND]");
		return 2;
	}
	return interact();
}
