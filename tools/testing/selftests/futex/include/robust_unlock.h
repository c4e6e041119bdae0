/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The robust futex unlock this series intends, for libc authors.
 *
 * The legacy unlock of a robust futex (robust_unlock() in robust_list.h)
 * releases the word and only then clears list_op_pending. If the thread dies
 * in between, the kernel's exit walk follows list_op_pending to a futex that
 * may be freed and reused by then, and marks it FUTEX_OWNER_DIED if it holds
 * the dead thread's tid: glibc bug 14485.
 *
 * The sequence below closes the contended half of that window:
 *
 *  1. announce the futex in list_op_pending and unlink it, as before;
 *  2. uncontended (the word is exactly our tid): compare-and-exchange it to 0,
 *     then clear list_op_pending. The window between the two remains here;
 *     futex_robust_list{64,32}_try_unlock() closes it;
 *  3. contended: FUTEX_WAKE | FUTEX_ROBUST_UNLOCK with the address of
 *     list_op_pending in uaddr2. The kernel stores 0 (or FUTEX_WAITERS while
 *     other waiters stay queued), clears list_op_pending and wakes a waiter,
 *     in one system call. For PI futexes, FUTEX_UNLOCK_PI | FUTEX_ROBUST_UNLOCK
 *     does the same.
 *
 * The slot is an unsigned long for the _LIST64 operations on a 64-bit kernel,
 * even for a 32-bit task: a 32-bit task, or any list of 32-bit layout, uses
 * the _LIST32 operations.
 */
#ifndef _ROBUST_UNLOCK_H
#define _ROBUST_UNLOCK_H

#include "robust_list.h"

/* The unlock operations for a list of this process's own layout. */
#define ROBUST_UNLOCK_WAKE	(sizeof(long) == 8 ? FUTEX_UNLOCK_WAKE_LIST64 : \
				 FUTEX_UNLOCK_WAKE_LIST32)
#define ROBUST_UNLOCK_PI	(sizeof(long) == 8 ? FUTEX_UNLOCK_PI_LIST64 : \
				 FUTEX_UNLOCK_PI_LIST32)

/* futex(@word, @op, @val, NULL, @pop, @bitset): a robust unlock operation. */
static inline long futex_robust_unlock(uint32_t *word, int op, int val,
				       void *pop, uint32_t bitset)
{
	return syscall(SYS_futex, word, op, val, NULL, pop, bitset);
}

/*
 * robust_unlock_kernel() - unlock the robust futex @f, as above
 *
 * A PI futex (f->pi) is unlocked in the kernel with FUTEX_UNLOCK_PI, which
 * hands it to its top waiter; a plain one with FUTEX_WAKE, waking one.
 *
 * Return: 0, or the errno of the futex call.
 */
static inline int robust_unlock_kernel(struct robust_list_head *head,
				       struct robust_futex *f, int opflags)
{
	uint32_t tid = robust_gettid();
	int op = f->pi ? ROBUST_UNLOCK_PI : ROBUST_UNLOCK_WAKE;

	robust_set_pending(head, f);
	robust_list_del(head, f);
	if (__atomic_compare_exchange_n(&f->word, &tid, 0, 0, __ATOMIC_RELEASE,
					__ATOMIC_RELAXED)) {
		robust_set_pending(head, NULL);
		return 0;
	}
	if (futex_robust_unlock(&f->word, op | opflags, f->pi ? 0 : 1,
				&head->list_op_pending, 0) < 0)
		return errno;
	return 0;
}

#endif /* _ROBUST_UNLOCK_H */
