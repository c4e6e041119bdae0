/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The uncontended robust futex unlock, in the vDSO.
 *
 * Unlocking a robust futex releases the word, then clears the robust list's
 * list_op_pending. A thread that dies in between leaves list_op_pending
 * pointing at a futex that may be freed and reused by then, and the kernel's
 * exit walk may write FUTEX_OWNER_DIED into it (glibc bug 14485). Here the
 * kernel knows the instructions between the two: a task interrupted after
 * the cmpxchg succeeded (ZF set) and before the store to *pop completed has
 * *pop (in %rdx) cleared for it on its way to signal delivery, and so before
 * it can die (kernel/futex/robust/vdso.rs).
 *
 * The critical section starts at the jnz right after the cmpxchg and ends
 * right after the store; the kernel learns it from the *_cs_start and
 * *_cs_end symbols, through vdso2c.
 */
#include <linux/linkage.h>

	.text

/*
 * u32 __vdso_futex_robust_list64_try_unlock(u32 *lock, u32 tid, u64 *pop)
 *
 * If *lock is @tid, set it to 0, then *pop to 0, and return @tid; otherwise
 * change nothing and return the value of *lock.
 */
SYM_FUNC_START(__vdso_futex_robust_list64_try_unlock)
	.cfi_startproc
	movl	%esi, %eax
	xorl	%ecx, %ecx
	lock cmpxchgl %ecx, (%rdi)
SYM_INNER_LABEL(futex_robust_list64_cs_start, SYM_L_GLOBAL)
	jnz	1f
	movq	%rcx, (%rdx)
SYM_INNER_LABEL(futex_robust_list64_cs_end, SYM_L_GLOBAL)
1:	ret
	.cfi_endproc
SYM_FUNC_END(__vdso_futex_robust_list64_try_unlock)

#ifdef CONFIG_COMPAT
/*
 * u32 __vdso_futex_robust_list32_try_unlock(u32 *lock, u32 tid, u32 *pop)
 *
 * The same for a list of 32-bit layout, whose list_op_pending is 32 bits.
 */
SYM_FUNC_START(__vdso_futex_robust_list32_try_unlock)
	.cfi_startproc
	movl	%esi, %eax
	xorl	%ecx, %ecx
	lock cmpxchgl %ecx, (%rdi)
SYM_INNER_LABEL(futex_robust_list32_cs_start, SYM_L_GLOBAL)
	jnz	1f
	movl	%ecx, (%rdx)
SYM_INNER_LABEL(futex_robust_list32_cs_end, SYM_L_GLOBAL)
1:	ret
	.cfi_endproc
SYM_FUNC_END(__vdso_futex_robust_list32_try_unlock)
#endif
