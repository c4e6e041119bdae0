// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Robust futex lists: set_robust_list()/get_robust_list() and what the
 * kernel does with a list when its thread exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "robust_list.h"
#include "../../kselftest_harness.h"

TEST(set_then_get_returns_the_head)
{
	struct robust_list_head head, *got = NULL;
	size_t len = 0;

	robust_head_init(&head);
	ASSERT_EQ(0, sys_set_robust_list(&head, sizeof(head)));
	ASSERT_EQ(0, sys_get_robust_list(0, &got, &len));
	EXPECT_EQ(&head, got);
	EXPECT_EQ(sizeof(head), len);
	ASSERT_EQ(0, sys_get_robust_list(robust_gettid(), &got, &len));
	EXPECT_EQ(&head, got);
}

TEST(set_rejects_a_wrong_size)
{
	struct robust_list_head head;

	robust_head_init(&head);
	EXPECT_EQ(-1, sys_set_robust_list(&head, sizeof(head) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_set_robust_list(&head, sizeof(head) + 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST(get_of_a_missing_pid_is_esrch)
{
	struct robust_list_head *got;
	size_t len;

	/* Above the default pid_max, so no task can have it. */
	EXPECT_EQ(-1, sys_get_robust_list(4194305, &got, &len));
	EXPECT_EQ(ESRCH, errno);
}

struct owner_args {
	/*
	 * The owner's list head lives here, not on the owner's stack: glibc
	 * discards the unused part of a thread's stack (MADV_DONTNEED) before
	 * the thread exits, as a libc keeps its head in the thread's TCB.
	 */
	struct robust_list_head head;
	struct robust_futex *futexes;
	int count;
	int locked;		/* futex word: set once the owner holds all */
	int pi;
};

/* Take every futex of @args, then exit holding them. */
static void *die_holding(void *arg)
{
	struct owner_args *args = arg;
	struct robust_list_head *head = &args->head;
	int i;

	robust_head_init(head);
	if (sys_set_robust_list(head, sizeof(*head)))
		return (void *)1L;
	for (i = 0; i < args->count; i++) {
		if (args->pi ? robust_lock_pi(head, &args->futexes[i], 0) :
			       robust_lock(head, &args->futexes[i], 0))
			return (void *)1L;
	}
	__atomic_store_n(&args->locked, 1, __ATOMIC_RELEASE);
	futex_wake((futex_t *)&args->locked, 1, 0);
	return NULL;	/* exits with the locks held */
}

TEST(owner_death_marks_the_word_owner_died)
{
	struct robust_futex f;
	struct owner_args args = { .futexes = &f, .count = 1 };
	pthread_t owner;
	void *ret;

	robust_futex_init(&f, 0);
	ASSERT_EQ(0, pthread_create(&owner, NULL, die_holding, &args));
	ASSERT_EQ(0, pthread_join(owner, &ret));
	ASSERT_EQ(NULL, ret);
	/* No waiters: the word is just the flag, the tid is gone. */
	EXPECT_EQ(FUTEX_OWNER_DIED, f.word);
}

TEST(owner_death_hands_the_lock_to_a_waiter)
{
	struct robust_list_head head;
	struct robust_futex f;
	struct owner_args args = { .futexes = &f, .count = 1 };
	pthread_t owner;

	robust_head_init(&head);
	ASSERT_EQ(0, sys_set_robust_list(&head, sizeof(head)));
	robust_futex_init(&f, 0);
	ASSERT_EQ(0, pthread_create(&owner, NULL, die_holding, &args));
	while (!__atomic_load_n(&args.locked, __ATOMIC_ACQUIRE))
		futex_wait((futex_t *)&args.locked, 0, NULL, 0);
	/* Blocks until the owner's exit marks the word and wakes us. */
	EXPECT_EQ(EOWNERDEAD, robust_lock(&head, &f, 0));
	EXPECT_EQ((uint32_t)robust_gettid(), f.word & FUTEX_TID_MASK);
	ASSERT_EQ(0, pthread_join(owner, NULL));
	robust_unlock(&head, &f, 0);
	EXPECT_EQ(0, f.word);
}

TEST_HARNESS_MAIN
