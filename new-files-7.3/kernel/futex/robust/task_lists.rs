// SPDX-License-Identifier: GPL-2.0

//! Where a task keeps the table of its `set_robust_list2()` lists.
//!
//! `task_struct::futex.robust_lists` points to a [`RobustLists`] this module allocates when the
//! task first registers a list, and frees when the task exits or execs. The task itself is the
//! only one that changes the table; other tasks read it with `get_robust_list2()`, and may do
//! so while the task exits. Every access to the field, and to the table it points to, is made
//! with the task's `alloc_lock` held ([`Task::lock()`]), so a reader never sees a table that is
//! being freed or changed. Nothing sleeps under that lock: the table is allocated before the
//! lock is taken and freed after it is dropped.
//!
//! C header: [`include/linux/futex_types.h`](srctree/include/linux/futex_types.h) (the field)
//! and [`include/linux/sched/task.h`](srctree/include/linux/sched/task.h) (`task_lock()`).

use super::lists::RobustLists;
use core::ptr::addr_of_mut;
use kernel::prelude::*;
use kernel::task::{Task, TaskLockGuard};

/// A task with its `alloc_lock` held: its table may be read, changed, installed or taken.
///
/// # Invariants
///
/// `task.futex.robust_lists` is either null or a pointer from [`KBox::into_raw`] of a
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

    /// The address of the task's `futex.robust_lists` field, which C declares as a pointer to
    /// an opaque `struct futex_robust_lists`: only this module dereferences it, as a
    /// [`RobustLists`].
    fn field(&self) -> *mut *mut RobustLists {
        let task = self.guard.task().as_ptr();
        // SAFETY: `task` is a valid task; taking the address of its field creates no reference.
        let field = unsafe { addr_of_mut!((*task).futex.robust_lists) };
        field.cast()
    }

    /// The table, if the task has one.
    fn table(&mut self) -> Option<&mut RobustLists> {
        // SAFETY: the field is valid to read, and is written only with the lock held, which
        // we hold (type invariant).
        let table = unsafe { *self.field() };
        // SAFETY: by the type invariant, a non-null `table` points to a live `RobustLists`
        // that only its task owns; every access to it is made under the lock we hold, and
        // `&mut self` keeps this the only reference while it is.
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
