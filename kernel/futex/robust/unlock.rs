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
//! This module is the part of the sequence that needs no futex core: which waiters to wake and
//! what the word becomes ([`evaluate`]), the order of evaluation, store and collection under the
//! hash bucket lock ([`unlock_locked`], over the [`LockedBucket`] trait), and the clearing of
//! the slot ([`clear_pending`]). The crate root drives it with the real hash bucket of
//! [`super::futex_core`].
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h).

use super::abi::ListAbi;
use kernel::bindings::FUTEX_WAITERS;
use kernel::prelude::*;

/// A task queued on the futex, as the robust unlock sees it.
pub(crate) trait Waiter {
    /// The bitset it waits with (`FUTEX_WAIT_BITSET`; all ones for `FUTEX_WAIT`).
    fn bitset(&self) -> u32;

    /// Whether it waits for a PI futex or a requeue to one: such a futex is not unlocked with
    /// `FUTEX_WAKE`, and the unlock fails with `EINVAL`, as `futex_wake()` does.
    fn is_pi(&self) -> bool;
}

/// What the unlock does, as decided from the queued waiters.
#[derive(Debug)]
pub(crate) struct Verdict<W> {
    /// The unlocked word: `FUTEX_WAITERS` if a waiter stays queued after the wake-up, so that
    /// the next unlock comes to the kernel again, else 0.
    pub(crate) word: u32,
    /// The first waiter to wake, if any: with `nr_wake == 1`, the only one.
    pub(crate) first: Option<W>,
}

/// Decides the unlocked word from the `waiters` of the futex, in wake-up order, for a wake-up of
/// up to `nr_wake` (at least 1) of those that match `bitset`.
///
/// It stops as soon as the answer is known: once a wakee was found and some waiter stays
/// queued (it does not match, or `nr_wake` wakees come before it), the rest of the queue
/// changes neither the word nor the first wakee.
pub(crate) fn evaluate<W: Waiter>(
    waiters: impl Iterator<Item = W>,
    nr_wake: u32,
    bitset: u32,
) -> Result<Verdict<W>> {
    let mut wakees_left = nr_wake;
    let mut first = None;
    let mut one_stays = false;
    for waiter in waiters {
        if waiter.is_pi() {
            return Err(EINVAL);
        }
        if wakees_left > 0 && waiter.bitset() & bitset != 0 {
            wakees_left -= 1;
            if first.is_none() {
                first = Some(waiter);
            }
        } else {
            one_stays = true;
        }
        if one_stays && first.is_some() {
            break;
        }
    }
    Ok(Verdict {
        word: if one_stays { FUTEX_WAITERS } else { 0 },
        first,
    })
}

/// The hash bucket of a futex, locked, with the futex's waiters and word.
pub(crate) trait LockedBucket {
    /// A queued waiter of the futex, valid while the bucket is locked.
    type Waiter<'a>: Waiter
    where
        Self: 'a;

    /// The waiters of the futex, in wake-up order. The iterator stays valid when the waiter it
    /// last returned is woken.
    fn waiters(&self) -> impl Iterator<Item = Self::Waiter<'_>>;

    /// Replaces the futex word by `value` without sleeping or faulting, whatever it holds.
    ///
    /// Fails with `EFAULT` (the page must be faulted in) or `EAGAIN` (try again), with nothing
    /// changed, for the caller to unlock the bucket, resolve it and start again.
    fn store_word(&self, value: u32) -> Result;

    /// Takes `waiter` off the queue and adds it to the wake-ups done after the bucket is
    /// unlocked.
    fn wake(&self, waiter: Self::Waiter<'_>);
}

/// Unlocks the futex of the locked `bucket` for a wake-up of up to `nr_wake` (at least 1)
/// waiters matching `bitset`, and returns how many were queued for waking.
///
/// The word is stored before any waiter is taken off the queue: a woken waiter may return to
/// userspace without the bucket lock, get killed and exit, and its robust list walk must see
/// the word unlocked, not still held by the unlocking task. It is stored under the bucket lock,
/// where waiters queue, so that it keeps `FUTEX_WAITERS` exactly when a waiter stays queued: a
/// waiter that queues later sees the new word and does not sleep.
pub(crate) fn unlock_locked<B: LockedBucket>(bucket: &B, nr_wake: u32, bitset: u32) -> Result<u32> {
    let verdict = evaluate(bucket.waiters(), nr_wake, bitset)?;
    bucket.store_word(verdict.word)?;
    if nr_wake == 1 {
        // The common case: the evaluation found the one wakee, no second pass.
        return Ok(match verdict.first {
            Some(waiter) => {
                bucket.wake(waiter);
                1
            }
            None => 0,
        });
    }
    let mut woken = 0;
    for waiter in bucket.waiters() {
        if waiter.bitset() & bitset == 0 {
            continue;
        }
        bucket.wake(waiter);
        woken += 1;
        if woken == nr_wake {
            break;
        }
    }
    Ok(woken)
}

/// What clearing the pending slot needs: the unlocking task's memory and its state.
///
/// [`super::user::CurrentMemory`] implements it for real; a test can implement it over plain
/// memory.
pub(crate) trait PendingSlot {
    /// Writes `value` to a field of a list of the given layout at `addr`; may fault a page in.
    fn write_field(&mut self, addr: usize, abi: ListAbi, value: usize) -> Result;

    /// Whether the task has a fatal signal pending: it will not run in userspace again.
    fn dying(&self) -> bool;

    /// Has the task's exit walk skip the pending op of every list whose `list_op_pending`
    /// field is at `addr`.
    fn skip_pending_at_exit(&mut self, addr: usize);
}

/// Clears the `list_op_pending` slot at user address `pop`, of the width of lists of `abi`,
/// after the futex was unlocked.
///
/// If the slot cannot be written, the caller gets `EFAULT` and the slot still points at the
/// unlocked futex. A fault that has to sleep (a page under I/O, userfaultfd) fails that way
/// when a fatal signal is pending; the task then never runs in userspace again and its exit
/// walk would follow the slot to a futex it no longer owns, which others may have reused (glibc
/// bug 14485). So a dying task's exit walk skips that one pending op, and still marks every
/// futex on its lists. A task that lives on is told, and owns its slot again, as upstream.
#[inline]
pub(crate) fn clear_pending<S: PendingSlot>(space: &mut S, pop: usize, abi: ListAbi) -> Result {
    let res = space.write_field(pop, abi, 0);
    if res.is_err() && space.dying() {
        space.skip_pending_at_exit(pop);
    }
    res
}
