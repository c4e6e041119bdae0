// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite of the Rust robust list walk: runs the walk of
 * kernel/futex/robust/ against a fake user memory (tests.rs), so the corner
 * cases of a hostile list are checked without a process to kill.
 */
#include <kunit/test.h>

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
RUST_CASE(circular_list_is_bounded)
RUST_CASE(fault_ends_the_walk)
RUST_CASE(bad_word_ends_the_walk)
RUST_CASE(cmpxchg_retries)
RUST_CASE(list_commands)
RUST_CASE(list_table)
RUST_CASE(evaluate_waiters)
RUST_CASE(unlock_locked)
RUST_CASE(clear_pending)
RUST_CASE(forget_pending)
RUST_CASE(vdso_pending_slot)

static struct kunit_case futex_robust_list_cases[] = {
	KUNIT_CASE(entry_decode),
	KUNIT_CASE(offset_arithmetic),
	KUNIT_CASE(owned_entries_die),
	KUNIT_CASE(compat_owned_entries_die),
	KUNIT_CASE(pi_entries_are_not_woken),
	KUNIT_CASE(pending_op_once),
	KUNIT_CASE(pending_op_not_owned),
	KUNIT_CASE(circular_list_is_bounded),
	KUNIT_CASE(fault_ends_the_walk),
	KUNIT_CASE(bad_word_ends_the_walk),
	KUNIT_CASE(cmpxchg_retries),
	KUNIT_CASE(list_commands),
	KUNIT_CASE(list_table),
	KUNIT_CASE(evaluate_waiters),
	KUNIT_CASE(unlock_locked),
	KUNIT_CASE(clear_pending),
	KUNIT_CASE(forget_pending),
	KUNIT_CASE(vdso_pending_slot),
	{}
};

static struct kunit_suite futex_robust_list_suite = {
	.name = "futex_robust_list",
	.test_cases = futex_robust_list_cases,
};

kunit_test_suite(futex_robust_list_suite);

MODULE_DESCRIPTION("KUnit tests of the Rust robust futex list walk");
MODULE_LICENSE("GPL");
