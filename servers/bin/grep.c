/*
 * grep.c (servers/bin/) - "grep [-v] [-c] STRING [FILE...]": print the
 * lines that contain STRING (a fixed string; -v: that do not), or with -c
 * only their count; names prefix the lines when there are several files.
 * Exit 0 when a line was selected, 1 when none was, 2 on an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool opt_invert, opt_count;

/* Lines from a descriptor; a line of any length grows the line buffer. */
struct line_reader {
	int fd;
	char buf[4096];
	size_t pos, len;
	char *line;
	size_t cap;
};

/* The next line, without its newline, NUL-terminated: its length, or -1
 * at the end, -2 on an error (errno). A NUL in a line ends its text. */
static long next_line(struct line_reader *r)
{
	size_t used = 0;
	for (;;) {
		if (r->pos == r->len) {
			ssize_t n = read(r->fd, r->buf, sizeof r->buf);
			if (n < 0)
				return -2;
			if (n == 0)
				break;
			r->pos = 0;
			r->len = (size_t)n;
		}
		char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		size_t take = (nl ? (size_t)(nl - r->buf) : r->len) - r->pos;
		if (used + take + 1 > r->cap) {
			size_t cap = (used + take + 1) * 2;
			char *more = realloc(r->line, cap);
			if (!more) {
				errno = ENOMEM;
				return -2;
			}
			r->line = more;
			r->cap = cap;
		}
		memcpy(r->line + used, r->buf + r->pos, take);
		used += take;
		r->pos += take + (nl != NULL);
		if (nl) {
			r->line[used] = '\0';
			return (long)used;
		}
	}
	if (!used)
		return -1;
	r->line[used] = '\0'; /* a last line without a newline */
	return (long)used;
}

/* The selected lines of fd: how many, or -1 on a read error. */
static long grep_fd(int fd, const char *pattern, const char *prefix)
{
	static struct line_reader r;
	long count = 0, n;
	r.fd = fd;
	r.pos = r.len = 0;
	while ((n = next_line(&r)) >= 0) {
		if (!strstr(r.line, pattern) == !opt_invert)
			continue;
		count++;
		if (opt_count)
			continue;
		if (prefix)
			printf("%s:", prefix);
		printf("%s\n", r.line);
	}
	if (n == -2)
		return -1;
	if (opt_count) {
		if (prefix)
			printf("%s:", prefix);
		printf("%ld\n", count);
	}
	return count;
}

static int parse_options(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--"))
			return i + 1;
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'v')
				opt_invert = true;
			else if (*o == 'c')
				opt_count = true;
			else if (*o != 'F') /* fixed strings is all there is */
				return -1;
		}
	}
	return i < argc ? i : -1;
}

int main(int argc, char **argv)
{
	int i = parse_options(argc, argv), status = 1;
	if (i < 0) {
		fprintf(stderr, "usage: grep [-v] [-c] STRING [FILE...]\n");
		return 2;
	}
	const char *pattern = argv[i++];
	if (i == argc) {
		long n = grep_fd(0, pattern, NULL);
		if (n < 0)
			fprintf(stderr, "grep: stdin: %s\n", strerror(errno));
		return n < 0 ? 2 : n > 0 ? 0 : 1;
	}
	bool several = argc - i > 1, failed = false;
	for (; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		long n = fd < 0 ? -1 : grep_fd(fd, pattern, several ? argv[i] : NULL);
		if (n < 0) {
			fprintf(stderr, "grep: %s: %s\n", argv[i], strerror(errno));
			failed = true;
		} else if (n > 0) {
			status = 0;
		}
		if (fd >= 0)
			close(fd);
	}
	return failed ? 2 : status;
}
