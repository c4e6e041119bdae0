// SPDX-License-Identifier: GPL-2.0

//! The current task's user memory and robust list heads, for the walk and the robust unlock.
//!
//! Every access takes a user address as an integer and goes through functions that check it
//! and handle faults (`get_user()`, the futex atomics of [`super::futex_core`]), so a bogus
//! address from the list is an error, never undefined behaviour. No unsafe code here: the task
//! is the current one, which the type keeps from being sent elsewhere.
//!
//! C header: [`include/linux/uaccess.h`](srctree/include/linux/uaccess.h).

use super::abi::ListAbi;
use super::futex_core;
use super::space::{FutexSpace, UnlockSpace};
use super::task_lists;
use core::marker::PhantomData;
use kernel::current;
use kernel::prelude::*;
use kernel::task;
use kernel::uaccess::{get_user, put_user, UserPtr};

/// The current task: exiting or execing, whose robust lists are walked, or unlocking a robust
/// futex.
///
/// # Invariants
///
/// `tid`, once known, is the thread id of the task that created the value, as that task sees
/// it. The value lives on that task's stack for one walk and is not `Send`, so that task is the
/// current one.
pub(crate) struct CurrentTask {
    tid: Option<u32>,
    _not_send: PhantomData<*mut ()>,
}

impl CurrentTask {
    /// The current task. Its thread id is looked up when the walk first needs it: most lists
    /// are empty when their task exits.
    #[inline]
    pub(crate) fn new() -> Self {
        // INVARIANT: no thread id is known yet.
        CurrentTask {
            tid: None,
            _not_send: PhantomData,
        }
    }
}

impl FutexSpace for CurrentTask {
    #[inline]
    fn read_field(&mut self, addr: usize, abi: ListAbi) -> Result<usize> {
        let ptr = UserPtr::from_addr(addr);
        match abi {
            ListAbi::Native => get_user::<usize>(ptr),
            ListAbi::Compat => get_user::<u32>(ptr).map(|v| v as usize),
        }
    }

    #[inline]
    fn read_word(&mut self, addr: usize) -> Result<u32> {
        get_user::<u32>(UserPtr::from_addr(addr))
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
}

impl UnlockSpace for CurrentTask {
    #[inline]
    fn unlock_word(&mut self, addr: usize) -> Result {
        futex_core::unlock_user_release(addr)
    }

    #[inline]
    fn clear_field(&mut self, addr: usize, abi: ListAbi) -> Result {
        let ptr = UserPtr::from_addr(addr);
        match abi {
            ListAbi::Native => put_user(ptr, 0usize),
            ListAbi::Compat => put_user(ptr, 0u32),
        }
    }

    #[inline]
    fn registered_head(&self, abi: ListAbi) -> usize {
        futex_core::registered_head(abi)
    }

    #[inline]
    fn forget_registered_head(&mut self, abi: ListAbi) {
        futex_core::forget_registered_head(abi);
    }

    #[inline]
    fn forget_lists_pending_at(&mut self, pop: usize, abi: ListAbi) {
        task_lists::update_current_if_any(|lists| lists.forget_pending_at(pop, abi));
    }
}
