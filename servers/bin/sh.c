/*
 * sh.c (servers/bin/) - the shell. Reads command lines (a "$ " prompt on
 * stdin, or one line from "sh -c CMD"), splits them into words (blanks,
 * '...' and "..." quotes, backslash, $? and $$, # comments) and runs
 * pipelines (a | b), lists (a; b) and background jobs (a &) with fork,
 * pipe, dup2, execv and waitpid. Builtins: exit [n], wait [pid].
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_LEN 1024
#define WORD_SPACE 2048
#define MAX_ARGS 16 /* the pager passes at most PG_ARGV_MAX words */
#define MAX_STAGES 8

enum tok_kind {
	T_WORD,
	T_PIPE,
	T_SEMI,
	T_AMP,
	T_END,
	T_ERROR
};

struct token {
	enum tok_kind kind;
	char *word;
};

/* Splits a line lazily, one pipeline at a time, so $? is expanded after
 * the commands before it have run. */
struct lexer {
	const char *s; /* next unread character */
	char buf[WORD_SPACE]; /* the words of the current pipeline */
	size_t used;
	const char *error; /* why the last token is T_ERROR */
};

struct stage {
	char *argv[MAX_ARGS + 1];
	int argc;
};

struct pipeline {
	struct stage stages[MAX_STAGES];
	int n; /* 0: an empty command */
	bool background; /* ended by & */
	bool last; /* the end of the line follows */
};

enum parse_result {
	P_OK,
	P_ERROR
};

static int last_status;
static bool exit_requested;

/* "sh: ...", one line on stderr. */
static void sh_error(const char *fmt, ...)
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

/* ---- words ----------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool ends_word(char c)
{
	return !c || is_blank(c) || c == '|' || c == ';' || c == '&';
}

static bool lex_put(struct lexer *lx, char c)
{
	if (lx->used >= sizeof lx->buf) {
		lx->error = "line too long";
		return false;
	}
	lx->buf[lx->used++] = c;
	return true;
}

/* At a '$': $? is the last status, $$ the shell's pid, else a plain '$'. */
static bool lex_dollar(struct lexer *lx)
{
	char num[16], c = lx->s[1];
	if (c != '?' && c != '$') {
		lx->s++;
		return lex_put(lx, '$');
	}
	snprintf(num, sizeof num, "%d", c == '?' ? last_status : (int)getpid());
	lx->s += 2;
	for (const char *p = num; *p; p++)
		if (!lex_put(lx, *p))
			return false;
	return true;
}

/* At an opening single quote: everything up to the next one, literally. */
static bool lex_single(struct lexer *lx)
{
	const char *end = strchr(lx->s + 1, '\'');
	if (!end) {
		lx->error = "syntax error: unterminated '";
		return false;
	}
	for (const char *p = lx->s + 1; p < end; p++)
		if (!lex_put(lx, *p))
			return false;
	lx->s = end + 1;
	return true;
}

/* At an opening double quote: $ expands, \ quotes " \ and $. */
static bool lex_double(struct lexer *lx)
{
	lx->s++;
	while (*lx->s != '"') {
		char c = *lx->s;
		if (!c) {
			lx->error = "syntax error: unterminated \"";
			return false;
		}
		if (c == '$') {
			if (!lex_dollar(lx))
				return false;
			continue;
		}
		if (c == '\\' && lx->s[1] && strchr("\"\\$", lx->s[1]))
			lx->s++;
		if (!lex_put(lx, *lx->s++))
			return false;
	}
	lx->s++;
	return true;
}

/* One word (its pieces may be quoted), NUL-terminated in lx->buf. */
static bool lex_word(struct lexer *lx)
{
	while (!ends_word(*lx->s)) {
		char c = *lx->s;
		bool ok;
		if (c == '\'')
			ok = lex_single(lx);
		else if (c == '"')
			ok = lex_double(lx);
		else if (c == '$')
			ok = lex_dollar(lx);
		else if (c == '\\' && lx->s[1]) {
			lx->s++;
			ok = lex_put(lx, *lx->s++);
		} else
			ok = lex_put(lx, *lx->s++);
		if (!ok)
			return false;
	}
	return lex_put(lx, '\0');
}

static struct token lex_next(struct lexer *lx)
{
	while (is_blank(*lx->s))
		lx->s++;
	char c = *lx->s;
	if (!c || c == '#') /* a comment runs to the end of the line */
		return (struct token){ T_END, NULL };
	if (c == '|' || c == ';' || c == '&') {
		lx->s++;
		return (struct token){ c == '|' ? T_PIPE : c == ';' ? T_SEMI : T_AMP, NULL };
	}
	char *start = lx->buf + lx->used;
	if (!lex_word(lx))
		return (struct token){ T_ERROR, NULL };
	return (struct token){ T_WORD, start };
}

/* ---- parsing --------------------------------------------------------- */

static enum parse_result parse_error(const char *what)
{
	sh_error("%s", what);
	return P_ERROR;
}

static const char *tok_name(enum tok_kind k)
{
	return k == T_PIPE ? "|" : k == T_SEMI ? ";" : k == T_AMP ? "&" : "end of line";
}

/* The pipeline ended with token kind k; st is its last stage. */
static enum parse_result parse_finish(struct pipeline *pl, struct stage *st, enum tok_kind k)
{
	static char msg[64];
	pl->background = k == T_AMP;
	pl->last = k == T_END;
	if (st->argc)
		return P_OK;
	if (pl->n == 1 && k == T_END) {
		pl->n = 0; /* an empty command: nothing to do */
		return P_OK;
	}
	snprintf(msg, sizeof msg, "syntax error near %s", pl->n > 1 ? "|" : tok_name(k));
	return parse_error(msg);
}

/* One pipeline, up to ; & or the end of the line; errors are reported. */
static enum parse_result parse_pipeline(struct lexer *lx, struct pipeline *pl)
{
	struct stage *st = &pl->stages[0];
	lx->used = 0;
	pl->n = 1;
	st->argc = 0;
	for (;;) {
		struct token t = lex_next(lx);
		if (t.kind == T_ERROR)
			return parse_error(lx->error);
		if (t.kind == T_WORD) {
			if (st->argc == MAX_ARGS)
				return parse_error("too many arguments");
			st->argv[st->argc++] = t.word;
			st->argv[st->argc] = NULL;
		} else if (t.kind == T_PIPE) {
			if (!st->argc)
				return parse_error("syntax error near |");
			if (pl->n == MAX_STAGES)
				return parse_error("pipeline too long");
			st = &pl->stages[pl->n++];
			st->argc = 0;
		} else {
			return parse_finish(pl, st, t.kind);
		}
	}
}

/* ---- builtins ------------------------------------------------------- */

static bool is_builtin(const char *name)
{
	return !strcmp(name, "exit") || !strcmp(name, "wait");
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
		return last_status;
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

static int run_builtin(const struct stage *st)
{
	return !strcmp(st->argv[0], "exit") ? builtin_exit(st) : builtin_wait(st);
}

/* ---- running -------------------------------------------------------- */

/* In the child: stdin from in_fd, stdout to out[1], then exec. */
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
	if (is_builtin(st->argv[0]))
		_exit(run_builtin(st));
	execv(st->argv[0], st->argv);
	if (errno == ENOENT)
		sh_error("%s: not found", st->argv[0]);
	else
		sh_error("%s: cannot execute", st->argv[0]);
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
	if (pl->n == 1 && !pl->background && is_builtin(pl->stages[0].argv[0])) {
		last_status = run_builtin(&pl->stages[0]);
		return;
	}
	int started = start_stages(pl, pids);
	if (pl->background) {
		if (started)
			printf("[%d]\n", (int)pids[started - 1]);
		last_status = started == pl->n ? 0 : 1;
		return;
	}
	int status = wait_stages(pids, started);
	last_status = started == pl->n ? status : 1;
}

/* Check the whole line first (nothing runs if any part is wrong), then
 * run its pipelines one after the other. */
static void run_line(const char *line)
{
	static struct lexer lx;
	static struct pipeline pl;
	lx.s = line;
	do {
		if (parse_pipeline(&lx, &pl) != P_OK) {
			last_status = 2;
			return;
		}
	} while (!pl.last);
	lx.s = line;
	do {
		if (parse_pipeline(&lx, &pl) != P_OK) {
			last_status = 2;
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
	return last_status;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "-c")) {
		if (argc < 3) {
			sh_error("-c: option requires an argument");
			return 2;
		}
		run_line(argv[2]);
		return last_status;
	}
	if (argc >= 2) {
		sh_error("usage: sh [-c COMMAND]");
		return 2;
	}
	return interact();
}
