// SPDX-License-Identifier: GPL-2.0

//! What the robust futex code needs from the world: the task's user memory, its registered
//! lists and the futex core.
//!
//! [`walk`](super::walk) and [`death`](super::death) are generic over [`FutexSpace`], and
//! [`unlock`](super::unlock) over [`UnlockSpace`]; [`super::user::CurrentTask`] implements both
//! for the current task and the KUnit tests implement them over a fake memory. They live apart
//! from both so that neither depends back on the other.
//!
//! C header: `kernel/futex/futex.h` (the futex atomics they stand for).

use super::abi::ListAbi;
use kernel::prelude::*;

/// What the walk needs from the world: the dying task's user memory and the futex core.
pub(crate) trait FutexSpace {
    /// Reads a field of a list of the given ABI at user address `addr`: a pointer or
    /// `futex_offset`, zero-extended from 32 bits for a 32-bit list.
    fn read_field(&mut self, addr: usize, abi: ListAbi) -> Result<usize>;

    /// Reads the futex word at `addr`.
    fn read_word(&mut self, addr: usize) -> Result<u32>;

    /// Atomically replaces the futex word at `addr` by `new` if it is `old`, without sleeping.
    ///
    /// Returns the value found, or `EFAULT` (the page must be faulted in) or `EAGAIN` (try
    /// again) as `futex_cmpxchg_value_locked()` does.
    fn cmpxchg_word(&mut self, addr: usize, old: u32, new: u32) -> Result<u32>;

    /// Faults in the page of `addr` writable; fails if it cannot be.
    fn fault_in_writeable(&mut self, addr: usize) -> Result;

    /// Wakes one waiter of the shared futex at `addr`.
    fn wake_one(&mut self, addr: usize);

    /// Lets other tasks run between entries of a long list.
    fn resched(&mut self);

    /// The thread id of the dying task, as its futex words hold it.
    fn tid(&mut self) -> u32;
}

/// What the robust unlock and the vDSO fixup need from the world: the unlocking task's user
/// memory and the list heads it registered.
pub(crate) trait UnlockSpace {
    /// Stores 0 in the futex word at `addr` with release semantics; may fault a page in.
    fn unlock_word(&mut self, addr: usize) -> Result;

    /// Writes 0 to a field of a list of the given layout at `addr`; may fault a page in.
    fn clear_field(&mut self, addr: usize, abi: ListAbi) -> Result;

    /// The user address of the list head of the given layout that the task registered with
    /// `set_robust_list()` (or, for a 32-bit list, the compat one), or 0 if none.
    fn registered_head(&self, abi: ListAbi) -> usize;

    /// Drops that registration: the task's exit walk will not walk that list.
    fn forget_registered_head(&mut self, abi: ListAbi);

    /// Drops every `set_robust_list2()` registration of a list of the given layout whose
    /// `list_op_pending` field is at `pop`.
    fn forget_lists_pending_at(&mut self, pop: usize, abi: ListAbi);
}
