// SPDX-License-Identifier: GPL-2.0

//! Robust futex lists, walked in Rust.
//!
//! A task registers a list of the robust futexes it holds with `set_robust_list()`. When it
//! exits or execs, the kernel walks that list and marks every futex the task still holds
//! `FUTEX_OWNER_DIED`, waking a waiter, so that the next owner learns the data it protects may
//! be inconsistent (`Documentation/locking/robust-futex-ABI.rst`).
//!
//! This crate is that walk, replacing `exit_robust_list()`, `compat_exit_robust_list()` and
//! `handle_futex_death()` of `kernel/futex/core.c` with the same observable behaviour:
//!
//! - [`abi`]: the list layouts (native and 32-bit) and the entry encoding, plain Rust;
//! - [`walk`] and [`death`]: the walk and what happens to each futex, generic over
//!   [`walk::FutexSpace`] so that they can be exercised without user memory;
//! - [`user`]: the one place that touches user memory and the futex core, for the current task.
//!
//! It also keeps the lists of `set_robust_list2()`, several per task, each of 64-bit or 32-bit
//! layout, and walks them after the legacy ones:
//!
//! - [`lists`]: the commands of `set_robust_list2()` and the table of a task's lists, plain Rust;
//! - [`task_lists`]: where a task keeps its table, and the lock that guards it.
//!
//! And it does the robust part of `FUTEX_ROBUST_UNLOCK`: [`unlock`] decides what an unlocked
//! word becomes and clears `list_op_pending`; [`vdso`] decides whether a task stopped in the
//! vDSO's robust unlock needs `list_op_pending` cleared, which the same code then does.
//!
//! C calls the `extern "C"` functions below from `futex_cleanup()` and from the system calls.
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h) (the ABI);
//! the entry points are declared in `kernel/futex/futex.h`.

mod abi;
mod death;
mod lists;
mod task_lists;
#[cfg(CONFIG_FUTEX_ROBUST_LIST_KUNIT_TEST)]
pub mod tests;
mod unlock;
mod user;
mod vdso;
mod walk;

use abi::{ListAbi, ENTRY_LIMIT};
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::task::Task;
use lists::{Command, ListIndex, LIST_LIMIT};

/// Walks the native robust list of the exiting current task.
///
/// `head` is the user address the task registered with `set_robust_list()`; it is only ever
/// accessed through the user-access functions, so any value is acceptable.
///
/// # Safety
///
/// Must be called by the task that owns the list, from `futex_cleanup()` at exit or exec, in
/// process context where it may fault and sleep.
#[no_mangle]
pub unsafe extern "C" fn futex_rust_exit_robust_list(head: c_ulong) {
    let mut space = user::CurrentTask::new();
    walk::exit_robust_list(&mut space, head, ListAbi::Native);
}

/// Walks the 32-bit (compat) robust list of the exiting current task.
///
/// `head` is the 32-bit user address the task registered with the compat `set_robust_list()`.
///
/// # Safety
///
/// As for [`futex_rust_exit_robust_list`].
#[no_mangle]
pub unsafe extern "C" fn futex_rust_compat_exit_robust_list(head: u32) {
    let mut space = user::CurrentTask::new();
    walk::exit_robust_list(&mut space, head as usize, ListAbi::Compat);
}

/// Walks the `set_robust_list2()` lists of the exiting current task, in index order, and frees
/// them: the task has none afterwards (exec starts without any).
///
/// # Safety
///
/// As for [`futex_rust_exit_robust_list`].
#[no_mangle]
pub unsafe extern "C" fn futex_rust_exit_robust_lists2() {
    let Some(table) = task_lists::take_current() else {
        return;
    };
    let mut space = user::CurrentTask::new();
    for list in table.iter() {
        walk::exit_robust_list(&mut space, list.head(), list.abi());
    }
}

/// Carries out `set_robust_list2()` for the current task, which is 32-bit if `compat`.
///
/// Returns the index of a created list, a limit, 0, or a negative error code.
///
/// # Safety
///
/// Must be called from the system call, in process context where it may sleep. `head` is a
/// user address that is only stored, never accessed here, so any value is acceptable.
#[no_mangle]
pub unsafe extern "C" fn futex_rust_set_robust_list2(
    head: c_ulong,
    index: c_uint,
    cmd: c_uint,
    flags: c_uint,
    compat: bool,
) -> c_long {
    match set_robust_list2(head, index, cmd, flags, compat) {
        // Both limits and indexes are small: the conversion cannot saturate.
        Ok(value) => c_long::try_from(value).unwrap_or(c_long::MAX),
        Err(e) => e.to_errno() as c_long,
    }
}

fn set_robust_list2(head: usize, index: u32, cmd: u32, flags: u32, compat: bool) -> Result<usize> {
    match Command::decode(head, index, cmd, flags, compat)? {
        Command::Set(index, None) => {
            // Freeing an index of a task without lists has nothing to free.
            task_lists::update_current_if_any(|table| table.set(index, None));
            Ok(0)
        }
        Command::Set(index, list) => {
            task_lists::update_current(|table| table.set(index, list))?;
            Ok(0)
        }
        Command::Create(list) => task_lists::update_current(|table| table.create(list))?,
        Command::ListLimit => Ok(LIST_LIMIT),
        Command::EntryLimit => Ok(ENTRY_LIMIT),
    }
}

/// Looks up the `set_robust_list2()` list of `task` at `index` for `get_robust_list2()`.
///
/// Stores the head's user address in `*head` and returns the list's kind (the `SET` command
/// that registers it again), or returns a negative error code and leaves `*head` alone.
///
/// # Safety
///
/// `task` must point to a valid task for the duration of the call (the caller holds a
/// reference), and `head` must be valid for writing an `unsigned long`.
#[no_mangle]
pub unsafe extern "C" fn futex_rust_get_robust_list2(
    task: *mut bindings::task_struct,
    index: c_uint,
    head: *mut c_ulong,
) -> c_long {
    // SAFETY: the caller guarantees that `task` is a valid task for the duration of the call,
    // and `Task` is a transparent wrapper of `task_struct`.
    let task = unsafe { &*task.cast::<Task>() };
    let found = ListIndex::new(index)
        .and_then(|index| task_lists::read(task, |table| table.ok_or(ENOENT)?.get(index)));
    match found {
        Ok(list) => {
            // SAFETY: the caller guarantees that `head` is valid for writing.
            unsafe { *head = list.head() };
            list.kind() as c_long
        }
        Err(e) => e.to_errno() as c_long,
    }
}

/// Unlocks the robust futex word at `uaddr` for `FUTEX_ROBUST_UNLOCK`: `queued` tasks wait on
/// it, `wakeable` of them match the bitset, and up to `nr_wake` of those are about to be woken.
///
/// Returns 0, or `-EFAULT` or `-EAGAIN` with the word unchanged.
///
/// # Safety
///
/// Must be called by the unlocking task with the futex's hash bucket locked, which keeps the
/// waiters it counted queued. It neither sleeps nor faults. `uaddr` is only used as a user
/// address, so any value is acceptable.
#[no_mangle]
pub unsafe extern "C" fn futex_rust_robust_unlock_word(
    uaddr: *mut u32,
    queued: c_uint,
    wakeable: c_uint,
    nr_wake: c_int,
) -> c_int {
    let value = unlock::unlocked_value(queued, wakeable, nr_wake);
    match unlock::unlock_word(&mut user::CurrentMemory::new(), uaddr as usize, value) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Clears the robust list `list_op_pending` slot at user address `pop` for
/// `FUTEX_ROBUST_UNLOCK`: 32 bits wide if `list32`, else an `unsigned long`.
///
/// Returns 0, or `-EFAULT` if the slot cannot be written; the lists of the task whose slot it is
/// are then unregistered.
///
/// # Safety
///
/// Must be called by the unlocking task, in process context where it may fault and sleep,
/// after the futex was unlocked. `pop` is only used as a user address.
#[no_mangle]
pub unsafe extern "C" fn futex_rust_robust_clear_pending(pop: c_ulong, list32: bool) -> c_int {
    let abi = if list32 {
        ListAbi::Compat
    } else {
        ListAbi::Native
    };
    match unlock::clear_pending(&mut user::CurrentMemory::new(), pop, abi) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Clears `list_op_pending` for the current task if it was interrupted inside a critical
/// section of the vDSO's robust unlock after its cmpxchg succeeded, on its way to signal
/// delivery.
///
/// # Safety
///
/// Must be called by the current task in process context where it may fault, with `regs` its
/// user registers, `ip` their instruction pointer and `vdso` the critical sections of its mm,
/// as `futex_robust_vdso_fixup()` does. The sections are written only under the mm's
/// `mmap_lock`; they are read here one field at a time, as the C side reads them, and a
/// stale value only makes the fixup miss.
#[no_mangle]
pub unsafe extern "C" fn futex_rust_vdso_fixup(
    regs: *mut bindings::pt_regs,
    ip: c_ulong,
    vdso: *const bindings::futex_robust_vdso,
) {
    let mut sections = [vdso::CriticalSection {
        start: 0,
        end: 0,
        pop32: false,
    }; 2];
    // SAFETY: `vdso` points to the current mm's `futex_robust_vdso`, valid while the task
    // runs (the caller's guarantee); the volatile reads tolerate a concurrent update.
    let nr = unsafe { core::ptr::addr_of!((*vdso).nr).read_volatile() } as usize;
    for (i, section) in sections.iter_mut().enumerate().take(nr) {
        // SAFETY: as above; `i` is below the length of both arrays.
        let cs = unsafe { core::ptr::addr_of!((*vdso).cs[i]).read_volatile() };
        *section = vdso::CriticalSection {
            start: cs.start,
            end: cs.end,
            pop32: cs.pop32,
        };
    }
    let pending = vdso::pending_slot(&sections[..nr.min(sections.len())], ip, || {
        // SAFETY: as above; the architecture only reads them.
        unsafe { bindings::arch_futex_robust_vdso_pop(regs) }
    });
    if let Some((pop, abi)) = pending {
        // A slot that cannot be written gets its lists forgotten, as for FUTEX_ROBUST_UNLOCK;
        // there is nobody to tell.
        let _ = unlock::clear_pending(&mut user::CurrentMemory::new(), pop, abi);
    }
}
