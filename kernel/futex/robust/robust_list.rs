// SPDX-License-Identifier: GPL-2.0

//! Robust futexes in Rust: the exit-time list walk, `set_robust_list2()`/`get_robust_list2()`,
//! `FUTEX_ROBUST_UNLOCK` and the vDSO robust unlock's fixup.
//!
//! A task registers lists of the robust futexes it holds. When it exits or execs, the kernel
//! walks them and marks every futex the task still holds `FUTEX_OWNER_DIED`, waking a waiter,
//! so that the next owner learns the data it protects may be inconsistent
//! (`Documentation/locking/robust-futex-ABI.rst`).
//!
//! Each feature is one call from C into this crate, which owns the sequence and calls C only
//! for leaves that have no Rust form. One line per hop:
//!
//! ```text
//! exit walk        futex_cleanup() -> futex_rust_{,compat_}exit_robust_list(),
//!                    futex_rust_exit_robust_lists2()
//!                    -> walk::exit_robust_list() -> death::handle_futex_death()
//!                    -> get_user(), leaves in futex_core: futex_cmpxchg_value_locked(),
//!                       fault_in_user_writeable(), futex_robust_wake_one()
//! set_robust_list2 sys_set_robust_list2() -> futex_rust_set_robust_list2()
//!                    -> lists::Command::decode(), task_lists (under Task::lock())
//! get_robust_list2 sys_get_robust_list2() -> futex_rust_get_robust_list2()
//!                    -> futex_core::RobustTask (leaves: futex_get_robust_task(),
//!                       futex_put_robust_task()), task_lists (under Task::lock()),
//!                       put_user()
//! ROBUST_UNLOCK    do_futex() -> futex_rust_robust_unlock() -> robust_unlock()
//!                    -> leaves: get_futex_key(), futex_hash(), the bucket lock guard;
//!                       unlock::unlock_locked() (evaluate, store, collect);
//!                       unlock::clear_pending(); leaf: wake_up_q()
//! UNLOCK_PI        do_futex() -> futex_rust_robust_unlock_pi()
//!                    -> robust_unlock_pi() -> leaf: futex_unlock_pi(),
//!                    then unlock::clear_pending()
//! vDSO fixup       futex_robust_vdso_fixup() -> futex_rust_vdso_fixup()
//!                    -> vdso::pending_slot() -> leaf: arch_futex_robust_vdso_pop()
//!                    -> unlock::clear_pending()
//! ```
//!
//! The modules:
//!
//! - [`abi`]: the list layouts (native and 32-bit) and the entry encoding, plain Rust;
//! - [`space`], [`walk`] and [`death`]: the walk and what happens to each futex, generic over
//!   [`space::FutexSpace`] so that they can be exercised without user memory;
//! - [`lists`]: the commands of `set_robust_list2()` and the table of a task's lists, plain Rust;
//! - [`task_lists`]: where a task keeps its table, and the lock that guards it;
//! - [`unlock`]: what the robust unlock wakes and stores, in which order, and the clearing of
//!   `list_op_pending`, plain Rust over [`unlock::LockedBucket`];
//! - [`vdso`]: whether a task stopped in the vDSO's robust unlock needs `list_op_pending`
//!   cleared, plain Rust;
//! - [`user`]: the current task's user memory and lists, for the walk and the clearing;
//! - [`futex_core`]: the leaves of the C futex core, the one module with raw bindings of
//!   futex internals.
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h) (the ABI);
//! the entry points below are declared in `kernel/futex/futex.h`, which the bindings include,
//! and each is checked against its prototype at compile time.

mod abi;
mod death;
mod futex_core;
mod lists;
mod space;
mod task_lists;
#[cfg(CONFIG_FUTEX_ROBUST_LIST_KUNIT_TEST)]
pub mod tests;
mod unlock;
mod user;
mod vdso;
mod walk;

use abi::{ListAbi, ENTRY_LIMIT};
use futex_core::{FutexKey, WakeQueue};
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::uaccess::put_user;
use lists::{Command, ListIndex, LIST_LIMIT};
use unlock::{clear_pending, unlock_locked};
use user::CurrentMemory;

/// Checks at compile time that an exported function has the type of its C prototype, which
/// bindgen read from `kernel/futex/futex.h`: a changed prototype fails the build.
macro_rules! matches_c_prototype {
    ($name:ident: $ty:ty) => {
        const _: $ty = $name;
        const _: $ty = bindings::$name;
    };
}

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
matches_c_prototype!(futex_rust_exit_robust_list: unsafe extern "C" fn(c_ulong));

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
matches_c_prototype!(futex_rust_compat_exit_robust_list: unsafe extern "C" fn(u32));

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
matches_c_prototype!(futex_rust_exit_robust_lists2: unsafe extern "C" fn());

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
    cmd: c_uint,
    index: c_uint,
    flags: c_uint,
    compat: bool,
) -> c_long {
    match set_robust_list2(head, cmd, index, flags, compat) {
        // Both limits and indexes are small: the conversion cannot saturate.
        Ok(value) => c_long::try_from(value).unwrap_or(c_long::MAX),
        Err(e) => e.to_errno() as c_long,
    }
}
matches_c_prototype!(
    futex_rust_set_robust_list2:
        unsafe extern "C" fn(c_ulong, c_uint, c_uint, c_uint, bool) -> c_long
);

fn set_robust_list2(head: usize, cmd: u32, index: u32, flags: u32, compat: bool) -> Result<usize> {
    match Command::decode(head, cmd, index, flags, compat)? {
        Command::Create(list) => task_lists::update_current(|table| table.create(list))?,
        Command::Modify(index, None) => {
            // Freeing an index of a task without lists has nothing to free.
            task_lists::update_current_if_any(|table| table.set(index, None));
            Ok(0)
        }
        Command::Modify(index, list) => {
            task_lists::update_current(|table| table.set(index, list))?;
            Ok(0)
        }
        Command::ListLimit => Ok(LIST_LIMIT),
        Command::EntryLimit => Ok(ENTRY_LIMIT),
    }
}

/// Carries out `get_robust_list2()` for the current task, which is 32-bit if `compat`: looks up
/// the list of task `pid` (0: the caller) at `index` and stores its head at user address
/// `head_ptr`, as a pointer of the caller's size.
///
/// Returns the list's kind (the `MODIFY` command that registers it again), or a negative error
/// code with nothing stored.
///
/// # Safety
///
/// Must be called from the system call, in process context where it may sleep. `head_ptr` is
/// only used as a user address, so any value is acceptable.
#[no_mangle]
pub unsafe extern "C" fn futex_rust_get_robust_list2(
    pid: c_int,
    head_ptr: c_ulong,
    index: c_uint,
    flags: c_uint,
    compat: bool,
) -> c_long {
    match get_robust_list2(pid, head_ptr, index, flags, compat) {
        Ok(kind) => kind as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}
matches_c_prototype!(
    futex_rust_get_robust_list2:
        unsafe extern "C" fn(c_int, c_ulong, c_uint, c_uint, bool) -> c_long
);

fn get_robust_list2(
    pid: i32,
    head_ptr: usize,
    index: u32,
    flags: u32,
    compat: bool,
) -> Result<u32> {
    if flags != 0 {
        return Err(EINVAL);
    }
    let list = {
        let task = futex_core::RobustTask::find(pid)?;
        let index = ListIndex::new(index)?;
        task_lists::read(task.task(), |table| table.ok_or(ENOENT)?.get(index))?
    };
    if compat {
        // A 64-bit list of another task may lie above 4 GiB.
        let head = u32::try_from(list.head()).map_err(|_| EOVERFLOW)?;
        put_user::<u32>(head_ptr, head)?;
    } else {
        put_user::<usize>(head_ptr, list.head())?;
    }
    Ok(list.kind())
}

/// `FUTEX_WAKE` or `FUTEX_WAKE_BITSET` with `FUTEX_ROBUST_UNLOCK`: unlocks the futex at `uaddr`,
/// clears the `list_op_pending` slot at `pop` (32 bits wide if `pop32`, else an
/// `unsigned long`) and wakes up to `nr_wake` waiters matching `bitset`.
///
/// Returns the number of waiters woken, or a negative error code: `-EFAULT` from the slot with
/// the futex unlocked and its waiters woken, any other with nothing done.
///
/// # Safety
///
/// Must be called by the unlocking task from `do_futex()`, in process context where it may
/// fault and sleep, with `flags` the futex flags of the operation. `uaddr` and `pop` are only
/// used as user addresses, so any value is acceptable.
#[no_mangle]
pub unsafe extern "C" fn futex_rust_robust_unlock(
    uaddr: *mut u32,
    flags: c_uint,
    nr_wake: c_int,
    bitset: u32,
    pop: c_ulong,
    pop32: bool,
) -> c_int {
    match robust_unlock(
        uaddr as usize,
        flags,
        nr_wake,
        bitset,
        pop,
        ListAbi::from_list32(pop32),
    ) {
        // At most `nr_wake`, a `c_int` that is not negative: the cast keeps the value.
        Ok(woken) => woken as c_int,
        Err(e) => e.to_errno(),
    }
}
matches_c_prototype!(
    futex_rust_robust_unlock:
        unsafe extern "C" fn(*mut u32, c_uint, c_int, u32, c_ulong, bool) -> c_int
);

/// `FUTEX_WAKE` or `FUTEX_WAKE_BITSET` with `FUTEX_ROBUST_UNLOCK`, for the current task: unlocks
/// the futex at `uaddr`, queues up to `nr_wake` of its waiters matching `bitset` for waking,
/// clears the `list_op_pending` slot at `pop`, of the width of `abi` lists, and wakes them.
///
/// Returns the number of waiters woken. With `EFAULT` from the slot, the futex was unlocked and
/// its waiters woken all the same; any other error leaves everything as it was.
fn robust_unlock(
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
    let wake_q = core::pin::pin!(WakeQueue::new());
    let mut key = FutexKey::new();
    let woken = loop {
        // Looked up again on a retry: the page may have changed while the bucket was unlocked.
        key.look_up_for_write(uaddr, flags)?;
        // The bucket lock is taken whether or not waiters are pending: a waiter that is about
        // to queue has set FUTEX_WAITERS in the word, and a lockless check here could store 0
        // over it and leave that waiter asleep.
        let bucket = key.lock(uaddr, wake_q.as_ref());
        match unlock_locked(&bucket, nr_wake, bitset) {
            Ok(woken) => break woken,
            Err(e) if e == EAGAIN => {
                drop(bucket);
                kernel::task::cond_resched();
            }
            Err(e) if e == EFAULT => {
                drop(bucket);
                futex_core::fault_in_user_writeable(uaddr)?;
            }
            Err(e) => return Err(e),
        }
    };
    // With the bucket unlocked: the slot may fault. The waiters are woken when `wake_q` is
    // dropped, on return, after the slot is cleared.
    clear_pending(&mut CurrentMemory::new(), pop, abi).map(|()| woken)
}

/// `FUTEX_UNLOCK_PI` with `FUTEX_ROBUST_UNLOCK`: the PI unlock of the futex at `uaddr`, then the
/// clearing of the `list_op_pending` slot at `pop` (32 bits wide if `pop32`).
///
/// Returns 0, the error of the PI unlock with nothing else done, or `-EFAULT` from the slot.
///
/// # Safety
///
/// As for [`futex_rust_robust_unlock`].
#[no_mangle]
pub unsafe extern "C" fn futex_rust_robust_unlock_pi(
    uaddr: *mut u32,
    flags: c_uint,
    pop: c_ulong,
    pop32: bool,
) -> c_int {
    match robust_unlock_pi(uaddr as usize, flags, pop, ListAbi::from_list32(pop32)) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
matches_c_prototype!(
    futex_rust_robust_unlock_pi:
        unsafe extern "C" fn(*mut u32, c_uint, c_ulong, bool) -> c_int
);

/// `FUTEX_UNLOCK_PI` with `FUTEX_ROBUST_UNLOCK`, for the current task: the PI unlock of the futex
/// at `uaddr`, then, if it succeeded, the clearing of the `list_op_pending` slot at `pop`.
fn robust_unlock_pi(uaddr: usize, flags: u32, pop: usize, abi: ListAbi) -> Result {
    futex_core::unlock_pi(uaddr, flags)?;
    clear_pending(&mut CurrentMemory::new(), pop, abi)
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
        seq: 0,
    }; bindings::FUTEX_ROBUST_VDSO_MAX_CS as usize];
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
            seq: cs.seq,
        };
    }
    let pending = vdso::pending_slot(&sections[..nr.min(sections.len())], ip, |seq| {
        // SAFETY: as above; the architecture only reads them.
        unsafe { bindings::arch_futex_robust_vdso_pop(regs, seq) }
    });
    if let Some((pop, abi)) = pending {
        // There is nobody to tell: a task that lives on returns into the section and stores
        // to the slot itself; a dying one has its exit walk skip the slot.
        let _ = unlock::clear_pending(&mut user::CurrentMemory::new(), pop, abi);
    }
}
matches_c_prototype!(
    futex_rust_vdso_fixup: unsafe extern "C" fn(
        *mut bindings::pt_regs,
        c_ulong,
        *const bindings::futex_robust_vdso,
    )
);
