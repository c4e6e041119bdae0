/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The uncontended robust futex unlock, in the vDSO.
 *
 * Unlocking a robust futex releases the word, then clears the robust list's
 * list_op_pending. A thread that dies in between leaves list_op_pending
 * pointing at a futex that may be freed and reused by then, and the kernel's
 * exit walk may write FUTEX_OWNER_DIED into it (glibc bug 14485). Here the
 * kernel knows the instructions between the two: a task interrupted after
 * the atomic released the word and before the store to *pop completed has
 * *pop (in x2) cleared for it on its way to signal delivery, and so before
 * it can die (kernel/futex/robust/vdso.rs).
 *
 * Each function has two sequences, and the vDSO's alternatives pick one at
 * boot: with LSE atomics a casl, else a load/store-exclusive loop. Both are
 * in the image, with their own critical section, so the kernel records all
 * of them and needs no idea which one runs. A section starts right after
 * the atomic and ends right after the store to *pop; inside it, registers
 * that the section does not change say whether the word was released:
 *   LL/SC: w4, the status of the stlxr, is 0;
 *   LSE:   w3, the value the casl found, equals the tid in w1.
 * arch_futex_robust_vdso_pop() decides from them; the kernel learns the
 * sections from the *_cs_start and *_cs_end symbols (vdso-offsets.h).
 */
#include <linux/linkage.h>
#include <asm/alternative.h>
#include <asm/assembler.h>

	.text

/*
 * try_unlock width, name: the body of one function. If *x0 is w1, set it to
 * 0 with release semantics, then the *x2 slot of the given width to 0, and
 * return w1; otherwise change nothing and return the value of *x0.
 */
	.macro	try_unlock, zero, name
#ifdef CONFIG_ARM64_LSE_ATOMICS
	alternative_insn "b .Lllsc_\name", "nop", ARM64_HAS_LSE_ATOMICS
	.arch_extension lse
	mov	w3, w1
	casl	w3, wzr, [x0]
SYM_INNER_LABEL(futex_robust_lse_\name\()_cs_start, SYM_L_GLOBAL)
	cmp	w3, w1
	b.ne	.Lbusy_\name
	str	\zero, [x2]
SYM_INNER_LABEL(futex_robust_lse_\name\()_cs_end, SYM_L_GLOBAL)
	mov	w0, w1
	ret
#endif
.Lllsc_\name:
	prfm	pstl1strm, [x0]
.Lretry_\name:
	ldxr	w3, [x0]
	cmp	w3, w1
	b.ne	.Lbusy_\name
	stlxr	w4, wzr, [x0]
SYM_INNER_LABEL(futex_robust_llsc_\name\()_cs_start, SYM_L_GLOBAL)
	cbnz	w4, .Lretry_\name
	str	\zero, [x2]
SYM_INNER_LABEL(futex_robust_llsc_\name\()_cs_end, SYM_L_GLOBAL)
	mov	w0, w1
	ret
.Lbusy_\name:
	clrex
	mov	w0, w3
	ret
	.endm

/* u32 __kernel_futex_robust_list64_try_unlock(u32 *lock, u32 tid, u64 *pop) */
SYM_FUNC_START(__kernel_futex_robust_list64_try_unlock)
	.cfi_startproc
	try_unlock xzr, list64
	.cfi_endproc
SYM_FUNC_END(__kernel_futex_robust_list64_try_unlock)

/*
 * u32 __kernel_futex_robust_list32_try_unlock(u32 *lock, u32 tid, u32 *pop)
 *
 * The same for a list of 32-bit layout, whose list_op_pending is 32 bits:
 * for emulators that keep a 32-bit guest's list in a 64-bit process.
 */
SYM_FUNC_START(__kernel_futex_robust_list32_try_unlock)
	.cfi_startproc
	try_unlock wzr, list32
	.cfi_endproc
SYM_FUNC_END(__kernel_futex_robust_list32_try_unlock)
