/*
 * abi.h - the one kernel/user ABI: syscall numbers, register convention,
 * error codes, rights, message labels, the fault message and boot info.
 * Included by the kernel (arch/, mm/, fault/, sched/) and by every user
 * program (libsys/, servers/, tests/). docs/abi.md describes each call.
 */
#ifndef LIBSYS_ABI_H
#define LIBSYS_ABI_H

#ifdef __ASSEMBLER__
#define ABI_U64(x) x
#else
#include <stddef.h>
#include <stdint.h>
#define ABI_U64(x) x##UL
#endif

/*
 * Register convention for every syscall (ecall from U-mode):
 *   t0      syscall number (SYS_*)
 *   a0      first argument (a handle for IPC); result on return:
 *           >= 0 success (for receives: the sender's badge), < 0 an ERR_*
 *   a1..a7  further arguments; for IPC a1 = label, a2..a7 = words 0..5
 *   t1      IPC: handle to transfer (0 = none) in, received handle out
 * Every other register is preserved. A message is a label plus 6 words.
 */
#define SYS_NULL 0          /* () -> 0; the cheapest kernel entry */
#define SYS_DEBUG_WRITE 1   /* (buf, len) -> len */
#define SYS_CALL 2          /* (ep, label, w0..w5, xfer) -> reply */
#define SYS_SEND 3          /* non-blocking send: ERR_AGAIN if no receiver */
#define SYS_RECV 4          /* (ep) -> badge, message */
#define SYS_POLL 5          /* non-blocking receive: ERR_AGAIN if no sender */
#define SYS_REPLY 6         /* (-, label, w0..w5, xfer) -> 0 */
#define SYS_REPLY_RECV 7    /* (ep, label, w0..w5, xfer) -> badge, message */
#define SYS_HANDLE_DUP 8    /* (h, rights, badge) -> new handle */
#define SYS_HANDLE_CLOSE 9  /* (h) -> 0 */
#define SYS_HANDLE_GIVE 10  /* (task, h, rights, badge) -> handle in task */
#define SYS_EP_CREATE 11    /* () -> endpoint handle */
#define SYS_NOTIF_CREATE 12 /* () -> notification handle */
#define SYS_NOTIF_SIGNAL 13 /* (n, bits) -> 0 */
#define SYS_NOTIF_WAIT 14   /* (n) -> bits; blocks while none pending */
#define SYS_NOTIF_POLL 15   /* (n) -> bits, 0 if none */
#define SYS_TASK_CREATE 16  /* (pt, tasks, threads, eps, notifs) -> task handle: its
			       quota of each kind, taken from the caller's (KQ_*) */
#define SYS_THREAD_CREATE 17 /* (task, pc, sp, arg, prio) -> thread handle */
#define SYS_THREAD_FAULT 18 /* (thread, ep) -> 0: set fault handler */
#define SYS_THREAD_START 19 /* (thread) -> 0 */
#define SYS_THREAD_SUSPEND 20 /* (thread) -> 0 */
#define SYS_THREAD_READ 21  /* (thread, struct user_regs *) -> 0 */
#define SYS_THREAD_WRITE 22 /* (thread, const struct user_regs *) -> 0 */
#define SYS_MAP 23          /* (task, va, pa, perms) -> 0 */
#define SYS_UNMAP 24        /* (task, va, npages) -> pages unmapped */
#define SYS_PROTECT 25      /* (task, va, npages, perms) -> pages changed */
#define SYS_AD_CLEAR 26     /* (task, va, npages, uint8_t *out) -> 0 */
#define SYS_TASK_KILL 27    /* (task) -> 0 */
#define SYS_EXIT 28         /* (status): ends the calling task */
#define SYS_YIELD 29        /* () -> 0 */
#define SYS_SLEEP 30        /* (ms) -> 0; 1 ms is one scheduler tick */
#define SYS_TIME 31         /* () -> rdtime count; a1 = its frequency in Hz */
#define SYS_THREAD_PRIO 32  /* (thread, prio) -> 0 */
#define SYS_POWEROFF 33     /* (platform, code): 0 pass, 1..255 fail */
#define SYS_IRQ_BIND 34     /* (platform, irq, notif, bits) -> 0 */
#define SYS_IRQ_ACK 35      /* (platform, irq) -> 0 */
#define SYS_TASK_INFO 36    /* (task, kind) -> task id; a1 = used, a2 = quota, a3 = lent
			       (held by its child tasks) of quota kind KQ_* */
#define SYS_NOTIF_TIMER 37  /* (n, ms, bits) -> 0: signal bits after ms */
#define SYS_REPLY_SAVE 38   /* () -> reply handle for the pending caller */
#define SYS_REPLY_TO 39     /* (reply, label, w0..w5, xfer) -> 0; closes it */
#define SYS_TASK_QUOTA 40   /* (task, n, kind) -> 0: resize a child's quota of a kind */
#define SYS_TASK_WATCH 41   /* (task, notif, bits) -> 0: signal bits when it dies */
#define SYS_DEV_CREATE 42   /* (platform, index) -> handle for bootinfo devs[index] */
#define SYS_DEV_MAP 43      /* (dev, va) -> 0: its register page R|W into our task */
#define SYS_DEV_IRQ 44      /* (dev, notif, bits) -> 0: its interrupt signals bits */
#define SYS_DEV_ACK 45      /* (dev) -> 0: interrupt handled, deliver the next */
#define SYS_IDLE_INSTRET 46 /* () -> instret the kernel spent idle in WFI so far */
#define SYS_DIRTY_CLEAR 47  /* (task, va, npages, uint64_t *bits) -> pages dirty: one
			       bit each, D cleared (A left for replacement policies) */
#define SYS_REF_CLEAR 48    /* (task, va, npages, uint64_t *bits) -> pages referenced:
			       the same for A (D left for msync) */
#define SYS_COUNT 49

/* Quota kinds. Every kernel object a task creates is charged to the quota
 * of that kind its creator handed down (SYS_TASK_CREATE, SYS_TASK_QUOTA);
 * the root task starts with all of the kernel's tables and pool. */
#define KQ_PT 0     /* page-table pages of the task's own address space */
#define KQ_TASK 1   /* tasks it creates */
#define KQ_THREAD 2 /* threads it creates, in any task */
#define KQ_EP 3     /* endpoints */
#define KQ_NOTIF 4  /* notifications */
#define KQ_COUNT 5

/* Errors: returned negative in a0. Each names one reason. */
#define ERR_INVAL (-1)   /* malformed argument (bad perms, label, prio) */
#define ERR_HANDLE (-2)  /* not a live handle of this task (forged or stale) */
#define ERR_TYPE (-3)    /* handle names the wrong kind of object */
#define ERR_RIGHTS (-4)  /* handle lacks the right the call needs */
#define ERR_NOMEM (-5)   /* kernel object table or handle table full */
#define ERR_QUOTA (-6)   /* a quota of the task used up (KQ_*), or the kernel pool */
#define ERR_FAULT (-7)   /* user buffer not accessible */
#define ERR_RANGE (-8)   /* address in kernel space or range overflows */
#define ERR_ALIGN (-9)   /* address not page aligned */
#define ERR_GRANT (-10)  /* frame outside the caller's frame grant */
#define ERR_AGAIN (-11)  /* non-blocking call would block */
#define ERR_DEAD (-12)   /* object or peer died */
#define ERR_STATE (-13)  /* wrong state (reply without caller, start twice) */
#define ERR_NOSYS (-14)  /* unknown syscall number */
#define ERR_SUPER (-15)  /* range touches a boot superpage mapping */

/* Handle rights (a handle names one object and carries a subset). */
#define R_SEND (1u << 0)    /* endpoint: call/send;  notification: signal */
#define R_RECV (1u << 1)    /* endpoint: recv/poll;  notification: wait */
#define R_XFER (1u << 2)    /* may be transferred in a message / given */
#define R_MAP (1u << 3)     /* task: map/unmap/protect/ad_clear */
#define R_CONTROL (1u << 4) /* task/thread: create, start, regs, kill */
#define R_REPLY (1u << 5)   /* thread: answer its saved call (REPLY_TO) */
#define R_ALL 0x3fu

/* Map permissions (W requires R, as in Sv39). */
#define PERM_R 1u
#define PERM_W 2u
#define PERM_X 4u

/* Page geometry and the user address range (Sv39 lower half). */
#define PAGE_SIZE ABI_U64(4096)
#define USER_TOP ABI_U64(0x4000000000)       /* first kernel-space VA */
#define FRAME_WINDOW ABI_U64(0x2000000000)   /* root: grant at pa + this */
#define INITRD_VA ABI_U64(0x3000000000)      /* root: initrd, read-only */
#define BOOTINFO_VA ABI_U64(0x3ff0000000)    /* root: struct bootinfo */
#define ROOT_STACK_TOP ABI_U64(0x3ff0000000) /* root stack grows down */
#define UART_VA ABI_U64(0x3ff0002000)        /* root: the UART's MMIO page */
#define ROOT_STACK_SIZE ABI_U64(0x10000)

/* Labels: user messages use labels below LABEL_KERNEL; the kernel
 * refuses to send such labels for a user so a handler can trust them. */
#define LABEL_KERNEL ABI_U64(0x8000000000000000)
#define LABEL_FAULT (LABEL_KERNEL | 1)

/* Fault message (label LABEL_FAULT, badge = the fault handle's badge). */
#define FAULT_W_SCAUSE 0
#define FAULT_W_STVAL 1
#define FAULT_W_SEPC 2
#define FAULT_W_THREAD 3 /* kernel thread id */
#define FAULT_W_TASK 4   /* kernel task id */
#define FAULT_W_FLAGS 5
#define FAULT_FLAG_KACCESS 1 /* raised by a syscall touching user memory */

/* Reply labels understood for a thread blocked in a fault. */
#define FAULT_RESUME 0 /* retry the faulting instruction */
#define FAULT_MAP 1    /* w0 = va, w1 = pa, w2 = perms: map, then resume */
#define FAULT_KILL 2   /* kill the faulting thread */
#define FAULT_FAIL 3   /* syscall fault only: the syscall returns ERR_FAULT */

/* Handle numbers are (generation << 8) | slot. The root task starts with
 * these three (generation 1, slots 1-3). */
#define H_SELF_TASK 0x101
#define H_SELF_THREAD 0x102
#define H_PLATFORM 0x103

/* Thread priorities: higher runs first. */
#define PRIO_MAX 31
#define PRIO_DEFAULT 10

/* AD_CLEAR output, one byte per page. */
#define AD_MAPPED 1
#define AD_ACCESSED 2
#define AD_DIRTY 4

#ifndef __ASSEMBLER__
/* A thread's user context: pc then x1..x31 (regs[0] = pc), and its FPU
 * state (fp_used = 0: it never used the FPU; fregs are then zero). */
struct user_regs {
	uint64_t regs[32];
	uint64_t fregs[32];
	uint64_t fcsr;
	uint64_t fp_used;
};

#define BOOTINFO_MAGIC 0x6b6f7373626f6f74ULL
#define BOOTINFO_DEVS 8

/* A device a task may drive (SYS_DEV_CREATE): a virtio-mmio slot from the
 * device tree, one page of registers outside RAM. */
struct bootinfo_dev {
	uint64_t pa, size;  /* registers [pa, pa + size); pa page aligned, size <= a page */
	uint32_t irq;       /* PLIC source, 0 = none */
	uint32_t virtio_id; /* DeviceID register: 2 = block; 0 = empty slot or not virtio */
};

/* What the kernel tells the root task; mapped read-only at BOOTINFO_VA. */
struct bootinfo {
	uint64_t magic;
	uint64_t ram_base, ram_size;
	uint64_t grant_base, grant_end; /* frames the root may map */
	uint64_t image_pa, image_va, image_size; /* root ELF, contiguous */
	uint64_t stack_pa;                       /* root stack frames */
	uint64_t first_free;                     /* first grant frame unused */
	uint64_t initrd_size;                    /* mapped at INITRD_VA */
	uint64_t timebase_hz;
	uint64_t kpool_pages, kpool_free;
	uint64_t kernel_entry_instret; /* rdinstret at kernel entry */
	uint64_t nharts;
	uint64_t uart_pa;  /* 16550 registers, mapped at UART_VA for the root */
	uint64_t uart_irq; /* its PLIC source (10 on QEMU virt) */
	char bootargs[256];
	uint64_t ndevs;    /* devs[0..ndevs) are valid */
	struct bootinfo_dev devs[BOOTINFO_DEVS];
};
#endif

#endif /* LIBSYS_ABI_H */
