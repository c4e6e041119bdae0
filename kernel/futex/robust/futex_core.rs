// SPDX-License-Identifier: GPL-2.0

//! The C futex core, as the robust futex code reaches it.
//!
//! `kernel/futex/futex.h` is private to futex and has no Rust abstraction, and the robust futex
//! code needs a few of its leaves. This module is the one place in the crate that calls them
//! through raw bindings; it hands the rest of the crate safe functions and types:
//!
//! - the futex atomics on a user word, faulting its page in, and waking one waiter, for the
//!   exit walk;
//! - [`RobustTask`], the task lookup and permission check of `get_robust_list2()`;
//! - the key of a futex, its hash bucket locked (`FutexKey::lock()`), the waiters queued on it
//!   (`struct futex_q`, each with its wake handler) and a pinned wake queue, on which the
//!   robust unlock runs the order [`super::unlock`] decides; and the PI unlock.
//!
//! C header: `kernel/futex/futex.h` and
//! [`include/linux/sched/wake_q.h`](srctree/include/linux/sched/wake_q.h).

use super::unlock::{LockedBucket, Waiter};
use core::cell::Cell;
use core::marker::PhantomData;
use core::mem::offset_of;
use core::pin::Pin;
use core::ptr::{addr_of, addr_of_mut, NonNull};
use kernel::bindings;
use kernel::error::{from_err_ptr, Error};
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::task::Task;
use kernel::types::Opaque;

/// The result of a C function that returns 0 or a negative errno. Inline, unlike
/// `kernel::error::to_result()`: the robust unlock checks several per system call.
#[inline]
fn errno_result(ret: c_int) -> Result {
    if ret == 0 {
        Ok(())
    } else {
        Err(Error::from_errno(ret))
    }
}

/// Atomically replaces the futex word at user address `addr` by `new` if it is `old`, without
/// sleeping: returns the value found, or `EFAULT` (the page must be faulted in) or `EAGAIN`
/// (try again).
#[inline]
pub(crate) fn cmpxchg_value_locked(addr: usize, old: u32, new: u32) -> Result<u32> {
    let mut found = 0u32;
    // SAFETY: `found` is a valid `u32` to write. `addr` is only used as a user address:
    // `futex_cmpxchg_value_locked()` checks it with `access_ok()` and handles faults with page
    // faults disabled, returning `-EFAULT` for any address it cannot write.
    let ret =
        unsafe { bindings::futex_cmpxchg_value_locked(&mut found, addr as *mut u32, old, new) };
    // Checked inline: this runs once per entry of a walk.
    if ret == 0 {
        Ok(found)
    } else {
        Err(Error::from_errno(ret))
    }
}

/// Faults in the page of user address `addr` writable; fails if it cannot be.
#[inline]
pub(crate) fn fault_in_user_writeable(addr: usize) -> Result {
    // SAFETY: `fault_in_user_writeable()` takes any user address: it looks the address up in
    // the current mm under its lock and fails for one it cannot fault in writable.
    errno_result(unsafe { bindings::fault_in_user_writeable(addr as *mut u32) })
}

/// Wakes one waiter of the shared futex at user address `addr`, as the exit walk does.
#[inline]
pub(crate) fn wake_one(addr: usize) {
    // SAFETY: `futex_robust_wake_one()` takes any user address: `futex_wake()` validates it when
    // it computes the futex key and does nothing for a bad one.
    unsafe { bindings::futex_robust_wake_one(addr as *mut u32) };
}

/// A task whose robust lists the current task may read, for `get_robust_list2()`.
///
/// # Invariants
///
/// `task` comes from `futex_get_robust_task()`: a valid task, with a reference and its
/// `exec_update_lock` held for reading, both owned by this value, so that its lists are read
/// under the credentials `ptrace_may_access()` checked.
pub(crate) struct RobustTask {
    task: NonNull<bindings::task_struct>,
}

impl RobustTask {
    /// Finds the task of `pid` (0: the current task), if the current task may read its lists.
    ///
    /// Fails with `ESRCH` if there is no such task and `EPERM` if it may not.
    pub(crate) fn find(pid: i32) -> Result<Self> {
        // SAFETY: `futex_get_robust_task()` takes any pid and returns a task with a reference
        // and its lock held, or an error pointer.
        let task = from_err_ptr(unsafe { bindings::futex_get_robust_task(pid) })?;
        // INVARIANT: a task from `futex_get_robust_task()`, which is never null on success.
        NonNull::new(task)
            .map(|task| RobustTask { task })
            .ok_or(ESRCH)
    }

    /// The task.
    pub(crate) fn task(&self) -> &Task {
        // SAFETY: `task` is valid while `self` holds its reference (type invariant), and `Task`
        // is a transparent wrapper of `task_struct`.
        unsafe { &*self.task.as_ptr().cast::<Task>() }
    }
}

impl Drop for RobustTask {
    fn drop(&mut self) {
        // SAFETY: by the type invariant, we own a reference and the lock of `task` from
        // `futex_get_robust_task()`, which `futex_put_robust_task()` releases, once.
        unsafe { bindings::futex_put_robust_task(self.task.as_ptr()) };
    }
}

/// The key of a futex: what identifies it across address spaces for shared futexes.
///
/// It is looked up in place, as C's `get_futex_key()` fills in the caller's key, so that the
/// robust unlock does not copy it between its retries.
pub(crate) struct FutexKey(bindings::futex_key);

impl FutexKey {
    /// No futex yet (`FUTEX_KEY_INIT`), for [`FutexKey::look_up_for_write`].
    #[inline]
    pub(crate) fn new() -> Self {
        // SAFETY: `futex_key` is plain data, for which all zeroes is `FUTEX_KEY_INIT`.
        FutexKey(unsafe { core::mem::zeroed() })
    }

    /// Makes this the key of the futex at user address `uaddr`, for writing its word.
    #[inline]
    pub(crate) fn look_up_for_write(&mut self, uaddr: usize, flags: u32) -> Result {
        // SAFETY: `self.0` is valid to write. `uaddr` is only used as a user address:
        // `get_futex_key()` checks it (alignment, `access_ok()`, the VMA) and fails for a bad one.
        errno_result(unsafe {
            bindings::get_futex_key(
                uaddr as *mut u32,
                flags,
                &mut self.0,
                bindings::futex_access_FUTEX_WRITE,
            )
        })
    }

    /// Whether `other` is the key of the same futex, as `futex_match()`.
    #[inline]
    fn matches(&self, other: &bindings::futex_key) -> bool {
        // SAFETY: every member of the union is plain data covering `both`, which compares the
        // union whatever member `get_futex_key()` filled in, as C's `futex_match()` does.
        let (a, b) = unsafe { (&self.0.both, &other.both) };
        a.word == b.word && a.ptr == b.ptr && a.offset == b.offset
    }

    /// Locks the hash bucket of the futex, whose word is at `uaddr`.
    #[inline]
    pub(crate) fn lock<'a>(
        &'a self,
        uaddr: usize,
        wake_q: Pin<&'a WakeQueue>,
    ) -> LockedHashBucket<'a> {
        // SAFETY: `futex_hash()` only reads the key; it returns one of the static hash buckets.
        let hb = unsafe { bindings::futex_hash(addr_of!(self.0).cast_mut()) };
        // SAFETY: `hb` is a valid hash bucket for the lifetime of the kernel. Its lock is a
        // spinlock, held only across code that neither sleeps nor faults (the guard's methods).
        unsafe { bindings::spin_lock(addr_of_mut!((*hb).lock)) };
        // INVARIANT: the lock of `hb` is held from here until the guard is dropped.
        LockedHashBucket {
            hb,
            key: self,
            uaddr,
            wake_q,
        }
    }
}

/// The hash bucket of a futex, locked.
///
/// # Invariants
///
/// `hb` is a valid hash bucket whose lock this context holds for the lifetime of the value;
/// `key` is the key of the futex whose word is at user address `uaddr`.
pub(crate) struct LockedHashBucket<'a> {
    hb: *mut bindings::futex_hash_bucket,
    key: &'a FutexKey,
    uaddr: usize,
    wake_q: Pin<&'a WakeQueue>,
}

impl Drop for LockedHashBucket<'_> {
    fn drop(&mut self) {
        // SAFETY: by the type invariant, we hold the lock of `hb`, and release it once.
        unsafe { bindings::spin_unlock(addr_of_mut!((*self.hb).lock)) };
    }
}

/// A waiter queued on a locked hash bucket.
///
/// # Invariants
///
/// `q` is a `futex_q` queued on the bucket whose lock guard `'a` borrows, so it stays queued
/// and valid until [`LockedBucket::wake`] takes it off.
pub(crate) struct QueuedWaiter<'a> {
    q: NonNull<bindings::futex_q>,
    _bucket: PhantomData<&'a ()>,
}

impl Waiter for QueuedWaiter<'_> {
    #[inline]
    fn bitset(&self) -> u32 {
        // SAFETY: `q` is valid and its fields are written only under the bucket lock, which we
        // hold (type invariant).
        unsafe { (*self.q.as_ptr()).bitset }
    }

    #[inline]
    fn is_pi(&self) -> bool {
        // SAFETY: as in `bitset()`.
        unsafe { !(*self.q.as_ptr()).pi_state.is_null() || !(*self.q.as_ptr()).rt_waiter.is_null() }
    }
}

/// Where a `futex_q` is linked into its bucket's list: `list.node_list`.
const QUEUE_LINK: usize =
    offset_of!(bindings::futex_q, list) + offset_of!(bindings::plist_node, node_list);

/// The waiters of one futex on a locked bucket, in priority order, as
/// `plist_for_each_entry_safe()` walks them: the next link is read before a waiter is returned,
/// so that waiter may be taken off the list.
///
/// # Invariants
///
/// `head` is the list head of a bucket whose lock is held for `'a`, and `next` a link on that
/// list (or `head`).
struct Waiters<'a> {
    head: *mut bindings::list_head,
    next: *mut bindings::list_head,
    key: &'a FutexKey,
    _bucket: PhantomData<&'a ()>,
}

impl<'a> Iterator for Waiters<'a> {
    type Item = QueuedWaiter<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        while self.next != self.head {
            let link = self.next;
            // SAFETY: `link` is a link of the list, whose links are written only under the
            // bucket lock, which is held (type invariant); every link but the head is the
            // `list.node_list` of a queued `futex_q`.
            self.next = unsafe { (*link).next };
            // SAFETY: as above: the link lies `QUEUE_LINK` bytes into its `futex_q`.
            let q = unsafe { link.byte_sub(QUEUE_LINK) }.cast::<bindings::futex_q>();
            // SAFETY: `q` is a queued `futex_q`, valid under the lock.
            if self.key.matches(unsafe { &(*q).key }) {
                // INVARIANT: `q` is queued on the bucket and non-null.
                return NonNull::new(q).map(|q| QueuedWaiter {
                    q,
                    _bucket: PhantomData,
                });
            }
        }
        None
    }
}

impl LockedBucket for LockedHashBucket<'_> {
    type Waiter<'w>
        = QueuedWaiter<'w>
    where
        Self: 'w;

    #[inline]
    fn waiters(&self) -> impl Iterator<Item = QueuedWaiter<'_>> {
        // SAFETY: `hb` is valid (type invariant); taking the address creates no reference.
        let head = unsafe { addr_of_mut!((*self.hb).chain.node_list) };
        // INVARIANT: we hold the bucket lock for as long as `self` is borrowed.
        Waiters {
            head,
            // SAFETY: `head` is a valid list head, read under the lock.
            next: unsafe { (*head).next },
            key: self.key,
            _bucket: PhantomData,
        }
    }

    #[inline]
    fn store_word(&self, value: u32) -> Result {
        // SAFETY: `uaddr` is only used as a user address: `futex_store_value_locked()` checks
        // it and handles faults with page faults disabled, as it must under the bucket lock,
        // failing with `-EFAULT` or `-EAGAIN`.
        errno_result(unsafe { bindings::futex_store_value_locked(self.uaddr as *mut u32, value) })
    }

    #[inline]
    fn wake(&self, waiter: QueuedWaiter<'_>) {
        let q = waiter.q.as_ptr();
        let wake_q = self.wake_q.head_for_adding();
        // SAFETY: `q` is queued on this bucket, whose lock we hold: its wake handler is set when
        // it is queued (`futex_q_init`), and takes it off the queue and onto the initialised
        // `wake_q`, after which `q` is not touched again (`waiter` is consumed).
        unsafe {
            if let Some(wake) = (*q).wake {
                wake(wake_q, q);
            }
        }
    }
}

/// A wake queue on the stack: tasks added to it under a lock are woken when it is dropped, so
/// after the lock is, and on every path.
///
/// The head is initialised when the first task is added, through a pinned reference: an unlock
/// that wakes nobody (the waiters stay queued, or none is left) neither initialises nor walks
/// it, and a value that was never pinned holds nothing.
///
/// # Invariants
///
/// Once `used` is true, `head` is an initialised `wake_q_head`, which points into itself, the
/// value has been pinned, and its tasks are woken when it is dropped.
pub(crate) struct WakeQueue {
    head: Opaque<bindings::wake_q_head>,
    used: Cell<bool>,
}

impl WakeQueue {
    /// An empty wake queue, to be pinned (`core::pin::pin!`) before tasks are added.
    #[inline]
    pub(crate) fn new() -> Self {
        // INVARIANT: `used` is false.
        WakeQueue {
            head: Opaque::uninit(),
            used: Cell::new(false),
        }
    }

    /// The head, to add a task to.
    #[inline]
    fn head_for_adding(self: Pin<&Self>) -> *mut bindings::wake_q_head {
        let head = self.head.get();
        if !self.used.get() {
            // SAFETY: `head` is valid to write and pinned, as `self` is: `wake_q_init()`
            // initialises it to point to itself, which stays valid until the value is dropped.
            unsafe { bindings::wake_q_init(head) };
            // INVARIANT: `head` was just initialised, in a pinned value.
            self.used.set(true);
        }
        head
    }
}

impl Drop for WakeQueue {
    #[inline]
    fn drop(&mut self) {
        if self.used.get() {
            // SAFETY: the head is initialised and has not moved since (type invariant: the
            // value was pinned, and is dropped in place); `wake_up_q()` wakes and releases
            // every queued task, once, as the queue is not used again.
            unsafe { bindings::wake_up_q(self.head.get()) };
        }
    }
}

/// The PI unlock of the futex at user address `uaddr` (`FUTEX_UNLOCK_PI` with `flags`).
pub(crate) fn unlock_pi(uaddr: usize, flags: u32) -> Result {
    // SAFETY: `futex_unlock_pi()` takes any user address and flags from futex(2); it validates
    // them and the futex state itself.
    errno_result(unsafe { bindings::futex_unlock_pi(uaddr as *mut u32, flags) })
}
