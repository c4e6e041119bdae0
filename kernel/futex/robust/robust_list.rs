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
//! C calls the two `extern "C"` functions below from `futex_cleanup()`.
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h) (the ABI);
//! the entry points are declared in `kernel/futex/futex.h`.

mod abi;
mod death;
mod user;
mod walk;

use abi::ListAbi;
use kernel::ffi::c_ulong;

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
