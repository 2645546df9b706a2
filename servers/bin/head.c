/*
 * head.c (servers/bin/) - "head [-n N] [FILE...]": the first N lines
 * (default 10) of each file, or of stdin; with several files each is
 * headed by "==> NAME <==", as POSIX prints it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(1, buf, len);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy fd up to and with its lines-th newline: 0, -1 on a read error
 * (errno), -2 when stdout is gone. */
static int head_fd(int fd, unsigned long lines)
{
	static char buf[4096];
	ssize_t n = 0;
	while (lines && (n = read(fd, buf, sizeof buf)) > 0) {
		size_t len = 0;
		while (len < (size_t)n && lines)
			if (buf[len++] == '\n')
				lines--;
		if (write_all(buf, len) < 0)
			return -2;
		if (!lines)
			return 0;
	}
	return lines && n < 0 ? -1 : 0;
}

/* -n N or -nN; returns the index of the first file, or -1. */
static int parse_options(int argc, char **argv, unsigned long *lines)
{
	int i = 1;
	if (i < argc && !strncmp(argv[i], "-n", 2)) {
		const char *num = argv[i][2] ? argv[i] + 2 : i + 1 < argc ? argv[++i] : "";
		char *end;
		*lines = strtoul(num, &end, 10);
		if (!*num || *end || *num == '-')
			return -1;
		i++;
	}
	return i;
}

int main(int argc, char **argv)
{
	unsigned long lines = 10;
	int i = parse_options(argc, argv, &lines), status = 0;
	if (i < 0) {
		fprintf(stderr, "usage: head [-n N] [FILE...]\n");
		return 2;
	}
	if (i == argc) {
		int r = head_fd(0, lines);
		if (r == -1)
			fprintf(stderr, "head: stdin: %s\n", strerror(errno));
		return r ? 1 : 0;
	}
	for (int first = i; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "head: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		if (argc - first > 1) {
			printf("%s==> %s <==\n", i > first ? "\n" : "", argv[i]);
			fflush(stdout);
		}
		int r = head_fd(fd, lines);
		close(fd);
		if (r == -2)
			return 1;
		if (r < 0) {
			fprintf(stderr, "head: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	return status;
}
