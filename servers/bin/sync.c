/*
 * sync.c (servers/bin/) - "sync": every dirty page of the page cache
 * reaches the disk before this returns.
 */
#include <unistd.h>

int main(void)
{
	sync();
	return 0;
}
