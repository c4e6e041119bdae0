// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vDSO's futex_robust_list{64,32}_try_unlock() (__vdso_ on x86 and in
 * arm64's compat vDSO, __kernel_ in arm64's 64-bit vDSO) and the kernel's
 * fixup of a task stopped inside their critical section.
 *
 * The functions are found by parsing the vDSO from AT_SYSINFO_EHDR. The
 * fixup is checked deterministically with ptrace: a traced child is stopped
 * right after the atomic that unlocked the futex, and at that stop
 * list_op_pending must already read 0, as the kernel clears it on the way to
 * delivering the SIGTRAP. On x86 the child is single-stepped there. On arm64
 * a load/store-exclusive pair cannot be single-stepped (the step exception
 * between the two clears the exclusive monitor, and the store-exclusive
 * fails every time), so a breakpoint goes on the first instruction of the
 * critical section instead, in AArch64 and in AArch32 (32-bit arm) code.
 * glibc bug 14485 is shown the same way: the legacy unlock sequence, killed
 * between its unlock store and the clearing of list_op_pending, with the
 * futex's memory reused to hold the dead thread's tid, gets FUTEX_OWNER_DIED
 * written into it; the same through the vDSO does not.
 *
 * Shared memory holds every word the parent watches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#if defined(__aarch64__) || defined(__arm__)
#define STOP_AT_BREAKPOINT
#include <elf.h>
#include <sys/uio.h>
#include <sys/user.h>
#endif

#include "blocked_slot.h"
#include "robust_list.h"
#include "robust_vdso.h"
#include "../../kselftest_harness.h"

typedef uint32_t (*try_unlock64_t)(uint32_t *lock, uint32_t tid, uint64_t *pop);
typedef uint32_t (*try_unlock32_t)(uint32_t *lock, uint32_t tid, uint32_t *pop);

#define GUARD		0x5a5a5a5aU

/* What a traced child and its tracer share. */
struct shared {
	struct robust_list_head head;
	struct robust_futex futex;
	struct robust_futex held;	/* held at death, on a private list */
	uint32_t ready;			/* the child is about to unlock */
	uint64_t slot64;
	uint32_t slot32;
	uint32_t guard;
	uintptr_t fn;		/* the function the child calls */
	int pop32;		/* it is the list32 one */
	int legacy;		/* the child runs the legacy sequence instead */
	int pop_is_head;	/* pop is the robust list's list_op_pending */
	uint32_t tid;
};

static struct shared *map_shared(void)
{
	return mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

static uint32_t call_try_unlock(struct shared *sh, uint32_t tid)
{
	void *pop = sh->pop_is_head ? (void *)&sh->head.list_op_pending :
		    sh->pop32 ? (void *)&sh->slot32 : (void *)&sh->slot64;

	if (sh->pop32)
		return ((try_unlock32_t)sh->fn)(&sh->futex.word, tid, pop);
	return ((try_unlock64_t)sh->fn)(&sh->futex.word, tid, pop);
}

/*
 * The legacy unlock: release the word, then clear list_op_pending, as two
 * stores the tracer can stop between.
 */
static void legacy_unlock(struct shared *sh)
{
	__atomic_store_n(&sh->futex.word, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&sh->head.list_op_pending, NULL, __ATOMIC_RELEASE);
}

/*
 * The traced child: hold the futex on a registered robust list, announce
 * its unlock in list_op_pending, stop, then unlock it.
 */
static void traced_child(struct shared *sh)
{
	sh->tid = robust_gettid();
	robust_head_init(&sh->head);
	if (sys_set_robust_list(&sh->head, sizeof(sh->head)))
		_exit(10);
	robust_set_pending(&sh->head, &sh->futex);
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		_exit(11);
	raise(SIGSTOP);
	if (sh->legacy)
		legacy_unlock(sh);
	else
		call_try_unlock(sh, sh->tid);
	_exit(0);
}

/* Single-step @pid: 0 at the next stop, 1 if it exited, -1 on error. */
static int step(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) ||
	    waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return 1;
	return WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP ? 0 : -1;
}

static uint64_t pending_slot(struct shared *sh);

#ifdef STOP_AT_BREAKPOINT
#ifdef __aarch64__
#define BREAK_INSN	0xd4200000U	/* brk #0 */

/* The atomic that releases the word: STXR/STLXR or CAS{,A,L,AL}, 32-bit. */
static int is_unlock_atomic(uint32_t insn)
{
	return (insn & 0xffe07c00) == 0x88007c00 ||
	       (insn & 0xffa07c00) == 0x88a07c00;
}

/* B <imm26>: the kernel's alternatives leave one to the LL/SC sequence. */
static uintptr_t branch_target(uintptr_t pc, uint32_t insn)
{
	if ((insn & 0xfc000000) == 0x14000000)
		return pc + (intptr_t)((int32_t)(insn << 6) >> 6) * 4;
	return pc + 4;
}

/* The registers of NT_PRSTATUS, and the program counter among them. */
#define PRSTATUS_REGS		struct user_regs_struct
#define PRSTATUS_PC(regs)	((regs).pc)
#else /* __arm__, A32 code */
#define BREAK_INSN	0xe7f001f0U	/* the undefined insn ptrace breaks on */

/* The atomic that releases the word: STREX or STLEX, 32-bit. */
static int is_unlock_atomic(uint32_t insn)
{
	return (insn & 0x0ff00ef0) == 0x01800e90;
}

/* The compat vDSO's unlock has a single sequence: no branch to follow. */
static uintptr_t branch_target(uintptr_t pc, uint32_t insn)
{
	return pc + 4;
}

#define PRSTATUS_REGS		struct user_regs
#define PRSTATUS_PC(regs)	((regs).uregs[15])
#endif

static uintptr_t user_pc(pid_t pid)
{
	PRSTATUS_REGS regs;
	struct iovec iov = { &regs, sizeof(regs) };

	if (ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov))
		return 0;
	return PRSTATUS_PC(regs);
}

/*
 * The first instruction of the critical section of the function at @fn:
 * the one right after its store-exclusive or compare-and-swap, following
 * the branch that the kernel's alternatives leave to the LL/SC sequence on
 * a CPU without LSE atomics. 0 if there is none in its first instructions,
 * or if @fn is Thumb code (bit 0 set), which this does not decode.
 */
static uintptr_t section_start(uintptr_t fn)
{
	uintptr_t pc = fn;
	int i;

	if (fn & 1)
		return 0;
	for (i = 0; i < 32; i++) {
		uint32_t insn = *(const uint32_t *)pc;

		if (is_unlock_atomic(insn))
			return pc + 4;
		pc = branch_target(pc, insn);
	}
	return 0;
}

/*
 * Run @pid to a breakpoint at @bp: 0 when it stopped there (the breakpoint
 * removed again), 1 if it exited, -1 on error.
 */
static int run_to(pid_t pid, uintptr_t bp)
{
	long orig, brk;
	int status;

	errno = 0;
	orig = ptrace(PTRACE_PEEKTEXT, pid, bp, NULL);
	if (errno)
		return -1;
	brk = (long)(((unsigned long)orig & ~0xffffffffUL) | BREAK_INSN);
	if (ptrace(PTRACE_POKETEXT, pid, bp, brk) ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL) ||
	    waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return 1;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP ||
	    ptrace(PTRACE_POKETEXT, pid, bp, orig) || user_pc(pid) != bp)
		return -1;
	return 0;
}
#endif

/*
 * The next stop of @pid: after one instruction, or with a breakpoint address
 * @bp (arm64, arm), at its next arrival there, stepping off it first if it is
 * there already (a store-exclusive that failed loops back to it). 0 at the
 * stop, 1 if it exited, -1 on error.
 */
static int next_stop(pid_t pid, uintptr_t bp)
{
#ifdef STOP_AT_BREAKPOINT
	if (bp) {
		int ret = user_pc(pid) == bp ? step(pid) : 0;

		return ret ? ret : run_to(pid, bp);
	}
#endif
	return step(pid);
}

/*
 * Step @pid until the instruction that unlocks its word has run (0), until
 * it exits without unlocking (1), or until its pop slot is cleared without
 * the unlock (2). On arm64 and arm the vDSO unlock is not single-stepped: the
 * child stops at the first instruction of the critical section, after the
 * atomic.
 */
static int step_to_unlock(pid_t pid, struct shared *sh)
{
	uintptr_t bp = 0;
	int steps, ret;

#ifdef STOP_AT_BREAKPOINT
	if (!sh->legacy) {
		bp = section_start(sh->fn);
		if (!bp)
			return -1;
	}
#endif
	for (steps = 0; steps < 100000; steps++) {
		ret = next_stop(pid, bp);
		if (ret)
			return ret;
		if (!__atomic_load_n(&sh->futex.word, __ATOMIC_ACQUIRE))
			return 0;
		if (!pending_slot(sh))
			return 2;
	}
	return -1;
}

static uint64_t pending_slot(struct shared *sh)
{
	if (sh->legacy || sh->pop_is_head)
		return (uintptr_t)sh->head.list_op_pending;
	return sh->pop32 ? sh->slot32 : sh->slot64;
}

/* Start a traced child and wait for its SIGSTOP. */
static pid_t start_traced(struct shared *sh)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		traced_child(sh);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	return pid;
}

static void arm(struct shared *sh, uintptr_t fn, int pop32, int legacy)
{
	memset(sh, 0, sizeof(*sh));
	sh->fn = fn;
	sh->pop32 = pop32;
	sh->legacy = legacy;
	sh->slot64 = ~0ULL;
	sh->slot32 = ~0U;
	sh->guard = GUARD;
}

FIXTURE(vdso_unlock) {
	struct shared *sh;
	uintptr_t fn;
	int pop32;
};

FIXTURE_VARIANT(vdso_unlock) {
	const char *name;
	int pop32;
};

#ifdef __LP64__
FIXTURE_VARIANT_ADD(vdso_unlock, list64) {
	.name = TRY_UNLOCK64,
};
#endif

FIXTURE_VARIANT_ADD(vdso_unlock, list32) {
	.name = TRY_UNLOCK32,
	.pop32 = 1,
};

FIXTURE_SETUP(vdso_unlock)
{
	/* A kernel without the function: skip, as kselftests do. */
	self->fn = (uintptr_t)robust_vdso_fn(variant->name);
	if (!self->fn)
		SKIP(return, "%s not in the vDSO", variant->name);
	self->sh = map_shared();
	ASSERT_TRUE(self->sh != MAP_FAILED);
	self->pop32 = variant->pop32;
	arm(self->sh, self->fn, self->pop32, 0);
}

FIXTURE_TEARDOWN(vdso_unlock)
{
	if (self->sh && self->sh != MAP_FAILED)
		munmap(self->sh, getpagesize());
}

TEST_F(vdso_unlock, uncontended_unlocks_and_clears_pop)
{
	uint32_t tid = robust_gettid();

	self->sh->futex.word = tid;
	EXPECT_EQ(tid, call_try_unlock(self->sh, tid));
	EXPECT_EQ(0, self->sh->futex.word);
	if (self->pop32) {
		EXPECT_EQ(0, self->sh->slot32);
		EXPECT_EQ(~0ULL, self->sh->slot64);
	} else {
		EXPECT_EQ(0, self->sh->slot64);
		EXPECT_EQ(~0U, self->sh->slot32);
	}
	EXPECT_EQ(GUARD, self->sh->guard);
}

TEST_F(vdso_unlock, contended_changes_nothing)
{
	uint32_t tid = robust_gettid();

	self->sh->futex.word = tid | FUTEX_WAITERS;
	EXPECT_EQ(tid | FUTEX_WAITERS, call_try_unlock(self->sh, tid));
	EXPECT_EQ(tid | FUTEX_WAITERS, self->sh->futex.word);
	EXPECT_EQ(~0ULL, self->sh->slot64);
	EXPECT_EQ(~0U, self->sh->slot32);

	self->sh->futex.word = tid + 1;
	EXPECT_EQ(tid + 1, call_try_unlock(self->sh, tid));
	EXPECT_EQ(tid + 1, self->sh->futex.word);
}

/*
 * At the single-step stop right after the cmpxchg, the kernel has cleared
 * *pop already: the task could die there without the exit walk seeing it.
 */
TEST_F(vdso_unlock, stop_after_the_cmpxchg_finds_pop_cleared)
{
	int status;
	pid_t pid;

	self->sh->futex.word = 1;	/* the child's tid, once it runs */
	pid = start_traced(self->sh);
	ASSERT_LT(0, pid);
	self->sh->futex.word = self->sh->tid;
	ASSERT_EQ(0, step_to_unlock(pid, self->sh));
	EXPECT_EQ(0, pending_slot(self->sh));
	EXPECT_EQ(GUARD, self->sh->guard);
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, NULL, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
}

/*
 * When the cmpxchg fails, neither the word nor *pop changes at any stop, up
 * to the child's exit.
 */
TEST_F(vdso_unlock, contended_never_clears_pop)
{
	int status, ret;
	pid_t pid;

	pid = start_traced(self->sh);
	ASSERT_LT(0, pid);
	self->sh->futex.word = self->sh->tid | FUTEX_WAITERS;
	ret = step_to_unlock(pid, self->sh);
	EXPECT_EQ(1, ret);
	EXPECT_NE(0, pending_slot(self->sh));
	/* It exited still owning the futex: the exit walk marked it. */
	EXPECT_EQ(FUTEX_OWNER_DIED | FUTEX_WAITERS, self->sh->futex.word);
	if (ret != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
}

/*
 * Kill the child right after its unlock, reuse the futex's memory with the
 * child's tid, and see what the exit walk makes of it. Returns the word.
 */
static uint32_t kill_after_unlock_and_reuse(struct shared *sh)
{
	int status;
	pid_t pid;

	pid = start_traced(sh);
	if (pid < 0)
		return 0;
	sh->futex.word = sh->tid;
	if (step_to_unlock(pid, sh)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return 0;
	}
	/* Freed and reused: the memory holds the dead thread's tid. */
	__atomic_store_n(&sh->futex.word, sh->tid, __ATOMIC_RELEASE);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return __atomic_load_n(&sh->futex.word, __ATOMIC_ACQUIRE);
}

/*
 * glibc bug 14485, in FUTEX_14485_TRIALS trials through the vDSO and
 * FUTEX_14485_LEGACY_TRIALS through the legacy sequence (each one if unset;
 * the legacy count defaults to the vDSO's): each stops a child right after
 * its unlock (ptrace places every kill inside the window), reuses the
 * futex's memory with the child's tid, kills the child, and counts what the
 * exit walk did to the reused word.
 */
FIXTURE(bug_14485) {
	struct shared *sh;
	long trials;
	long legacy_trials;
};

struct outcome_14485 {
	long corrupted;		/* the walk marked the reused word */
	long missed;		/* no stop in the window, or no reuse seen */
};

/* A positive count from the environment variable @name, or @fallback. */
static long trials_from_env(const char *name, long fallback)
{
	const char *env = getenv(name);
	long n = env ? strtol(env, NULL, 10) : 0;

	return n > 0 ? n : fallback;
}

FIXTURE_SETUP(bug_14485)
{
	self->trials = trials_from_env("FUTEX_14485_TRIALS", 1);
	self->legacy_trials = trials_from_env("FUTEX_14485_LEGACY_TRIALS",
					      self->trials);
	self->sh = map_shared();
	ASSERT_TRUE(self->sh != MAP_FAILED);
}

FIXTURE_TEARDOWN(bug_14485)
{
	if (self->sh != MAP_FAILED)
		munmap(self->sh, getpagesize());
}

/*
 * @trials trials in @sh, with the unlock of the process's own list through
 * the vDSO function at @fn, or with the legacy sequence if @fn is 0.
 */
static struct outcome_14485 run_14485_trials(struct shared *sh, long trials,
					     uintptr_t fn)
{
	struct outcome_14485 out = { 0 };
	long i;

	for (i = 0; i < trials; i++) {
		uint32_t word;

		arm(sh, fn, sizeof(long) == 4, !fn);
		sh->pop_is_head = 1;
		word = kill_after_unlock_and_reuse(sh);
		if (word == FUTEX_OWNER_DIED)
			out.corrupted++;
		else if (word != sh->tid)
			out.missed++;
	}
	return out;
}

/*
 * Through the vDSO: killed inside the critical section, and the reused
 * memory is left alone by the exit walk.
 */
TEST_F_TIMEOUT(bug_14485, vdso_unlock_leaves_reused_memory_alone, 7200)
{
	const char *name = TRY_UNLOCK_NATIVE;
	uintptr_t fn = (uintptr_t)robust_vdso_fn(name);
	struct outcome_14485 out;

	if (!fn)
		SKIP(return, "%s not in the vDSO", name);
	out = run_14485_trials(self->sh, self->trials, fn);
	EXPECT_EQ(0, out.missed);
	EXPECT_EQ(0, out.corrupted);
	TH_LOG("bug 14485, vDSO unlock:   %ld of %ld reused words corrupted",
	       out.corrupted, self->trials);
}

/*
 * The legacy sequence, killed between its unlock store and the clearing of
 * list_op_pending, as a demonstration next to the test above: the exit walk
 * follows list_op_pending into the reused memory and marks it. What is
 * checked is only that every kill landed in the window (the walk left the
 * word as reused or marked it); how many were marked is printed, not
 * asserted, as no test may pass because a bug reproduces.
 */
TEST_F_TIMEOUT(bug_14485, legacy_sequence_demonstration, 7200)
{
	struct outcome_14485 out = run_14485_trials(self->sh,
						    self->legacy_trials, 0);

	EXPECT_EQ(0, out.missed)
		TH_LOG("%ld kills did not land in the window", out.missed);
	TH_LOG("bug 14485, legacy unlock: %ld of %ld reused words corrupted",
	       out.corrupted, self->legacy_trials);
}

/*
 * Whether the vDSO can move or go away under this process: not in i386
 * code, whose C library enters the kernel through __kernel_vsyscall in the
 * vDSO, at the address it saw at startup.
 */
#if defined(__LP64__) || defined(__arm__)
#define VDSO_MOVABLE
#endif

#ifdef VDSO_MOVABLE
/* The [vdso] mapping of this process, from /proc/self/maps. */
static int vdso_range(uintptr_t *start, size_t *len)
{
	unsigned long lo, hi;
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vdso]") &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			*start = lo;
			*len = hi - lo;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* Move the vDSO text elsewhere; returns the distance it moved, or 0. */
static intptr_t move_vdso(void)
{
	uintptr_t old;
	size_t len;
	void *dst, *moved;

	if (vdso_range(&old, &len))
		return 0;
	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dst == MAP_FAILED)
		return 0;
	moved = mremap((void *)old, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		       dst);
	if (moved != dst)
		return 0;
	return (uintptr_t)moved - old;
}

/*
 * Replace the vDSO text by a copy of it at the same address, as a JIT or a
 * restorer that unmaps the vDSO may: the same instructions, not the vDSO.
 */
static int replace_vdso_with_a_copy(void)
{
	uintptr_t start;
	size_t len;
	void *copy, *at;

	if (vdso_range(&start, &len))
		return -1;
	copy = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy == MAP_FAILED)
		return -1;
	memcpy(copy, (void *)start, len);
	if (munmap((void *)start, len))
		return -1;
	at = mmap((void *)start, len, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (at != (void *)start)
		return -1;
	memcpy(at, copy, len);
	munmap(copy, len);
	return mprotect(at, len, PROT_READ | PROT_EXEC);
}

/*
 * Fork a traced child from this mm, step it until its unlock has run, read
 * its pop slot into @slot, and kill it. 0, or 21 (no child) or 22 (no unlock
 * seen), as an exit status of the caller.
 */
static int stop_traced_after_unlock(struct shared *sh, uint64_t *slot)
{
	int status, ret;
	pid_t child = start_traced(sh);

	if (child < 0)
		return 21;
	sh->futex.word = sh->tid;
	ret = step_to_unlock(child, sh);
	*slot = pending_slot(sh);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return ret ? 22 : 0;
}
#endif

/*
 * Hold sh->held and sh->futex on a list whose head is on a private page,
 * then unlock sh->futex through the vDSO function at @fn with writes to that
 * page waiting: the vDSO's store to list_op_pending sleeps in the fault,
 * inside the critical section, until a signal comes. Never returns.
 */
static void blocked_pop_child(struct shared *sh, uintptr_t fn)
{
	struct robust_list_head *head;
	uint32_t tid = robust_gettid();

	head = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (head == MAP_FAILED)
		_exit(31);
	robust_head_init(head);
	robust_futex_init(&sh->held, 0);
	robust_futex_init(&sh->futex, 0);
	if (sys_set_robust_list(head, sizeof(*head)) ||
	    robust_lock(head, &sh->held, 0) || robust_lock(head, &sh->futex, 0))
		_exit(32);
	robust_set_pending(head, &sh->futex);
	robust_list_del(head, &sh->futex);
	if (block_page_writes(head) < 0)
		_exit(NO_UFFD_WP);
	sh->tid = tid;
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);
#ifdef __LP64__
	((try_unlock64_t)fn)(&sh->futex.word, tid, (void *)&head->list_op_pending);
#else
	((try_unlock32_t)fn)(&sh->futex.word, tid, (void *)&head->list_op_pending);
#endif
	_exit(33);
}

/*
 * A task killed inside the critical section while its list_op_pending
 * cannot be written without waiting (a userfaultfd holds the page here, a
 * page under I/O elsewhere): the fixup's clear fails on the fatal signal.
 * The exit walk still marks every futex the task held, and leaves alone the
 * unlocked one, reused with the dead task's tid.
 */
TEST(killed_while_the_fixup_clears_pop_marks_only_held_futexes)
{
	const char *name = TRY_UNLOCK_NATIVE;
	struct shared *sh = map_shared();
	uintptr_t fn;
	int status, ret;
	pid_t pid;

	fn = (uintptr_t)robust_vdso_fn(name);
	if (!fn)
		SKIP(return, "%s not in the vDSO", name);
	ASSERT_TRUE(sh != MAP_FAILED);
	arm(sh, fn, sizeof(long) == 4, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		blocked_pop_child(sh, fn);
	/* The freed memory is reused and happens to hold the child's tid. */
	ret = kill_when_blocked(pid, &sh->ready, &sh->futex.word, &sh->tid,
				&status);
	if (ret == -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == NO_UFFD_WP)
		SKIP(return, "no userfaultfd write-protect");
	ASSERT_EQ(0, ret);
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(FUTEX_OWNER_DIED, sh->held.word);
	EXPECT_EQ(sh->tid, sh->futex.word);
	munmap(sh, getpagesize());
}

/* The fixup follows the vDSO when mremap() moves it, and across fork. */
#ifdef VDSO_MOVABLE
TEST_F(vdso_unlock, fixup_follows_mremap_and_fork)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		intptr_t delta = move_vdso();
		uint64_t slot;
		int ret;

		if (!delta)
			_exit(20);
		self->sh->fn += delta;
		/* The traced child is forked from the mm that moved it. */
		ret = stop_traced_after_unlock(self->sh, &slot);
		if (ret)
			_exit(ret);
		_exit(slot ? 23 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 20: mremap failed; 22: no unlock seen; 23: pop not cleared. */
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * munmap() of the vDSO takes the fixup with it: the same instructions at
 * the same address afterwards are not the vDSO, and a task stopped in them
 * right after a successful cmpxchg keeps its pop slot.
 */
TEST_F(vdso_unlock, fixup_dies_with_the_vdso_mapping)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t slot;
		int ret;

		if (replace_vdso_with_a_copy())
			_exit(20);
		ret = stop_traced_after_unlock(self->sh, &slot);
		if (ret)
			_exit(ret);
		_exit(slot ? 0 : 23);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 20: no copy of the vDSO; 22: no unlock seen; 23: the kernel cleared pop. */
	EXPECT_EQ(0, WEXITSTATUS(status));
}
#endif

TEST_HARNESS_MAIN
