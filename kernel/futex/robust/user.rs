// SPDX-License-Identifier: GPL-2.0

//! The current task's user memory and the futex atomics, for the walk and the clearing.
//!
//! Every access takes a user address as an integer and goes through functions that check it
//! and handle faults (`get_user()`, `put_user()`, the futex atomics,
//! `fault_in_user_writeable()`), so a bogus address from the list is an error, never undefined
//! behaviour.
//!
//! C header: `kernel/futex/futex.h` (the futex atomics and `futex_robust_wake_one()`).

use super::abi::ListAbi;
use super::space::FutexSpace;
use super::task_lists;
use super::unlock::PendingSlot;
use core::marker::PhantomData;
use kernel::bindings;
use kernel::current;
use kernel::error::{to_result, Error};
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::task;
use kernel::uaccess::{get_user, put_user};

/// The result of a futex atomic on a user word: `value`, or the error.
#[inline]
fn atomic_result(ret: c_int, value: u32) -> Result<u32> {
    if ret == 0 {
        Ok(value)
    } else {
        Err(Error::from_errno(ret))
    }
}

/// The current task, exiting or execing, whose robust lists are walked.
///
/// # Invariants
///
/// `tid` is the thread id of the task that created the value, as that task sees it; the value
/// lives on that task's stack for one walk and is not `Send`, so that task is the current one.
pub(crate) struct CurrentTask {
    tid: u32,
    _not_send: PhantomData<*mut ()>,
}

impl CurrentTask {
    /// Captures the current task's thread id as its futex words hold it (in its own pid
    /// namespace, as `task_pid_vnr()`).
    pub(crate) fn new() -> Self {
        // INVARIANT: the pid of the current task, in its own namespace. A pid is positive and
        // futex words hold it as an unsigned value.
        CurrentTask {
            tid: current!().pid_vnr() as u32,
            _not_send: PhantomData,
        }
    }
}

impl FutexSpace for CurrentTask {
    #[inline]
    fn read_field(&mut self, addr: usize, abi: ListAbi) -> Result<usize> {
        match abi {
            ListAbi::Native => get_user::<usize>(addr),
            ListAbi::Compat => get_user::<u32>(addr).map(|v| v as usize),
        }
    }

    #[inline]
    fn read_word(&mut self, addr: usize) -> Result<u32> {
        get_user::<u32>(addr)
    }

    #[inline]
    fn cmpxchg_word(&mut self, addr: usize, old: u32, new: u32) -> Result<u32> {
        let mut found = 0u32;
        // SAFETY: `found` is a valid `u32` to write. `addr` is only used as a user address:
        // `futex_cmpxchg_value_locked()` checks it with `access_ok()` and handles faults with
        // page faults disabled, returning `-EFAULT` for any address it cannot write.
        let ret =
            unsafe { bindings::futex_cmpxchg_value_locked(&mut found, addr as *mut u32, old, new) };
        atomic_result(ret, found)
    }

    #[inline]
    fn fault_in_writeable(&mut self, addr: usize) -> Result {
        // SAFETY: `fault_in_user_writeable()` takes any user address: it looks the address up
        // in the current mm under its lock and fails for one it cannot fault in writable.
        to_result(unsafe { bindings::fault_in_user_writeable(addr as *mut u32) })
    }

    #[inline]
    fn wake_one(&mut self, addr: usize) {
        // SAFETY: `futex_robust_wake_one()` takes any user address: `futex_wake()` validates
        // it when it computes the futex key and does nothing for a bad one.
        unsafe { bindings::futex_robust_wake_one(addr as *mut u32) };
    }

    #[inline]
    fn resched(&mut self) {
        task::cond_resched();
    }

    #[inline]
    fn tid(&self) -> u32 {
        self.tid
    }
}

/// The memory and lists of the current task, which unlocks a robust futex.
///
/// # Invariants
///
/// The value is not `Send`: it is used by the task that created it, the current one.
pub(crate) struct CurrentMemory {
    _not_send: PhantomData<*mut ()>,
}

impl CurrentMemory {
    /// The current task's memory and lists.
    pub(crate) fn new() -> Self {
        // INVARIANT: `PhantomData<*mut ()>` is not `Send`.
        CurrentMemory {
            _not_send: PhantomData,
        }
    }
}

impl PendingSlot for CurrentMemory {
    #[inline]
    fn write_field(&mut self, addr: usize, abi: ListAbi, value: usize) -> Result {
        match abi {
            ListAbi::Native => put_user::<usize>(addr, value),
            ListAbi::Compat => put_user::<u32>(addr, value as u32),
        }
    }

    fn forget_lists_with_pending(&mut self, addr: usize) {
        task_lists::forget_current_lists_with_pending(addr);
    }
}
