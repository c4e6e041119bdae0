// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A seeded, bounded fuzzer of the robust futex uAPI: set_robust_list(),
 * set_robust_list2(), get_robust_list2(), futex() with FUTEX_ROBUST_UNLOCK
 * and FUTEX_ROBUST_LIST32, and the vDSO robust unlock.
 *
 *	futex_robust_fuzz [-s seed] [-n calls] [-m mask]
 *
 * -m picks what runs, to narrow a failure down: bit 0 set_robust_list2(),
 * 1 set_robust_list(), 2 get_robust_list2(), 3 futex(), 4 the vDSO unlock,
 * 5 tgkill(), 6 fork and exec (all by default); bit 7 leaves the robust
 * flags off futex(), bit 8 its PI operations, bit 9 the interval timers.
 *
 * Worker processes of several threads each make random calls with random
 * arguments (commands, indexes, flags, and addresses that are NULL,
 * unaligned, unmapped, read-only, in the kernel or in memory shared by all
 * workers) and register robust lists built from random memory (circular,
 * longer than the limit, pointing into each other, with offsets that wrap),
 * while interval timers and tgkill() interrupt them, the parent SIGKILLs
 * workers at random and starts new ones, and workers fork children that
 * exec. Each thread draws its operations from the seed and its number, so
 * a seed replays the same operations (their interleaving is the
 * scheduler's).
 *
 * What it checks: every call returns a value or a documented errno; no word
 * of a page that is never handed to the kernel for writing ever changes
 * (the exit walk may only write futex words the dying task owns, and that
 * page holds none); no worker dies of a signal it was not sent; and at the
 * end, a task with garbage lists next to a valid one still wakes every
 * waiter of the futexes it held when it is killed. The kernel log is
 * checked for splats by whoever boots the kernel. It ends with one line:
 * calls made, tasks killed, checks failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "robust_list.h"
#include "../../kselftest.h"
#include "robust_vdso.h"

#define WORKERS		3
#define THREADS		3
#define ARENA_SIZE	(16 * 4096)
#define SENTINEL	0x3ffffff5U	/* no tid: the walk never marks it */
#define DEFAULT_CALLS	20000
#define WAKE_FUTEXES	4

#define IS_64BIT	(sizeof(long) == 8)

typedef uint32_t (*try_unlock_t)(uint32_t *lock, uint32_t tid, void *pop);

/* What the parent and every worker share. */
struct state {
	uint64_t budget;
	uint64_t calls;
	uint64_t killed;
	uint64_t failed;
	uint32_t stop;
	pid_t tids[WORKERS][THREADS];	/* for get_robust_list2, tgkill */
	pid_t reaped;			/* a pid that no longer exists */
	char first_failure[200];
};

static struct state *st;
static uint8_t *arena;		/* shared by all workers: words, lists */
static uint32_t *sentinel;	/* never handed to the kernel to write */
static uint8_t *readonly;	/* a read-only page of zeros */
static uint8_t *hole;		/* a page with no access */
static try_unlock_t vdso_unlock;
static uint32_t seed;
static uint32_t op_mask = 127;	/* -m: what runs (see above) */
static char *self_exe;

static __thread uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 0x2545f4914f6cdd1dULL) >> 32;
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

static void seed_thread(uint32_t stream)
{
	rng = ((uint64_t)seed << 32 | stream) * 0x9e3779b97f4a7c15ULL | 1;
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (__atomic_fetch_add(&st->failed, 1, __ATOMIC_RELAXED) == 0) {
		va_start(ap, fmt);
		vsnprintf(st->first_failure, sizeof(st->first_failure), fmt, ap);
		va_end(ap);
	}
}

/* Checks that a call returned a value or one of the errnos in @ok. */
static void check_errno(const char *call, long ret, const int *ok)
{
	int e = errno;

	if (ret >= 0)
		return;
	for (; *ok; ok++)
		if (*ok == e)
			return;
	fail("%s: unexpected errno %d (%s)", call, e, strerror(e));
}

static const int set2_errnos[] = {
	EINVAL, ENOMEM, ENOSPC, ENOSYS, EOPNOTSUPP, 0
};

static const int get2_errnos[] = {
	EFAULT, EINVAL, ENOENT, ENOSYS, EOVERFLOW, EPERM, ESRCH, 0
};

static const int futex_errnos[] = {
	EAGAIN, EBUSY, EDEADLK, EFAULT, EINTR, EINVAL, ENOMEM, ENOSYS,
	EPERM, ESRCH, ETIMEDOUT, 0
};

static const int legacy_errnos[] = { EINVAL, 0 };

/* Somewhere in the arena, 4-byte aligned unless @odd. */
static uintptr_t arena_addr(int odd)
{
	uintptr_t off = 64 + below(ARENA_SIZE - 128);

	return (uintptr_t)arena + (odd ? off : off & ~3UL);
}

/*
 * An address to hand the kernel. Only @readable ones may point into the
 * sentinel page: the kernel must never write there.
 */
static uintptr_t pick_addr(int readable)
{
	switch (below(readable ? 10 : 9)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)hole + below(4096);
	case 2:
		return (uintptr_t)readonly + (below(1024) & ~3U);
	case 3:
		return IS_64BIT ? (uintptr_t)0xffffffff81000000ULL : 0xc0001000;
	case 4:
		return ~(uintptr_t)0 - below(8);
	case 5:
		return arena_addr(1);
	case 9:
		return (uintptr_t)sentinel + (below(1024) & ~3U);
	default:
		return arena_addr(0);
	}
}

/*
 * A futex_offset for nodes in the arena: small, or one that wraps around
 * the address space to the first pages (never mapped) or into the kernel.
 * Never one that reaches this process's own memory outside the arena: the
 * exit walk may rightly write there, and the fuzzer would corrupt itself.
 */
static uintptr_t futex_offset(void)
{
	uintptr_t kernel = IS_64BIT ? (uintptr_t)0xffffffff81000000ULL :
				      0xc0001000;

	switch (below(4)) {
	case 0:
		return below(4096) - (uintptr_t)arena;
	case 1:
		return kernel - (uintptr_t)arena;
	default:
		return (uintptr_t)(long)(int)(below(64) - 32);
	}
}

/* A robust list head at @head in the arena, from random memory. */
static void scribble_list(uintptr_t head, int list32)
{
	size_t field = list32 ? 4 : sizeof(long);
	int i, n = below(6);

	for (i = 0; i < 3; i++) {
		uintptr_t v;

		switch (below(6)) {
		case 0:
			v = head;		/* empty, or a cycle */
			break;
		case 1:
			v = (uintptr_t)sentinel + (below(1024) & ~3U);
			break;
		case 2:
			/* Unmapped, or in the kernel. */
			v = below(2) ? (uintptr_t)hole + below(4096) :
				       pick_addr(0) | 1;
			break;
		default:
			v = arena_addr(0) | below(2);	/* bit 0: PI */
		}
		if (i == 1)			/* futex_offset */
			v = futex_offset();
		if (list32)
			*(uint32_t *)(head + i * field) = v;
		else
			*(uintptr_t *)(head + i * field) = v;
	}
	/* A few words the walk may find owned by this thread. */
	for (i = 0; i < n; i++)
		__atomic_store_n((uint32_t *)arena_addr(0),
				 robust_gettid() | (below(2) ? FUTEX_WAITERS : 0),
				 __ATOMIC_RELAXED);
}

static void op_set_list2(void)
{
	uintptr_t head = pick_addr(1);
	unsigned int cmd = below(8) ? below(7) : rnd();
	unsigned int index = below(8) ? below(10) : rnd();
	unsigned int flags = below(8) ? 0 : rnd();
	long ret;

	if (below(2)) {
		head = arena_addr(0) & ~7UL;
		scribble_list(head, cmd & 1);
	}
	ret = syscall(__NR_set_robust_list2, head, cmd, index, flags);
	check_errno("set_robust_list2", ret, set2_errnos);
}

static void op_set_list(void)
{
	uintptr_t head = arena_addr(0) & ~7UL;
	size_t len = below(8) ? sizeof(struct robust_list_head) : below(64);
	long ret;

	scribble_list(head, 0);
	ret = syscall(__NR_set_robust_list, head, len);
	check_errno("set_robust_list", ret, legacy_errnos);
}

static pid_t pick_pid(void)
{
	switch (below(7)) {
	case 0:
		return 0;
	case 1:
		return robust_gettid();
	case 2:
		return getppid();
	case 3:
		return __atomic_load_n(&st->reaped, __ATOMIC_RELAXED);
	case 4:
		return below(2) ? -1 : (pid_t)rnd();
	default:
		return __atomic_load_n(&st->tids[below(WORKERS)][below(THREADS)],
				       __ATOMIC_RELAXED);
	}
}

static void op_get_list2(void)
{
	uintptr_t out = pick_addr(0);
	unsigned int index = below(8) ? below(10) : rnd();
	unsigned int flags = below(8) ? 0 : rnd();
	long ret;

	ret = syscall(__NR_get_robust_list2, pick_pid(), out, index, flags);
	check_errno("get_robust_list2", ret, get2_errnos);
}

static void op_futex(void)
{
	static const int ops[] = {
		FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_UNLOCK_PI,
		FUTEX_TRYLOCK_PI, FUTEX_WAIT, FUTEX_WAIT_BITSET,
		FUTEX_CMP_REQUEUE,
	};
	struct timespec zero = { 0, 0 };
	int op = ops[below(ARRAY_SIZE(ops))];
	uintptr_t uaddr = pick_addr(0), uaddr2 = pick_addr(0);
	int val = below(4) ? (int)below(4) : (int)rnd();
	uint32_t val3 = below(2) ? FUTEX_BITSET_MATCH_ANY : rnd();
	void *timeout = NULL;
	long ret;

	if (below(2))
		op |= FUTEX_PRIVATE_FLAG;
	if (below(8) == 0)
		op |= FUTEX_CLOCK_REALTIME;
	if (below(2) && !(op_mask & 128))
		op |= FUTEX_ROBUST_UNLOCK;
	if (below(3) == 0 && !(op_mask & 128))
		op |= FUTEX_ROBUST_LIST32;
	if ((op_mask & 256) && ((op & 127) == FUTEX_TRYLOCK_PI ||
				(op & 127) == FUTEX_UNLOCK_PI))
		op = (op & ~127) | FUTEX_WAKE;
	if (below(2) && uaddr >= (uintptr_t)arena &&
	    uaddr < (uintptr_t)arena + ARENA_SIZE && !(uaddr & 3))
		__atomic_store_n((uint32_t *)uaddr, robust_gettid() |
				 (below(2) ? FUTEX_WAITERS : 0), __ATOMIC_RELAXED);
	switch (op & 127) {	/* the command, without any flag */
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		/* Never block: a timeout that has expired already. */
		timeout = &zero;
		break;
	case FUTEX_CMP_REQUEUE:
		timeout = (void *)(uintptr_t)below(2);	/* nr_requeue */
		break;
	}
	ret = syscall(__NR_futex, uaddr, op, val, timeout, uaddr2, val3);
	check_errno("futex", ret, futex_errnos);
}

static void op_vdso_unlock(void)
{
	uint32_t *word = (uint32_t *)arena_addr(0);
	uintptr_t pop = arena_addr(0) & ~7UL;
	uint32_t tid = robust_gettid();

	if (!vdso_unlock)
		return;
	if (below(2))
		__atomic_store_n(word, tid, __ATOMIC_RELAXED);
	vdso_unlock(word, tid, (void *)pop);
}

static void op_signal(void)
{
	pid_t tid = st->tids[below(WORKERS)][below(THREADS)];

	/* Only threads of this process: the others are not ours to signal. */
	if (tid > 0 && syscall(__NR_tgkill, getpid(), tid, SIGUSR1) &&
	    errno != ESRCH && errno != EINVAL)
		fail("tgkill: errno %d", errno);
}

/* Register random lists, then exec: exec walks and drops them. */
static void op_fork_exec(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		op_set_list();
		op_set_list2();
		execl(self_exe, self_exe, "--exec-child", (char *)NULL);
		_exit(1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("exec child: status %#x", status);
	__atomic_store_n(&st->reaped, pid, __ATOMIC_RELAXED);
}

static void *worker_thread(void *arg)
{
	int w = (uintptr_t)arg / THREADS, t = (uintptr_t)arg % THREADS;

	__atomic_store_n(&st->tids[w][t], robust_gettid(), __ATOMIC_RELAXED);
	seed_thread((uintptr_t)arg << 16 | getpid());
	while (!__atomic_load_n(&st->stop, __ATOMIC_RELAXED) &&
	       __atomic_fetch_add(&st->calls, 1, __ATOMIC_RELAXED) <
	       st->budget) {
		uint32_t r = below(64);

		if (r < 12 && (op_mask & 1))
			op_set_list2();
		else if (r >= 12 && r < 18 && (op_mask & 2))
			op_set_list();
		else if (r >= 18 && r < 28 && (op_mask & 4))
			op_get_list2();
		else if (r >= 28 && r < 50 && (op_mask & 8))
			op_futex();
		else if (r >= 50 && r < 61 && (op_mask & 16))
			op_vdso_unlock();
		else if (r >= 61 && r < 63 && (op_mask & 32))
			op_signal();
		else if (r == 63 && (op_mask & 64) && below(16) == 0)
			op_fork_exec();
	}
	return NULL;
}

static void nothing(int sig)
{
	(void)sig;
}

static void worker(int w)
{
	struct itimerval tick = { { 0, 1000 }, { 0, 1000 } };
	struct sigaction sa = { .sa_handler = nothing, .sa_flags = SA_RESTART };
	pthread_t threads[THREADS];
	int t;

	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	if (!(op_mask & 512))
		setitimer(ITIMER_REAL, &tick, NULL);
	for (t = 1; t < THREADS; t++)
		if (pthread_create(&threads[t], NULL, worker_thread,
				   (void *)(uintptr_t)(w * THREADS + t)))
			_exit(2);
	worker_thread((void *)(uintptr_t)(w * THREADS));
	for (t = 1; t < THREADS; t++)
		pthread_join(threads[t], NULL);
	_exit(0);
}

static pid_t spawn(int w)
{
	pid_t pid = fork();

	if (pid == 0)
		worker(w);
	return pid;
}

/* Reap worker @w (@pid); a death by a signal the parent did not send fails. */
static void reap(int w, pid_t pid, int killed)
{
	int status, exited, sigkilled;

	if (waitpid(pid, &status, 0) != pid) {
		fail("waitpid %d: errno %d", pid, errno);
		return;
	}
	exited = WIFEXITED(status) && !WEXITSTATUS(status);
	sigkilled = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	if (!exited && !(killed && sigkilled))
		fail("worker %d: status %#x", w, status);
	__atomic_store_n(&st->reaped, pid, __ATOMIC_RELAXED);
}

/*
 * The end: a task holding futexes on a valid list, next to garbage lists at
 * other indexes, is killed; every waiter of those futexes must wake.
 */
struct wake_check {
	uint32_t words[WAKE_FUTEXES * 4];	/* futex word, pad, node */
	uint32_t tid;
	uint32_t ready;
};

static void *wake_waiter(void *arg)
{
	uint32_t *word = arg, v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	struct timespec ten = { 10, 0 };

	while (!(v & FUTEX_OWNER_DIED)) {
		uint32_t want = v | FUTEX_WAITERS;
		int flagged = v == want;

		if (!flagged)
			flagged = __atomic_compare_exchange_n(word, &v, want, 0,
							      __ATOMIC_ACQ_REL,
							      __ATOMIC_ACQUIRE);
		if (flagged) {
			if (syscall(__NR_futex, word, FUTEX_WAIT, want, &ten,
				    NULL, 0) && errno == ETIMEDOUT)
				return (void *)1;
		}
		v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	}
	return NULL;
}

static void wake_check(void)
{
	struct wake_check *wc = mmap(NULL, sizeof(*wc), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_t waiters[WAKE_FUTEXES];
	int i, status;
	pid_t pid;

	if (wc == MAP_FAILED) {
		fail("wake check: mmap");
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* Garbage lists at indexes 0-2, the real one at 3. */
		struct robust_list_head *head = (void *)(arena + 4096);
		unsigned int cmd = IS_64BIT ? FUTEX_ROBUST_LIST_CMD_MODIFY_64 :
					      FUTEX_ROBUST_LIST_CMD_MODIFY_32;

		seed_thread(0xffff);
		for (i = 0; i < 3; i++) {
			uintptr_t h = arena_addr(0) & ~7UL;

			scribble_list(h, 0);
			syscall(__NR_set_robust_list2, h, cmd, i, 0);
		}
		wc->tid = robust_gettid();
		head->list.next = &head->list;
		head->futex_offset = -8;
		head->list_op_pending = NULL;
		for (i = 0; i < WAKE_FUTEXES; i++) {
			struct robust_list *node = (void *)&wc->words[i * 4 + 2];

			wc->words[i * 4] = wc->tid;
			node->next = head->list.next;
			head->list.next = node;
		}
		if (syscall(__NR_set_robust_list2, head, cmd, 3, 0))
			_exit(1);
		__atomic_store_n(&wc->ready, 1, __ATOMIC_RELEASE);
		for (;;)
			pause();
	}
	while (pid > 0 && !__atomic_load_n(&wc->ready, __ATOMIC_ACQUIRE) &&
	       waitpid(pid, &status, WNOHANG) == 0)
		usleep(1000);
	if (pid < 0 || !wc->ready) {
		fail("wake check: the owner did not start");
		return;
	}
	for (i = 0; i < WAKE_FUTEXES; i++)
		pthread_create(&waiters[i], NULL, wake_waiter, &wc->words[i * 4]);
	for (i = 0; i < WAKE_FUTEXES; i++)
		while (!(__atomic_load_n(&wc->words[i * 4], __ATOMIC_ACQUIRE) &
			 FUTEX_WAITERS))
			usleep(1000);
	usleep(50000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	for (i = 0; i < WAKE_FUTEXES; i++) {
		void *timed_out;

		pthread_join(waiters[i], &timed_out);
		if (timed_out || !(wc->words[i * 4] & FUTEX_OWNER_DIED))
			fail("wake check: futex %d: %#x, %s", i, wc->words[i * 4],
			     timed_out ? "its waiter timed out" : "not marked");
	}
	munmap(wc, sizeof(*wc));
}

/*
 * A seed from the random bytes the kernel gives each exec: a machine
 * without a real-time clock (a kernel without the RTC driver of QEMU's
 * arm64 virt board) starts at 1970 on every boot, and time() ^ getpid()
 * then gives the same few seeds run after run.
 */
static uint32_t fresh_seed(void)
{
	const void *bytes = (const void *)getauxval(AT_RANDOM);
	uint32_t fresh;

	if (!bytes)
		return time(NULL) ^ getpid();
	memcpy(&fresh, bytes, sizeof(fresh));
	return fresh;
}

int main(int argc, char **argv)
{
	uint64_t budget = DEFAULT_CALLS;
	pid_t pids[WORKERS];
	int opt, w, i;

	if (argc > 1 && !strcmp(argv[1], "--exec-child"))
		return 0;
	seed = fresh_seed();
	while ((opt = getopt(argc, argv, "s:n:m:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			budget = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			op_mask = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-s seed] [-n calls] [-m mask]\n",
				argv[0]);
			return 2;
		}
	}
	self_exe = realpath("/proc/self/exe", NULL);
	printf("# futex_robust_fuzz: seed %u (replay: %s -s %u -n %llu)\n",
	       seed, argv[0], seed, (unsigned long long)budget);
	fflush(stdout);
	if (syscall(__NR_set_robust_list2, NULL, FUTEX_ROBUST_LIST_CMD_LIST_LIMIT,
		    0, 0) < 0 && errno == ENOSYS) {
		printf("# SKIP: no set_robust_list2() in this kernel\n");
		return KSFT_SKIP;
	}

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	arena = MAP_FAILED;
#ifdef MAP_32BIT
	/* Below 4 GiB, where 32-bit lists of a 64-bit task may point. */
	arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
#endif
	if (arena == MAP_FAILED)
		arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sentinel = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	/*
	 * Kept mapped without access rather than unmapped: a thread stack
	 * mapped later at a freed address would take the kernel's writes.
	 */
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED || arena == MAP_FAILED || sentinel == MAP_FAILED ||
	    readonly == MAP_FAILED || hole == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < 1024; i++)
		sentinel[i] = SENTINEL;
	vdso_unlock = (try_unlock_t)robust_vdso_fn(TRY_UNLOCK_NATIVE);
	st->budget = budget;

	seed_thread(0xfffe);
	for (w = 0; w < WORKERS; w++)
		pids[w] = spawn(w);
	while (__atomic_load_n(&st->calls, __ATOMIC_RELAXED) < budget) {
		usleep(1000 + below(20000));
		w = below(WORKERS);
		if (below(3) == 0 && pids[w] > 0) {
			kill(pids[w], SIGKILL);
			reap(w, pids[w], 1);
			st->killed++;
			memset(st->tids[w], 0, sizeof(st->tids[w]));
			pids[w] = spawn(w);
		}
	}
	__atomic_store_n(&st->stop, 1, __ATOMIC_RELAXED);
	for (w = 0; w < WORKERS; w++)
		if (pids[w] > 0)
			reap(w, pids[w], 0);

	for (i = 0; i < 1024; i++)
		if (sentinel[i] != SENTINEL) {
			fail("sentinel word %d changed: %#x", i, sentinel[i]);
			break;
		}
	wake_check();

	if (st->failed)
		printf("# first failure: %s\n", st->first_failure);
	printf("# futex_robust_fuzz: %llu calls, %llu tasks killed, %llu checks failed\n",
	       (unsigned long long)(st->calls < budget ? st->calls : budget),
	       (unsigned long long)st->killed, (unsigned long long)st->failed);
	return st->failed ? 1 : 0;
}
