/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The uncontended robust futex unlock, in the AArch32 compat vDSO.
 *
 * The sequence of the 64-bit vDSO's LL/SC variant (../vdso/vfutex.S), for
 * 32-bit tasks: AArch32 has no compare-and-swap instruction, so there is
 * one sequence, a load/store-exclusive loop. Its critical section starts
 * right after the stlex and ends right after the store to *pop; inside it,
 * r3, the stlex status, is 0 if the word was released, and r2 is the pop
 * pointer. Neither changes inside the section. arch_futex_robust_vdso_pop()
 * decides from them; the kernel learns the section from the *_cs_start and
 * *_cs_end symbols (vdso32-offsets.h).
 *
 * A32 code whatever the C of this vDSO is compiled as: callers reach it
 * through a function pointer (blx), and a tracer that stops a task in the
 * section finds fixed-size instructions. arm64's <linux/linkage.h> emits
 * AArch64 landing pads, hence the plain directives.
 */

	.text
	.arm
	.syntax	unified

/*
 * u32 __vdso_futex_robust_list32_try_unlock(u32 *lock, u32 tid, u32 *pop)
 *
 * If *lock is tid, set it to 0 with release semantics, then *pop to 0, and
 * return tid; otherwise change nothing and return the value of *lock.
 */
	.globl	__vdso_futex_robust_list32_try_unlock
	.type	__vdso_futex_robust_list32_try_unlock, %function
	.globl	futex_robust_a32_list32_cs_start
	.globl	futex_robust_a32_list32_cs_end
__vdso_futex_robust_list32_try_unlock:
	.fnstart
	mov	ip, #0
1:	ldrex	r3, [r0]
	cmp	r3, r1
	bne	2f
	stlex	r3, ip, [r0]
futex_robust_a32_list32_cs_start:
	cmp	r3, #0
	bne	1b
	str	ip, [r2]
futex_robust_a32_list32_cs_end:
	mov	r0, r1
	bx	lr
2:	clrex
	mov	r0, r3
	bx	lr
	.fnend
	.size	__vdso_futex_robust_list32_try_unlock, . - __vdso_futex_robust_list32_try_unlock
