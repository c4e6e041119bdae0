// SPDX-License-Identifier: GPL-2.0

//! What an interrupted vDSO robust unlock left in the registers, per architecture.
//!
//! The vDSO's try-unlock functions release the futex word with a cmpxchg, then clear
//! `list_op_pending`. A task interrupted in between, or one instruction later, must have its
//! slot cleared by the kernel; one interrupted before the cmpxchg, or after a failed one, still
//! owns the futex and keeps its slot. Each architecture's sequence leaves the answer in known
//! registers; [`interrupted_unlock_pop`] reads it, as `arch_futex_robust_unlock_get_pop()` does
//! in C.
//!
//! C header: [`arch/x86/include/asm/futex_robust.h`](srctree/arch/x86/include/asm/futex_robust.h).

use kernel::bindings;

/// The address of the `list_op_pending` slot to clear for a task interrupted in the vDSO's
/// unlock sequence with user registers `regs`, or `None` if the cmpxchg did not release the
/// futex.
///
/// x86: `lock cmpxchg` sets ZF when it stored the new value, and the sequence keeps the slot's
/// address in RDX throughout.
#[cfg(CONFIG_X86)]
#[inline]
pub(crate) fn interrupted_unlock_pop(regs: &bindings::pt_regs) -> Option<usize> {
    const ZF: usize = 1 << bindings::X86_EFLAGS_ZF_BIT;
    (regs.flags & ZF != 0).then_some(regs.dx)
}
