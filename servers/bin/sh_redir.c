/*
 * sh_redir.c (servers/bin/) - the shell's redirections (sh.h): open each
 * target (< read, > create/truncate, >> create/append, mode 0644; >&N a
 * copy of N) and put it on its descriptor. In a child that is for good; a
 * builtin run by the shell itself gets its descriptors back afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sh.h"

/* The descriptor r's target is opened as (or names, for >&N), or -1
 * after reporting why not. */
static int redir_source(const struct redir *r)
{
	if (r->kind == R_DUP)
		return r->path[0] - '0'; /* checked by the parser: one digit */
	int flags = r->kind == R_IN ? O_RDONLY :
		    O_WRONLY | O_CREAT | (r->kind == R_APPEND ? O_APPEND : O_TRUNC);
	int fd = open(r->path, flags, 0644);
	if (fd < 0)
		sh_error("%s: %s", r->path, strerror(errno));
	return fd;
}

/* One redirection: r->fd becomes a copy of its target. */
static int redir_one(const struct redir *r)
{
	int src = redir_source(r);
	if (src < 0)
		return -1;
	if (src == r->fd)
		return 0;
	if (dup2(src, r->fd) < 0) {
		sh_error("%s: %s", r->path, strerror(errno));
		if (r->kind != R_DUP)
			close(src);
		return -1;
	}
	if (r->kind != R_DUP)
		close(src);
	return 0;
}

int sh_redir_apply(const struct stage *st, int saved[MAX_REDIRS], int *napplied)
{
	fflush(stdout); /* what the shell printed goes where it was meant to */
	fflush(stderr);
	for (int i = 0; i < st->nredir; i++) {
		const struct redir *r = &st->redirs[i];
		if (saved) {
			/* A closed fd has no copy (-1): restoring closes it. */
			saved[i] = dup(r->fd);
			*napplied = i + 1;
		}
		if (redir_one(r) < 0)
			return -1;
	}
	return 0;
}

void sh_redir_restore(const struct stage *st, const int saved[MAX_REDIRS], int napplied)
{
	fflush(stdout);
	fflush(stderr);
	for (int i = napplied - 1; i >= 0; i--) {
		int fd = st->redirs[i].fd;
		if (saved[i] < 0) {
			close(fd);
			continue;
		}
		dup2(saved[i], fd);
		close(saved[i]);
	}
}
