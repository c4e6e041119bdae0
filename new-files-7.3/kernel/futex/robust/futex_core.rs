// SPDX-License-Identifier: GPL-2.0

//! The C futex core, as the robust list walk reaches it.
//!
//! `kernel/futex/futex.h` is private to futex and has no Rust abstraction, and the walk needs
//! three of its leaves: the futex cmpxchg on a user word, faulting its page in, and waking one
//! waiter. The robust unlock needs the release store of a futex word and the current task's
//! registered list heads, and `get_robust_list2()` the task lookup and permission check of
//! `get_robust_list()` ([`RobustTask`]). This module is the one place in the crate that reaches
//! them through raw bindings; it hands the rest of the crate safe functions and types.
//!
//! C header: `kernel/futex/futex.h` and
//! [`include/linux/futex_types.h`](srctree/include/linux/futex_types.h).

use super::abi::ListAbi;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::current;
use kernel::error::{from_err_ptr, Error};
use kernel::prelude::*;
use kernel::task::Task;

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
    let ret = unsafe { bindings::fault_in_user_writeable(addr as *mut u32) };
    if ret == 0 {
        Ok(())
    } else {
        Err(Error::from_errno(ret))
    }
}

/// Wakes one waiter of the shared futex at user address `addr`, as the exit walk does.
#[inline]
pub(crate) fn wake_one(addr: usize) {
    // SAFETY: `futex_wake()` takes any user address: it validates it when it computes the futex
    // key and returns an error for a bad one, which the walk has no use for. Without
    // `FLAGS_ROBUST_UNLOCK` it does not look at the pending-op pointer, which is NULL.
    unsafe {
        bindings::futex_wake(
            addr as *mut u32,
            bindings::FLAGS_SIZE_32 | bindings::FLAGS_SHARED,
            core::ptr::null_mut(),
            1,
            bindings::FUTEX_BITSET_MATCH_ANY,
        )
    };
}

/// Unlocks the futex word at user address `addr`: stores 0 with release semantics, so that the
/// stores of the critical section are visible before the word says the futex is free.
#[inline]
pub(crate) fn unlock_user_release(addr: usize) -> Result {
    // SAFETY: `futex_unlock_user_release()` takes any user address: it checks it with
    // `access_ok()` and handles faults, failing for an address it cannot write.
    if unsafe { bindings::futex_unlock_user_release(addr as *mut u32) } {
        Ok(())
    } else {
        Err(EFAULT)
    }
}

/// The user address of the robust list head of the given layout that the current task
/// registered with `set_robust_list()`, or 0 if none.
#[inline]
pub(crate) fn registered_head(abi: ListAbi) -> usize {
    let task = current!().as_ptr();
    match abi {
        // SAFETY: `task` is the current task, valid while it runs. Its robust list heads are
        // written only by the task itself (`set_robust_list()`, fork and exec, and
        // `forget_registered_head()`), which is running this, so the read does not race with
        // a write.
        ListAbi::Native => unsafe { (*task).futex.robust_list.addr() },
        // SAFETY: as above.
        #[cfg(CONFIG_COMPAT)]
        ListAbi::Compat => unsafe { (*task).futex.compat_robust_list.addr() },
        // A kernel without compat tasks registers no 32-bit list.
        #[cfg(not(CONFIG_COMPAT))]
        ListAbi::Compat => 0,
    }
}

/// Drops the current task's registration of its robust list head of the given layout.
#[inline]
pub(crate) fn forget_registered_head(abi: ListAbi) {
    let task = current!().as_ptr();
    match abi {
        // SAFETY: `task` is the current task, valid while it runs, and only the task itself
        // writes its list heads (see `registered_head()`). Another task's `get_robust_list()`
        // reads them unlocked, as it does when `set_robust_list()` writes them.
        ListAbi::Native => unsafe { (*task).futex.robust_list = core::ptr::null_mut() },
        // SAFETY: as above.
        #[cfg(CONFIG_COMPAT)]
        ListAbi::Compat => unsafe { (*task).futex.compat_robust_list = core::ptr::null_mut() },
        #[cfg(not(CONFIG_COMPAT))]
        ListAbi::Compat => {}
    }
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
