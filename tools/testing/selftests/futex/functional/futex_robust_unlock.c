// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * FUTEX_ROBUST_UNLOCK on FUTEX_WAKE, FUTEX_WAKE_BITSET and FUTEX_UNLOCK_PI:
 * the kernel unlocks the futex, clears the robust list's list_op_pending
 * slot (uaddr2) and wakes, in one call.
 *
 * Each operation with and without FUTEX_ROBUST_LIST32 and FUTEX_PRIVATE_FLAG:
 * the return value, the word, the slot cleared at its own width and nothing
 * next to it; real waiters asleep in the kernel; the errors; and a stress
 * test of the race this closes (glibc bug 14485), with owners killed at
 * random. Built as a 64-bit program and, on x86_64, as a 32-bit one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "blocked_slot.h"
#include "robust_unlock.h"
#include "../../kselftest_harness.h"

#define GUARD		0x5a5a5a5aU

/* A futex word and list_op_pending slots of both widths, with guards. */
struct unlock_area {
	uint32_t word;
	uint32_t guard0;
	uint64_t slot64;
	uint32_t slot32;
	uint32_t guard32;
	uint64_t guard64;
};

/* MAP_FAILED if it cannot be mapped. */
static struct unlock_area *map_area(int private)
{
	return mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		    (private ? MAP_PRIVATE : MAP_SHARED) | MAP_ANONYMOUS, -1, 0);
}

/* Fill both slots with a pointer-like value and the guards with GUARD. */
static void arm_slots(struct unlock_area *a)
{
	a->slot64 = ~0ULL;
	a->slot32 = ~0U;
	a->guard0 = GUARD;
	a->guard32 = GUARD;
	a->guard64 = ((uint64_t)GUARD << 32) | GUARD;
}

static void *slot_of(struct unlock_area *a, int list32)
{
	return list32 ? (void *)&a->slot32 : (void *)&a->slot64;
}

/*
 * The slot is cleared at its own width, and nothing around it changed.
 * Without FUTEX_ROBUST_LIST32 the slot is the caller's unsigned long: in a
 * 32-bit program only the first half of slot64 is cleared.
 */
static int slot_cleared(struct unlock_area *a, int list32)
{
	uint32_t *halves = (uint32_t *)&a->slot64;

	if (a->guard0 != GUARD || a->guard32 != GUARD ||
	    a->guard64 != (((uint64_t)GUARD << 32) | GUARD))
		return 0;
	if (list32)
		return a->slot32 == 0 && a->slot64 == ~0ULL;
	if (sizeof(long) == 4)
		return halves[0] == 0 && halves[1] == ~0U && a->slot32 == ~0U;
	return a->slot64 == 0 && a->slot32 == ~0U;
}

struct waiter {
	uint32_t *word;
	uint32_t expect;	/* sleep while the word is this */
	int opflags;
	int pi;
	pid_t tid;
	long ret;
	int err;
};

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;

	__atomic_store_n(&w->tid, robust_gettid(), __ATOMIC_RELEASE);
	if (w->pi)
		w->ret = futex_lock_pi(w->word, NULL, 0, w->opflags);
	else
		w->ret = futex_wait(w->word, w->expect, NULL, w->opflags);
	w->err = w->ret ? errno : 0;
	/* A PI waiter now owns the futex: give it back. */
	if (w->pi && !w->ret)
		futex_unlock_pi(w->word, w->opflags);
	return NULL;
}

/* Start a waiter on @w->word and return once it sleeps in the kernel. */
static int start_waiter(pthread_t *thread, struct waiter *w)
{
	if (pthread_create(thread, NULL, waiter_thread, w))
		return -1;
	while (!__atomic_load_n(&w->tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (w->pi) {
		while (!(__atomic_load_n(w->word, __ATOMIC_ACQUIRE) &
			 FUTEX_WAITERS))
			usleep(1000);
	}
	futex_wait_until_sleeping(w->tid);
	return 0;
}

/*
 * Whether the kernel has FUTEX_ROBUST_UNLOCK: a robust unlock of a free
 * futex nobody waits on either succeeds or fails with ENOSYS. Tests skip
 * without it, as kselftests do where a feature is missing.
 */
static int have_robust_unlock(void)
{
	uint32_t word = 0;
	unsigned long slot = 1;

	return futex_robust_unlock(&word, FUTEX_UNLOCK_WAKE_LIST64_PRIVATE, 1,
				   &slot, 0) >= 0 || errno != ENOSYS;
}

/* The fixture of the tests of one operation each. */
FIXTURE(robust_unlock) {};

FIXTURE_SETUP(robust_unlock)
{
	if (!have_robust_unlock())
		SKIP(return, "no FUTEX_ROBUST_UNLOCK in this kernel");
}

FIXTURE_TEARDOWN(robust_unlock) {}

FIXTURE(wake_unlock) {
	struct unlock_area *a;
	uint32_t tid;
	int op;
};

FIXTURE_VARIANT(wake_unlock) {
	int op;
	int list32;
	int private;
};

FIXTURE_VARIANT_ADD(wake_unlock, wake_list64) {
	.op = FUTEX_UNLOCK_WAKE_LIST64,
};

FIXTURE_VARIANT_ADD(wake_unlock, wake_list32) {
	.op = FUTEX_UNLOCK_WAKE_LIST32,
	.list32 = 1,
};

FIXTURE_VARIANT_ADD(wake_unlock, wake_list64_private) {
	.op = FUTEX_UNLOCK_WAKE_LIST64_PRIVATE,
	.private = 1,
};

FIXTURE_VARIANT_ADD(wake_unlock, wake_list32_private) {
	.op = FUTEX_UNLOCK_WAKE_LIST32_PRIVATE,
	.list32 = 1,
	.private = 1,
};

FIXTURE_VARIANT_ADD(wake_unlock, bitset_list64) {
	.op = FUTEX_UNLOCK_BITSET_LIST64,
};

FIXTURE_VARIANT_ADD(wake_unlock, bitset_list32) {
	.op = FUTEX_UNLOCK_BITSET_LIST32,
	.list32 = 1,
};

FIXTURE_VARIANT_ADD(wake_unlock, bitset_list64_private) {
	.op = FUTEX_UNLOCK_BITSET_LIST64_PRIVATE,
	.private = 1,
};

FIXTURE_VARIANT_ADD(wake_unlock, bitset_list32_private) {
	.op = FUTEX_UNLOCK_BITSET_LIST32_PRIVATE,
	.list32 = 1,
	.private = 1,
};

FIXTURE_SETUP(wake_unlock)
{
	if (!have_robust_unlock())
		SKIP(return, "no FUTEX_ROBUST_UNLOCK in this kernel");
	self->a = map_area(variant->private);
	ASSERT_TRUE(self->a != MAP_FAILED);
	arm_slots(self->a);
	self->tid = robust_gettid();
	self->op = variant->op;
}

FIXTURE_TEARDOWN(wake_unlock)
{
	munmap(self->a, getpagesize());
}

/* FUTEX_WAKE ignores the bitset argument; FUTEX_WAKE_BITSET needs one. */
static long wake_unlock(struct unlock_area *a, int op, int list32, int nr)
{
	return futex_robust_unlock(&a->word, op, nr, slot_of(a, list32),
				   FUTEX_BITSET_MATCH_ANY);
}

TEST_F(wake_unlock, without_waiters_unlocks_and_clears_the_slot)
{
	self->a->word = self->tid;
	EXPECT_EQ(0, wake_unlock(self->a, self->op, variant->list32, 1));
	EXPECT_EQ(0, self->a->word);
	EXPECT_TRUE(slot_cleared(self->a, variant->list32));
}

TEST_F(wake_unlock, a_sleeping_waiter_is_woken)
{
	struct waiter w = { .word = &self->a->word,
			    .expect = self->tid | FUTEX_WAITERS,
			    .opflags = variant->private ? FUTEX_PRIVATE_FLAG : 0 };
	pthread_t thread;

	self->a->word = self->tid | FUTEX_WAITERS;
	ASSERT_EQ(0, start_waiter(&thread, &w));
	EXPECT_EQ(1, wake_unlock(self->a, self->op, variant->list32, 1));
	/* No waiter stays queued: nothing for the next unlock to wake. */
	EXPECT_EQ(0, self->a->word);
	EXPECT_TRUE(slot_cleared(self->a, variant->list32));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, w.ret);
}

TEST_F(wake_unlock, futex_waiters_stays_while_a_waiter_remains)
{
	uint32_t locked = self->tid | FUTEX_WAITERS;
	int opflags = variant->private ? FUTEX_PRIVATE_FLAG : 0;
	struct waiter w[2] = {
		{ .word = &self->a->word, .expect = locked, .opflags = opflags },
		{ .word = &self->a->word, .expect = locked, .opflags = opflags },
	};
	pthread_t threads[2];

	self->a->word = locked;
	ASSERT_EQ(0, start_waiter(&threads[0], &w[0]));
	ASSERT_EQ(0, start_waiter(&threads[1], &w[1]));

	EXPECT_EQ(1, wake_unlock(self->a, self->op, variant->list32, 1));
	EXPECT_EQ(FUTEX_WAITERS, self->a->word);
	EXPECT_TRUE(slot_cleared(self->a, variant->list32));

	/* The second unlock, through the kernel again, wakes the other. */
	arm_slots(self->a);
	EXPECT_EQ(1, wake_unlock(self->a, self->op, variant->list32, 1));
	EXPECT_EQ(0, self->a->word);
	EXPECT_TRUE(slot_cleared(self->a, variant->list32));
	ASSERT_EQ(0, pthread_join(threads[0], NULL));
	ASSERT_EQ(0, pthread_join(threads[1], NULL));
}

FIXTURE(pi_unlock) {
	struct unlock_area *a;
	uint32_t tid;
	int op;
	int opflags;
};

FIXTURE_VARIANT(pi_unlock) {
	int op;
	int list32;
	int private;
};

FIXTURE_VARIANT_ADD(pi_unlock, list64) {
	.op = FUTEX_UNLOCK_PI_LIST64,
};

FIXTURE_VARIANT_ADD(pi_unlock, list32) {
	.op = FUTEX_UNLOCK_PI_LIST32,
	.list32 = 1,
};

FIXTURE_VARIANT_ADD(pi_unlock, list64_private) {
	.op = FUTEX_UNLOCK_PI_LIST64_PRIVATE,
	.private = 1,
};

FIXTURE_VARIANT_ADD(pi_unlock, list32_private) {
	.op = FUTEX_UNLOCK_PI_LIST32_PRIVATE,
	.list32 = 1,
	.private = 1,
};

FIXTURE_SETUP(pi_unlock)
{
	if (!have_robust_unlock())
		SKIP(return, "no FUTEX_ROBUST_UNLOCK in this kernel");
	self->a = map_area(variant->private);
	ASSERT_TRUE(self->a != MAP_FAILED);
	arm_slots(self->a);
	self->tid = robust_gettid();
	self->op = variant->op;
	self->opflags = variant->private ? FUTEX_PRIVATE_FLAG : 0;
}

FIXTURE_TEARDOWN(pi_unlock)
{
	munmap(self->a, getpagesize());
}

TEST_F(pi_unlock, without_waiters_unlocks_and_clears_the_slot)
{
	self->a->word = self->tid;
	EXPECT_EQ(0, futex_robust_unlock(&self->a->word, self->op, 0,
					 slot_of(self->a, variant->list32), 0));
	EXPECT_EQ(0, self->a->word);
	EXPECT_TRUE(slot_cleared(self->a, variant->list32));
}

TEST_F(pi_unlock, a_pi_waiter_gets_the_lock)
{
	struct waiter w = { .word = &self->a->word, .opflags = self->opflags,
			    .pi = 1 };
	pthread_t thread;
	uint32_t word;

	self->a->word = self->tid;
	ASSERT_EQ(0, start_waiter(&thread, &w));
	EXPECT_EQ(0, futex_robust_unlock(&self->a->word, self->op, 0,
					 slot_of(self->a, variant->list32), 0));
	EXPECT_TRUE(slot_cleared(self->a, variant->list32));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, w.ret);
	/* The waiter owned it, then unlocked it. */
	word = self->a->word;
	EXPECT_EQ(0, word);
}

TEST_F(pi_unlock, not_the_owner_is_eperm_and_keeps_the_slot)
{
	self->a->word = self->tid + 1;
	EXPECT_EQ(-1, futex_robust_unlock(&self->a->word, self->op, 0,
					  slot_of(self->a, variant->list32), 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(self->tid + 1, self->a->word);
	EXPECT_EQ(~0ULL, self->a->slot64);
	EXPECT_EQ(~0U, self->a->slot32);
}

/* Only FUTEX_WAKE, FUTEX_WAKE_BITSET and FUTEX_UNLOCK_PI take the flag. */
TEST_F(robust_unlock, other_ops_are_enosys)
{
	static const int ops[] = {
		FUTEX_WAIT | FUTEX_ROBUST_UNLOCK,
		FUTEX_WAIT_BITSET | FUTEX_ROBUST_UNLOCK,
		FUTEX_REQUEUE | FUTEX_ROBUST_UNLOCK,
		FUTEX_CMP_REQUEUE | FUTEX_ROBUST_UNLOCK,
		FUTEX_WAKE_OP | FUTEX_ROBUST_UNLOCK,
		FUTEX_LOCK_PI | FUTEX_ROBUST_UNLOCK,
		FUTEX_TRYLOCK_PI | FUTEX_ROBUST_UNLOCK,
		FUTEX_LOCK_PI | FUTEX_ROBUST_UNLOCK | FUTEX_ROBUST_LIST32,
		FUTEX_WAKE | FUTEX_ROBUST_UNLOCK | FUTEX_CLOCK_REALTIME,
	};
	struct unlock_area *a = map_area(1);
	uint32_t tid = robust_gettid();
	unsigned int i;

	ASSERT_TRUE(a != MAP_FAILED);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		arm_slots(a);
		a->word = tid;
		/* A FUTEX_WAIT that ignored the flag would not block. */
		EXPECT_EQ(-1, futex_robust_unlock(&a->word, ops[i], 0,
						  &a->slot64, 0))
			TH_LOG("op %#x", ops[i]);
		EXPECT_EQ(ENOSYS, errno);
		EXPECT_EQ(tid, a->word);
		EXPECT_EQ(~0ULL, a->slot64);
	}
	munmap(a, getpagesize());
}

/*
 * FUTEX_ROBUST_LIST32 only gives the width of the slot: without
 * FUTEX_ROBUST_UNLOCK it is ignored, as FUTEX_CMD_MASK leaves it out, and the
 * operation is the plain one, which neither unlocks a FUTEX_WAKE futex nor
 * touches uaddr2.
 */
TEST_F(robust_unlock, list32_without_robust_unlock_is_ignored)
{
	struct unlock_area *a = map_area(1);
	uint32_t tid = robust_gettid();

	ASSERT_TRUE(a != MAP_FAILED);
	arm_slots(a);
	a->word = tid | FUTEX_WAITERS;
	EXPECT_EQ(0, futex_robust_unlock(&a->word,
					 FUTEX_WAKE | FUTEX_ROBUST_LIST32, 1,
					 &a->slot32, 0));
	EXPECT_EQ(tid | FUTEX_WAITERS, a->word);
	EXPECT_EQ(~0U, a->slot32);

	a->word = tid;
	EXPECT_EQ(0, futex_robust_unlock(&a->word, FUTEX_UNLOCK_PI_PRIVATE |
					 FUTEX_ROBUST_LIST32, 0, &a->slot32, 0));
	EXPECT_EQ(0, a->word);
	EXPECT_EQ(~0U, a->slot32);
	EXPECT_EQ(~0ULL, a->slot64);
	munmap(a, getpagesize());
}

/* A negative wake count is EINVAL before the word or the slot is touched. */
TEST_F(robust_unlock, negative_count_is_einval_and_touches_nothing)
{
	static const int ops[] = {
		FUTEX_UNLOCK_WAKE_LIST64_PRIVATE,
		FUTEX_UNLOCK_WAKE_LIST32_PRIVATE,
		FUTEX_UNLOCK_BITSET_LIST64_PRIVATE,
		FUTEX_UNLOCK_BITSET_LIST32_PRIVATE,
	};
	struct unlock_area *a = map_area(1);
	uint32_t tid = robust_gettid();
	unsigned int i;

	ASSERT_TRUE(a != MAP_FAILED);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		arm_slots(a);
		a->word = tid | FUTEX_WAITERS;
		EXPECT_EQ(-1, futex_robust_unlock(&a->word, ops[i], -1,
						  slot_of(a, ops[i] & FUTEX_ROBUST_LIST32),
						  FUTEX_BITSET_MATCH_ANY))
			TH_LOG("op %#x", ops[i]);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(tid | FUTEX_WAITERS, a->word);
		EXPECT_EQ(~0ULL, a->slot64);
		EXPECT_EQ(~0U, a->slot32);
	}
	munmap(a, getpagesize());
}

/* The PI modifier is bit 0 of a pointer-sized value. */
TEST_F(robust_unlock, mod_pi_is_bit_0_of_an_unsigned_long)
{
	EXPECT_EQ(sizeof(unsigned long), sizeof(FUTEX_ROBUST_MOD_PI));
	EXPECT_EQ(1UL, FUTEX_ROBUST_MOD_PI);
	EXPECT_EQ(FUTEX_ROBUST_MOD_PI, FUTEX_ROBUST_MOD_MASK);
}

/* The futex is unlocked before the slot is written: a bad slot is EFAULT. */
TEST_F(robust_unlock, unmapped_slot_is_efault_with_the_word_unlocked)
{
	struct unlock_area *a = map_area(1);
	void *hole = mmap(NULL, getpagesize(), PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(a != MAP_FAILED);
	ASSERT_TRUE(hole != MAP_FAILED);
	ASSERT_EQ(0, munmap(hole, getpagesize()));
	a->word = robust_gettid();
	EXPECT_EQ(-1, futex_robust_unlock(&a->word, ROBUST_UNLOCK_WAKE, 1,
					  hole, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, a->word);
	munmap(a, getpagesize());
}

/*
 * A registered list whose list_op_pending cannot be written stays
 * registered, as upstream: the caller is told with EFAULT and the slot is
 * its own again.
 */
TEST_F(robust_unlock, unwritable_slot_keeps_the_registered_list)
{
	struct robust_list_head *head, *got = NULL;
	struct unlock_area *a = map_area(1);
	size_t len = 0;

	ASSERT_TRUE(a != MAP_FAILED);
	head = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(head != MAP_FAILED);
	robust_head_init(head);
	ASSERT_EQ(0, sys_set_robust_list(head, sizeof(*head)));
	ASSERT_EQ(0, mprotect(head, getpagesize(), PROT_READ));

	a->word = robust_gettid() | FUTEX_WAITERS;
	EXPECT_EQ(-1, futex_robust_unlock(&a->word, ROBUST_UNLOCK_WAKE, 1,
					  &head->list_op_pending, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, a->word);
	EXPECT_EQ(0, sys_get_robust_list(0, &got, &len));
	EXPECT_TRUE(got == head);
	EXPECT_EQ(0, sys_set_robust_list(NULL, sizeof(*head)));
	munmap(head, getpagesize());
	munmap(a, getpagesize());
}

/* What the child of the test below shares with its parent. */
struct dying_unlock {
	struct robust_futex held;	/* on the list, held at death */
	struct robust_futex freed;	/* the pending op, unlocked, reused */
	uint32_t tid;
	uint32_t ready;
};

/*
 * Hold @d->held, then unlock @d->freed with FUTEX_ROBUST_UNLOCK while writes
 * to the page of the list head wait: clearing list_op_pending sleeps in the
 * fault until a signal comes. Never returns.
 */
static void dying_unlock_child(struct dying_unlock *d)
{
	struct robust_list_head *head;

	head = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (head == MAP_FAILED)
		_exit(1);
	robust_head_init(head);
	if (sys_set_robust_list(head, sizeof(*head)) ||
	    robust_lock(head, &d->held, 0) || robust_lock(head, &d->freed, 0))
		_exit(2);
	robust_set_pending(head, &d->freed);
	robust_list_del(head, &d->freed);
	if (block_page_writes(head) < 0)
		_exit(NO_UFFD_WP);
	d->tid = robust_gettid();
	__atomic_store_n(&d->ready, 1, __ATOMIC_RELEASE);
	futex_robust_unlock(&d->freed.word, ROBUST_UNLOCK_WAKE, 1,
			    &head->list_op_pending, 0);
	_exit(3);
}

/*
 * A task killed while FUTEX_ROBUST_UNLOCK clears its list_op_pending: the
 * fault on the slot has to sleep (userfaultfd here, a page under I/O
 * elsewhere) and fails with the fatal signal pending. The futex was
 * unlocked, freed and reused with the dead task's tid in it: the exit walk
 * must leave it alone, and still mark every futex the task held.
 */
TEST_F(robust_unlock, killed_while_clearing_the_slot_marks_only_held_futexes)
{
	struct dying_unlock *d = mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, ret;
	pid_t pid;

	ASSERT_TRUE(d != MAP_FAILED);
	robust_futex_init(&d->held, 0);
	robust_futex_init(&d->freed, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		dying_unlock_child(d);
	/* The freed memory is reused and happens to hold the child's tid. */
	ret = kill_when_blocked(pid, &d->ready, &d->freed.word, &d->tid,
				&status);
	if (ret == -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == NO_UFFD_WP)
		SKIP(return, "no userfaultfd write-protect");
	ASSERT_EQ(0, ret);
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(FUTEX_OWNER_DIED, d->held.word);
	EXPECT_EQ(d->tid, d->freed.word);
	munmap(d, sizeof(*d));
}

/*
 * The helper of robust_unlock.h, as a C library would use it: the
 * uncontended unlock stays in userspace, the contended one (FUTEX_WAITERS
 * set) goes through the kernel; either way the word is unlocked, the futex
 * unlinked and list_op_pending cleared. Plain and PI.
 */
TEST_F(robust_unlock, helper_unlocks_uncontended_and_contended)
{
	struct robust_list_head *head;
	struct robust_futex *f;
	uint32_t tid = robust_gettid();
	int pi;

	head = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(head != MAP_FAILED);
	f = (struct robust_futex *)(head + 1);
	robust_head_init(head);
	for (pi = 0; pi < 2; pi++) {
		robust_futex_init(f, pi);
		ASSERT_EQ(0, pi ? robust_lock_pi(head, f, FUTEX_PRIVATE_FLAG) :
				  robust_lock(head, f, FUTEX_PRIVATE_FLAG));
		EXPECT_EQ(0, robust_unlock_kernel(head, f, FUTEX_PRIVATE_FLAG));
		EXPECT_EQ(0, f->word);
		EXPECT_TRUE(!head->list_op_pending);
		EXPECT_TRUE(head->list.next == &head->list);

		ASSERT_EQ(0, pi ? robust_lock_pi(head, f, FUTEX_PRIVATE_FLAG) :
				  robust_lock(head, f, FUTEX_PRIVATE_FLAG));
		/* A waiter flagged itself and gave up: contended, nobody queued. */
		f->word = tid | FUTEX_WAITERS;
		EXPECT_EQ(0, robust_unlock_kernel(head, f, FUTEX_PRIVATE_FLAG))
			TH_LOG("pi %d", pi);
		EXPECT_EQ(0, f->word);
		EXPECT_TRUE(!head->list_op_pending);
		EXPECT_TRUE(head->list.next == &head->list);
	}
	munmap(head, getpagesize());
}

/*
 * The stress test. Children lock and unlock a process-shared robust mutex,
 * unlocking through FUTEX_ROBUST_UNLOCK whether or not it is contended, while
 * the parent kills them at random. Inside the mutex, each child also takes a
 * fresh robust futex of its own, unlocks it through the kernel, and then
 * "frees and reuses" it: writes its own tid into the word, as memory reused
 * by the dead thread's data could hold. If the kernel left list_op_pending
 * pointing at that word, the exit walk would mark it FUTEX_OWNER_DIED when
 * the child is killed: the test checks that no reused word was touched.
 */
#define STRESS_CHILDREN	3
#define STRESS_SLOTS	2048
#define STRESS_KILLS	40

struct stress_child {
	struct robust_list_head head;
	struct robust_futex slots[STRESS_SLOTS];
	uint32_t done;		/* slots freed and reused */
	uint32_t tid;
	uint32_t recovered;	/* EOWNERDEAD on the shared mutex */
};

struct stress {
	struct robust_futex mutex;
	struct stress_child child[STRESS_CHILDREN];
};

static void stress_child(struct stress *st, struct stress_child *c)
{
	uint32_t i, spin, tid = robust_gettid();
	int ret;

	robust_head_init(&c->head);
	if (sys_set_robust_list(&c->head, sizeof(c->head)))
		_exit(1);
	__atomic_store_n(&c->tid, tid, __ATOMIC_RELEASE);
	for (i = 0; i < STRESS_SLOTS; i++) {
		ret = robust_lock(&c->head, &st->mutex, 0);
		if (ret == EOWNERDEAD)
			__atomic_fetch_add(&c->recovered, 1, __ATOMIC_RELAXED);
		else if (ret)
			_exit(2);

		robust_futex_init(&c->slots[i], 0);
		if (robust_lock(&c->head, &c->slots[i], 0))
			_exit(3);
		robust_set_pending(&c->head, &c->slots[i]);
		robust_list_del(&c->head, &c->slots[i]);
		if (futex_robust_unlock(&c->slots[i].word, ROBUST_UNLOCK_WAKE,
					1, &c->head.list_op_pending, 0) < 0)
			_exit(4);
		/* Freed: reuse the memory with a value equal to our tid. */
		c->slots[i].word = tid;
		__atomic_store_n(&c->done, i + 1, __ATOMIC_RELEASE);
		/*
		 * Work on the reused memory: a list_op_pending left pointing
		 * at it would be followed by a kill landing here.
		 */
		for (spin = 0; spin < 20000; spin++)
			__asm__ volatile("" ::: "memory");

		robust_set_pending(&c->head, &st->mutex);
		robust_list_del(&c->head, &st->mutex);
		if (futex_robust_unlock(&st->mutex.word, ROBUST_UNLOCK_WAKE, 1,
					&c->head.list_op_pending, 0) < 0)
			_exit(5);
	}
	for (;;)
		pause();
}

static pid_t spawn_stress_child(struct stress *st, int n)
{
	struct stress_child *c = &st->child[n];
	pid_t pid;

	memset(c, 0, sizeof(*c));
	pid = fork();
	if (pid == 0)
		stress_child(st, c);
	while (pid > 0 && !__atomic_load_n(&c->tid, __ATOMIC_ACQUIRE))
		usleep(100);
	return pid;
}

/* Every slot a child freed and reused still holds exactly its tid. */
static int reused_slots_intact(struct stress_child *c)
{
	uint32_t i, done = __atomic_load_n(&c->done, __ATOMIC_ACQUIRE);

	for (i = 0; i < done; i++)
		if (c->slots[i].word != c->tid)
			return 0;
	return 1;
}

TEST_F(robust_unlock, killed_owners_never_mark_freed_futexes)
{
	struct stress *st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[STRESS_CHILDREN];
	int i, n, kills = 0, reused = 0, recovered = 0, status;

	ASSERT_TRUE(st != MAP_FAILED);
	robust_futex_init(&st->mutex, 0);
	srand(getpid());
	for (n = 0; n < STRESS_CHILDREN; n++) {
		pids[n] = spawn_stress_child(st, n);
		ASSERT_LT(0, pids[n]);
	}
	for (i = 0; i < STRESS_KILLS; i++) {
		usleep(rand() % 3000);
		n = rand() % STRESS_CHILDREN;
		ASSERT_EQ(0, kill(pids[n], SIGKILL));
		ASSERT_EQ(pids[n], waitpid(pids[n], &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
		kills++;
		reused += st->child[n].done;
		recovered += st->child[n].recovered;
		EXPECT_TRUE(reused_slots_intact(&st->child[n]))
			TH_LOG("child %d: a freed futex was marked", n);
		pids[n] = spawn_stress_child(st, n);
		ASSERT_LT(0, pids[n]);
	}
	for (n = 0; n < STRESS_CHILDREN; n++) {
		kill(pids[n], SIGKILL);
		waitpid(pids[n], &status, 0);
		EXPECT_TRUE(reused_slots_intact(&st->child[n]));
	}
	TH_LOG("%d kills, %d futexes freed and reused, %d owner deaths recovered",
	       kills, reused, recovered);
	/* The children made progress: the test exercised the unlock. */
	EXPECT_LT(STRESS_KILLS, reused);
	munmap(st, sizeof(*st));
}

TEST_HARNESS_MAIN
