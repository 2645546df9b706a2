/*
 * sys.h - user-side syscall wrappers (libsys/): one inline function per
 * syscall in libsys/abi.h, following its register convention, and the
 * IPC message type. Used by servers, tests and the POSIX layer.
 */
#ifndef LIBSYS_SYS_H
#define LIBSYS_SYS_H

#include <stdint.h>

#include "abi.h"

/* A message: label, six words and an optional handle (0 = none). On
 * receive, badge is the sender's badge. */
struct msg {
	uint64_t label;
	uint64_t w[6];
	uint64_t handle;
};

#define SYSCALL_REGS(n, x0, x1, x2, x3)                                        \
	register long a0 __asm__("a0") = (long)(x0);                           \
	register long a1 __asm__("a1") = (long)(x1);                           \
	register long a2 __asm__("a2") = (long)(x2);                           \
	register long a3 __asm__("a3") = (long)(x3);                           \
	register long t0 __asm__("t0") = (n)

static inline long sys4(long n, long x0, long x1, long x2, long x3)
{
	SYSCALL_REGS(n, x0, x1, x2, x3);
	__asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a3), "r"(t0) : "memory");
	return a0;
}

static inline long sys5(long n, long x0, long x1, long x2, long x3, long x4)
{
	SYSCALL_REGS(n, x0, x1, x2, x3);
	register long a4 __asm__("a4") = x4;
	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1)
			 : "r"(a2), "r"(a3), "r"(a4), "r"(t0)
			 : "memory");
	return a0;
}

/* IPC: a0 = handle, a1 = label, a2..a7 = words, t1 = handle; all in/out. */
static inline long sys_ipc(long n, long h, struct msg *m)
{
	register long a0 __asm__("a0") = h;
	register uint64_t a1 __asm__("a1") = m->label;
	register uint64_t a2 __asm__("a2") = m->w[0];
	register uint64_t a3 __asm__("a3") = m->w[1];
	register uint64_t a4 __asm__("a4") = m->w[2];
	register uint64_t a5 __asm__("a5") = m->w[3];
	register uint64_t a6 __asm__("a6") = m->w[4];
	register uint64_t a7 __asm__("a7") = m->w[5];
	register uint64_t t1 __asm__("t1") = m->handle;
	register long t0 __asm__("t0") = n;
	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
			   "+r"(a7), "+r"(t1)
			 : "r"(t0)
			 : "memory");
	m->label = a1;
	m->w[0] = a2, m->w[1] = a3, m->w[2] = a4, m->w[3] = a5, m->w[4] = a6, m->w[5] = a7;
	m->handle = t1;
	return a0;
}

static inline long sys_null(void) { return sys4(SYS_NULL, 0, 0, 0, 0); }
static inline long sys_debug_write(const void *b, uint64_t n)
{
	return sys4(SYS_DEBUG_WRITE, (long)b, (long)n, 0, 0);
}
static inline long sys_call(long ep, struct msg *m) { return sys_ipc(SYS_CALL, ep, m); }
static inline long sys_send(long ep, struct msg *m) { return sys_ipc(SYS_SEND, ep, m); }
static inline long sys_recv(long ep, struct msg *m) { return sys_ipc(SYS_RECV, ep, m); }
static inline long sys_poll(long ep, struct msg *m) { return sys_ipc(SYS_POLL, ep, m); }
static inline long sys_reply(struct msg *m) { return sys_ipc(SYS_REPLY, 0, m); }
static inline long sys_reply_recv(long ep, struct msg *m)
{
	return sys_ipc(SYS_REPLY_RECV, ep, m);
}
static inline long sys_reply_save(void) { return sys4(SYS_REPLY_SAVE, 0, 0, 0, 0); }
static inline long sys_reply_to(long h, struct msg *m) { return sys_ipc(SYS_REPLY_TO, h, m); }
static inline long sys_handle_dup(long h, uint32_t rights, uint64_t badge)
{
	return sys4(SYS_HANDLE_DUP, h, rights, (long)badge, 0);
}
static inline long sys_handle_close(long h) { return sys4(SYS_HANDLE_CLOSE, h, 0, 0, 0); }
static inline long sys_handle_give(long task, long h, uint32_t rights, uint64_t badge)
{
	return sys4(SYS_HANDLE_GIVE, task, h, rights, (long)badge);
}
static inline long sys_ep_create(void) { return sys4(SYS_EP_CREATE, 0, 0, 0, 0); }
static inline long sys_notif_create(void) { return sys4(SYS_NOTIF_CREATE, 0, 0, 0, 0); }
static inline long sys_notif_signal(long n, uint64_t bits)
{
	return sys4(SYS_NOTIF_SIGNAL, n, (long)bits, 0, 0);
}
static inline long sys_notif_wait(long n) { return sys4(SYS_NOTIF_WAIT, n, 0, 0, 0); }
static inline long sys_notif_poll(long n) { return sys4(SYS_NOTIF_POLL, n, 0, 0, 0); }
static inline long sys_notif_timer(long n, uint64_t ms, uint64_t bits)
{
	return sys4(SYS_NOTIF_TIMER, n, (long)ms, (long)bits, 0);
}
/* A task with quota page-table pages and no quota of the other kinds. */
static inline long sys_task_create(uint64_t quota)
{
	return sys5(SYS_TASK_CREATE, (long)quota, 0, 0, 0, 0);
}
/* A task with q[k] of each quota kind KQ_k. */
static inline long sys_task_create_q(const uint32_t q[KQ_COUNT])
{
	return sys5(SYS_TASK_CREATE, q[KQ_PT], q[KQ_TASK], q[KQ_THREAD], q[KQ_EP], q[KQ_NOTIF]);
}
static inline long sys_thread_create(long task, uint64_t pc, uint64_t sp, uint64_t arg,
				     unsigned prio)
{
	return sys5(SYS_THREAD_CREATE, task, (long)pc, (long)sp, (long)arg, prio);
}
static inline long sys_thread_fault(long th, long ep) { return sys4(SYS_THREAD_FAULT, th, ep, 0, 0); }
static inline long sys_thread_start(long th) { return sys4(SYS_THREAD_START, th, 0, 0, 0); }
static inline long sys_thread_suspend(long th) { return sys4(SYS_THREAD_SUSPEND, th, 0, 0, 0); }
static inline long sys_thread_read(long th, struct user_regs *r)
{
	return sys4(SYS_THREAD_READ, th, (long)r, 0, 0);
}
static inline long sys_thread_write(long th, const struct user_regs *r)
{
	return sys4(SYS_THREAD_WRITE, th, (long)r, 0, 0);
}
static inline long sys_thread_prio(long th, unsigned prio)
{
	return sys4(SYS_THREAD_PRIO, th, prio, 0, 0);
}
static inline long sys_map(long task, uint64_t va, uint64_t pa, unsigned perms)
{
	return sys4(SYS_MAP, task, (long)va, (long)pa, perms);
}
static inline long sys_unmap(long task, uint64_t va, uint64_t n)
{
	return sys4(SYS_UNMAP, task, (long)va, (long)n, 0);
}
static inline long sys_protect(long task, uint64_t va, uint64_t n, unsigned perms)
{
	return sys5(SYS_PROTECT, task, (long)va, (long)n, perms, 0);
}
static inline long sys_ad_clear(long task, uint64_t va, uint64_t n, uint8_t *out)
{
	return sys4(SYS_AD_CLEAR, task, (long)va, (long)n, (long)out);
}
static inline long sys_dirty_clear(long task, uint64_t va, uint64_t n, uint64_t *bits)
{
	return sys4(SYS_DIRTY_CLEAR, task, (long)va, (long)n, (long)bits);
}
static inline long sys_ref_clear(long task, uint64_t va, uint64_t n, uint64_t *bits)
{
	return sys4(SYS_REF_CLEAR, task, (long)va, (long)n, (long)bits);
}
static inline long sys_task_kill(long task) { return sys4(SYS_TASK_KILL, task, 0, 0, 0); }
/* Quota kind KQ_* of task: used, quota, and lent (what its child tasks
 * hold, theirs included); any pointer may be NULL (0). */
static inline long sys_task_info_q(long task, unsigned kind, uint64_t *used, uint64_t *quota,
				   uint64_t *lent)
{
	register long a0 __asm__("a0") = task;
	register long a1 __asm__("a1") = kind;
	register long a2 __asm__("a2") = 0;
	register long a3 __asm__("a3") = 0;
	register long t0 __asm__("t0") = SYS_TASK_INFO;
	__asm__ volatile("ecall" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3) : "r"(t0) : "memory");
	if (used)
		*used = (uint64_t)a1;
	if (quota)
		*quota = (uint64_t)a2;
	if (lent)
		*lent = (uint64_t)a3;
	return a0;
}
static inline long sys_task_info(long task, uint64_t *pt_used, uint64_t *pt_quota)
{
	return sys_task_info_q(task, KQ_PT, pt_used, pt_quota, 0);
}
static inline long sys_task_quota_q(long task, unsigned kind, uint64_t n)
{
	return sys4(SYS_TASK_QUOTA, task, (long)n, kind, 0);
}
static inline long sys_task_quota(long task, uint64_t pages)
{
	return sys_task_quota_q(task, KQ_PT, pages);
}
static inline long sys_task_watch(long task, long notif, uint64_t bits)
{
	return sys4(SYS_TASK_WATCH, task, notif, (long)bits, 0);
}
static inline __attribute__((noreturn)) void sys_exit(long status)
{
	sys4(SYS_EXIT, status, 0, 0, 0);
	__builtin_unreachable();
}
static inline long sys_time(uint64_t *hz)
{
	register long a0 __asm__("a0") = 0;
	register long a1 __asm__("a1") = 0;
	register long t0 __asm__("t0") = SYS_TIME;
	__asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(t0) : "memory");
	if (hz)
		*hz = (uint64_t)a1;
	return a0;
}
static inline long sys_yield(void) { return sys4(SYS_YIELD, 0, 0, 0, 0); }
static inline long sys_sleep(uint64_t ms) { return sys4(SYS_SLEEP, (long)ms, 0, 0, 0); }
static inline long sys_poweroff(long platform, unsigned code)
{
	return sys4(SYS_POWEROFF, platform, code, 0, 0);
}
static inline long sys_irq_bind(long platform, unsigned irq, long notif, uint64_t bits)
{
	return sys4(SYS_IRQ_BIND, platform, irq, notif, (long)bits);
}
static inline long sys_irq_ack(long platform, unsigned irq)
{
	return sys4(SYS_IRQ_ACK, platform, irq, 0, 0);
}
static inline long sys_dev_create(long platform, uint64_t index)
{
	return sys4(SYS_DEV_CREATE, platform, (long)index, 0, 0);
}
static inline long sys_dev_map(long dev, uint64_t va) { return sys4(SYS_DEV_MAP, dev, (long)va, 0, 0); }
static inline long sys_dev_irq(long dev, long notif, uint64_t bits)
{
	return sys4(SYS_DEV_IRQ, dev, notif, (long)bits, 0);
}
static inline long sys_dev_ack(long dev) { return sys4(SYS_DEV_ACK, dev, 0, 0, 0); }
static inline uint64_t sys_idle_instret(void)
{
	return (uint64_t)sys4(SYS_IDLE_INSTRET, 0, 0, 0, 0);
}

static inline uint64_t rdinstret(void)
{
	uint64_t v;
	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}

static inline uint64_t rdtime(void)
{
	uint64_t v;
	__asm__ volatile("rdtime %0" : "=r"(v));
	return v;
}

#endif /* LIBSYS_SYS_H */
