// SPDX-License-Identifier: GPL-2.0

//! What happens to one robust futex of a dying task.
//!
//! If the dying task owns the futex, its word becomes `FUTEX_OWNER_DIED`, keeping
//! `FUTEX_WAITERS`, and a waiter of a non-PI futex is woken (PI waiters are woken when the PI
//! state is released). If the task was in the middle of an operation on a non-PI futex it does
//! not own (`list_op_pending`), it may have been woken to take the futex and died before it
//! could: then it passes the wake-up on, so no waiter is lost.
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h).

use super::space::FutexSpace;
use kernel::bindings::{FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS};
use kernel::prelude::*;

/// Where the futex was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// On the list: the task held it.
    Listed,
    /// In `list_op_pending`: the task was locking or unlocking it.
    Pending,
}

/// The futex could not be handled (a fault, a misaligned word): the walk must stop.
#[derive(Debug)]
pub(crate) struct Abandon;

/// Handles the futex word at user address `uaddr` for the dying task.
///
/// Inline, for the walk's common case to cost no call of its own; the rest is out of line.
#[inline]
pub(crate) fn handle_futex_death<S: FutexSpace>(
    space: &mut S,
    uaddr: usize,
    pi: bool,
    role: Role,
) -> core::result::Result<(), Abandon> {
    if uaddr % core::mem::size_of::<u32>() != 0 {
        return Err(Abandon);
    }

    // The futexes on a dying task's list are almost always its own, without waiters: try
    // the store such a word needs first, one atomic instead of a read and an atomic. What it
    // finds otherwise is a read of the word; if it fails (a fault, a busy word), read it.
    let tid = space.tid();
    let found = space.cmpxchg_word(uaddr, tid, FUTEX_OWNER_DIED).ok();
    if found == Some(tid) {
        return Ok(());
    }
    handle_other_word(space, uaddr, pi, role, tid, found)
}

/// Handles a futex word that the dying task `tid` does not hold without waiters: `found` is
/// the value the first atomic saw, or `None` if it failed.
#[inline(never)]
fn handle_other_word<S: FutexSpace>(
    space: &mut S,
    uaddr: usize,
    pi: bool,
    role: Role,
    tid: u32,
    mut found: Option<u32>,
) -> core::result::Result<(), Abandon> {
    loop {
        let uval = match found.take() {
            Some(uval) => uval,
            None => space.read_word(uaddr).map_err(|_| Abandon)?,
        };
        let owner = uval & FUTEX_TID_MASK;

        if owner != tid {
            // Not ours. A pending op on a plain futex that is free, or owned without waiters
            // flagged, may be a wake-up this task consumed and cannot act on: pass it on.
            if role == Role::Pending && !pi && (owner == 0 || uval & FUTEX_WAITERS == 0) {
                space.wake_one(uaddr);
            }
            return Ok(());
        }

        // Ours: mark it, even if OWNER_DIED is already set (a previous owner died too and we
        // died before recovering it), and wake a waiter if there may be one.
        let mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        match space.cmpxchg_word(uaddr, uval, mval) {
            Ok(found) if found == uval => {}
            // The word changed under us (a waiter set FUTEX_WAITERS): look again.
            Ok(_) => continue,
            Err(e) if e == EFAULT => {
                // Readable is not writable: fault the page in for writing, or give up and
                // leave the futex locked.
                space.fault_in_writeable(uaddr).map_err(|_| Abandon)?;
                continue;
            }
            Err(e) if e == EAGAIN => {
                space.resched();
                continue;
            }
            // No other error exists where futex atomics exist.
            Err(_) => return Err(Abandon),
        }

        if !pi && uval & FUTEX_WAITERS != 0 {
            space.wake_one(uaddr);
        }
        return Ok(());
    }
}
