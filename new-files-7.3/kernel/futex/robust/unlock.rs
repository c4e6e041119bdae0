// SPDX-License-Identifier: GPL-2.0

//! `FUTEX_ROBUST_UNLOCK` and the vDSO unlock's fixup: the kernel clears `list_op_pending`.
//!
//! To unlock a robust futex, libc puts it in `list_op_pending`, unlinks it, releases the word,
//! wakes a waiter if there may be one, and only then clears `list_op_pending`. A task that dies
//! after the release and before the clear leaves `list_op_pending` pointing at a futex that
//! others may have locked, unlocked and freed since; the exit walk then marks whatever that
//! memory holds `FUTEX_OWNER_DIED` if it happens to hold the dead task's tid (glibc bug 14485).
//!
//! Two ways close that window, and both end here:
//!
//! - `FUTEX_ROBUST_UNLOCK` on `FUTEX_WAKE`, `FUTEX_WAKE_BITSET` or `FUTEX_UNLOCK_PI`: the
//!   kernel releases the word, clears the slot whose address userspace passes in `uaddr2`
//!   (`pop`), and wakes, in one system call. [`robust_unlock`] is the release and the clear of
//!   the two wake operations, before the futex core wakes; the PI unlock clears with
//!   [`clear_pending`] once it succeeded.
//! - The vDSO's try-unlock functions release the word with a cmpxchg and clear the slot in
//!   userspace. A task interrupted between the two has its slot cleared by the kernel on the
//!   way back to userspace, if the registers say the cmpxchg succeeded
//!   ([`fixup_interrupted_unlock`]).
//!
//! A slot that cannot be written is a task in deep trouble (the slot is usually in its TLS).
//! If it is the pending field of a list head the task registered, that registration is
//! dropped: its exit walk would otherwise follow the slot to a futex the task no longer owns.
//! Better a few futexes left locked than memory corrupted. This is the C rule of
//! `kernel/futex/core.c` for the heads of `set_robust_list()`, and the same rule for the lists
//! of `set_robust_list2()`, which C does not have.
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h) (the uAPI),
//! `kernel/futex/futex.h` (`FLAGS_ROBUST_LIST32`).

use super::abi::ListAbi;
use super::space::UnlockSpace;
use kernel::bindings::FLAGS_ROBUST_LIST32;

/// The layout of the list whose `list_op_pending` slot a robust unlock with `flags` clears, or
/// `None` if this kernel cannot clear such a slot.
///
/// `FUTEX_ROBUST_LIST32` says the slot is 32 bits wide: a compat list on a 64-bit kernel
/// (without `CONFIG_COMPAT`, none), a native list on a 32-bit one. Without it the slot is 64
/// bits, which only a 64-bit kernel's native list has.
pub(crate) fn pending_slot_abi(flags: u32) -> Option<ListAbi> {
    let size32 = flags & FLAGS_ROBUST_LIST32 != 0;
    match (cfg!(CONFIG_64BIT), size32) {
        (true, false) | (false, true) => Some(ListAbi::Native),
        (true, true) if cfg!(CONFIG_COMPAT) => Some(ListAbi::Compat),
        _ => None,
    }
}

/// Clears the `list_op_pending` slot at user address `pop`, of the width `flags` gives, after
/// the futex it points at was unlocked. Returns whether it was cleared.
///
/// If it was not, every registration of a list of that layout whose pending field is at `pop`
/// is dropped (see the module documentation).
pub(crate) fn clear_pending<S: UnlockSpace>(space: &mut S, pop: usize, flags: u32) -> bool {
    let Some(abi) = pending_slot_abi(flags) else {
        return false;
    };
    if space.clear_field(pop, abi).is_ok() {
        return true;
    }
    if abi.pending_field(space.registered_head(abi)) == pop {
        space.forget_registered_head(abi);
    }
    space.forget_lists_pending_at(pop, abi);
    false
}

/// The release and the clear of `FUTEX_ROBUST_UNLOCK` on a wake operation: stores 0 in the
/// futex word at `uaddr`, then clears the slot at `pop`. Returns whether both were done; the
/// caller fails with `EFAULT` otherwise, before it wakes anyone.
///
/// The word is 0 whatever waiters there are: the waiter woken next finds it free, and libc's
/// lock sets `FUTEX_WAITERS` again for those still queued when it takes the lock contended.
/// The slot is cleared before any waiter is woken, while no waiter is taken off its queue: the
/// clear may fault and sleep for as long as userspace lets it (userfaultfd, FUSE), and a waiter
/// held on a wake queue meanwhile could be neither woken by anyone else nor woken at all.
pub(crate) fn robust_unlock<S: UnlockSpace>(
    space: &mut S,
    uaddr: usize,
    flags: u32,
    pop: usize,
) -> bool {
    space.unlock_word(uaddr).is_ok() && clear_pending(space, pop, flags)
}

/// Clears the slot of a task interrupted in the vDSO's unlock, on its way back to userspace.
///
/// `pop` is what the registers say about the interrupted sequence: the slot's address if the
/// cmpxchg released the word, `None` if it failed or has not run (the task still owns the
/// futex, and its slot must stay). `size32` says the section is the 32-bit lists' one.
pub(crate) fn fixup_interrupted_unlock<S: UnlockSpace>(
    space: &mut S,
    pop: Option<usize>,
    size32: bool,
) {
    let Some(pop) = pop.filter(|&pop| pop != 0) else {
        return;
    };
    let flags = if size32 { FLAGS_ROBUST_LIST32 } else { 0 };
    // Nothing to report to: the task returns to userspace either way, and a slot that cannot
    // be written has dropped the registration it belongs to.
    let _ = clear_pending(space, pop, flags);
}
