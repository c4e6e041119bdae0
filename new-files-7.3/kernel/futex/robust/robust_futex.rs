// SPDX-License-Identifier: GPL-2.0

//! Robust futexes in Rust: the exit-time walk of a task's robust lists, the kernel's part of
//! their unlock, and `set_robust_list2()`/`get_robust_list2()`.
//!
//! A task registers a list of the robust futexes it holds. When it exits or execs, the kernel
//! walks the list and marks every futex the task still holds `FUTEX_OWNER_DIED`, waking a
//! waiter, so that the next owner learns the data it protects may be inconsistent
//! (`Documentation/locking/robust-futex-ABI.rst`). To unlock one without the race of glibc bug
//! 14485, the task has the kernel clear its `list_op_pending` slot: `FUTEX_ROBUST_UNLOCK`, or
//! the fixup of an interrupted vDSO unlock. With `CONFIG_FUTEX_ROBUST_RUST` this crate is that
//! walk and that clearing, in place of the C in `kernel/futex/`: the same ABI, the same
//! behaviour, the same selftests. It also keeps the lists of `set_robust_list2()`, up to
//! [`lists::LIST_LIMIT`] per task next to the legacy one, each of 64-bit or 32-bit layout, so
//! that an emulator can register its own list and its 32-bit guest's; without it those system
//! calls fail with `ENOSYS`.
//!
//! One call from C per entry point, one line per hop:
//!
//! ```text
//! exit walk   futex_cleanup() -> exit_robust_list(), compat_exit_robust_list()
//!               -> futex_rust_{,compat_}exit_robust_list()
//!               -> walk::exit_robust_list() -> death::handle_futex_death()
//!               -> get_user(), leaves in futex_core: futex_cmpxchg_value_locked(),
//!                  fault_in_user_writeable(), futex_wake()
//!             futex_cleanup() -> futex_rust_exit_robust_lists2()
//!               -> task_lists::take_current(), walk::exit_robust_list() per list
//! list2       sys_set_robust_list2() -> futex_rust_set_robust_list2()
//!               -> lists::Command::decode(), task_lists (under Task::lock())
//!             sys_get_robust_list2() -> futex_rust_get_robust_list2()
//!               -> futex_core::RobustTask (futex_get_robust_task()), task_lists,
//!                  put_user()
//! unlock      futex_wake() -> futex_robust_unlock() -> futex_rust_robust_unlock()
//!               -> unlock::robust_unlock() -> futex_unlock_user_release(), put_user()
//!             futex_unlock_pi() -> futex_robust_list_clear_pending()
//!               -> unlock::clear_pending() -> put_user()
//! fixup       exit_to_user_mode_loop() -> futex_fixup_robust_unlock()
//!               -> __futex_fixup_robust_unlock() -> arch::interrupted_unlock_pop()
//!               -> unlock::fixup_interrupted_unlock() -> put_user()
//! ```
//!
//! The modules:
//!
//! - [`abi`]: the list layouts (native and 32-bit) and the entry encoding, plain Rust;
//! - [`space`], [`walk`], [`death`] and [`unlock`]: the walk, what happens to each futex and
//!   the clearing of the pending slot, generic over [`space::FutexSpace`] and
//!   [`space::UnlockSpace`] so that they can be exercised without user memory (the KUnit tests
//!   do);
//! - [`lists`]: the commands of `set_robust_list2()` and the table of a task's lists, plain
//!   Rust;
//! - [`task_lists`]: where a task keeps its table, and the lock that guards it;
//! - [`arch`]: what an interrupted vDSO unlock left in the registers;
//! - [`user`]: the current task's user memory, safe Rust;
//! - [`futex_core`]: the leaves of the C futex core, the one module with raw bindings.
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h) (the ABI);
//! the entry points are declared in `kernel/futex/futex.h`, which the bindings include, and
//! `#[export]` checks each against its prototype.

mod abi;
#[cfg(CONFIG_FUTEX_ROBUST_UNLOCK)]
mod arch;
mod death;
mod futex_core;
mod lists;
mod space;
mod task_lists;
#[cfg(CONFIG_FUTEX_ROBUST_RUST_KUNIT_TEST)]
mod tests;
mod unlock;
mod user;
mod walk;

use abi::{ListAbi, ENTRY_LIMIT};
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong, c_void};
use kernel::prelude::*;
use kernel::uaccess::{put_user, UserPtr};
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
#[export]
pub unsafe extern "C" fn futex_rust_exit_robust_list(head: *mut bindings::robust_list_head) {
    let mut space = user::CurrentTask::new();
    walk::exit_robust_list(&mut space, head.addr(), ListAbi::Native);
}

/// Walks the 32-bit (compat) robust list of the exiting current task.
///
/// `head` is the 32-bit user address the task registered with the compat `set_robust_list()`.
///
/// # Safety
///
/// As for [`futex_rust_exit_robust_list`].
#[cfg(CONFIG_COMPAT)]
#[export]
pub unsafe extern "C" fn futex_rust_compat_exit_robust_list(
    head: *mut bindings::compat_robust_list_head,
) {
    let mut space = user::CurrentTask::new();
    walk::exit_robust_list(&mut space, head.addr(), ListAbi::Compat);
}

/// Unlocks the futex at `uaddr` and clears the `list_op_pending` slot at `pop` for
/// `FUTEX_ROBUST_UNLOCK` on `FUTEX_WAKE` or `FUTEX_WAKE_BITSET`, before the futex core wakes.
/// Returns false, for `futex_wake()` to fail with `EFAULT`, if either could not be written.
///
/// `uaddr` and `pop` come from futex(2) and are only ever used as user addresses.
///
/// # Safety
///
/// Must be called by the unlocking task, from `futex_wake()` with `FLAGS_ROBUST_UNLOCK` in
/// `flags`, in process context where it may fault and sleep, with no lock held.
#[export]
pub unsafe extern "C" fn futex_rust_robust_unlock(
    uaddr: *mut u32,
    flags: c_uint,
    pop: *mut c_void,
) -> bool {
    let mut space = user::CurrentTask::new();
    unlock::robust_unlock(&mut space, uaddr.addr(), flags, pop.addr())
}

/// Clears the `list_op_pending` slot at `pop` of the current task, of the width `flags` gives
/// (`FLAGS_ROBUST_LIST32`), after the futex it points at was unlocked. Returns whether it was
/// cleared.
///
/// This is the definition of the function `kernel/futex/futex.h` declares; `pop` is only ever
/// used as a user address.
///
/// # Safety
///
/// Must be called by the task that owns the slot, in process context where it may fault and
/// sleep, with no lock held.
#[export]
pub unsafe extern "C" fn futex_robust_list_clear_pending(pop: *mut c_void, flags: c_uint) -> bool {
    let mut space = user::CurrentTask::new();
    unlock::clear_pending(&mut space, pop.addr(), flags)
}

/// Clears the `list_op_pending` slot of the current task, interrupted in the vDSO's unlock
/// critical section `csr`, if the registers say its cmpxchg released the futex.
///
/// This is the definition of the function `include/linux/futex.h` declares.
///
/// # Safety
///
/// Must be called from `futex_fixup_robust_unlock()` on the current task's way back to
/// userspace, where it may fault and sleep: `regs` points to its user registers and `csr` to
/// the range of its mm that contains their instruction pointer, both valid for the call.
#[cfg(CONFIG_FUTEX_ROBUST_UNLOCK)]
#[export]
pub unsafe extern "C" fn __futex_fixup_robust_unlock(
    regs: *mut bindings::pt_regs,
    csr: *mut bindings::futex_unlock_cs_range,
) {
    // SAFETY: both are valid for the call, by the safety requirements; the task's registers
    // and its mm's ranges are not written while it runs this on its way to userspace.
    let (regs, csr) = unsafe { (&*regs, &*csr) };
    let mut space = user::CurrentTask::new();
    unlock::fixup_interrupted_unlock(
        &mut space,
        arch::interrupted_unlock_pop(regs),
        csr.pop_size32 != 0,
    );
}

/// Walks the `set_robust_list2()` lists of the exiting current task, in index order, and frees
/// them: the task has none afterwards (exec starts without any).
///
/// # Safety
///
/// As for [`futex_rust_exit_robust_list`].
#[export]
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
#[export]
pub unsafe extern "C" fn futex_rust_set_robust_list2(
    head: c_ulong,
    cmd: c_uint,
    index: c_uint,
    flags: c_uint,
    compat: bool,
) -> c_long {
    match set_robust_list2(head, cmd, index, flags, compat) {
        // Indexes and limits are small: the conversion cannot saturate.
        Ok(value) => c_long::try_from(value).unwrap_or(c_long::MAX),
        Err(e) => e.to_errno() as c_long,
    }
}

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
#[export]
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
    let head_ptr = UserPtr::from_addr(head_ptr);
    if compat {
        // A 64-bit list of another task may lie above 4 GiB.
        let head = u32::try_from(list.head()).map_err(|_| EOVERFLOW)?;
        put_user(head_ptr, head)?;
    } else {
        put_user(head_ptr, list.head())?;
    }
    Ok(list.kind())
}
