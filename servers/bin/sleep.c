/*
 * sleep.c (servers/bin/) - "sleep N": wait N whole seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	unsigned long n = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
	if (argc != 2 || !*argv[1] || *end || argv[1][0] == '-' || n > 1000000) {
		fprintf(stderr, "usage: sleep SECONDS (0..1000000)\n");
		return 2;
	}
	sleep((unsigned)n);
	return 0;
}
