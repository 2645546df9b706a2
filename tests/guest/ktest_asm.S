/*
 * ktest_asm.S - tiny functions for the kernel test suite (ktest*.c). Their
 * global labels are the exact sepc a fault or syscall reports, and the
 * exact pc of a thread parked in a syscall.
 */
#include "abi.h"

	.section .text

	.globl fault_load
fault_load:			/* (va) -> the doubleword at va */
	ld a0, 0(a0)
	ret

	.globl fault_store
fault_store:			/* (va, val): store val at va */
	sd a1, 0(a0)
	ret

	.globl fault_exec
fault_exec:			/* (va): jump there; the fetch faults at va */
	jr a0

	.globl ktest_syscall
ktest_syscall:			/* (a0, a1, nr) -> a0, the ecall at ktest_ecall */
	mv t0, a2
	.globl ktest_ecall
ktest_ecall:
	ecall
	ret

	.globl ktest_park
ktest_park:			/* (notif): wait on it forever, t2 keeps it */
	mv t2, a0
1:	mv a0, t2
	li t0, SYS_NOTIF_WAIT
	.globl ktest_park_ecall
ktest_park_ecall:
	ecall
	j 1b

	.globl ktest_regs_entry
ktest_regs_entry:		/* pc written by thread_write: gp, tp, then C */
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	la tp, __tls_base
	call ktest_regs_seen
2:	j 2b
