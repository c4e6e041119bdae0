// SPDX-License-Identifier: GPL-2.0

//! The vDSO's robust unlock: clearing `list_op_pending` for a task stopped inside it.
//!
//! The vDSO's `futex_robust_list{64,32}_try_unlock()` release a robust futex with one atomic
//! (a cmpxchg, a store-exclusive or a compare-and-swap) and then clear `list_op_pending`. A
//! task interrupted between the two has unlocked its futex but still points at it; if it died
//! there, the exit walk could write `FUTEX_OWNER_DIED` into memory reused since (glibc bug
//! 14485). The instructions between the two are the vDSO's critical sections, which each mm
//! records where its vDSO is mapped. On the way to signal delivery, and so before a fatal signal
//! makes the task exit, a task whose instruction pointer is in one of them gets
//! `list_op_pending` cleared by the kernel, with the clearing code of `FUTEX_ROBUST_UNLOCK`, if
//! the architecture says, from the registers of that section's sequence, that the atomic
//! unlocked.
//!
//! C header: [`include/linux/mm_types.h`](srctree/include/linux/mm_types.h)
//! (`struct futex_robust_vdso`).

use super::abi::ListAbi;

/// One critical section of the vDSO, in the task's address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CriticalSection {
    /// The first instruction inside, right after the atomic that unlocks.
    pub(crate) start: usize,
    /// The first instruction after the store to `*pop`.
    pub(crate) end: usize,
    /// `*pop` is 32 bits wide (`list32`), else an `unsigned long`.
    pub(crate) pop32: bool,
    /// Which of the architecture's unlock sequences it is, for the architecture to tell from
    /// the registers whether the unlock happened.
    pub(crate) seq: u8,
}

/// The `list_op_pending` slot to clear for a task at `ip`, and its layout, if any.
///
/// `pop` asks the architecture, for the sequence of the section, for the slot the interrupted
/// code was about to clear, or 0 if its atomic did not unlock; it is only asked when `ip` is
/// inside a critical section.
pub(crate) fn pending_slot(
    sections: &[CriticalSection],
    ip: usize,
    pop: impl FnOnce(u8) -> usize,
) -> Option<(usize, ListAbi)> {
    let cs = sections
        .iter()
        .find(|cs| (cs.start..cs.end).contains(&ip))?;
    let slot = pop(cs.seq);
    if slot == 0 {
        return None;
    }
    Some((slot, ListAbi::from_list32(cs.pop32)))
}
