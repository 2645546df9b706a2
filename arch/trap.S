/*
 * trap.S - user trap entry and exit (arch/). stvec points at trap_entry.
 * In user mode sscratch holds the current thread (its trapframe is at
 * offset 0, sched/sched.h); in the kernel sscratch is 0, so a trap that
 * finds 0 came from the kernel itself and is a kernel bug.
 * Entry saves x1..x31 and sepc into the frame and calls trap_user
 * (arch/trap.c), which returns the thread to resume; trap_return loads it.
 */
#define TF_HART 256
#define HART_KSTACK 0

	.section .text
	.balign 4
	.globl trap_entry
trap_entry:
	csrrw sp, sscratch, sp        /* sp = thread frame, sscratch = user sp */
	beqz sp, kernel_trap
	sd x1, 1*8(sp)
	sd x3, 3*8(sp)
	sd x4, 4*8(sp)
	sd x5, 5*8(sp)
	sd x6, 6*8(sp)
	sd x7, 7*8(sp)
	sd x8, 8*8(sp)
	sd x9, 9*8(sp)
	sd x10, 10*8(sp)
	sd x11, 11*8(sp)
	sd x12, 12*8(sp)
	sd x13, 13*8(sp)
	sd x14, 14*8(sp)
	sd x15, 15*8(sp)
	sd x16, 16*8(sp)
	sd x17, 17*8(sp)
	sd x18, 18*8(sp)
	sd x19, 19*8(sp)
	sd x20, 20*8(sp)
	sd x21, 21*8(sp)
	sd x22, 22*8(sp)
	sd x23, 23*8(sp)
	sd x24, 24*8(sp)
	sd x25, 25*8(sp)
	sd x26, 26*8(sp)
	sd x27, 27*8(sp)
	sd x28, 28*8(sp)
	sd x29, 29*8(sp)
	sd x30, 30*8(sp)
	sd x31, 31*8(sp)
	csrr t0, sepc
	sd t0, 0(sp)
	csrrw t0, sscratch, zero      /* user sp; sscratch = 0: in kernel now */
	sd t0, 2*8(sp)
	mv a0, sp
	ld tp, TF_HART(sp)            /* struct hart *, kept by trap_return */
	ld sp, HART_KSTACK(tp)
	call trap_user                /* arch/trap.c: returns thread to run */
	/* fall through */

	.globl trap_return
trap_return:                          /* a0 = thread; tp = its hart */
	sd tp, TF_HART(a0)
	csrw sscratch, a0
	ld t0, 0(a0)
	csrw sepc, t0
	ld x1, 1*8(a0)
	ld x2, 2*8(a0)
	ld x3, 3*8(a0)
	ld x4, 4*8(a0)
	ld x5, 5*8(a0)
	ld x6, 6*8(a0)
	ld x7, 7*8(a0)
	ld x8, 8*8(a0)
	ld x9, 9*8(a0)
	ld x11, 11*8(a0)
	ld x12, 12*8(a0)
	ld x13, 13*8(a0)
	ld x14, 14*8(a0)
	ld x15, 15*8(a0)
	ld x16, 16*8(a0)
	ld x17, 17*8(a0)
	ld x18, 18*8(a0)
	ld x19, 19*8(a0)
	ld x20, 20*8(a0)
	ld x21, 21*8(a0)
	ld x22, 22*8(a0)
	ld x23, 23*8(a0)
	ld x24, 24*8(a0)
	ld x25, 25*8(a0)
	ld x26, 26*8(a0)
	ld x27, 27*8(a0)
	ld x28, 28*8(a0)
	ld x29, 29*8(a0)
	ld x30, 30*8(a0)
	ld x31, 31*8(a0)
	ld x10, 10*8(a0)
	sret

/* A trap taken in S-mode: save everything on the kernel stack and let
 * trap_kernel (arch/trap.c) print the dump and stop. */
kernel_trap:
	csrrw sp, sscratch, sp        /* back to the kernel sp; sscratch = 0 */
	addi sp, sp, -32*8
	.irp r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd x\r, \r*8(sp)
	.endr
	addi t0, sp, 32*8
	sd t0, 2*8(sp)
	csrr t0, sepc
	sd t0, 0(sp)
	mv a0, sp
	call trap_kernel
1:	wfi
	j 1b
