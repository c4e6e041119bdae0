// SPDX-License-Identifier: GPL-2.0

//! The current task's user memory and lists, for the walk and the clearing.
//!
//! Every access takes a user address as an integer and goes through functions that check it
//! and handle faults (`get_user()`, `put_user()`, the futex atomics of
//! [`super::futex_core`]), so a bogus address from the list is an error, never undefined
//! behaviour. No unsafe code here: the task is the current one, which the types keep from
//! being sent elsewhere.
//!
//! C header: [`include/linux/uaccess.h`](srctree/include/linux/uaccess.h).

use super::abi::ListAbi;
use super::futex_core;
use super::space::FutexSpace;
use super::task_lists;
use super::unlock::PendingSlot;
use core::marker::PhantomData;
use kernel::current;
use kernel::prelude::*;
use kernel::task;
use kernel::uaccess::{get_user, put_user};

/// The current task, exiting or execing, whose robust lists are walked.
///
/// # Invariants
///
/// `tid`, once known, is the thread id of the task that created the value, as that task sees
/// it, and `stale_pop` the slot it recorded with [`task_lists::set_current_stale_pop()`], or 0;
/// the value lives on that task's stack for one walk and is not `Send`, so that task is the
/// current one.
pub(crate) struct CurrentTask {
    tid: Option<u32>,
    stale_pop: usize,
    _not_send: PhantomData<*mut ()>,
}

impl CurrentTask {
    /// The current task, and the slot its walk must not follow. Its thread id is looked up
    /// when the walk first needs it: most lists are empty when their task exits.
    pub(crate) fn new() -> Self {
        // INVARIANT: no thread id is known yet. The slot is the current task's.
        CurrentTask {
            tid: None,
            stale_pop: task_lists::current_stale_pop(),
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
        futex_core::cmpxchg_value_locked(addr, old, new)
    }

    #[inline]
    fn fault_in_writeable(&mut self, addr: usize) -> Result {
        futex_core::fault_in_user_writeable(addr)
    }

    #[inline]
    fn wake_one(&mut self, addr: usize) {
        futex_core::wake_one(addr);
    }

    #[inline]
    fn resched(&mut self) {
        task::cond_resched();
    }

    #[inline]
    fn tid(&mut self) -> u32 {
        // INVARIANT: the pid of the current task, in its own namespace, as `task_pid_vnr()`
        // gives it. A pid is positive and futex words hold it as an unsigned value.
        *self.tid.get_or_insert_with(|| current!().pid_vnr() as u32)
    }

    #[inline]
    fn pending_is_stale(&self, field: usize) -> bool {
        self.stale_pop != 0 && field == self.stale_pop
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

    #[inline]
    fn dying(&self) -> bool {
        current!().fatal_signal_pending()
    }

    fn skip_pending_at_exit(&mut self, addr: usize) {
        task_lists::set_current_stale_pop(addr);
    }
}
