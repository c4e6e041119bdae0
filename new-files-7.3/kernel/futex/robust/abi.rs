// SPDX-License-Identifier: GPL-2.0

//! The robust list ABI: head layouts and entry pointers.
//!
//! A list head is `{ next, futex_offset, list_op_pending }`. In a native list the three fields
//! are `unsigned long`-sized; in a 32-bit list (a compat task's) they are 32 bits, and addresses
//! are computed in 32 bits as `compat_ptr(ptr_to_compat(entry) + futex_offset)` does. The low
//! bits of every entry pointer, and of `list_op_pending`, are modifiers
//! (`FUTEX_ROBUST_MOD_MASK`); `FUTEX_ROBUST_MOD_PI` says the futex is PI.
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h).

use core::mem::size_of;
use kernel::bindings::{FUTEX_ROBUST_MOD_MASK, FUTEX_ROBUST_MOD_PI, ROBUST_LIST_LIMIT};

/// The width of a robust list's pointers and `futex_offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListAbi {
    /// `struct robust_list_head` of the kernel's own word size.
    Native,
    /// `struct compat_robust_list_head`: 32-bit fields.
    Compat,
}

impl ListAbi {
    /// The size in bytes of one field of the head, and of an entry's `next` pointer.
    pub(crate) const fn field_size(self) -> usize {
        match self {
            ListAbi::Native => size_of::<usize>(),
            ListAbi::Compat => size_of::<u32>(),
        }
    }

    /// The user address of `head->list.next` (the list node is the head's first field).
    pub(crate) const fn next_field(self, head: usize) -> usize {
        head
    }

    /// The user address of `head->futex_offset`.
    pub(crate) const fn offset_field(self, head: usize) -> usize {
        head.wrapping_add(self.field_size())
    }

    /// The user address of `head->list_op_pending`.
    pub(crate) const fn pending_field(self, head: usize) -> usize {
        head.wrapping_add(2 * self.field_size())
    }

    /// Interprets the raw `futex_offset` field as the signed `long` (or 32-bit `compat_long_t`)
    /// it is.
    pub(crate) const fn futex_offset(self, raw: usize) -> isize {
        match self {
            ListAbi::Native => raw as isize,
            ListAbi::Compat => raw as u32 as i32 as isize,
        }
    }

    /// The address of the futex word of the entry at `entry`, `futex_offset` bytes away.
    ///
    /// Native lists wrap around the address space as C pointer arithmetic on `unsigned long`
    /// does; 32-bit lists wrap around 4 GiB, so a 32-bit list never reaches above it.
    pub(crate) const fn futex_word(self, entry: usize, futex_offset: isize) -> usize {
        match self {
            ListAbi::Native => entry.wrapping_add_signed(futex_offset),
            ListAbi::Compat => (entry as u32).wrapping_add(futex_offset as u32) as usize,
        }
    }
}

/// A decoded entry pointer: where the entry is, and whether its futex is PI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The user address of the entry's `struct robust_list`; 0 for none.
    pub(crate) addr: usize,
    /// `FUTEX_ROBUST_MOD_PI`: the futex is a PI futex.
    pub(crate) pi: bool,
}

impl Entry {
    /// Decodes a raw pointer as read from the list (zero-extended if 32-bit): the modifier
    /// bits are not part of the address.
    pub(crate) const fn decode(raw: usize) -> Self {
        Entry {
            addr: raw & !(FUTEX_ROBUST_MOD_MASK as usize),
            pi: raw & FUTEX_ROBUST_MOD_PI as usize != 0,
        }
    }

    /// Whether this is the NULL pointer (`list_op_pending` with nothing pending).
    pub(crate) const fn is_null(self) -> bool {
        self.addr == 0
    }
}

/// How many entries of one list the walk handles at most: lists longer than this, and
/// circular lists, are cut there.
pub(crate) const ENTRY_LIMIT: usize = ROBUST_LIST_LIMIT as usize;
