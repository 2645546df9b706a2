/*
 * cat.c (servers/bin/) - copy each file named ("-" for stdin), or stdin
 * when none is, to stdout with read and write. A file that cannot be
 * opened or read (a directory: EISDIR) is reported and makes the status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "cat: WHAT: reason" on stderr. */
static void cat_error(const char *what, int err)
{
	fprintf(stderr, "cat: %s: %s\n", what, strerror(err));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy fd to stdout: 0 when done, 1 on a read error, -1 on a write error. */
static int copy_fd(int fd, const char *name)
{
	static char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write_all(1, buf, (size_t)n) < 0)
			return -1;
	if (n < 0) {
		cat_error(name, errno);
		return 1;
	}
	return 0;
}

static int cat_file(const char *name)
{
	if (!strcmp(name, "-"))
		return copy_fd(0, "stdin");
	int fd = open(name, O_RDONLY);
	if (fd < 0) {
		cat_error(name, errno);
		return 1;
	}
	int r = copy_fd(fd, name);
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	int status = 0;
	if (argc < 2)
		return copy_fd(0, "stdin") ? 1 : 0;
	for (int i = 1; i < argc; i++) {
		int r = cat_file(argv[i]);
		if (r < 0) /* stdout is gone (a closed pipe): stop quietly */
			return 1;
		status |= r;
	}
	return status;
}
