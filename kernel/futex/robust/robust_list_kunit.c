// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite of the Rust robust list walk: runs the walk of
 * kernel/futex/robust/ against a fake user memory (tests.rs), so the corner
 * cases of a hostile list are checked without a process to kill.
 */
#include <kunit/test.h>
#include <linux/futex.h>
#ifdef CONFIG_ARM64
#include <asm/vdso.h>
#endif

#include "tests.h"

#define RUST_CASE(name)							\
static void name(struct kunit *test)					\
{									\
	int line = futex_robust_test_##name();				\
									\
	KUNIT_EXPECT_EQ_MSG(test, line, 0,				\
			    "first failed check: tests.rs:%d", line);	\
}

RUST_CASE(entry_decode)
RUST_CASE(offset_arithmetic)
RUST_CASE(owned_entries_die)
RUST_CASE(compat_owned_entries_die)
RUST_CASE(pi_entries_are_not_woken)
RUST_CASE(pending_op_once)
RUST_CASE(pending_op_not_owned)
RUST_CASE(empty_list_touches_nothing)
RUST_CASE(circular_list_is_bounded)
RUST_CASE(fault_ends_the_walk)
RUST_CASE(bad_word_ends_the_walk)
RUST_CASE(read_only_word_of_another_owner)
RUST_CASE(cmpxchg_retries)
RUST_CASE(list_commands)
RUST_CASE(list_table)
RUST_CASE(evaluate_waiters)
RUST_CASE(unlock_locked)
RUST_CASE(clear_pending)
RUST_CASE(stale_pending_is_skipped)
RUST_CASE(compat_stale_pending_is_skipped)
RUST_CASE(vdso_pending_slot)

/*
 * arch_futex_robust_vdso_pop() of this architecture, on made-up registers of
 * a task inside a critical section: the pop pointer exactly when the
 * section's atomic released the word, judged from the registers the section
 * does not change.
 */
static void arch_vdso_pop(struct kunit *test)
{
	struct pt_regs regs = {};

#if defined(CONFIG_X86_64)
	regs.dx = 0x5000;
	regs.flags = X86_EFLAGS_ZF;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, 0), 0x5000UL);
	regs.flags = 0;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, 0), 0UL);
#elif defined(CONFIG_ARM64)
	const u8 llsc = ARM64_FUTEX_ROBUST_LLSC, lse = ARM64_FUTEX_ROBUST_LSE;
	const u8 a32 = ARM64_FUTEX_ROBUST_A32;

	regs.regs[1] = 1234;			/* the tid */
	regs.regs[2] = 0x5000;			/* pop */
	/* LL/SC: the stlxr status in w4; its upper half is not the status. */
	regs.regs[4] = 0;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, llsc), 0x5000UL);
	regs.regs[4] = 1;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, llsc), 0UL);
	regs.regs[4] = 1UL << 32;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, llsc), 0x5000UL);
	/* LSE: what the casl found in w3, against the tid in w1. */
	regs.regs[3] = 1234;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, lse), 0x5000UL);
	regs.regs[3] = 1234 | FUTEX_WAITERS;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, lse), 0UL);
	regs.regs[3] = 0;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, lse), 0UL);
	regs.regs[3] = (1UL << 32) | 1234;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, lse), 0x5000UL);
	/* Each sequence by its own register: w4 does not count for LSE. */
	regs.regs[3] = 99;
	regs.regs[4] = 0;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, lse), 0UL);
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, 7), 0UL);
	/*
	 * AArch32 (compat vDSO): the stlex status in r3; only the low halves
	 * of x2 and x3 are the task's r2 and r3.
	 */
	regs.regs[2] = (1UL << 32) | 0x5000;
	regs.regs[3] = 0;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, a32), 0x5000UL);
	regs.regs[3] = 1;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, a32), 0UL);
	regs.regs[3] = 1UL << 32;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, a32), 0x5000UL);
	/* Not w4, the 64-bit LL/SC status. */
	regs.regs[3] = 1;
	regs.regs[4] = 0;
	KUNIT_EXPECT_EQ(test, arch_futex_robust_vdso_pop(&regs, a32), 0UL);
#else
	kunit_skip(test, "no vDSO robust unlock on this architecture");
#endif
}

static struct kunit_case futex_robust_list_cases[] = {
	KUNIT_CASE(entry_decode),
	KUNIT_CASE(offset_arithmetic),
	KUNIT_CASE(owned_entries_die),
	KUNIT_CASE(compat_owned_entries_die),
	KUNIT_CASE(pi_entries_are_not_woken),
	KUNIT_CASE(pending_op_once),
	KUNIT_CASE(pending_op_not_owned),
	KUNIT_CASE(empty_list_touches_nothing),
	KUNIT_CASE(circular_list_is_bounded),
	KUNIT_CASE(fault_ends_the_walk),
	KUNIT_CASE(bad_word_ends_the_walk),
	KUNIT_CASE(read_only_word_of_another_owner),
	KUNIT_CASE(cmpxchg_retries),
	KUNIT_CASE(list_commands),
	KUNIT_CASE(list_table),
	KUNIT_CASE(evaluate_waiters),
	KUNIT_CASE(unlock_locked),
	KUNIT_CASE(clear_pending),
	KUNIT_CASE(stale_pending_is_skipped),
	KUNIT_CASE(compat_stale_pending_is_skipped),
	KUNIT_CASE(vdso_pending_slot),
	KUNIT_CASE(arch_vdso_pop),
	{}
};

static struct kunit_suite futex_robust_list_suite = {
	.name = "futex_robust_list",
	.test_cases = futex_robust_list_cases,
};

kunit_test_suite(futex_robust_list_suite);

MODULE_DESCRIPTION("KUnit tests of the Rust robust futex list walk");
MODULE_LICENSE("GPL");
