/*
 * fault.h - fault forwarding (fault/): every user exception that is not a
 * syscall or an interrupt becomes a message to the thread's fault handler
 * endpoint, sent as if the thread had called it (sched/ipc.c). The reply
 * resumes, maps-then-resumes, fails a syscall or kills the thread.
 * Invariant: a thread with in_fault set is blocked (TS_SEND or TS_REPLY)
 * and its fault_msg holds the message; its pc is the faulting instruction.
 */
#ifndef FAULT_FAULT_H
#define FAULT_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct thread;

struct thread *fault_user(struct thread *t, uint64_t scause, uint64_t stval, uint64_t sepc,
			  uint64_t flags);
long fault_check_reply(struct thread *handler, struct thread *faulter);
bool fault_do_reply(struct thread *handler, struct thread *faulter);

#endif /* FAULT_FAULT_H */
