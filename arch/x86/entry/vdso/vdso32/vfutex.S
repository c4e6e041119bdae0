/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The uncontended robust futex unlock, in the 32-bit vDSO: see
 * ../vfutex.S. As in the 64-bit vDSO, the pop pointer is in %edx and the
 * success state is ZF inside the critical section.
 */
#include <linux/linkage.h>

	.text

/*
 * u32 __vdso_futex_robust_list32_try_unlock(u32 *lock, u32 tid, u32 *pop)
 *
 * If *lock is @tid, set it to 0, then *pop to 0, and return @tid; otherwise
 * change nothing and return the value of *lock.
 */
SYM_FUNC_START(__vdso_futex_robust_list32_try_unlock)
	.cfi_startproc
	pushl	%ebx
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebx, 0
	movl	8(%esp), %ecx
	movl	12(%esp), %eax
	movl	16(%esp), %edx
	xorl	%ebx, %ebx
	lock cmpxchgl %ebx, (%ecx)
SYM_INNER_LABEL(futex_robust_list32_cs_start, SYM_L_GLOBAL)
	jnz	1f
	movl	%ebx, (%edx)
SYM_INNER_LABEL(futex_robust_list32_cs_end, SYM_L_GLOBAL)
1:	popl	%ebx
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebx
	ret
	.cfi_endproc
SYM_FUNC_END(__vdso_futex_robust_list32_try_unlock)
