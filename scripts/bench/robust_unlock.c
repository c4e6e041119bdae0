// SPDX-License-Identifier: GPL-2.0
/*
 * robust_unlock: the cost of a contended robust unlock, legacy against
 * FUTEX_ROBUST_UNLOCK, in one run.
 *
 * Each iteration locks the futex word as a robust mutex whose waiters bit is
 * set (tid | FUTEX_WAITERS, with list_op_pending announcing it) and unlocks
 * it contended, in one of two ways:
 *
 *   legacy: exchange the word to 0, FUTEX_WAKE, clear list_op_pending in
 *	     userspace (the sequence with the window of glibc bug 14485);
 *   kernel: FUTEX_WAKE | FUTEX_ROBUST_UNLOCK with &list_op_pending: the
 *	     kernel stores the word, clears the slot and wakes.
 *
 * Four cases:
 *   wake:   FUTEX_WAKE with the waiters bit set and nobody queued (a waiter
 *	     that timed out or took the lock elsewhere): plain FUTEX_WAKE
 *	     returns before the hash bucket lock, the robust unlock must take
 *	     it to know whether a waiter stays;
 *   queued: FUTEX_WAKE_BITSET with a waiter that stays queued (its bitset
 *	     does not match), so both take the hash bucket lock and walk it,
 *	     as every contended unlock does, without a wake-up to time;
 *   wakeup: a waiter sleeps on the futex and the unlock wakes it: what a
 *	     contended unlock costs a program, wake-up and all.
 *
 * And an uncontended lock/unlock pair whose unlock is done three ways:
 * inline (cmpxchg, then clear list_op_pending: the sequence with the
 * window; on arm64 the compiler's outline atomics pick casal or an LL/SC
 * loop at run time, as in a C library), vdso (the vDSO's
 * futex_robust_list64_try_unlock(), which the kernel fixes up) and syscall
 * (FUTEX_UNLOCK_WAKE_LIST64 even without waiters).
 *
 * Samples of the two ways alternate. Prints one line per sample:
 *	bench unlock_<case>:<way> n=1 ticks=<counter ticks per unlock>
 *
 * Usage: robust_unlock [samples]. Tooling, not part of the series.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ticks.h"

#include "parse_vdso.h"	/* tools/testing/selftests/vDSO/ of the tree */

#define ITERATIONS	256

static uint32_t word;
static struct robust_list_head head;
static struct robust_list entry;

static long futex(uint32_t *uaddr, int op, uint32_t val, void *uaddr2,
		  uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, uaddr2, val3);
}

static void *queued_waiter(void *arg)
{
	/* Woken by no unlock below: bitset 1 never matches theirs. */
	futex(&word, FUTEX_WAIT_BITSET_PRIVATE, (uint32_t)(uintptr_t)arg, NULL, 1);
	return NULL;
}

/* @bitset 0: FUTEX_WAKE; else FUTEX_WAKE_BITSET with @bitset. */
static long long sample(int kernel, uint32_t bitset, uint32_t tid)
{
	int op = bitset ? (kernel ? FUTEX_UNLOCK_BITSET_LIST64_PRIVATE :
				    FUTEX_WAKE_BITSET_PRIVATE) :
			  (kernel ? FUTEX_UNLOCK_WAKE_LIST64_PRIVATE :
				    FUTEX_WAKE_PRIVATE);
	long long t0, total = 0;
	int i;

	for (i = 0; i < ITERATIONS; i++) {
		__atomic_store_n(&word, tid | FUTEX_WAITERS, __ATOMIC_RELAXED);
		__atomic_store_n(&head.list_op_pending, &entry, __ATOMIC_RELAXED);
		t0 = now_ticks();
		if (kernel) {
			if (futex(&word, op, 1, &head.list_op_pending, bitset) < 0)
				exit(1);
		} else {
			if (__atomic_exchange_n(&word, 0, __ATOMIC_RELEASE) &
			    FUTEX_WAITERS)
				futex(&word, op, 1, NULL, bitset);
			__atomic_store_n(&head.list_op_pending, NULL,
					 __ATOMIC_RELEASE);
		}
		total += now_ticks() - t0;
		if (head.list_op_pending)
			exit(1);
	}
	return total / ITERATIONS;
}

#define WAKEUP_ROUNDS	64

static uint32_t go, woke;

/* Sleeps on the word whenever told to, and says when it was woken. */
static void *sleeper(void *arg)
{
	uint32_t locked = (uint32_t)(uintptr_t)arg;

	for (;;) {
		while (!__atomic_exchange_n(&go, 0, __ATOMIC_ACQUIRE))
			futex(&go, FUTEX_WAIT_PRIVATE, 0, NULL, 0);
		while (futex(&word, FUTEX_WAIT_PRIVATE, locked, NULL, 0) &&
		       errno == EINTR)
			;
		__atomic_store_n(&woke, 1, __ATOMIC_RELEASE);
		futex(&woke, FUTEX_WAKE_PRIVATE, 1, NULL, 0);
	}
	return NULL;
}

/* Unlocks that wake a sleeping waiter: the unlock is timed, wake-up and all. */
static long long wakeup_sample(int kernel, uint32_t tid)
{
	long long t0, total = 0;
	int i;

	for (i = 0; i < WAKEUP_ROUNDS; i++) {
		__atomic_store_n(&word, tid | FUTEX_WAITERS, __ATOMIC_RELAXED);
		__atomic_store_n(&woke, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
		futex(&go, FUTEX_WAKE_PRIVATE, 1, NULL, 0);
		usleep(300);	/* the sleeper is asleep on the word by now */
		__atomic_store_n(&head.list_op_pending, &entry, __ATOMIC_RELAXED);
		t0 = now_ticks();
		if (kernel) {
			futex(&word, FUTEX_UNLOCK_WAKE_LIST64_PRIVATE, 1,
			      &head.list_op_pending, 0);
		} else {
			if (__atomic_exchange_n(&word, 0, __ATOMIC_RELEASE) &
			    FUTEX_WAITERS)
				futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, 0);
			__atomic_store_n(&head.list_op_pending, NULL,
					 __ATOMIC_RELEASE);
		}
		total += now_ticks() - t0;
		while (!__atomic_load_n(&woke, __ATOMIC_ACQUIRE))
			futex(&woke, FUTEX_WAIT_PRIVATE, 0, NULL, 0);
	}
	return total / WAKEUP_ROUNDS;
}

typedef uint32_t (*try_unlock_t)(uint32_t *lock, uint32_t tid, uint64_t *pop);

/*
 * An uncontended robust lock/unlock pair as a C library does it: announce,
 * take the word, link, clear; announce, unlink, then unlock @way. The lock
 * is a list node of the head, so unlinking is one store.
 */
static __attribute__((noinline)) void lock_unlock(int way, try_unlock_t try_unlock,
						  uint32_t tid)
{
	uint32_t expected = 0;

	__atomic_store_n(&head.list_op_pending, &entry, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&word, &expected, tid, 0,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		exit(1);
	entry.next = head.list.next;
	head.list.next = &entry;
	__atomic_store_n(&head.list_op_pending, NULL, __ATOMIC_RELEASE);

	__atomic_store_n(&head.list_op_pending, &entry, __ATOMIC_RELAXED);
	head.list.next = entry.next;
	switch (way) {
	case 0:
		expected = tid;
		if (__atomic_compare_exchange_n(&word, &expected, 0, 0,
						__ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			__atomic_store_n(&head.list_op_pending, NULL,
					 __ATOMIC_RELEASE);
		break;
	case 1:
		try_unlock(&word, tid, (uint64_t *)&head.list_op_pending);
		break;
	default:
		futex(&word, FUTEX_UNLOCK_WAKE_LIST64_PRIVATE, 1,
		      &head.list_op_pending, 0);
	}
}

static long long uncontended_sample(int way, try_unlock_t try_unlock,
				    uint32_t tid)
{
	long long t0;
	int i;

	head.list.next = &head.list;
	t0 = now_ticks();
	for (i = 0; i < ITERATIONS; i++)
		lock_unlock(way, try_unlock, tid);
	t0 = now_ticks() - t0;
	if (word || head.list_op_pending)
		exit(1);
	return t0 / ITERATIONS;
}

int main(int argc, char **argv)
{
	int samples = argc > 1 ? atoi(argv[1]) : 15;
	uint32_t tid = syscall(SYS_gettid);
	try_unlock_t try_unlock;
	pthread_t thread;
	int j, way;

	/* Without the flag in the kernel there is nothing to compare. */
	word = tid;
	if (futex(&word, FUTEX_UNLOCK_WAKE_LIST64_PRIVATE, 1,
		  &head.list_op_pending, 0) < 0) {
		printf("bench robust_unlock: FUTEX_ROBUST_UNLOCK: errno %d\n",
		       errno);
		return 0;
	}

	vdso_init_from_sysinfo_ehdr(getauxval(AT_SYSINFO_EHDR));
#ifdef __aarch64__
	try_unlock = (try_unlock_t)vdso_sym("LINUX_2.6.39",
			"__kernel_futex_robust_list64_try_unlock");
#else
	try_unlock = (try_unlock_t)vdso_sym("LINUX_2.6",
			"__vdso_futex_robust_list64_try_unlock");
#endif
	for (j = 0; try_unlock && j < samples; j++)
		for (way = 0; way < 3; way++)
			printf("bench unlock_uncontended:%s n=1 ticks=%lld\n",
			       way == 0 ? "inline" : way == 1 ? "vdso" : "syscall",
			       uncontended_sample(way, try_unlock, tid));

	for (j = 0; j < samples; j++)
		for (way = 0; way < 2; way++)
			printf("bench unlock_wake:%s n=1 ticks=%lld\n",
			       way ? "kernel" : "legacy",
			       sample(way, 0, tid));

	if (pthread_create(&thread, NULL, sleeper,
			   (void *)(uintptr_t)(tid | FUTEX_WAITERS)))
		return 1;
	for (j = 0; j < samples; j++)
		for (way = 0; way < 2; way++)
			printf("bench unlock_wakeup:%s n=1 ticks=%lld\n",
			       way ? "kernel" : "legacy",
			       wakeup_sample(way, tid));

	word = tid | FUTEX_WAITERS;
	if (pthread_create(&thread, NULL, queued_waiter,
			   (void *)(uintptr_t)word))
		return 1;
	usleep(100000);		/* let it queue */
	for (j = 0; j < samples; j++)
		for (way = 0; way < 2; way++)
			printf("bench unlock_queued:%s n=1 ticks=%lld\n",
			       way ? "kernel" : "legacy",
			       sample(way, 1U << 1, tid));
	fflush(stdout);
	return 0;
}
