/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KUnit cases of the Rust robust list walk (tests.rs), for
 * robust_list_kunit.c. Each returns 0, or the line in tests.rs of the first
 * check that failed.
 */
#ifndef _FUTEX_ROBUST_TESTS_H
#define _FUTEX_ROBUST_TESTS_H

int futex_robust_test_entry_decode(void);
int futex_robust_test_offset_arithmetic(void);
int futex_robust_test_owned_entries_die(void);
int futex_robust_test_compat_owned_entries_die(void);
int futex_robust_test_pi_entries_are_not_woken(void);
int futex_robust_test_pending_op_once(void);
int futex_robust_test_pending_op_not_owned(void);
int futex_robust_test_empty_list_touches_nothing(void);
int futex_robust_test_circular_list_is_bounded(void);
int futex_robust_test_fault_ends_the_walk(void);
int futex_robust_test_bad_word_ends_the_walk(void);
int futex_robust_test_read_only_word_of_another_owner(void);
int futex_robust_test_cmpxchg_retries(void);
int futex_robust_test_list_commands(void);
int futex_robust_test_list_table(void);
int futex_robust_test_evaluate_waiters(void);
int futex_robust_test_unlock_locked(void);
int futex_robust_test_clear_pending(void);
int futex_robust_test_stale_pending_is_skipped(void);
int futex_robust_test_compat_stale_pending_is_skipped(void);
int futex_robust_test_vdso_pending_slot(void);

#endif /* _FUTEX_ROBUST_TESTS_H */
