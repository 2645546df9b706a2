/*
 * entry.S - first kernel instructions (arch/). OpenSBI enters at physical
 * 0x80200000 with the MMU off, a0 = boot hart id, a1 = DTB physical address.
 * We turn on Sv39 with boot_pagetable (an identity gigapage for this code
 * plus the physmap: VA = PA + KERNEL_BASE), jump to the linked address and
 * call kmain (sched/boot.c) on the boot hart's stack.
 */
	.section .text.boot, "ax"
	.globl _start
_start:
	rdinstret s2                  /* boot_to_user starts counting here */
	mv s0, a0
	mv s1, a1
	csrw sie, zero
	/* la is pc-relative (medany): here it yields physical addresses. */
	la t0, boot_pagetable
	srli t0, t0, 12
	li t1, 8 << 60                /* satp.MODE = Sv39, ASID 0 */
	or t0, t0, t1
	sfence.vma
	csrw satp, t0
	sfence.vma
	la t0, .Lhigh_ptr
	ld t0, 0(t0)                  /* absolute (linked) address of high: */
	jr t0
high:
	la sp, boot_stack_top
	mv a0, s0
	mv a1, s1
	mv a2, s2
	call kmain
1:	wfi
	j 1b

	.section .rodata
	.balign 8
.Lhigh_ptr:
	.quad high

	.section .bss
	.balign 16
	.globl boot_stack
boot_stack:
	.space 16384 * 8              /* KSTACK_SIZE * MAX_HARTS */
	.globl boot_stack_top
boot_stack_top = boot_stack + 16384 * 8  /* one hart runs: it gets it all */

/*
 * Sv39 root: entry 2 maps physical 0x80000000.. 1 GiB identically (only
 * for the jump above; boot.c clears it), entries 256..511 map physical
 * 0..256 GiB at KERNEL_BASE as global RWX gigapages. User roots copy
 * entries 256..511 (mm/vm.c).  PTE = (PA >> 12) << 10 | flags, and for a
 * gigapage i that is i << 28; flags 0xef = D A G X W R V.
 */
	.section .data
	.balign 4096
	.globl boot_pagetable
boot_pagetable:
	.quad 0, 0
	.quad (2 << 28) | 0xef
	.rept 253
	.quad 0
	.endr
	.set gi, 0
	.rept 256
	.quad (gi << 28) | 0xef
	.set gi, gi + 1
	.endr
