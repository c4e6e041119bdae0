// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Robust futex lists: set_robust_list()/get_robust_list() and what the
 * kernel does with a list when the thread that registered it exits or
 * execs. Built as a 64-bit and, on x86_64, as a 32-bit program, so the
 * compat walk is covered too.
 *
 * Lists and futexes live in memory that outlives the dying thread: glibc
 * discards the unused part of a thread's stack (MADV_DONTNEED) before the
 * thread exits, as a libc keeps its own list head in the thread's TCB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "robust_list.h"
#include "../../kselftest_harness.h"

/* More futexes than the kernel walks: ROBUST_LIST_LIMIT is 2048. */
#define LONG_LIST	(ROBUST_LIST_LIMIT + 52)
#define MANY		16

static void *map_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* An owner thread: registers @head, runs @body, exits. */
struct owner {
	struct robust_list_head head;
	int (*body)(struct owner *o);
	struct robust_futex *futexes;
	int count;
	int pi;
	pid_t waiter;		/* wait for this thread to sleep before dying */
	int hold;		/* wait for release() before dying */
	uint32_t ready;		/* futex word: the owner holds its locks */
	uint32_t release;	/* futex word: the owner may die */
	pid_t tid;
};

static void *owner_thread(void *arg)
{
	struct owner *o = arg;

	o->tid = robust_gettid();
	robust_head_init(&o->head);
	if (sys_set_robust_list(&o->head, sizeof(o->head)))
		return (void *)1L;
	return (void *)(long)o->body(o);
}

static void signal_ready(struct owner *o)
{
	__atomic_store_n(&o->ready, 1, __ATOMIC_RELEASE);
	futex_wake(&o->ready, INT32_MAX, 0);
}

static void wait_ready(struct owner *o)
{
	while (!__atomic_load_n(&o->ready, __ATOMIC_ACQUIRE))
		futex_wait(&o->ready, 0, NULL, 0);
}

static void release(struct owner *o)
{
	__atomic_store_n(&o->release, 1, __ATOMIC_RELEASE);
	futex_wake(&o->release, INT32_MAX, 0);
}

/* Lock every futex, tell the parent, wait for the waiter to sleep, die. */
static int lock_all_and_die(struct owner *o)
{
	int i;

	for (i = 0; i < o->count; i++) {
		if (o->pi ? robust_lock_pi(&o->head, &o->futexes[i], 0) :
			    robust_lock(&o->head, &o->futexes[i], 0))
			return 1;
	}
	signal_ready(o);
	while (o->hold && !__atomic_load_n(&o->release, __ATOMIC_ACQUIRE))
		futex_wait(&o->release, 0, NULL, 0);
	if (o->waiter) {
		while (!(__atomic_load_n(&o->futexes[0].word, __ATOMIC_ACQUIRE) &
			 FUTEX_WAITERS))
			usleep(1000);
		futex_wait_until_sleeping(o->waiter);
	}
	return 0;
}

static int run_owner(struct owner *o)
{
	pthread_t thread;
	void *ret;

	if (pthread_create(&thread, NULL, owner_thread, o) ||
	    pthread_join(thread, &ret))
		return -1;
	return (int)(long)ret;
}

TEST(set_then_get_returns_the_head)
{
	struct robust_list_head head, *got = NULL;
	size_t len = 0;

	robust_head_init(&head);
	ASSERT_EQ(0, sys_set_robust_list(&head, sizeof(head)));
	ASSERT_EQ(0, sys_get_robust_list(0, &got, &len));
	EXPECT_TRUE(got == &head);
	EXPECT_EQ(sizeof(head), len);
	ASSERT_EQ(0, sys_get_robust_list(robust_gettid(), &got, &len));
	EXPECT_TRUE(got == &head);
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

TEST(owner_death_marks_the_word_owner_died)
{
	struct robust_futex f;
	struct owner o = { .body = lock_all_and_die, .futexes = &f,
			   .count = 1 };

	robust_futex_init(&f, 0);
	ASSERT_EQ(0, run_owner(&o));
	/* No waiters: the word is just the flag, the tid is gone. */
	EXPECT_EQ(FUTEX_OWNER_DIED, f.word);
}

/* A waiter asleep on a futex whose owner dies, for plain and PI futexes. */
FIXTURE(sleeping_waiter) {
	struct robust_list_head head;
	struct robust_futex f;
};

FIXTURE_VARIANT(sleeping_waiter) {
	int pi;
};

FIXTURE_VARIANT_ADD(sleeping_waiter, plain) {
	.pi = 0,
};

FIXTURE_VARIANT_ADD(sleeping_waiter, pi) {
	.pi = 1,
};

FIXTURE_SETUP(sleeping_waiter)
{
	robust_head_init(&self->head);
	ASSERT_EQ(0, sys_set_robust_list(&self->head, sizeof(self->head)));
	robust_futex_init(&self->f, variant->pi);
}

FIXTURE_TEARDOWN(sleeping_waiter)
{
}

/*
 * The owner dies once we sleep on its futex: plain futexes are marked and
 * we are woken, PI futexes are handed over to us by the kernel. Either
 * way we own it, and learn the owner died.
 */
TEST_F(sleeping_waiter, owner_death_hands_the_lock_over)
{
	struct owner o = { .body = lock_all_and_die, .futexes = &self->f,
			   .count = 1, .pi = variant->pi,
			   .waiter = robust_gettid() };
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, owner_thread, &o));
	wait_ready(&o);
	EXPECT_EQ(EOWNERDEAD, variant->pi ?
			      robust_lock_pi(&self->head, &self->f, 0) :
			      robust_lock(&self->head, &self->f, 0));
	EXPECT_EQ((uint32_t)robust_gettid(), self->f.word & FUTEX_TID_MASK);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	if (variant->pi) {
		EXPECT_TRUE(self->f.word & FUTEX_OWNER_DIED);
		EXPECT_EQ(0, robust_unlock_pi(&self->head, &self->f, 0));
	} else {
		robust_unlock(&self->head, &self->f, 0);
	}
	EXPECT_EQ(0, self->f.word);
}

struct waiter {
	struct robust_list_head head;
	struct robust_futex *f;
	pid_t tid;
	uint32_t started;
	int ret;
};

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;

	w->tid = robust_gettid();
	robust_head_init(&w->head);
	sys_set_robust_list(&w->head, sizeof(w->head));
	__atomic_store_n(&w->started, 1, __ATOMIC_RELEASE);
	w->ret = robust_lock(&w->head, w->f, 0);
	if (w->ret == EOWNERDEAD)
		robust_unlock(&w->head, w->f, 0);
	return NULL;
}

TEST(owner_death_with_many_locks_and_waiters)
{
	struct robust_futex f[MANY];
	struct waiter w[MANY] = {};
	struct owner o = { .body = lock_all_and_die, .futexes = f,
			   .count = MANY, .hold = 1 };
	pthread_t owner, threads[MANY];
	int i;

	for (i = 0; i < MANY; i++)
		robust_futex_init(&f[i], 0);
	ASSERT_EQ(0, pthread_create(&owner, NULL, owner_thread, &o));
	wait_ready(&o);
	for (i = 0; i < MANY; i++) {
		w[i].f = &f[i];
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, waiter_thread,
					    &w[i]));
	}
	/* Every waiter sleeps on its futex before the owner dies. */
	for (i = 0; i < MANY; i++) {
		while (!(__atomic_load_n(&f[i].word, __ATOMIC_ACQUIRE) &
			 FUTEX_WAITERS))
			usleep(1000);
		futex_wait_until_sleeping(w[i].tid);
	}
	release(&o);
	ASSERT_EQ(0, pthread_join(owner, NULL));
	for (i = 0; i < MANY; i++) {
		ASSERT_EQ(0, pthread_join(threads[i], NULL));
		EXPECT_EQ(EOWNERDEAD, w[i].ret) TH_LOG("waiter %d", i);
	}
}

/* Announce a futex it holds in list_op_pending only, then die. */
static int die_with_pending_op(struct owner *o)
{
	o->futexes[0].word = robust_gettid();
	robust_set_pending(&o->head, &o->futexes[0]);
	return 0;
}

TEST(pending_op_alone_is_handled)
{
	struct robust_futex f;
	struct owner o = { .body = die_with_pending_op, .futexes = &f };

	robust_futex_init(&f, 0);
	ASSERT_EQ(0, run_owner(&o));
	EXPECT_EQ(FUTEX_OWNER_DIED, f.word);
}

TEST(shared_memory_child_process_dies_holding)
{
	struct robust_futex *f = map_shared(sizeof(*f));
	struct robust_list_head *head = map_shared(sizeof(*head));
	int status;
	pid_t child;

	ASSERT_FALSE(!f);
	ASSERT_FALSE(!head);
	robust_futex_init(f, 0);
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		/* fork() does not inherit the list: register one. */
		robust_head_init(head);
		if (sys_set_robust_list(head, sizeof(*head)) ||
		    robust_lock(head, f, 0))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(FUTEX_OWNER_DIED, f->word);
}

/* Link @f[0..count) into @head in order, owned by the caller, unlocked. */
static void link_owned(struct robust_list_head *head, struct robust_futex *f,
		       int count)
{
	struct robust_list *prev = &head->list;
	int i;

	for (i = 0; i < count; i++) {
		f[i].word = robust_gettid();
		prev->next = &f[i].list;
		prev = &f[i].list;
	}
	prev->next = &head->list;
}

static int die_with_long_list(struct owner *o)
{
	link_owned(&o->head, o->futexes, o->count);
	return 0;
}

TEST(walk_stops_after_robust_list_limit_entries)
{
	struct robust_futex *f = calloc(LONG_LIST, sizeof(*f));
	struct owner o = { .body = die_with_long_list, .futexes = f,
			   .count = LONG_LIST };
	int i, died = 0;

	ASSERT_FALSE(!f);
	ASSERT_EQ(0, run_owner(&o));
	for (i = 0; i < LONG_LIST; i++) {
		if (f[i].word == FUTEX_OWNER_DIED)
			died++;
		else
			EXPECT_EQ((uint32_t)o.tid, f[i].word);
	}
	EXPECT_EQ(ROBUST_LIST_LIMIT, died);
	/* And exactly the first ones, in list order. */
	EXPECT_EQ(FUTEX_OWNER_DIED, f[ROBUST_LIST_LIMIT - 1].word);
	EXPECT_EQ((uint32_t)o.tid, f[ROBUST_LIST_LIMIT].word);
	free(f);
}

static int die_with_circular_list(struct owner *o)
{
	link_owned(&o->head, o->futexes, 2);
	/* futex 1 links back to futex 0 instead of the head. */
	o->futexes[1].list.next = &o->futexes[0].list;
	return 0;
}

TEST(circular_list_terminates)
{
	struct robust_futex f[2] = {};
	struct owner o = { .body = die_with_circular_list, .futexes = f };

	ASSERT_EQ(0, run_owner(&o));
	EXPECT_EQ(FUTEX_OWNER_DIED, f[0].word);
	EXPECT_EQ(FUTEX_OWNER_DIED, f[1].word);
}

static int die_with_unmapped_head(struct owner *o)
{
	struct robust_list_head *head = map_shared(getpagesize());

	if (!head)
		return 1;
	robust_head_init(head);
	if (sys_set_robust_list(head, sizeof(*head)))
		return 1;
	link_owned(head, o->futexes, 1);
	munmap(head, getpagesize());
	return 0;
}

TEST(unmapped_head_ends_the_walk)
{
	struct robust_futex f;
	struct owner o = { .body = die_with_unmapped_head, .futexes = &f };

	robust_futex_init(&f, 0);
	ASSERT_EQ(0, run_owner(&o));
	/* f is on the list, but the list cannot be read. */
	EXPECT_EQ((uint32_t)o.tid, f.word);
}

static int die_with_unmapped_entry(struct owner *o)
{
	void *hole = map_shared(getpagesize());

	if (!hole)
		return 1;
	munmap(hole, getpagesize());
	link_owned(&o->head, o->futexes, 2);
	/* futex 0 links into the hole: futex 1 is never reached. */
	o->futexes[0].list.next = (struct robust_list *)((char *)hole + 8);
	return 0;
}

TEST(unmapped_entry_ends_the_walk)
{
	struct robust_futex f[2] = {};
	struct owner o = { .body = die_with_unmapped_entry, .futexes = f };

	ASSERT_EQ(0, run_owner(&o));
	EXPECT_EQ(FUTEX_OWNER_DIED, f[0].word);
	EXPECT_EQ((uint32_t)o.tid, f[1].word);
}

static int die_with_unaligned_word(struct owner *o)
{
	link_owned(&o->head, o->futexes, 2);
	/* An odd futex_offset: the first word is misaligned. */
	o->head.futex_offset += 1;
	return 0;
}

TEST(unaligned_word_ends_the_walk)
{
	struct robust_futex f[2] = {};
	struct owner o = { .body = die_with_unaligned_word, .futexes = f };

	ASSERT_EQ(0, run_owner(&o));
	EXPECT_EQ((uint32_t)o.tid, f[0].word);
	EXPECT_EQ((uint32_t)o.tid, f[1].word);
}

/*
 * exec() walks the list and unregisters it: the futex is owner-died when
 * the new image starts, and when the new image, mapping the same memory at
 * the same address, takes the futex and exits, the old list is not walked
 * again.
 */
TEST(exec_walks_and_drops_the_list)
{
	int fd = memfd_create("robust", 0);	/* inherited across exec */
	struct robust_list_head *head;
	struct robust_futex *f;
	char fdarg[16], addrarg[32];
	int status;
	pid_t child;
	void *map;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, getpagesize()));
	map = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	f = map;
	head = (void *)((char *)map + 64);
	robust_futex_init(f, 0);
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		robust_head_init(head);
		if (sys_set_robust_list(head, sizeof(*head)) ||
		    robust_lock(head, f, 0))
			_exit(1);
		snprintf(fdarg, sizeof(fdarg), "%d", fd);
		snprintf(addrarg, sizeof(addrarg), "%lx", (unsigned long)map);
		execl("/proc/self/exe", "futex_robust_list", "--after-exec",
		      fdarg, addrarg, NULL);
		_exit(2);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 3: not owner-died at exec; 4: could not map the same address. */
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Taken by the new image, which died: the old list was dropped. */
	EXPECT_EQ((uint32_t)child, f->word);
	close(fd);
}

/* The image exec'd by exec_walks_and_drops_the_list. */
static int after_exec(int fd, unsigned long addr)
{
	struct robust_futex *f;

	f = mmap((void *)addr, getpagesize(), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (f != (void *)addr)
		return 4;
	if (f->word != FUTEX_OWNER_DIED)
		return 3;
	f->word = robust_gettid();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--after-exec"))
		return after_exec(atoi(argv[2]), strtoul(argv[3], NULL, 16));
	return test_harness_run(argc, argv);
}
