// SPDX-License-Identifier: GPL-2.0

//! Where a task keeps the table of its `set_robust_list2()` lists.
//!
//! `task_struct::futex_robust_lists` points to a [`RobustLists`] this module allocates when the
//! task first registers a list, and frees when the task exits or execs. The task itself is the
//! only one that changes the table; other tasks read it with `get_robust_list2()`, and may do
//! so while the task exits. Every access to the field, and to the table it points to, is made
//! with the task's `alloc_lock` held (`task_lock()`), so a reader never sees a table that is
//! being freed or changed. Nothing sleeps under that lock: the table is allocated before the
//! lock is taken and freed after it is dropped.
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h) (the field) and
//! [`include/linux/sched/task.h`](srctree/include/linux/sched/task.h) (`task_lock()`).

use super::abi::ListAbi;
use super::lists::RobustLists;
use core::ptr::addr_of_mut;
use kernel::bindings;
use kernel::prelude::*;
use kernel::task::{Task, TaskLockGuard};

/// A task with its `alloc_lock` held: its table may be read, changed, installed or taken.
///
/// # Invariants
///
/// `task.futex_robust_lists` is either null or a pointer from [`KBox::into_raw`] of a
/// [`RobustLists`] that nothing else owns, and it is accessed only with the task's
/// `alloc_lock` held, which `guard` holds.
struct LockedTask<'a> {
    guard: TaskLockGuard<'a>,
}

impl<'a> LockedTask<'a> {
    /// Takes the `alloc_lock` of `task`. It is a spinlock, which this module never holds
    /// across anything that sleeps.
    fn lock(task: &'a Task) -> Self {
        // INVARIANT: the field is null from `futex_init_task()` on, and only `install()` and
        // `take()` below write it, with the lock held.
        LockedTask { guard: task.lock() }
    }

    fn task(&self) -> *mut bindings::task_struct {
        self.guard.task().as_ptr()
    }

    /// The address of the task's `futex_robust_lists` field.
    fn field(&self) -> *mut *mut RobustLists {
        // SAFETY: `task` is a valid task; taking the address of its field creates no reference.
        let field = unsafe { addr_of_mut!((*self.task()).futex_robust_lists) };
        field.cast()
    }

    /// The table, if the task has one.
    fn table(&mut self) -> Option<&mut RobustLists> {
        // SAFETY: the field is valid to read, and is written only with the lock held, which
        // we hold (type invariant).
        let table = unsafe { *self.field() };
        // SAFETY: by the type invariant, a non-null `table` points to a live `RobustLists`
        // that only its task owns; the task's accesses to it, like every other one, are made
        // under the lock we hold, and `&mut self` keeps this the only reference while it is.
        unsafe { table.as_mut() }
    }

    /// Installs `table` if the task has none (it then keeps it until [`Self::take`]), and
    /// returns the task's table.
    fn install(&mut self, table: KBox<RobustLists>) -> &mut RobustLists {
        // SAFETY: as in `table()`; we hold the lock, so nothing else writes the field.
        if unsafe { (*self.field()).is_null() } {
            // SAFETY: as above.
            // INVARIANT: the pointer comes from `KBox::into_raw()` and the task owns it now.
            unsafe { *self.field() = KBox::into_raw(table) };
        }
        // SAFETY: as in `table()`: the field is now a table that only the task owns, and it
        // stays alive while `&mut self` is borrowed, as only `take()` removes it.
        unsafe { &mut **self.field() }
    }

    /// Unregisters the lists of `set_robust_list()` whose `list_op_pending` field is at `pop`.
    fn forget_legacy_with_pending(&mut self, pop: usize) {
        // SAFETY: `task` is a valid task; taking the address of its field creates no reference.
        let native = unsafe { addr_of_mut!((*self.task()).robust_list) };
        // SAFETY: the field is valid to read and to write. Only the task itself writes it, as
        // `set_robust_list()` does, and so does this, which runs on the current task (callers
        // of `forget_current_lists_with_pending()`); other tasks only read it.
        unsafe { forget_if_pending_at(native, ListAbi::Native, pop) };
        #[cfg(CONFIG_COMPAT)]
        {
            // SAFETY: as above, for the 32-bit list of the task.
            let compat = unsafe { addr_of_mut!((*self.task()).compat_robust_list) };
            // SAFETY: as above.
            unsafe { forget_if_pending_at(compat, ListAbi::Compat, pop) };
        }
    }

    /// Takes the table away from the task, leaving it none.
    fn take(&mut self) -> Option<KBox<RobustLists>> {
        // SAFETY: as in `table()`.
        let table = unsafe { core::ptr::replace(self.field(), core::ptr::null_mut()) };
        if table.is_null() {
            return None;
        }
        // SAFETY: by the type invariant, `table` comes from `KBox::into_raw()` and nothing
        // else owns it, and now the field no longer points to it either.
        Some(unsafe { KBox::from_raw(table) })
    }
}

/// Clears the legacy head at `field`, a list of layout `abi`, if its `list_op_pending` is at `pop`.
///
/// # Safety
///
/// `field` must be valid for reads and writes, and written by no other context meanwhile.
unsafe fn forget_if_pending_at<T>(field: *mut *mut T, abi: ListAbi, pop: usize) {
    // SAFETY: the caller guarantees that `field` is valid to read.
    let head = unsafe { *field } as usize;
    if head != 0 && abi.pending_field(head) == pop {
        // SAFETY: the caller guarantees that `field` is valid to write.
        unsafe { *field = core::ptr::null_mut() };
    }
}

/// Unregisters every list of the current task whose `list_op_pending` field is at user address
/// `pop`: of `set_robust_list()` as of `set_robust_list2()`.
pub(crate) fn forget_current_lists_with_pending(pop: usize) {
    let task = current!();
    let mut locked = LockedTask::lock(task);
    locked.forget_legacy_with_pending(pop);
    if let Some(table) = locked.table() {
        table.forget_pending(pop);
    }
}

/// Runs `f` on the current task's table, which is allocated if the task has none yet.
///
/// `f` runs under a spinlock: it must not sleep. Returns `ENOMEM` if the table cannot be
/// allocated.
pub(crate) fn update_current<R>(f: impl FnOnce(&mut RobustLists) -> R) -> Result<R> {
    let task = current!();
    {
        let mut locked = LockedTask::lock(task);
        if let Some(table) = locked.table() {
            return Ok(f(table));
        }
    }
    // Allocate with the lock dropped: the allocation may sleep. Only the task itself installs
    // a table, so it has none still when we take the lock again.
    let table = KBox::new(RobustLists::new(), GFP_KERNEL)?;
    let mut locked = LockedTask::lock(task);
    Ok(f(locked.install(table)))
}

/// Runs `f` on the current task's table if it has one, without allocating one.
///
/// `f` runs under a spinlock: it must not sleep.
pub(crate) fn update_current_if_any<R>(f: impl FnOnce(&mut RobustLists) -> R) -> Option<R> {
    let task = current!();
    let mut locked = LockedTask::lock(task);
    locked.table().map(f)
}

/// Runs `f` on the table of `task`, or on `None` if it has none.
///
/// `f` runs under a spinlock: it must not sleep.
pub(crate) fn read<R>(task: &Task, f: impl FnOnce(Option<&RobustLists>) -> R) -> R {
    let mut locked = LockedTask::lock(task);
    f(locked.table().map(|table| &*table))
}

/// Takes the table away from the current task, which is exiting or execing.
///
/// The task has no `set_robust_list2()` lists from here on; the caller walks the lists of the
/// table and drops it.
pub(crate) fn take_current() -> Option<KBox<RobustLists>> {
    let task = current!();
    let mut locked = LockedTask::lock(task);
    locked.take()
}
