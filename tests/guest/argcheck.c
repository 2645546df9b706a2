/* argcheck.c - exits 0 iff its argv is {argcheck, one, "two words", 3}. */
#include <string.h>

int main(int argc, char **argv)
{
	return argc == 4 && !strcmp(argv[0], "argcheck") && !strcmp(argv[1], "one") &&
			       !strcmp(argv[2], "two words") && !strcmp(argv[3], "3") && !argv[4]
		       ? 0
		       : 1;
}
