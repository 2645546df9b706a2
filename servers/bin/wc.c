/*
 * wc.c (servers/bin/) - "wc [-lwc] [FILE...]": count newlines, words
 * (runs of non-blank bytes) and bytes of each file (stdin when none), as
 * POSIX prints them: "lines words bytes name", and a total for several.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct counts {
	unsigned long long lines, words, bytes;
};

static bool show_lines, show_words, show_bytes;

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Count fd to its end: 0, or -1 with errno. */
static int count_fd(int fd, struct counts *c)
{
	static char buf[4096];
	bool in_word = false;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		c->bytes += (unsigned long long)n;
		for (ssize_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)buf[i];
			c->lines += ch == '\n';
			if (is_space(ch))
				in_word = false;
			else if (!in_word) {
				in_word = true;
				c->words++;
			}
		}
	}
	return n < 0 ? -1 : 0;
}

static void print_counts(const struct counts *c, const char *name)
{
	const char *sep = "";
	if (show_lines) {
		printf("%llu", c->lines);
		sep = " ";
	}
	if (show_words) {
		printf("%s%llu", sep, c->words);
		sep = " ";
	}
	if (show_bytes)
		printf("%s%llu", sep, c->bytes);
	if (name)
		printf(" %s", name);
	putchar('\n');
}

static int parse_options(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'l')
				show_lines = true;
			else if (*o == 'w')
				show_words = true;
			else if (*o == 'c')
				show_bytes = true;
			else
				return -1;
		}
	}
	if (!show_lines && !show_words && !show_bytes)
		show_lines = show_words = show_bytes = true;
	return i;
}

int main(int argc, char **argv)
{
	struct counts total = { 0 };
	int status = 0, i = parse_options(argc, argv);
	if (i < 0) {
		fprintf(stderr, "usage: wc [-lwc] [FILE...]\n");
		return 2;
	}
	if (i == argc) {
		if (count_fd(0, &total) < 0) {
			fprintf(stderr, "wc: stdin: %s\n", strerror(errno));
			return 1;
		}
		print_counts(&total, NULL);
		return 0;
	}
	const int first = i;
	for (; i < argc; i++) {
		struct counts c = { 0 };
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0 || count_fd(fd, &c) < 0) {
			fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		print_counts(&c, argv[i]);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (argc - first > 1)
		print_counts(&total, "total");
	return status;
}
