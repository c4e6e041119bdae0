// SPDX-License-Identifier: GPL-2.0

//! Robust futexes in Rust: the exit-time walk of a task's robust lists.
//!
//! A task registers a list of the robust futexes it holds. When it exits or execs, the kernel
//! walks the list and marks every futex the task still holds `FUTEX_OWNER_DIED`, waking a
//! waiter, so that the next owner learns the data it protects may be inconsistent
//! (`Documentation/locking/robust-futex-ABI.rst`). With `CONFIG_FUTEX_ROBUST_RUST` this crate
//! is that walk, in place of the C one in `kernel/futex/core.c`: the same ABI, the same
//! behaviour, the same selftests.
//!
//! One call from C, one line per hop:
//!
//! ```text
//! exit walk   futex_cleanup() -> exit_robust_list(), compat_exit_robust_list()
//!               -> futex_rust_{,compat_}exit_robust_list()
//!               -> walk::exit_robust_list() -> death::handle_futex_death()
//!               -> get_user(), leaves in futex_core: futex_cmpxchg_value_locked(),
//!                  fault_in_user_writeable(), futex_wake()
//! ```
//!
//! The modules:
//!
//! - [`abi`]: the list layouts (native and 32-bit) and the entry encoding, plain Rust;
//! - [`space`], [`walk`] and [`death`]: the walk and what happens to each futex, generic over
//!   [`space::FutexSpace`] so that they can be exercised without user memory (the KUnit tests
//!   do);
//! - [`user`]: the exiting task's user memory, safe Rust;
//! - [`futex_core`]: the leaves of the C futex core, the one module with raw bindings.
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h) (the ABI);
//! the entry points are declared in `kernel/futex/futex.h`, which the bindings include, and
//! `#[export]` checks each against its prototype.

mod abi;
mod death;
mod futex_core;
mod space;
#[cfg(CONFIG_FUTEX_ROBUST_RUST_KUNIT_TEST)]
mod tests;
mod user;
mod walk;

use abi::ListAbi;
use kernel::bindings;
use kernel::prelude::*;

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
