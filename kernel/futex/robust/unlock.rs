// SPDX-License-Identifier: GPL-2.0

//! `FUTEX_ROBUST_UNLOCK`: the kernel unlocks a robust futex and clears `list_op_pending`.
//!
//! To unlock a robust futex, libc announces it in `list_op_pending`, unlinks it, releases the
//! word, wakes a waiter if the word says there is one, and only then clears `list_op_pending`.
//! A task that dies between the release and the clearing leaves `list_op_pending` pointing at a
//! futex that other tasks may have locked, unlocked and freed since. If that memory now holds
//! the dead task's tid, the exit walk marks it `FUTEX_OWNER_DIED`: it corrupts memory it does
//! not own (glibc bug 14485).
//!
//! With `FUTEX_ROBUST_UNLOCK` on `FUTEX_WAKE` or `FUTEX_WAKE_BITSET`, the kernel releases the
//! word, clears the slot whose address userspace passes in `uaddr2` (`pop`), and wakes waiters,
//! all in one system call, which a task does not die in the middle of. On `FUTEX_UNLOCK_PI` it
//! clears the slot once the PI unlock succeeded. That closes the window of the contended unlock;
//! the uncontended one stays in userspace.
//!
//! This module decides what the word becomes and clears the slot; the futex core chooses and
//! wakes the waiters (`futex_wake_robust_unlock()` in `kernel/futex/waitwake.c`).
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h).

use super::abi::ListAbi;
use kernel::bindings::FUTEX_WAITERS;
use kernel::prelude::*;

/// What the robust unlock needs from the world: the unlocking task's memory and lists.
///
/// [`super::user::CurrentMemory`] implements it for real; a test can implement it over plain
/// memory.
pub(crate) trait UnlockSpace {
    /// Atomically replaces the futex word at `addr` by `new`, without sleeping or faulting:
    /// returns the value it held, or `EFAULT` or `EAGAIN` with nothing changed.
    fn exchange_word(&mut self, addr: usize, new: u32) -> Result<u32>;

    /// Writes `value` to a field of a list of the given layout at `addr`; may fault a page in.
    fn write_field(&mut self, addr: usize, abi: ListAbi, value: usize) -> Result;

    /// Unregisters every robust list of the task whose `list_op_pending` field is at `addr`.
    fn forget_lists_with_pending(&mut self, addr: usize);
}

/// The value a robust futex word gets when the kernel unlocks it: `FUTEX_WAITERS` if a waiter
/// stays queued after this wake-up, so that its next unlock comes to the kernel again, else 0.
///
/// `queued` tasks wait on the futex and `wakeable` of them match the bitset of the wake-up,
/// which wakes up to `nr_wake` of those, and at least one, as `futex_wake()` does.
pub(crate) fn unlocked_value(queued: u32, wakeable: u32, nr_wake: i32) -> u32 {
    let budget = u32::try_from(nr_wake).unwrap_or(0).max(1);
    let woken = wakeable.min(budget).min(queued);
    if queued > woken {
        FUTEX_WAITERS
    } else {
        0
    }
}

/// Replaces the futex word at `uaddr` by `value`, whatever it holds: the unlock store.
///
/// The caller holds the futex's hash bucket lock, so the waiters it counted stay queued; a
/// fault or a contended atomic fails with `EFAULT` or `EAGAIN` and the word unchanged, for the
/// caller to drop the lock, fault the page in or yield, and start again.
pub(crate) fn unlock_word<S: UnlockSpace>(space: &mut S, uaddr: usize, value: u32) -> Result {
    // What the word held does not matter: it was the caller's lock, which it releases.
    space.exchange_word(uaddr, value).map(|_| ())
}

/// Clears the `list_op_pending` slot at user address `pop`, of the width of lists of `abi`,
/// after the futex was unlocked.
///
/// If the slot cannot be written, it still points at the unlocked futex: every list of the
/// task whose slot it is gets unregistered, so that the exit walk never follows it, and the
/// caller gets `EFAULT`.
pub(crate) fn clear_pending<S: UnlockSpace>(space: &mut S, pop: usize, abi: ListAbi) -> Result {
    let res = space.write_field(pop, abi, 0);
    if res.is_err() {
        space.forget_lists_with_pending(pop);
    }
    res
}
