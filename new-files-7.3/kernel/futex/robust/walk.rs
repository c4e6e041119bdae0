// SPDX-License-Identifier: GPL-2.0

//! The exit-time walk of one robust list.
//!
//! The list lives in user memory that the dying task controls, so nothing read from it is
//! trusted: the walk stops at the first fault, after [`ENTRY_LIMIT`] entries (long or circular
//! lists), or when handling an entry fails, and it never holds a lock across entries.
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h).

use super::abi::{Entry, ListAbi, ENTRY_LIMIT};
use super::death::{handle_futex_death, Role};
use super::space::FutexSpace;

/// Walks the list whose head is at user address `head` and marks the futexes the dying task
/// still holds as owner-died. The pending operation (`list_op_pending`) is handled last, and
/// only once even if it is also on the list.
///
/// Always inline, into each of its entry points: most of them know the list's ABI, whose
/// branches then fold away, and the walk of an empty list, which every exit of a glibc thread
/// pays, makes no call of its own.
#[inline(always)]
pub(crate) fn exit_robust_list<S: FutexSpace>(space: &mut S, head: usize, abi: ListAbi) {
    let Ok(first) = space.read_field(abi.next_field(head), abi) else {
        return;
    };
    let Ok(offset) = space.read_field(abi.offset_field(head), abi) else {
        return;
    };
    let futex_offset = abi.futex_offset(offset);
    let Ok(pending) = space.read_field(abi.pending_field(head), abi) else {
        return;
    };
    let pending = Entry::decode(pending);

    // The head's own node ends the list: it is the first field of the head.
    let mut entry = Entry::decode(first);
    for handled in 0..ENTRY_LIMIT {
        if entry.addr == head {
            break;
        }
        // Let others run between the entries of a long list, not after the last one.
        if handled != 0 {
            space.resched();
        }
        // Read the link before handling the entry: waking a waiter may let it free the entry.
        let next = space.read_field(entry.addr, abi);
        if entry.addr != pending.addr {
            let uaddr = abi.futex_word(entry.addr, futex_offset);
            if handle_futex_death(space, uaddr, entry.pi, Role::Listed).is_err() {
                return;
            }
        }
        let Ok(next) = next else {
            return;
        };
        entry = Entry::decode(next);
    }

    if !pending.is_null() {
        let uaddr = abi.futex_word(pending.addr, futex_offset);
        // Nothing follows the pending op: whether it could be handled changes nothing.
        let _ = handle_futex_death(space, uaddr, pending.pi, Role::Pending);
    }
}
