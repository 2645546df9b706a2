# fault.gdb - the page-fault walk of docs/debugging.md as a gdb batch script (tests, host
# side); tests/gdb/run.sh runs it under tools/gdb --batch-commands and checks what it prints.
break fault_user if scause == 15
continue
kthread
advance ipc_call
kfault
kbreak pager vm_fault
continue
kthread
print/x m->w
finish
print/x *m
break fault_do_reply
continue
print/x h->tf.regs[11]@4
kuser
kfault 4
