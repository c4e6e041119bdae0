// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Robust futexes as libc users meet them: POSIX robust mutexes of the C
 * library (here glibc, linked statically) over the kernel's robust list
 * walk. EOWNERDEAD, pthread_mutex_consistent() and ENOTRECOVERABLE,
 * process-shared robust mutexes across fork(), and PI robust mutexes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "robust_list.h"
#include "../../kselftest_harness.h"

#define MANY 12

static int init_robust(pthread_mutex_t *m, int pshared, int protocol)
{
	pthread_mutexattr_t attr;
	int ret;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&attr, pshared);
	pthread_mutexattr_setprotocol(&attr, protocol);
	ret = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	return ret;
}

struct holder {
	pthread_mutex_t *mutexes;
	int count;
	pthread_barrier_t *held;	/* if set: wait here once holding */
	pid_t waiter;			/* if set: die once it sleeps on [0] */
};

/* Lock every mutex and exit holding them. */
static void *hold_and_die(void *arg)
{
	struct holder *h = arg;
	int i;

	for (i = 0; i < h->count; i++) {
		if (pthread_mutex_lock(&h->mutexes[i]))
			return (void *)1L;
	}
	if (h->held)
		pthread_barrier_wait(h->held);
	if (h->waiter) {
		/* glibc's futex word is __data.__lock. */
		while (!(__atomic_load_n(&h->mutexes[0].__data.__lock,
					 __ATOMIC_ACQUIRE) & FUTEX_WAITERS))
			usleep(1000);
		futex_wait_until_sleeping(h->waiter);
	}
	return NULL;
}

static int die_holding(pthread_mutex_t *m, int count)
{
	struct holder h = { .mutexes = m, .count = count };
	pthread_t t;
	void *ret;

	if (pthread_create(&t, NULL, hold_and_die, &h) ||
	    pthread_join(t, &ret))
		return -1;
	return ret ? -1 : 0;
}

TEST(owner_death_is_eownerdead_then_consistent)
{
	pthread_mutex_t m;

	ASSERT_EQ(0, init_robust(&m, PTHREAD_PROCESS_PRIVATE,
				 PTHREAD_PRIO_NONE));
	ASSERT_EQ(0, die_holding(&m, 1));
	ASSERT_EQ(EOWNERDEAD, pthread_mutex_lock(&m));
	ASSERT_EQ(0, pthread_mutex_consistent(&m));
	ASSERT_EQ(0, pthread_mutex_unlock(&m));
	/* Consistent again: an ordinary lock. */
	ASSERT_EQ(0, pthread_mutex_lock(&m));
	ASSERT_EQ(0, pthread_mutex_unlock(&m));
}

TEST(unlock_without_consistent_is_enotrecoverable)
{
	pthread_mutex_t m;

	ASSERT_EQ(0, init_robust(&m, PTHREAD_PROCESS_PRIVATE,
				 PTHREAD_PRIO_NONE));
	ASSERT_EQ(0, die_holding(&m, 1));
	ASSERT_EQ(EOWNERDEAD, pthread_mutex_lock(&m));
	ASSERT_EQ(0, pthread_mutex_unlock(&m));
	ASSERT_EQ(ENOTRECOVERABLE, pthread_mutex_lock(&m));
}

TEST(many_mutexes_all_eownerdead)
{
	pthread_mutex_t m[MANY];
	int i;

	for (i = 0; i < MANY; i++)
		ASSERT_EQ(0, init_robust(&m[i], PTHREAD_PROCESS_PRIVATE,
					 PTHREAD_PRIO_NONE));
	ASSERT_EQ(0, die_holding(m, MANY));
	for (i = 0; i < MANY; i++) {
		EXPECT_EQ(EOWNERDEAD, pthread_mutex_lock(&m[i]));
		EXPECT_EQ(0, pthread_mutex_consistent(&m[i]));
		EXPECT_EQ(0, pthread_mutex_unlock(&m[i]));
	}
}

/* The cases where plain and PI robust mutexes must behave alike. */
FIXTURE(robust_mutex) {
	pthread_mutex_t *m;	/* shared, so a child process can use it */
};

FIXTURE_VARIANT(robust_mutex) {
	int protocol;
};

FIXTURE_VARIANT_ADD(robust_mutex, plain) {
	.protocol = PTHREAD_PRIO_NONE,
};

FIXTURE_VARIANT_ADD(robust_mutex, pi) {
	.protocol = PTHREAD_PRIO_INHERIT,
};

FIXTURE_SETUP(robust_mutex)
{
	self->m = mmap(NULL, sizeof(*self->m), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(self->m != MAP_FAILED);
	ASSERT_EQ(0, init_robust(self->m, PTHREAD_PROCESS_SHARED,
				 variant->protocol));
}

FIXTURE_TEARDOWN(robust_mutex)
{
	munmap(self->m, sizeof(*self->m));
}

TEST_F(robust_mutex, blocked_waiter_gets_eownerdead)
{
	pthread_barrier_t held;
	struct holder h = { .mutexes = self->m, .count = 1, .held = &held,
			    .waiter = syscall(SYS_gettid) };
	pthread_t t;

	pthread_barrier_init(&held, NULL, 2);
	ASSERT_EQ(0, pthread_create(&t, NULL, hold_and_die, &h));
	pthread_barrier_wait(&held);
	/* Sleeps in the kernel until the owner's death hands it over. */
	ASSERT_EQ(EOWNERDEAD, pthread_mutex_lock(self->m));
	ASSERT_EQ(0, pthread_mutex_consistent(self->m));
	ASSERT_EQ(0, pthread_mutex_unlock(self->m));
	ASSERT_EQ(0, pthread_join(t, NULL));
}

TEST_F(robust_mutex, child_process_dies_holding)
{
	int status;
	pid_t child;

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(pthread_mutex_lock(self->m) ? 1 : 0);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(EOWNERDEAD, pthread_mutex_lock(self->m));
	ASSERT_EQ(0, pthread_mutex_consistent(self->m));
	ASSERT_EQ(0, pthread_mutex_unlock(self->m));
}

TEST_HARNESS_MAIN
