/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Robust futex list helpers for the futex selftests.
 *
 * A robust futex is a 32-bit futex word that sits next to a node of a
 * per-thread list registered with set_robust_list(). When the thread exits
 * holding it, the kernel walks the list and marks the word FUTEX_OWNER_DIED
 * (Documentation/locking/robust-futex-ABI.rst). These helpers lock and
 * unlock such futexes with the protocol libc uses, so the tests exercise
 * the kernel the way real programs do:
 *
 *  lock:   announce the futex in list_op_pending, take the word (tid, plus
 *          FUTEX_WAITERS if others may sleep on it), link it into the list,
 *          clear list_op_pending.
 *  unlock: announce, unlink, release the word, wake a waiter if one is
 *          flagged, clear list_op_pending.
 *
 * The window between releasing the word and clearing list_op_pending in
 * robust_unlock() is glibc bug 14485; the helpers keep it on purpose, as
 * the legacy sequence the later tests compare against.
 *
 * List entries are tagged with bit 0 set for PI futexes, as in the ABI.
 */
#ifndef _ROBUST_LIST_H
#define _ROBUST_LIST_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/futex.h>

#include "futextest.h"

/* A robust futex as libc lays one out: the word, then the list node. */
struct robust_futex {
	uint32_t word;
	uint32_t pi;
	struct robust_list list;
};

static inline pid_t robust_gettid(void)
{
	return syscall(SYS_gettid);
}

static inline long sys_set_robust_list(struct robust_list_head *head,
				       size_t len)
{
	return syscall(SYS_set_robust_list, head, len);
}

static inline long sys_get_robust_list(int pid,
				       struct robust_list_head **head,
				       size_t *len)
{
	return syscall(SYS_get_robust_list, pid, head, len);
}

/* A list entry pointer: the node, with bit 0 set for a PI futex. */
static inline struct robust_list *robust_entry(struct robust_futex *f)
{
	return (struct robust_list *)((uintptr_t)&f->list | (f->pi ? 1 : 0));
}

static inline struct robust_list *robust_untag(struct robust_list *entry)
{
	return (struct robust_list *)((uintptr_t)entry & ~(uintptr_t)1);
}

/* An empty list whose futex_offset matches struct robust_futex. */
static inline void robust_head_init(struct robust_list_head *head)
{
	head->list.next = &head->list;
	head->futex_offset = (long)offsetof(struct robust_futex, word) -
			     (long)offsetof(struct robust_futex, list);
	head->list_op_pending = NULL;
}

static inline void robust_futex_init(struct robust_futex *f, int pi)
{
	f->word = 0;
	f->pi = pi;
	f->list.next = NULL;
}

/* Link @f first in the list, as glibc does. */
static inline void robust_list_add(struct robust_list_head *head,
				   struct robust_futex *f)
{
	f->list.next = head->list.next;
	__atomic_store_n(&head->list.next, robust_entry(f), __ATOMIC_RELEASE);
}

/* Unlink @f; returns 0, or -1 if it is not on the list. */
static inline int robust_list_del(struct robust_list_head *head,
				  struct robust_futex *f)
{
	struct robust_list *prev = &head->list;

	while (robust_untag(prev->next) != &head->list) {
		struct robust_list *cur = robust_untag(prev->next);

		if (cur == &f->list) {
			__atomic_store_n(&prev->next, cur->next,
					 __ATOMIC_RELEASE);
			return 0;
		}
		prev = cur;
	}
	return -1;
}

static inline void robust_set_pending(struct robust_list_head *head,
				      struct robust_futex *f)
{
	__atomic_store_n(&head->list_op_pending, f ? robust_entry(f) : NULL,
			 __ATOMIC_SEQ_CST);
}

/*
 * robust_lock() - lock @f (non-PI) and link it into @head
 *
 * Return: 0, or EOWNERDEAD when the previous owner died holding it (the
 * lock is then ours), or an errno of FUTEX_WAIT.
 */
static inline int robust_lock(struct robust_list_head *head,
			      struct robust_futex *f, int opflags)
{
	uint32_t tid = robust_gettid(), old, new;
	int ret = 0;

	robust_set_pending(head, f);
	for (;;) {
		old = __atomic_load_n(&f->word, __ATOMIC_RELAXED);
		if (!(old & FUTEX_TID_MASK)) {
			/* Keep FUTEX_WAITERS: others may still sleep. */
			new = tid | (old & FUTEX_WAITERS);
			if (!__atomic_compare_exchange_n(&f->word, &old, new, 0,
							 __ATOMIC_ACQUIRE,
							 __ATOMIC_RELAXED))
				continue;
			ret = old & FUTEX_OWNER_DIED ? EOWNERDEAD : 0;
			break;
		}
		new = old | FUTEX_WAITERS;
		if (!(old & FUTEX_WAITERS) &&
		    !__atomic_compare_exchange_n(&f->word, &old, new, 0,
						 __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			continue;
		if (futex_wait(&f->word, old | FUTEX_WAITERS, NULL, opflags) &&
		    errno != EAGAIN && errno != EINTR) {
			ret = errno;
			robust_set_pending(head, NULL);
			return ret;
		}
	}
	robust_list_add(head, f);
	robust_set_pending(head, NULL);
	return ret;
}

/* robust_unlock() - unlink and unlock @f (non-PI): the legacy sequence. */
static inline void robust_unlock(struct robust_list_head *head,
				 struct robust_futex *f, int opflags)
{
	robust_set_pending(head, f);
	robust_list_del(head, f);
	if (__atomic_exchange_n(&f->word, 0, __ATOMIC_RELEASE) & FUTEX_WAITERS)
		futex_wake(&f->word, 1, opflags);
	robust_set_pending(head, NULL);
}

/*
 * robust_lock_pi() - lock the PI futex @f and link it into @head
 *
 * Return: 0, EOWNERDEAD when the previous owner died holding it (the kernel
 * handed it over to us), or an errno of FUTEX_LOCK_PI.
 */
static inline int robust_lock_pi(struct robust_list_head *head,
				 struct robust_futex *f, int opflags)
{
	uint32_t tid = robust_gettid(), zero = 0;
	int ret = 0;

	robust_set_pending(head, f);
	if (!__atomic_compare_exchange_n(&f->word, &zero, tid, 0,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		while (futex_lock_pi(&f->word, NULL, 0, opflags)) {
			if (errno == EINTR)
				continue;
			ret = errno;
			if (ret != EOWNERDEAD) {
				robust_set_pending(head, NULL);
				return ret;
			}
			break;
		}
	}
	/*
	 * The kernel hands a PI futex over with FUTEX_OWNER_DIED kept in the
	 * word when its owner died; that is how libc learns it.
	 */
	if (!ret && (__atomic_load_n(&f->word, __ATOMIC_RELAXED) &
		     FUTEX_OWNER_DIED))
		ret = EOWNERDEAD;
	robust_list_add(head, f);
	robust_set_pending(head, NULL);
	return ret;
}

static inline int robust_unlock_pi(struct robust_list_head *head,
				   struct robust_futex *f, int opflags)
{
	uint32_t tid = robust_gettid();
	int ret = 0;

	robust_set_pending(head, f);
	robust_list_del(head, f);
	if (!__atomic_compare_exchange_n(&f->word, &tid, 0, 0,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED) &&
	    futex_unlock_pi(&f->word, opflags))
		ret = errno;
	robust_set_pending(head, NULL);
	return ret;
}

#endif /* _ROBUST_LIST_H */
