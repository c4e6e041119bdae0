// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * set_robust_list2() and get_robust_list2(): several robust lists per task,
 * each of 64-bit or 32-bit layout, next to the list of set_robust_list().
 *
 * Every command and every error, the permission rule of get_robust_list2(),
 * and what the kernel does with all the lists of a task that exits or execs.
 * Built as a 64-bit program and, on x86_64, as a 32-bit one: a 32-bit task
 * may only register 32-bit lists, and gets heads back as 32-bit pointers.
 *
 * A 32-bit list of a 64-bit task must live below 4 GiB: its pointers are
 * 32 bits wide. map_low() finds such memory without MAP_32BIT, which only
 * x86_64 has.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "robust_list.h"
#include "futex_thread.h"
#include "kselftest_harness.h"

#define CMD_CREATE_64	FUTEX_ROBUST_LIST_CMD_CREATE_64
#define CMD_CREATE_32	FUTEX_ROBUST_LIST_CMD_CREATE_32
#define CMD_MODIFY_64	FUTEX_ROBUST_LIST_CMD_MODIFY_64
#define CMD_MODIFY_32	FUTEX_ROBUST_LIST_CMD_MODIFY_32

#define IS_64BIT	(sizeof(void *) == 8)

/* Pointers compared as integers: the harness prints them as intmax_t. */
#define PTR(p)		((uintptr_t)(p))

/* The uAPI promises at least this many indexes. */
#define MIN_LIST_LIMIT	8

static long set_list2(void *head, unsigned int cmd, unsigned int index,
		      unsigned int flags)
{
	return syscall(__NR_set_robust_list2, head, cmd, index, flags);
}

static long get_list2(int pid, void **head, unsigned int index,
		      unsigned int flags)
{
	return syscall(__NR_get_robust_list2, pid, head, index, flags);
}

static int list_limit(void)
{
	return set_list2(NULL, FUTEX_ROBUST_LIST_CMD_LIST_LIMIT, 0, 0);
}

/* A shared mapping below 4 GiB, where a 32-bit list can point. */
static void *map_low(size_t size)
{
	uintptr_t addr;
	void *p;

	for (addr = 0x10000000; addr < 0xf0000000; addr += 0x01000000) {
		p = mmap((void *)addr, size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
		if (p == (void *)addr)
			return p;
		if (p != MAP_FAILED)
			munmap(p, size);
	}
	return NULL;
}

/* A 32-bit robust futex: the word, then the 32-bit list node. */
struct robust_futex32 {
	uint32_t word;
	struct robust_list32 list;
};

static uint32_t ptr32(void *p)
{
	return (uint32_t)(uintptr_t)p;
}

/* An empty 32-bit list whose futex_offset matches struct robust_futex32. */
static void head32_init(struct robust_list_head32 *head)
{
	head->list.next = ptr32(&head->list);
	head->futex_offset = (int32_t)offsetof(struct robust_futex32, word) -
			     (int32_t)offsetof(struct robust_futex32, list);
	head->list_op_pending = 0;
}

/* Take @f for this thread and link it into the 32-bit list @head. */
static void lock32(struct robust_list_head32 *head, struct robust_futex32 *f)
{
	f->word = robust_gettid();
	f->list.next = head->list.next;
	head->list.next = ptr32(&f->list);
}

/*
 * Every test runs in this fixture, which skips on a kernel without the
 * calls, as kselftests do where a feature is missing.
 */
FIXTURE(list2) {};

FIXTURE_SETUP(list2)
{
	if (list_limit() < 0 && errno == ENOSYS)
		SKIP(return, "no set_robust_list2() in this kernel");
}

FIXTURE_TEARDOWN(list2) {}

TEST_F(list2, list_limit_is_at_least_8)
{
	EXPECT_LE(MIN_LIST_LIMIT, list_limit());
}

TEST_F(list2, entry_limit_is_robust_list_limit)
{
	EXPECT_EQ(ROBUST_LIST_LIMIT,
		  set_list2(NULL, FUTEX_ROBUST_LIST_CMD_ENTRY_LIMIT, 0, 0));
}

#ifdef __LP64__
TEST_F(list2, modify_64_then_get_returns_head_and_kind)
{
	struct robust_list_head head;
	void *got = NULL;

	robust_head_init(&head);
	ASSERT_EQ(0, set_list2(&head, CMD_MODIFY_64, 3, 0));
	EXPECT_EQ(CMD_MODIFY_64, get_list2(0, &got, 3, 0));
	EXPECT_EQ(PTR(&head), PTR(got));
	EXPECT_EQ(CMD_MODIFY_64, get_list2(robust_gettid(), &got, 3, 0));
	EXPECT_EQ(0, set_list2(NULL, CMD_MODIFY_64, 3, 0));
}
#else
TEST_F(list2, commands_64_from_a_32bit_task_are_eopnotsupp)
{
	struct robust_list_head head;

	robust_head_init(&head);
	EXPECT_EQ(-1, set_list2(&head, CMD_MODIFY_64, 0, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, set_list2(&head, CMD_CREATE_64, 0, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
}
#endif

TEST_F(list2, modify_32_then_get_returns_head_and_kind)
{
	struct robust_list_head32 *head = map_low(getpagesize());
	void *got = NULL;

	ASSERT_NE(0, PTR(head));
	head32_init(head);
	ASSERT_EQ(0, set_list2(head, CMD_MODIFY_32, 5, 0));
	EXPECT_EQ(CMD_MODIFY_32, get_list2(0, &got, 5, 0));
	EXPECT_EQ(PTR(head), PTR(got));
	EXPECT_EQ(0, set_list2(NULL, CMD_MODIFY_32, 5, 0));
	munmap(head, getpagesize());
}

TEST_F(list2, get_of_an_unused_index_is_enoent)
{
	void *got = NULL;

	EXPECT_EQ(-1, get_list2(0, &got, 0, 0));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(list2, modify_null_frees_the_index)
{
	struct robust_list_head32 *head = map_low(getpagesize());
	void *got = NULL;

	ASSERT_NE(0, PTR(head));
	head32_init(head);
	ASSERT_EQ(0, set_list2(head, CMD_MODIFY_32, 1, 0));
	ASSERT_EQ(0, set_list2(NULL, CMD_MODIFY_32, 1, 0));
	EXPECT_EQ(-1, get_list2(0, &got, 1, 0));
	EXPECT_EQ(ENOENT, errno);
	munmap(head, getpagesize());
}

/*
 * CREATE takes the lowest free index, fails with ENOSPC when all are used,
 * and reuses an index that MODIFY with a NULL head freed.
 */
TEST_F(list2, create_fills_free_indexes_then_enospc_then_reuses)
{
	struct robust_list_head32 *heads = map_low(getpagesize());
	int limit = list_limit(), i;
	void *got = NULL;

	ASSERT_NE(0, PTR(heads));
	ASSERT_LE(MIN_LIST_LIMIT, limit);
	for (i = 0; i < limit; i++) {
		head32_init(&heads[i]);
		EXPECT_EQ(i, set_list2(&heads[i], CMD_CREATE_32, 0, 0));
	}
	EXPECT_EQ(-1, set_list2(&heads[0], CMD_CREATE_32, 0, 0));
	EXPECT_EQ(ENOSPC, errno);

	ASSERT_EQ(0, set_list2(NULL, CMD_MODIFY_32, 2, 0));
	EXPECT_EQ(2, set_list2(&heads[2], CMD_CREATE_32, 0, 0));
	for (i = 0; i < limit; i++) {
		EXPECT_EQ(CMD_MODIFY_32, get_list2(0, &got, i, 0));
		EXPECT_EQ(PTR(&heads[i]), PTR(got));
		EXPECT_EQ(0, set_list2(NULL, CMD_MODIFY_32, i, 0));
	}
	munmap(heads, getpagesize());
}

TEST_F(list2, bad_arguments_are_einval)
{
	struct robust_list_head32 *head = map_low(getpagesize());
	int limit = list_limit();
	void *got = NULL;

	ASSERT_NE(0, PTR(head));
	head32_init(head);
	/* Unknown commands, and the kernel's own. */
	EXPECT_EQ(-1, set_list2(head, FUTEX_ROBUST_LIST_CMD_USER_MAX, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_list2(head, FUTEX_ROBUST_LIST_SET_NATIVE, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_list2(head, FUTEX_ROBUST_LIST_SET_COMPAT, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_list2(head, ~0u, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	/* An index where the command takes none. */
	EXPECT_EQ(-1, set_list2(head, CMD_CREATE_32, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_list2(NULL, FUTEX_ROBUST_LIST_CMD_LIST_LIMIT, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Flags. */
	EXPECT_EQ(-1, set_list2(head, CMD_MODIFY_32, 0, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_list2(NULL, FUTEX_ROBUST_LIST_CMD_LIST_LIMIT, 0, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, get_list2(0, &got, 0, 1));
	EXPECT_EQ(EINVAL, errno);
	/* Index out of range. */
	EXPECT_EQ(-1, set_list2(head, CMD_MODIFY_32, limit, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_list2(NULL, CMD_MODIFY_32, limit, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, get_list2(0, &got, limit, 0));
	EXPECT_EQ(EINVAL, errno);
	/* A head not aligned to the list's pointer size. */
	EXPECT_EQ(-1, set_list2((char *)head + 2, CMD_MODIFY_32, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_list2((char *)head + 1, CMD_CREATE_32, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	if (IS_64BIT) {
		EXPECT_EQ(-1, set_list2((char *)head + 4, CMD_MODIFY_64, 0, 0));
		EXPECT_EQ(EINVAL, errno);
		/* 4-byte alignment is enough for a 32-bit list. */
		EXPECT_EQ(0, set_list2((char *)head + 4, CMD_MODIFY_32, 0, 0));
		EXPECT_EQ(0, set_list2(NULL, CMD_MODIFY_32, 0, 0));
	}
	/* CREATE needs a head. */
	EXPECT_EQ(-1, set_list2(NULL, CMD_CREATE_32, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing above was registered. */
	EXPECT_EQ(-1, get_list2(0, &got, 0, 0));
	EXPECT_EQ(ENOENT, errno);
	munmap(head, getpagesize());
}

#ifdef __LP64__
/* The pointers of a 32-bit list cannot reach back to a head above 4 GiB. */
TEST_F(list2, list_32_head_above_4g_is_einval)
{
	void *p = mmap((void *)(1UL << 33), getpagesize(),
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	ASSERT_EQ(PTR(1UL << 33), PTR(p));
	EXPECT_EQ(-1, set_list2(p, CMD_MODIFY_32, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	munmap(p, getpagesize());
}
#endif

TEST_F(list2, get_writes_a_pointer_of_the_callers_size)
{
	struct robust_list_head32 *head = map_low(getpagesize());
	struct {
		void *head;
		uint32_t guard;
	} out = { NULL, 0x5a5a5a5a };

	ASSERT_NE(0, PTR(head));
	head32_init(head);
	ASSERT_EQ(0, set_list2(head, CMD_MODIFY_32, 0, 0));
	EXPECT_EQ(CMD_MODIFY_32, get_list2(0, &out.head, 0, 0));
	EXPECT_EQ(PTR(head), PTR(out.head));
	EXPECT_EQ(0x5a5a5a5a, out.guard);
	EXPECT_EQ(0, set_list2(NULL, CMD_MODIFY_32, 0, 0));
	munmap(head, getpagesize());
}

TEST_F(list2, get_of_a_missing_pid_is_esrch)
{
	void *got = NULL;
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (child == 0)
		_exit(0);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	/* Reaped: the pid names no task. */
	EXPECT_EQ(-1, get_list2(child, &got, 0, 0));
	EXPECT_EQ(ESRCH, errno);
}

/* A shared page: a registered list, and words to step a child through. */
struct shared {
	struct robust_list_head32 head;
	uint32_t ready;
	uint32_t release;
};

static void wake_word(uint32_t *word)
{
	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	futex_wake(word, INT32_MAX, 0);
}

static void wait_word(uint32_t *word)
{
	while (!__atomic_load_n(word, __ATOMIC_ACQUIRE))
		futex_wait(word, 0, NULL, 0);
}

TEST_F(list2, get_of_another_task_returns_its_list)
{
	struct shared *sh = map_low(getpagesize());
	void *got = NULL;
	pid_t child;

	ASSERT_NE(0, PTR(sh));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		head32_init(&sh->head);
		if (set_list2(&sh->head, CMD_MODIFY_32, 6, 0))
			_exit(1);
		wake_word(&sh->ready);
		wait_word(&sh->release);
		_exit(0);
	}
	wait_word(&sh->ready);
	EXPECT_EQ(CMD_MODIFY_32, get_list2(child, &got, 6, 0));
	EXPECT_EQ(PTR(&sh->head), PTR(got));
	EXPECT_EQ(-1, get_list2(child, &got, 0, 0));
	EXPECT_EQ(ENOENT, errno);
	wake_word(&sh->release);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	munmap(sh, getpagesize());
}

/*
 * Reading another task's lists needs PTRACE_MODE_READ_REALCREDS: an
 * unprivileged task may read its own, not those of a root task.
 */
TEST_F(list2, get_of_a_privileged_task_is_eperm)
{
	struct shared *sh = map_low(getpagesize());
	pid_t parent = getpid(), child;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_NE(0, PTR(sh));
	head32_init(&sh->head);
	ASSERT_EQ(0, set_list2(&sh->head, CMD_MODIFY_32, 0, 0));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		void *got = NULL;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		if (get_list2(parent, &got, 0, 0) != -1 || errno != EPERM)
			_exit(11);
		/* Its own lists stay readable. */
		if (set_list2(&sh->head, CMD_MODIFY_32, 1, 0) ||
		    get_list2(getpid(), &got, 1, 0) != CMD_MODIFY_32)
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, set_list2(NULL, CMD_MODIFY_32, 0, 0));
	munmap(sh, getpagesize());
}

/* The legacy list and the indexes are separate. */
TEST_F(list2, legacy_and_new_lists_are_separate)
{
	struct robust_list_head32 *head32 = map_low(getpagesize());
	struct robust_list_head legacy, *got_legacy = NULL;
	void *got = NULL;
	size_t len = 0;

	ASSERT_NE(0, PTR(head32));
	head32_init(head32);
	robust_head_init(&legacy);
	ASSERT_EQ(0, sys_set_robust_list(&legacy, sizeof(legacy)));
	ASSERT_EQ(0, set_list2(head32, CMD_MODIFY_32, 0, 0));
	EXPECT_EQ(0, sys_get_robust_list(0, &got_legacy, &len));
	EXPECT_EQ(PTR(&legacy), PTR(got_legacy));
	EXPECT_EQ(CMD_MODIFY_32, get_list2(0, &got, 0, 0));
	EXPECT_EQ(PTR(head32), PTR(got));
	EXPECT_EQ(0, set_list2(NULL, CMD_MODIFY_32, 0, 0));
	EXPECT_EQ(0, sys_get_robust_list(0, &got_legacy, &len));
	EXPECT_EQ(PTR(&legacy), PTR(got_legacy));
	munmap(head32, getpagesize());
}

/* Everything a dying child holds, in one shared mapping below 4 GiB. */
struct death {
	struct robust_list_head legacy_head;
	struct robust_futex legacy_futex;
	struct robust_list_head heads64[MIN_LIST_LIMIT];
	struct robust_futex futexes64[MIN_LIST_LIMIT];
	struct robust_list_head32 heads32[MIN_LIST_LIMIT];
	struct robust_futex32 futexes32[MIN_LIST_LIMIT];
	uint32_t ready;
	uint32_t release;
	pid_t tid;
};

/*
 * The child registers the legacy list and MIN_LIST_LIMIT new ones (64-bit
 * and 32-bit alternately in a 64-bit task, all 32-bit in a 32-bit one),
 * holds one futex on each, and dies when released.
 */
static int hold_a_lock_on_every_list(struct death *d)
{
	int i, index;

	robust_head_init(&d->legacy_head);
	robust_futex_init(&d->legacy_futex, 0);
	if (sys_set_robust_list(&d->legacy_head, sizeof(d->legacy_head)) ||
	    robust_lock(&d->legacy_head, &d->legacy_futex, 0))
		return 1;
	for (i = 0; i < MIN_LIST_LIMIT; i++) {
		if (IS_64BIT && i % 2) {
			robust_head_init(&d->heads64[i]);
			robust_futex_init(&d->futexes64[i], 0);
			index = set_list2(&d->heads64[i], CMD_CREATE_64, 0, 0);
			if (robust_lock(&d->heads64[i], &d->futexes64[i], 0))
				return 2;
		} else {
			head32_init(&d->heads32[i]);
			index = set_list2(&d->heads32[i], CMD_CREATE_32, 0, 0);
			lock32(&d->heads32[i], &d->futexes32[i]);
		}
		if (index != i)
			return 3;
	}
	d->tid = robust_gettid();
	wake_word(&d->ready);
	wait_word(&d->release);
	return 0;
}

static uint32_t *death_word(struct death *d, int i)
{
	return IS_64BIT && i % 2 ? &d->futexes64[i].word : &d->futexes32[i].word;
}

/* Wait until thread @tid sleeps in the kernel's futex code. */
static void wait_until_sleeping(struct __test_metadata *_metadata, pid_t tid)
{
	char path[64];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/wchan", tid);
	fp = fopen(path, "r");
	ASSERT_NE(NULL, fp);
	__wait_for_thread(fp, _metadata);
	fclose(fp);
}

struct waiter {
	uint32_t *word;
	uint32_t seen;
	pid_t tid;
};

/* Sleep on a futex the child holds until its death wakes us. */
static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;
	uint32_t val;

	__atomic_store_n(&w->tid, robust_gettid(), __ATOMIC_RELEASE);
	for (;;) {
		val = __atomic_load_n(w->word, __ATOMIC_ACQUIRE);
		if (val & FUTEX_OWNER_DIED)
			break;
		futex_wait(w->word, val, NULL, 0);
	}
	w->seen = val;
	return NULL;
}

TEST_F(list2, owner_death_marks_a_futex_on_every_list)
{
	struct death *d = map_low(sizeof(*d));
	struct waiter w = { 0 };
	pthread_t thread;
	uint32_t val;
	int status, i;
	pid_t child;

	ASSERT_NE(0, PTR(d));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(hold_a_lock_on_every_list(d));
	wait_word(&d->ready);

	/* A waiter asleep on the last list's futex, with FUTEX_WAITERS set. */
	w.word = death_word(d, MIN_LIST_LIMIT - 1);
	val = __atomic_fetch_or(w.word, FUTEX_WAITERS, __ATOMIC_ACQ_REL);
	ASSERT_EQ((uint32_t)d->tid, val);
	ASSERT_EQ(0, pthread_create(&thread, NULL, waiter_thread, &w));
	while (!__atomic_load_n(&w.tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	wait_until_sleeping(_metadata, w.tid);

	wake_word(&d->release);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, pthread_join(thread, NULL));

	EXPECT_EQ(FUTEX_OWNER_DIED, d->legacy_futex.word);
	for (i = 0; i < MIN_LIST_LIMIT - 1; i++) {
		EXPECT_EQ(FUTEX_OWNER_DIED, *death_word(d, i))
			TH_LOG("futex of list %d", i);
	}
	EXPECT_EQ(FUTEX_OWNER_DIED | FUTEX_WAITERS, w.seen);
	munmap(d, sizeof(*d));
}

TEST_F(list2, fork_child_starts_without_lists)
{
	struct robust_list_head32 *head = map_low(getpagesize());
	int status;
	pid_t child;

	ASSERT_NE(0, PTR(head));
	head32_init(head);
	ASSERT_EQ(0, set_list2(head, CMD_MODIFY_32, 4, 0));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		void *got = NULL;

		_exit(get_list2(0, &got, 4, 0) == -1 && errno == ENOENT ? 0 : 1);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, set_list2(NULL, CMD_MODIFY_32, 4, 0));
	munmap(head, getpagesize());
}

/*
 * exec() walks the lists and drops them: the futex is owner-died when the
 * new image starts, and the new image has no lists.
 */
TEST_F(list2, exec_walks_and_drops_the_lists)
{
	struct death *d = map_low(sizeof(*d));
	char addrarg[32];
	int status;
	pid_t child;

	ASSERT_NE(0, PTR(d));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		head32_init(&d->heads32[0]);
		if (set_list2(&d->heads32[0], CMD_MODIFY_32, 7, 0))
			_exit(1);
		lock32(&d->heads32[0], &d->futexes32[0]);
		snprintf(addrarg, sizeof(addrarg), "%lx",
			 (unsigned long)&d->futexes32[0].word);
		execl("/proc/self/exe", "robust_list2", "--after-exec",
		      addrarg, NULL);
		_exit(2);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 3: the new image still had the list. */
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(FUTEX_OWNER_DIED, d->futexes32[0].word);
	munmap(d, sizeof(*d));
}

/* The list_op_pending width of this build's own lists, for FUTEX_ROBUST_UNLOCK. */
#ifdef __LP64__
#define NATIVE_LIST_FLAG	0
#else
#define NATIVE_LIST_FLAG	FUTEX_ROBUST_LIST32
#endif

/* FUTEX_WAKE with FUTEX_ROBUST_UNLOCK of @word, clearing the slot at @pop. */
static long robust_unlock_wake(uint32_t *word, void *pop, unsigned int list_flag)
{
	return syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_ROBUST_UNLOCK | list_flag,
		       1, NULL, pop, 0);
}

/*
 * A robust unlock whose list_op_pending slot cannot be written fails with
 * EFAULT, the futex unlocked, and drops the registration whose head holds
 * the slot: the exit walk must not follow it to a futex the task no longer
 * owns. The legacy list: the same rule on the C and the Rust kernels.
 */
TEST(unclearable_slot_drops_the_legacy_list)
{
	struct robust_list_head *head = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct robust_list_head *got = NULL;
	uint32_t word = robust_gettid() | FUTEX_WAITERS;
	size_t len = 0;

	ASSERT_NE(MAP_FAILED, head);
	robust_head_init(head);
	ASSERT_EQ(0, sys_set_robust_list(head, sizeof(*head)));
	ASSERT_EQ(0, mprotect(head, getpagesize(), PROT_READ));
	EXPECT_EQ(-1, robust_unlock_wake(&word, &head->list_op_pending, NATIVE_LIST_FLAG));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, word);
	ASSERT_EQ(0, sys_get_robust_list(0, &got, &len));
	EXPECT_EQ(0, PTR(got));
	munmap(head, getpagesize());
}

/* The same for a 32-bit list of set_robust_list2(), in either ABI. */
TEST_F(list2, unclearable_slot_drops_the_list_32)
{
	struct robust_list_head32 *head = map_low(getpagesize());
	uint32_t word = robust_gettid() | FUTEX_WAITERS;
	void *got = NULL;
	long index;

	ASSERT_NE(0, PTR(head));
	head32_init(head);
	index = set_list2(head, CMD_CREATE_32, 0, 0);
	ASSERT_LE(0, index);
	ASSERT_EQ(0, mprotect(head, getpagesize(), PROT_READ));
	EXPECT_EQ(-1, robust_unlock_wake(&word, &head->list_op_pending, FUTEX_ROBUST_LIST32));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, word);
	EXPECT_EQ(-1, get_list2(0, &got, index, 0));
	EXPECT_EQ(ENOENT, errno);
	munmap(head, getpagesize());
}

#ifdef __LP64__
/* And for a 64-bit one, next to a list it must leave alone. */
TEST_F(list2, unclearable_slot_drops_the_list_64)
{
	struct robust_list_head *heads = mmap(NULL, 2 * getpagesize(), PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct robust_list_head *head = heads, *other = (void *)((char *)heads + getpagesize());
	uint32_t word = robust_gettid() | FUTEX_WAITERS;
	long index, other_index;
	void *got = NULL;

	ASSERT_NE(MAP_FAILED, heads);
	robust_head_init(head);
	robust_head_init(other);
	index = set_list2(head, CMD_CREATE_64, 0, 0);
	other_index = set_list2(other, CMD_CREATE_64, 0, 0);
	ASSERT_LE(0, index);
	ASSERT_LE(0, other_index);
	ASSERT_EQ(0, mprotect(head, getpagesize(), PROT_READ));
	EXPECT_EQ(-1, robust_unlock_wake(&word, &head->list_op_pending, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, get_list2(0, &got, index, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(CMD_MODIFY_64, get_list2(0, &got, other_index, 0));
	EXPECT_EQ(PTR(other), PTR(got));
	munmap(heads, 2 * getpagesize());
}
#endif

/* A thread that fills its table with the @arg heads, and exits. */
static void *fill_table_and_exit(void *arg)
{
	struct robust_list_head32 *heads = arg;
	long limit = list_limit(), created = 0, i;

	for (i = 0; i < limit; i++)
		created += set_list2(&heads[i], CMD_CREATE_32, 0, 0) == i;
	return (void *)created;
}

/* The kernel's unreclaimable slab memory in kB, or -1. */
static long slab_unreclaimable_kb(void)
{
	FILE *meminfo = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;

	if (!meminfo)
		return -1;
	while (fgets(line, sizeof(line), meminfo))
		if (sscanf(line, "SUnreclaim: %ld kB", &kb) == 1)
			break;
	fclose(meminfo);
	return kb;
}

#define REGISTER_FREE_ROUNDS	100000
/*
 * Slab growth allowed over the rounds: what the rest of the system may
 * allocate meanwhile. A table of 128 bytes kept per round would be 12.5 MB,
 * and even 8 bytes per round 781 kB.
 */
#define REGISTER_FREE_SLACK_KB	256

/*
 * A thread's table of lists is one allocation, from its first registration
 * to its exit or exec; freeing and registering again allocate nothing.
 * A thread that registers and frees in a loop holds no more kernel memory
 * at the end: checked here against the slab counters. Threads that fill
 * their table and exit leave nothing behind: the kmemleak scan after the
 * last test of a debug run is what checks it (a few bytes per thread are
 * lost in the noise of thread creation).
 */
TEST_F(list2, tables_come_and_go_with_their_threads)
{
	struct robust_list_head32 *heads = map_low(getpagesize());
	long limit = list_limit(), before, after, i;
	void *created;
	pthread_t t;

	ASSERT_NE(0, PTR(heads));
	for (i = 0; i < limit; i++)
		head32_init(&heads[i]);
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, pthread_create(&t, NULL, fill_table_and_exit,
					    heads));
		ASSERT_EQ(0, pthread_join(t, &created));
		ASSERT_EQ(limit, (long)created);
	}
	/* The first registration allocates the table: count from after it. */
	ASSERT_EQ(0, set_list2(&heads[0], CMD_MODIFY_32, 0, 0));
	before = slab_unreclaimable_kb();
	ASSERT_LE(0, before);
	for (i = 0; i < REGISTER_FREE_ROUNDS; i++) {
		ASSERT_EQ(0, set_list2(&heads[i % limit], CMD_MODIFY_32,
				       i % limit, 0));
		ASSERT_EQ(0, set_list2(NULL, CMD_MODIFY_32, i % limit, 0));
	}
	after = slab_unreclaimable_kb();
	TH_LOG("unreclaimable slab: %ld kB before %d register/free rounds, %ld kB after",
	       before, REGISTER_FREE_ROUNDS, after);
	ASSERT_GT(before + REGISTER_FREE_SLACK_KB, after);
	munmap(heads, getpagesize());
}

/*
 * The image exec'd by exec_walks_and_drops_the_lists: the parent checks the
 * word, which only the walk at exec can have marked (the mapping is gone
 * with the old image); the new image checks that no list survived.
 */
static int after_exec(void)
{
	void *got = NULL;

	if (get_list2(0, &got, 7, 0) != -1 || errno != ENOENT)
		return 3;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--after-exec"))
		return after_exec();
	return test_harness_run(argc, argv);
}
