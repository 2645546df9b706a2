/*
 * fault.c - turn user exceptions into IPC (fault/). Called from
 * arch/trap.c (hardware faults) and sched/syscall.c (a syscall whose user
 * buffer is not accessible: flag FAULT_FLAG_KACCESS, pc left on the ecall
 * so the syscall runs again once the pager has mapped the page).
 */
#include "fault.h"
#include "mm.h"
#include "sched.h"

#define R_A0 10
#define R_A1 11
#define R_A2 12

/* No handler: the task dies, the kernel says why in one line, the rest of
 * the system goes on. A syscall's buffer fault just fails the syscall. */
static struct thread *fault_unhandled(struct thread *t, uint64_t scause, uint64_t stval,
				      uint64_t sepc, uint64_t flags)
{
	if (flags & FAULT_FLAG_KACCESS) {
		t->tf.regs[R_A0] = (uint64_t)ERR_FAULT;
		return sched_resume(t);
	}
	kprintf("kernel: task %u killed: unhandled fault scause=%lu stval=%lx sepc=%lx\n",
		t->task->id, scause, stval, sepc);
	task_kill(t->task);
	return sched_next();
}

struct thread *fault_user(struct thread *t, uint64_t scause, uint64_t stval, uint64_t sepc,
			  uint64_t flags)
{
	if (!t->fault_ep)
		return fault_unhandled(t, scause, stval, sepc, flags);
	t->tf.regs[0] = sepc; /* resume re-executes the instruction */
	t->in_fault = true;
	t->fault_msg[FAULT_W_SCAUSE] = scause;
	t->fault_msg[FAULT_W_STVAL] = stval;
	t->fault_msg[FAULT_W_SEPC] = sepc;
	t->fault_msg[FAULT_W_THREAD] = t->id;
	t->fault_msg[FAULT_W_TASK] = t->task->id;
	t->fault_msg[FAULT_W_FLAGS] = flags;
	return ipc_call(t, t->fault_ep, t->fault_badge);
}

static bool fault_perms_ok(uint64_t perms)
{
	return perms && !(perms & ~7ULL) && (!(perms & PERM_W) || (perms & PERM_R));
}

/* A FAULT_MAP reply maps a frame of the handler's grant into the faulter's
 * task: the handler is the pager its creator chose for it. */
static long fault_check_map(struct thread *h, struct thread *f)
{
	const uint64_t *r = h->tf.regs;
	uint64_t va = r[R_A2], pa = r[R_A2 + 1], perms = r[R_A2 + 2];
	struct task *ht = h->task;
	if (!fault_perms_ok(perms))
		return refuse(ERR_INVAL, "fault map: bad perms %lx\n", perms);
	if (pa & (PAGE_SIZE - 1))
		return refuse(ERR_ALIGN, "fault map: frame %lx not aligned\n", pa);
	if (pa < ht->grant_base || pa >= ht->grant_end)
		return refuse(ERR_GRANT, "fault map: frame %lx outside grant\n", pa);
	return check_map(f->task, va);
}

long fault_check_reply(struct thread *h, struct thread *f)
{
	switch (h->tf.regs[R_A1]) {
	case FAULT_RESUME:
	case FAULT_KILL:
		return 0;
	case FAULT_MAP:
		return fault_check_map(h, f);
	case FAULT_FAIL:
		if (f->fault_msg[FAULT_W_FLAGS] & FAULT_FLAG_KACCESS)
			return 0;
		return refuse(ERR_INVAL, "fault reply: FAIL for a hardware fault\n");
	default:
		return refuse(ERR_INVAL, "fault reply: unknown label %lx\n", h->tf.regs[R_A1]);
	}
}

bool fault_do_reply(struct thread *h, struct thread *f)
{
	const uint64_t *r = h->tf.regs;
	f->in_fault = false;
	switch (r[R_A1]) {
	case FAULT_MAP:
		do_map(f->task, r[R_A2], r[R_A2 + 1], (unsigned)r[R_A2 + 2]);
		return true;
	case FAULT_KILL:
		thread_kill(f);
		return false;
	case FAULT_FAIL:
		f->tf.regs[0] += 4; /* past the ecall */
		f->tf.regs[R_A0] = (uint64_t)ERR_FAULT;
		return true;
	default:
		return true;
	}
}
