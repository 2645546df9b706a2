/*
 * kreg_epq_asm.S - a receiver for kreg_epq.c that lives in another task and
 * uses only registers: receive on one endpoint, then on another.
 */
#define SYS_RECV 4
	.section .text
	.balign 4096
	/* a0 = (second ep << 32) | first ep: receive on the first (a fault),
	 * then, without replying, receive on the second. */
	.globl recv_twice
recv_twice:
	srli s0, a0, 32
	slli a0, a0, 32
	srli a0, a0, 32
	li t0, SYS_RECV
	ecall
	mv a0, s0
	li t0, SYS_RECV
	ecall
1:	j 1b
	.balign 4096
