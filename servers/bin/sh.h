/*
 * sh.h (servers/bin/) - what the shell's two halves share: the parsed
 * form of a pipeline (stages with their words and redirections), built by
 * sh_parse.c from a command line and run by sh.c.
 */
#ifndef SH_H
#define SH_H

#include <stdbool.h>
#include <stddef.h>

#define WORD_SPACE 2048
#define MAX_ARGS 16 /* the pager passes at most PG_ARGV_MAX words */
#define MAX_STAGES 8
#define MAX_REDIRS 4

enum redir_kind {
	R_IN,     /* N<path  (N defaults to 0) */
	R_OUT,    /* N>path  (N defaults to 1): create or truncate */
	R_APPEND, /* N>>path (N defaults to 1): create, write at the end */
	R_DUP     /* N>&M or N<&M: N becomes a copy of M */
};

struct redir {
	int fd; /* the descriptor the command sees */
	enum redir_kind kind;
	const char *path; /* the word after the operator */
};

struct stage {
	char *argv[MAX_ARGS + 1];
	int argc; /* 0 with redirections: only the redirections happen */
	struct redir redirs[MAX_REDIRS];
	int nredir;
};

struct pipeline {
	struct stage stages[MAX_STAGES];
	int n; /* 0: an empty command */
	bool background; /* ended by & */
	bool last; /* the end of the line follows */
};

/* Splits a line lazily, one pipeline at a time, so $? is expanded after
 * the commands before it have run. */
struct lexer {
	const char *s; /* next unread character */
	char buf[WORD_SPACE]; /* the words of the current pipeline */
	size_t used;
	const char *error; /* why the last token is an error */
};

enum parse_result {
	P_OK,
	P_ERROR
};

extern int sh_last_status; /* $? */

/* "sh: ...", one line on stderr. */
void sh_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The next pipeline of the line at lx->s, up to ; & or the end of the
 * line; errors are reported. */
enum parse_result sh_parse_pipeline(struct lexer *lx, struct pipeline *pl);

/* Redirections (sh_redir.c). apply does st's in order and reports the
 * first that fails (-1). With saved, each descriptor replaced is kept
 * (*napplied of them) for restore, which puts them back. */
int sh_redir_apply(const struct stage *st, int saved[MAX_REDIRS], int *napplied);
void sh_redir_restore(const struct stage *st, const int saved[MAX_REDIRS], int napplied);

#endif /* SH_H */
