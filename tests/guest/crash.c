/* crash.c - stores outside every region: the pager must kill only us. */
int main(void)
{
	*(volatile int *)0x1000 = 1;
	return 0;
}
