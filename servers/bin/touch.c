/*
 * touch.c (servers/bin/) - "touch FILE...": create each missing file
 * (empty, mode 0644). The pager has no call to set times, so an existing
 * file is left as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: touch FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
		if (fd < 0 && errno == EISDIR)
			continue; /* it exists, and there are no times to set */
		if (fd < 0 || close(fd) < 0) {
			fprintf(stderr, "touch: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	return status;
}
