/*
 * sh_parse.c (servers/bin/) - the shell's reader: splits a command line
 * into words (blanks, '...' and "..." quotes, backslash, $? and $$, #
 * comments) and operators (| ; & < > >> N< N> N>> N>&M), and builds one
 * pipeline at a time (sh.h) for sh.c to run.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sh.h"

enum tok_kind {
	T_WORD,
	T_PIPE,
	T_SEMI,
	T_AMP,
	T_REDIR,
	T_END,
	T_ERROR
};

struct token {
	enum tok_kind kind;
	char *word;
	struct redir redir; /* T_REDIR: fd and kind; the path follows as a word */
};

/* ---- words ----------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool ends_word(char c)
{
	return !c || is_blank(c) || strchr("|;&<>", c);
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
	snprintf(num, sizeof num, "%d", c == '?' ? sh_last_status : (int)getpid());
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

/* At < or >, or at the digit of N< N>: the operator, with its fd. */
static struct token lex_redir(struct lexer *lx)
{
	struct token t = { .kind = T_REDIR };
	bool digit = *lx->s >= '0' && *lx->s <= '9';
	if (digit)
		t.redir.fd = *lx->s++ - '0';
	char op = *lx->s++;
	if (!digit)
		t.redir.fd = op == '<' ? 0 : 1;
	t.redir.kind = op == '<' ? R_IN : R_OUT;
	if (op == '>' && *lx->s == '>') {
		t.redir.kind = R_APPEND;
		lx->s++;
	} else if (*lx->s == '&') {
		t.redir.kind = R_DUP;
		lx->s++;
	}
	return t;
}

static struct token lex_next(struct lexer *lx)
{
	while (is_blank(*lx->s))
		lx->s++;
	char c = *lx->s;
	if (!c || c == '#') /* a comment runs to the end of the line */
		return (struct token){ .kind = T_END };
	if (c == '|' || c == ';' || c == '&') {
		lx->s++;
		return (struct token){ .kind = c == '|' ? T_PIPE : c == ';' ? T_SEMI : T_AMP };
	}
	/* One digit right before < or > names the fd, as in 2>err. */
	if (c == '<' || c == '>' || (c >= '0' && c <= '9' && (lx->s[1] == '<' || lx->s[1] == '>')))
		return lex_redir(lx);
	char *start = lx->buf + lx->used;
	if (!lex_word(lx))
		return (struct token){ .kind = T_ERROR };
	return (struct token){ .kind = T_WORD, .word = start };
}

/* ---- parsing --------------------------------------------------------- */

static enum parse_result parse_error(const char *what)
{
	sh_error("%s", what);
	return P_ERROR;
}

static const char *tok_name(enum tok_kind k)
{
	return k == T_PIPE ? "|" : k == T_SEMI ? ";" : k == T_AMP ? "&" :
	       k == T_REDIR ? "redirection" : "end of line";
}

static bool stage_empty(const struct stage *st) { return !st->argc && !st->nredir; }

/* The pipeline ended with token kind k; st is its last stage. */
static enum parse_result parse_finish(struct pipeline *pl, struct stage *st, enum tok_kind k)
{
	static char msg[64];
	pl->background = k == T_AMP;
	pl->last = k == T_END;
	if (!stage_empty(st))
		return P_OK;
	if (pl->n == 1 && k == T_END) {
		pl->n = 0; /* an empty command: nothing to do */
		return P_OK;
	}
	snprintf(msg, sizeof msg, "syntax error near %s", pl->n > 1 ? "|" : tok_name(k));
	return parse_error(msg);
}

/* A redirection operator t: its path is the next token, a word. */
static enum parse_result parse_redir(struct lexer *lx, struct stage *st, struct token t)
{
	static char msg[64];
	struct token w = lex_next(lx);
	if (w.kind == T_ERROR)
		return parse_error(lx->error);
	if (w.kind != T_WORD) {
		snprintf(msg, sizeof msg, "syntax error near %s", tok_name(w.kind));
		return parse_error(msg);
	}
	if (t.redir.kind == R_DUP &&
	    (w.word[0] < '0' || w.word[0] > '9' || w.word[1]))
		return parse_error("syntax error: >& and <& take one digit");
	if (st->nredir == MAX_REDIRS)
		return parse_error("too many redirections");
	t.redir.path = w.word;
	st->redirs[st->nredir++] = t.redir;
	return P_OK;
}

static void stage_reset(struct stage *st)
{
	st->argc = 0;
	st->argv[0] = NULL;
	st->nredir = 0;
}

enum parse_result sh_parse_pipeline(struct lexer *lx, struct pipeline *pl)
{
	struct stage *st = &pl->stages[0];
	lx->used = 0;
	pl->n = 1;
	stage_reset(st);
	for (;;) {
		struct token t = lex_next(lx);
		if (t.kind == T_ERROR)
			return parse_error(lx->error);
		if (t.kind == T_WORD) {
			if (st->argc == MAX_ARGS)
				return parse_error("too many arguments");
			st->argv[st->argc++] = t.word;
			st->argv[st->argc] = NULL;
		} else if (t.kind == T_REDIR) {
			if (parse_redir(lx, st, t) != P_OK)
				return P_ERROR;
		} else if (t.kind == T_PIPE) {
			if (stage_empty(st))
				return parse_error("syntax error near |");
			if (pl->n == MAX_STAGES)
				return parse_error("pipeline too long");
			st = &pl->stages[pl->n++];
			stage_reset(st);
		} else {
			return parse_finish(pl, st, t.kind);
		}
	}
}
