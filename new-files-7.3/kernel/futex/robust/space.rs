// SPDX-License-Identifier: GPL-2.0

//! What the exit walk needs from the world: the dying task's user memory and the futex core.
//!
//! [`walk`](super::walk) and [`death`](super::death) are generic over [`FutexSpace`], which
//! [`super::user::CurrentTask`] implements for the exiting task and the KUnit tests implement
//! over a fake memory. It lives apart from both so that neither depends back on the other.
//!
//! C header: `kernel/futex/futex.h` (the futex atomics it stands for).

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
