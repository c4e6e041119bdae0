// SPDX-License-Identifier: GPL-2.0

//! The futex core for the robust unlock: keys, hash buckets, waiters and wake queues.
//!
//! These are the C futex core's own data structures, private to `kernel/futex/` and with no
//! Rust abstraction: the futex key and its hash bucket, the bucket's spinlock, the priority
//! list of `struct futex_q` waiters queued on it, each with its wake handler, and the wake
//! queue that wakes them once the lock is dropped. This module is the one place that touches
//! them through raw bindings; it hands the rest of the crate a key, a lock guard that yields the
//! futex's waiters, and a pinned wake queue, which [`super::unlock`] drives.
//!
//! C header: `kernel/futex/futex.h` (`union futex_key`, `struct futex_hash_bucket`,
//! `struct futex_q`) and [`include/linux/sched/wake_q.h`](srctree/include/linux/sched/wake_q.h).

use super::abi::ListAbi;
use super::unlock::{clear_pending, unlock_locked, LockedBucket, Waiter};
use super::user::CurrentMemory;
use core::marker::PhantomData;
use core::mem::offset_of;
use core::pin::Pin;
use core::ptr::{addr_of, addr_of_mut, NonNull};
use kernel::bindings;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::stack_pin_init;
use kernel::task;
use kernel::types::Opaque;

/// The key of a futex: what identifies it across address spaces for shared futexes.
struct FutexKey(bindings::futex_key);

impl FutexKey {
    /// Computes the key of the futex at user address `uaddr`, for writing its word.
    fn for_write(uaddr: usize, flags: u32) -> Result<Self> {
        // SAFETY: `futex_key` is plain data, for which all zeroes is `FUTEX_KEY_INIT`.
        let mut key = FutexKey(unsafe { core::mem::zeroed() });
        // SAFETY: `key.0` is valid to write. `uaddr` is only used as a user address:
        // `get_futex_key()` checks it (alignment, `access_ok()`, the VMA) and fails for a bad one.
        to_result(unsafe {
            bindings::get_futex_key(
                uaddr as *mut u32,
                flags,
                &mut key.0,
                bindings::futex_access_FUTEX_WRITE,
            )
        })?;
        Ok(key)
    }

    /// Whether `other` is the key of the same futex, as `futex_match()`.
    fn matches(&self, other: &bindings::futex_key) -> bool {
        // SAFETY: every member of the union is plain data covering `both`, which compares the
        // union whatever member `get_futex_key()` filled in, as C's `futex_match()` does.
        let (a, b) = unsafe { (&self.0.both, &other.both) };
        a.word == b.word && a.ptr == b.ptr && a.offset == b.offset
    }

    /// Locks the hash bucket of the futex, whose word is at `uaddr`.
    fn lock<'a>(&'a self, uaddr: usize, wake_q: &'a WakeQueue) -> LockedHashBucket<'a> {
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
struct LockedHashBucket<'a> {
    hb: *mut bindings::futex_hash_bucket,
    key: &'a FutexKey,
    uaddr: usize,
    wake_q: &'a WakeQueue,
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
struct QueuedWaiter<'a> {
    q: NonNull<bindings::futex_q>,
    _bucket: PhantomData<&'a ()>,
}

impl Waiter for QueuedWaiter<'_> {
    fn bitset(&self) -> u32 {
        // SAFETY: `q` is valid and its fields are written only under the bucket lock, which we
        // hold (type invariant).
        unsafe { (*self.q.as_ptr()).bitset }
    }

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

    fn store_word(&self, value: u32) -> Result {
        let mut old = 0u32;
        // SAFETY: `old` is valid to write. `uaddr` is only used as a user address:
        // `futex_xchg_value_locked()` checks it and handles faults with page faults disabled,
        // as it must under the bucket lock, failing with `-EFAULT` or `-EAGAIN`.
        to_result(unsafe {
            bindings::futex_xchg_value_locked(&mut old, self.uaddr as *mut u32, value)
        })
    }

    fn wake(&self, waiter: QueuedWaiter<'_>) {
        let q = waiter.q.as_ptr();
        // SAFETY: `q` is queued on this bucket, whose lock we hold: its wake handler is set when
        // it is queued (`futex_q_init`), and takes it off the queue and onto the wake queue,
        // after which `q` is not touched again (`waiter` is consumed).
        unsafe {
            if let Some(wake) = (*q).wake {
                wake(self.wake_q.as_ptr(), q);
            }
        }
    }
}

/// A wake queue on the stack: tasks added under a lock are woken after it is dropped.
///
/// # Invariants
///
/// `head` is an initialised `wake_q_head`, pinned, whose tasks are woken at the latest when
/// the value is dropped.
#[pin_data(PinnedDrop)]
struct WakeQueue {
    #[pin]
    head: Opaque<bindings::wake_q_head>,
}

impl WakeQueue {
    /// An empty wake queue.
    fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `wake_q_init()` initialises the pinned head in place; a head points to
            // itself, which is why it is pinned.
            head <- Opaque::ffi_init(|head| unsafe { bindings::wake_q_init(head) }),
        })
    }

    fn as_ptr(&self) -> *mut bindings::wake_q_head {
        self.head.get()
    }

    /// Wakes the queued tasks, leaving the queue empty.
    fn wake_up(self: Pin<&mut Self>) {
        // SAFETY: the head is initialised (type invariant). `wake_up_q()` wakes and releases
        // every queued task; re-initialising leaves an empty queue, so none is woken twice.
        unsafe {
            bindings::wake_up_q(self.as_ptr());
            bindings::wake_q_init(self.as_ptr());
        }
    }
}

#[pinned_drop]
impl PinnedDrop for WakeQueue {
    fn drop(self: Pin<&mut Self>) {
        // Tasks queued and not woken yet, on an error path, hold a reference each.
        self.wake_up();
    }
}

/// `FUTEX_WAKE` or `FUTEX_WAKE_BITSET` with `FUTEX_ROBUST_UNLOCK`, for the current task: unlocks
/// the futex at `uaddr`, queues up to `nr_wake` of its waiters matching `bitset` for waking,
/// clears the `list_op_pending` slot at `pop`, of the width of `abi` lists, and wakes them.
///
/// Returns the number of waiters woken. With `EFAULT` from the slot, the futex was unlocked and
/// its waiters woken all the same; any other error leaves everything as it was.
pub(crate) fn robust_unlock(
    uaddr: usize,
    flags: u32,
    nr_wake: i32,
    bitset: u32,
    pop: usize,
    abi: ListAbi,
) -> Result<u32> {
    if bitset == 0 {
        return Err(EINVAL);
    }
    // Negative counts are refused before anything is touched; 0 wakes one, as FUTEX_WAKE does.
    let nr_wake = u32::try_from(nr_wake).map_err(|_| EINVAL)?.max(1);
    stack_pin_init!(let wake_q = WakeQueue::new());
    let woken = loop {
        let key = FutexKey::for_write(uaddr, flags)?;
        // The bucket lock is taken whether or not waiters are pending: a waiter that is about
        // to queue has set FUTEX_WAITERS in the word, and a lockless check here could store 0
        // over it and leave that waiter asleep.
        let bucket = key.lock(uaddr, &wake_q);
        match unlock_locked(&bucket, nr_wake, bitset) {
            Ok(woken) => break woken,
            Err(e) if e == EAGAIN => {
                drop(bucket);
                task::cond_resched();
            }
            Err(e) if e == EFAULT => {
                drop(bucket);
                // SAFETY: `fault_in_user_writeable()` takes any user address: it looks the
                // address up in the current mm under its lock and fails for a bad one.
                to_result(unsafe { bindings::fault_in_user_writeable(uaddr as *mut u32) })?;
            }
            Err(e) => return Err(e),
        }
    };
    // With the bucket unlocked: the slot may fault.
    let cleared = clear_pending(&mut CurrentMemory::new(), pop, abi);
    wake_q.as_mut().wake_up();
    cleared.map(|()| woken)
}

/// `FUTEX_UNLOCK_PI` with `FUTEX_ROBUST_UNLOCK`, for the current task: the PI unlock of the futex
/// at `uaddr`, then, if it succeeded, the clearing of the `list_op_pending` slot at `pop`.
pub(crate) fn robust_unlock_pi(uaddr: usize, flags: u32, pop: usize, abi: ListAbi) -> Result {
    // SAFETY: `futex_unlock_pi()` takes any user address and flags from futex(2); it validates
    // them and the futex state itself.
    to_result(unsafe { bindings::futex_unlock_pi(uaddr as *mut u32, flags) })?;
    clear_pending(&mut CurrentMemory::new(), pop, abi)
}
