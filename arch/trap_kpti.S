/*
 * trap_kpti.S - user trap entry and exit of the kpti build (arch/; replaces
 * trap.S). Runs at its alias KPTI_TRAMP_VA, the only kernel text in a user
 * table; sscratch holds the hart's slot there (user t0/a0 and both satps
 * while the switch happens). docs/design.md §3, KPTI.
 */
#define TF_HART 256
#define HART_KSTACK 0
#define HART_KPTI_SLOT 40       /* struct hart.kpti_slot (arch/arch.h) */
#define SL_T0 0                 /* struct kpti_slot (arch/arch.h) */
#define SL_KSATP 8
#define SL_FRAME 16
#define SL_USATP 24
#define SL_A0 32
#define KPTI_TRAMP_VA 0xffffffffffffe000

	.section .text.kpti_tramp, "ax"
	.balign 4096
	.globl kpti_text
kpti_text:
	.globl trap_entry
trap_entry:                           /* stvec = its alias at KPTI_TRAMP_VA */
	csrrw sp, sscratch, sp        /* sp = slot, sscratch = user sp */
	beqz sp, kernel_trap
	sd t0, SL_T0(sp)
	ld t0, SL_KSATP(sp)
	csrw satp, t0                 /* kernel table; this page is in both */
	ld t0, SL_FRAME(sp)           /* the thread (frame at offset 0) */
	.irp r, 1,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd x\r, \r*8(t0)
	.endr
	ld t1, SL_T0(sp)
	sd t1, 5*8(t0)
	csrr t1, sepc
	sd t1, 0(t0)
	csrrw t1, sscratch, zero      /* user sp; sscratch = 0: in kernel now */
	sd t1, 2*8(t0)
	mv a0, t0
	ld tp, TF_HART(a0)            /* struct hart *, kept by trap_return */
	ld sp, HART_KSTACK(tp)
	ld t0, .Ltrap_user_ptr        /* absolute: we run at the alias */
	jalr t0                       /* arch/trap.c: returns thread to run */
	j tramp_return

	.globl trap_return
trap_return:                          /* from C at the kernel VA: a0, tp set */
	ld t0, .Ltramp_return_alias
	jr t0
tramp_return:                         /* the alias, still on the kernel table */
	sd tp, TF_HART(a0)
	ld t1, HART_KPTI_SLOT(tp)
	csrw sscratch, t1
	sd a0, SL_FRAME(t1)
	ld t0, 10*8(a0)
	sd t0, SL_A0(t1)              /* a0 comes back from the slot */
	ld t0, 0(a0)
	csrw sepc, t0
	.irp r, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld x\r, \r*8(a0)
	.endr
	csrr a0, sscratch
	ld a0, SL_USATP(a0)
	csrw satp, a0                 /* the user table: ASID tagged, no flush */
	csrr a0, sscratch
	ld a0, SL_A0(a0)
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
	ld t0, .Ltrap_kernel_ptr
	jalr t0
1:	wfi
	j 1b

	.balign 8
.Ltrap_user_ptr:
	.quad trap_user
.Ltrap_kernel_ptr:
	.quad trap_kernel
.Ltramp_return_alias:
	.quad KPTI_TRAMP_VA + (tramp_return - kpti_text)
	.globl kpti_text_end
kpti_text_end:                        /* kpti_init checks it is in the page */
	.balign 4096                  /* no other kernel code in the page */

/* One slot per hart, alone in its page (user tables map it, S-mode only). */
	.section .data.kpti_slots, "aw"
	.balign 4096
	.globl kpti_slots
kpti_slots:
	.space 4096
