// SPDX-License-Identifier: GPL-2.0

//! The robust lists of `set_robust_list2()`: a task's table of them, and the commands.
//!
//! Besides the one list of `set_robust_list()`, a task may register up to [`LIST_LIMIT`] robust
//! lists, each at an index and each of 64-bit or 32-bit layout, so that an emulator can keep its
//! own list next to the one of the 32-bit guest it runs. The kernel picks a free index
//! (`CREATE`), or the caller names one (`MODIFY`).
//!
//! This module is plain Rust: the decoding and checking of a command, and the table. Where a
//! task keeps its table is [`super::task_lists`].
//!
//! C header: [`include/uapi/linux/futex.h`](srctree/include/uapi/linux/futex.h).

use super::abi::ListAbi;
use kernel::bindings;
use kernel::prelude::*;

/// The commands of `set_robust_list2()` (`enum robust_list_cmd`).
pub(crate) const CMD_CREATE_64: u32 = bindings::robust_list_cmd_FUTEX_ROBUST_LIST_CMD_CREATE_64;
pub(crate) const CMD_CREATE_32: u32 = bindings::robust_list_cmd_FUTEX_ROBUST_LIST_CMD_CREATE_32;
pub(crate) const CMD_MODIFY_64: u32 = bindings::robust_list_cmd_FUTEX_ROBUST_LIST_CMD_MODIFY_64;
pub(crate) const CMD_MODIFY_32: u32 = bindings::robust_list_cmd_FUTEX_ROBUST_LIST_CMD_MODIFY_32;
pub(crate) const CMD_LIST_LIMIT: u32 = bindings::robust_list_cmd_FUTEX_ROBUST_LIST_CMD_LIST_LIMIT;
pub(crate) const CMD_ENTRY_LIMIT: u32 = bindings::robust_list_cmd_FUTEX_ROBUST_LIST_CMD_ENTRY_LIMIT;

/// How many lists a task may register with `set_robust_list2()`.
///
/// Userspace asks with `FUTEX_ROBUST_LIST_CMD_LIST_LIMIT` and must not assume more than 8.
pub(crate) const LIST_LIMIT: usize = 8;

/// An index of the table.
///
/// # Invariants
///
/// The index is less than [`LIST_LIMIT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ListIndex(usize);

impl ListIndex {
    /// Checks an index that userspace passed: `EINVAL` if it is out of range.
    pub(crate) fn new(index: u32) -> Result<Self> {
        let index = index as usize;
        if index >= LIST_LIMIT {
            return Err(EINVAL);
        }
        // INVARIANT: checked just above.
        Ok(ListIndex(index))
    }

    /// The index as a number.
    pub(crate) fn get(self) -> usize {
        self.0
    }
}

/// A list registered at an index: where its head is, and its layout.
///
/// # Invariants
///
/// `head` is not 0, and it is aligned to the size of the layout's pointers; the head of a
/// 32-bit list is below 4 GiB, so its own node can end the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Registration {
    head: usize,
    abi: ListAbi,
}

impl Registration {
    /// Checks a head that userspace passed for a list of the given layout.
    fn new(head: usize, abi: ListAbi) -> Result<Self> {
        if head == 0 || head % abi.field_size() != 0 {
            return Err(EINVAL);
        }
        if abi == ListAbi::Compat && u32::try_from(head).is_err() {
            return Err(EINVAL);
        }
        // INVARIANT: checked just above.
        Ok(Registration { head, abi })
    }

    /// The user address of the list's head.
    pub(crate) fn head(&self) -> usize {
        self.head
    }

    /// The layout of the list.
    pub(crate) fn abi(&self) -> ListAbi {
        self.abi
    }

    /// What `get_robust_list2()` reports: the `MODIFY` command that registers the list again.
    pub(crate) fn kind(&self) -> u32 {
        match self.abi {
            ListAbi::Native => CMD_MODIFY_64,
            ListAbi::Compat => CMD_MODIFY_32,
        }
    }
}

/// A decoded and checked `set_robust_list2()` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// Register a list at a free index.
    Create(Registration),
    /// Register a list at an index, replacing what is there, or free the index (`None`, a NULL
    /// head).
    Modify(ListIndex, Option<Registration>),
    /// Report [`LIST_LIMIT`].
    ListLimit,
    /// Report how many entries of one list the exit walk handles.
    EntryLimit,
}

/// The layout of a list of the given width, for a task that is 32-bit (`compat`) or not.
///
/// A 32-bit task cannot hold a 64-bit list, and neither can any task of a 32-bit kernel.
fn layout(bits64: bool, compat: bool) -> Result<ListAbi> {
    if !bits64 {
        return Ok(ListAbi::Compat);
    }
    if compat || !cfg!(CONFIG_64BIT) {
        return Err(EOPNOTSUPP);
    }
    Ok(ListAbi::Native)
}

impl Command {
    /// Decodes the arguments of `set_robust_list2()` from a task that is 32-bit (`compat`)
    /// or not, and checks them.
    ///
    /// `head` and `index` matter only to the commands that use them; `index` must be 0 for the
    /// others, so that it can be given a meaning later. Unknown commands, and the kernel's own
    /// (`FUTEX_ROBUST_LIST_SET_NATIVE` and `_SET_COMPAT`), are `EINVAL`.
    pub(crate) fn decode(
        head: usize,
        cmd: u32,
        index: u32,
        flags: u32,
        compat: bool,
    ) -> Result<Self> {
        if flags != 0 {
            return Err(EINVAL);
        }
        match cmd {
            CMD_MODIFY_64 | CMD_MODIFY_32 => {
                let abi = layout(cmd == CMD_MODIFY_64, compat)?;
                let index = ListIndex::new(index)?;
                if head == 0 {
                    return Ok(Command::Modify(index, None));
                }
                Ok(Command::Modify(index, Some(Registration::new(head, abi)?)))
            }
            _ if index != 0 => Err(EINVAL),
            CMD_CREATE_64 | CMD_CREATE_32 => {
                let abi = layout(cmd == CMD_CREATE_64, compat)?;
                Ok(Command::Create(Registration::new(head, abi)?))
            }
            CMD_LIST_LIMIT => Ok(Command::ListLimit),
            CMD_ENTRY_LIMIT => Ok(Command::EntryLimit),
            _ => Err(EINVAL),
        }
    }
}

/// The lists a task registered with `set_robust_list2()`, by index.
///
/// A task has at most one, from its first registration to its exit or exec (`task_lists.rs`):
/// what it costs is bounded by this type's size.
#[derive(Debug)]
pub(crate) struct RobustLists {
    lists: [Option<Registration>; LIST_LIMIT],
}

// 128 bytes on 64-bit kernels: a head and its layout per index.
const _: () = assert!(core::mem::size_of::<RobustLists>() <= 16 * LIST_LIMIT);

impl RobustLists {
    /// An empty table.
    pub(crate) const fn new() -> Self {
        RobustLists {
            lists: [None; LIST_LIMIT],
        }
    }

    /// Registers a list at `index`, replacing what was there, or frees the index (`None`).
    pub(crate) fn set(&mut self, index: ListIndex, list: Option<Registration>) {
        // The index is in range by the invariant of `ListIndex`.
        self.lists[index.get()] = list;
    }

    /// Registers a list at the lowest free index and returns it; `ENOSPC` if none is free.
    pub(crate) fn create(&mut self, list: Registration) -> Result<usize> {
        let (index, slot) = self
            .lists
            .iter_mut()
            .enumerate()
            .find(|(_, slot)| slot.is_none())
            .ok_or(ENOSPC)?;
        *slot = Some(list);
        Ok(index)
    }

    /// The list at `index`; `ENOENT` if the index is free.
    pub(crate) fn get(&self, index: ListIndex) -> Result<Registration> {
        // The index is in range by the invariant of `ListIndex`.
        self.lists[index.get()].ok_or(ENOENT)
    }

    /// The registered lists, in index order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Registration> + '_ {
        self.lists.iter().flatten().copied()
    }

    /// Frees every index whose list of layout `abi` has its `list_op_pending` field at user
    /// address `pop`: that slot could not be cleared, and the exit walk must not follow it.
    pub(crate) fn forget_pending_at(&mut self, pop: usize, abi: ListAbi) {
        for slot in self.lists.iter_mut() {
            if slot.is_some_and(|list| list.abi == abi && abi.pending_field(list.head) == pop) {
                *slot = None;
            }
        }
    }
}
