// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the walk and of the robust unlock, run against a fake user memory, and of the
//! `set_robust_list2()` commands and table.
//!
//! The C suite `robust_list_kunit.c` calls each `#[no_mangle]` function below; a function
//! returns 0 if every check held, or the source line of the first check that failed.
//!
//! [`FakeSpace`] is a small byte array at a made-up user address, with switches that make its
//! operations fail the ways user memory can: unreadable addresses, a cmpxchg that faults
//! (and a page that can or cannot be faulted in), a cmpxchg that asks to retry.

use super::abi::{Entry, ListAbi, ENTRY_LIMIT};
use super::lists::{
    Command, ListIndex, Registration, RobustLists, CMD_CREATE_32, CMD_CREATE_64, CMD_ENTRY_LIMIT,
    CMD_LIST_LIMIT, CMD_MODIFY_32, CMD_MODIFY_64, LIST_LIMIT,
};
use super::space::FutexSpace;
use super::unlock::{clear_pending, evaluate, unlock_locked, LockedBucket, PendingSlot, Waiter};
use super::vdso::{pending_slot, CriticalSection};
use super::walk::exit_robust_list;
use core::cell::Cell;
use kernel::bindings::{
    robust_list_cmd_FUTEX_ROBUST_LIST_CMD_USER_MAX as CMD_USER_MAX,
    robust_list_cmd_FUTEX_ROBUST_LIST_SET_COMPAT as CMD_SET_COMPAT,
    robust_list_cmd_FUTEX_ROBUST_LIST_SET_NATIVE as CMD_SET_NATIVE, FUTEX_OWNER_DIED,
    FUTEX_WAITERS,
};
use kernel::ffi::c_int;
use kernel::prelude::*;

/// Returns the current line from the enclosing test if `$cond` does not hold.
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return line!() as c_int;
        }
    };
}

const BASE: usize = 0x10_0000;
const SIZE: usize = 512;
const TID: u32 = 1234;
const OTHER_TID: u32 = 4321;
const MAX_WAKES: usize = 8;

/// A fake user memory of [`SIZE`] bytes at [`BASE`], and a record of what the walk did to it.
struct FakeSpace {
    mem: [u8; SIZE],
    /// Addresses at or above this one read as unmapped.
    readable_end: usize,
    /// Number of futex atomics (cmpxchg, exchange) that fault before one succeeds.
    cmpxchg_faults: u32,
    /// A futex word whose page is mapped read-only, or 0: every atomic on it faults, and
    /// faulting it in writable fails.
    read_only_word: usize,
    /// Number of futex atomics that ask to retry before one succeeds.
    cmpxchg_eagains: u32,
    wakes: [usize; MAX_WAKES],
    nr_wakes: usize,
    /// Reads and cmpxchg calls on futex words: one or two per entry the walk handled.
    word_accesses: usize,
    rescheds: usize,
    /// Calls of `tid()`: the real task looks its thread id up on the first.
    tid_lookups: usize,
    /// Whether the task has a fatal signal pending.
    dying: bool,
    /// The slot recorded by `skip_pending_at_exit()`, or 0.
    stale_pop: usize,
}

impl FakeSpace {
    fn new() -> Self {
        FakeSpace {
            mem: [0; SIZE],
            readable_end: BASE + SIZE,
            cmpxchg_faults: 0,
            read_only_word: 0,
            cmpxchg_eagains: 0,
            wakes: [0; MAX_WAKES],
            nr_wakes: 0,
            word_accesses: 0,
            rescheds: 0,
            tid_lookups: 0,
            dying: false,
            stale_pop: 0,
        }
    }

    fn range(&self, addr: usize, len: usize) -> Result<core::ops::Range<usize>> {
        let end = addr.checked_add(len).ok_or(EFAULT)?;
        if addr < BASE || end > self.readable_end {
            return Err(EFAULT);
        }
        Ok(addr - BASE..end - BASE)
    }

    fn put(&mut self, addr: usize, bytes: &[u8]) {
        if let Ok(r) = self.range(addr, bytes.len()) {
            self.mem[r].copy_from_slice(bytes);
        }
    }

    fn put_u32(&mut self, addr: usize, v: u32) {
        self.put(addr, &v.to_ne_bytes());
    }

    fn put_field(&mut self, addr: usize, abi: ListAbi, v: usize) {
        match abi {
            ListAbi::Native => self.put(addr, &v.to_ne_bytes()),
            ListAbi::Compat => self.put_u32(addr, v as u32),
        }
    }

    fn word(&self, addr: usize) -> u32 {
        self.read_u32(addr).unwrap_or(u32::MAX)
    }

    fn read_u32(&self, addr: usize) -> Result<u32> {
        let r = self.range(addr, 4)?;
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.mem[r]);
        Ok(u32::from_ne_bytes(b))
    }

    fn woken(&self, addr: usize) -> usize {
        self.wakes[..self.nr_wakes]
            .iter()
            .filter(|&&a| a == addr)
            .count()
    }
}

impl FutexSpace for FakeSpace {
    fn read_field(&mut self, addr: usize, abi: ListAbi) -> Result<usize> {
        let r = self.range(addr, abi.field_size())?;
        Ok(match abi {
            ListAbi::Native => {
                let mut b = [0u8; core::mem::size_of::<usize>()];
                b.copy_from_slice(&self.mem[r]);
                usize::from_ne_bytes(b)
            }
            ListAbi::Compat => {
                let mut b = [0u8; 4];
                b.copy_from_slice(&self.mem[r]);
                u32::from_ne_bytes(b) as usize
            }
        })
    }

    fn read_word(&mut self, addr: usize) -> Result<u32> {
        self.word_accesses += 1;
        self.read_u32(addr)
    }

    fn cmpxchg_word(&mut self, addr: usize, old: u32, new: u32) -> Result<u32> {
        self.word_accesses += 1;
        if addr == self.read_only_word {
            return Err(EFAULT);
        }
        self.cmpxchg(addr, old, new)
    }

    fn fault_in_writeable(&mut self, addr: usize) -> Result {
        if addr == self.read_only_word {
            Err(EFAULT)
        } else {
            Ok(())
        }
    }

    fn wake_one(&mut self, addr: usize) {
        if self.nr_wakes < MAX_WAKES {
            self.wakes[self.nr_wakes] = addr;
            self.nr_wakes += 1;
        }
    }

    fn resched(&mut self) {
        self.rescheds += 1;
    }

    fn tid(&mut self) -> u32 {
        self.tid_lookups += 1;
        TID
    }

    fn pending_is_stale(&self, field: usize) -> bool {
        self.stale_pop != 0 && field == self.stale_pop
    }
}

impl PendingSlot for FakeSpace {
    fn write_field(&mut self, addr: usize, abi: ListAbi, value: usize) -> Result {
        self.range(addr, abi.field_size())?;
        self.put_field(addr, abi, value);
        Ok(())
    }

    fn dying(&self) -> bool {
        self.dying
    }

    fn skip_pending_at_exit(&mut self, addr: usize) {
        self.stale_pop = addr;
    }
}

impl FakeSpace {
    /// Fails a futex atomic as the switches say.
    fn fail_atomic(&mut self) -> Result {
        if self.cmpxchg_faults > 0 {
            self.cmpxchg_faults -= 1;
            return Err(EFAULT);
        }
        if self.cmpxchg_eagains > 0 {
            self.cmpxchg_eagains -= 1;
            return Err(EAGAIN);
        }
        Ok(())
    }

    /// The futex cmpxchg, failing as the switches say.
    fn cmpxchg(&mut self, addr: usize, old: u32, new: u32) -> Result<u32> {
        self.fail_atomic()?;
        let found = self.read_u32(addr)?;
        if found == old {
            self.put_u32(addr, new);
        }
        Ok(found)
    }
}

/// A list laid out in a [`FakeSpace`]: the head at [`BASE`], entries of 16 bytes after it,
/// each entry `{ word: u32, pad: u32, next }` so `futex_offset` is negative, as glibc's is.
struct Layout {
    abi: ListAbi,
}

impl Layout {
    const HEAD: usize = BASE;
    const FIRST_ENTRY: usize = BASE + 64;

    /// The address of entry `i`'s node (its `next` field).
    fn entry(&self, i: usize) -> usize {
        Self::FIRST_ENTRY + i * 16 + 8
    }

    /// The address of entry `i`'s futex word.
    fn word(&self, i: usize) -> usize {
        Self::FIRST_ENTRY + i * 16
    }

    /// Writes the head and links entries `0..n` in order, each with its PI bit from `pi`.
    fn build(&self, s: &mut FakeSpace, n: usize, pi: &[bool], pending: usize) {
        let tag = |i: usize| self.entry(i) | usize::from(pi.get(i).copied().unwrap_or(false));
        let first = if n == 0 { Self::HEAD } else { tag(0) };
        s.put_field(self.abi.next_field(Self::HEAD), self.abi, first);
        // futex_offset = word - node = -8.
        s.put_field(
            self.abi.offset_field(Self::HEAD),
            self.abi,
            (-8isize) as usize,
        );
        s.put_field(self.abi.pending_field(Self::HEAD), self.abi, pending);
        for i in 0..n {
            let next = if i + 1 == n { Self::HEAD } else { tag(i + 1) };
            s.put_field(self.entry(i), self.abi, next);
        }
    }
}

const NATIVE: Layout = Layout {
    abi: ListAbi::Native,
};
const COMPAT: Layout = Layout {
    abi: ListAbi::Compat,
};

/// Entry pointers: bit 0 is the PI flag and is not part of the address.
#[no_mangle]
pub extern "C" fn futex_robust_test_entry_decode() -> c_int {
    let e = Entry::decode(0x1001);
    check!(e.addr == 0x1000 && e.pi);
    let e = Entry::decode(0x1000);
    check!(e.addr == 0x1000 && !e.pi);
    check!(Entry::decode(0).is_null());
    check!(Entry::decode(1).is_null() && Entry::decode(1).pi);
    0
}

/// The futex word address wraps as C pointer arithmetic does: natively around the address
/// space, in a 32-bit list around 4 GiB.
#[no_mangle]
pub extern "C" fn futex_robust_test_offset_arithmetic() -> c_int {
    check!(ListAbi::Native.futex_word(0x1008, -8) == 0x1000);
    check!(ListAbi::Native.futex_word(8, -16) == usize::MAX - 7);
    check!(ListAbi::Compat.futex_word(0x10, -0x20) == 0xffff_fff0);
    check!(ListAbi::Compat.futex_word(0xffff_fff0, 0x20) == 0x10);
    // compat_long_t futex_offset is sign-extended from 32 bits.
    check!(ListAbi::Compat.futex_offset(0xffff_fff8) == -8);
    check!(ListAbi::Native.futex_offset(usize::MAX) == -1);
    check!(ListAbi::Compat.pending_field(0x100) == 0x108);
    check!(ListAbi::Native.pending_field(0x100) == 0x100 + 2 * core::mem::size_of::<usize>());
    0
}

fn owned_entries_die(l: &Layout) -> c_int {
    let mut s = FakeSpace::new();
    l.build(&mut s, 4, &[], 0);
    s.put_u32(l.word(0), TID);
    s.put_u32(l.word(1), TID | FUTEX_WAITERS);
    s.put_u32(l.word(2), OTHER_TID | FUTEX_WAITERS);
    s.put_u32(l.word(3), TID | FUTEX_OWNER_DIED);
    exit_robust_list(&mut s, Layout::HEAD, l.abi);
    check!(s.word(l.word(0)) == FUTEX_OWNER_DIED);
    check!(s.word(l.word(1)) == FUTEX_OWNER_DIED | FUTEX_WAITERS);
    // Another owner's futex is left alone.
    check!(s.word(l.word(2)) == OTHER_TID | FUTEX_WAITERS);
    check!(s.word(l.word(3)) == FUTEX_OWNER_DIED);
    // Only the futex with waiters gets a wake-up.
    check!(s.woken(l.word(1)) == 1 && s.nr_wakes == 1);
    // One cmpxchg for a futex held without waiters; one more where it found something else
    // and the task owns the futex.
    check!(s.word_accesses == 1 + 2 + 1 + 2);
    // A resched between entries, none after the last.
    check!(s.rescheds == 3);
    0
}

/// Every futex the dying task owns is marked, keeping FUTEX_WAITERS; a waiter is woken.
#[no_mangle]
pub extern "C" fn futex_robust_test_owned_entries_die() -> c_int {
    owned_entries_die(&NATIVE)
}

/// The same through a 32-bit list.
#[no_mangle]
pub extern "C" fn futex_robust_test_compat_owned_entries_die() -> c_int {
    owned_entries_die(&COMPAT)
}

/// PI futexes are marked, but their waiters are woken by the PI code, not here.
#[no_mangle]
pub extern "C" fn futex_robust_test_pi_entries_are_not_woken() -> c_int {
    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 2, &[true, false], 0);
    s.put_u32(NATIVE.word(0), TID | FUTEX_WAITERS);
    s.put_u32(NATIVE.word(1), TID | FUTEX_WAITERS);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word(NATIVE.word(0)) == FUTEX_OWNER_DIED | FUTEX_WAITERS);
    check!(s.word(NATIVE.word(1)) == FUTEX_OWNER_DIED | FUTEX_WAITERS);
    check!(s.woken(NATIVE.word(0)) == 0 && s.woken(NATIVE.word(1)) == 1);
    0
}

/// The pending op is handled after the list, and once if it is on the list too.
#[no_mangle]
pub extern "C" fn futex_robust_test_pending_op_once() -> c_int {
    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 2, &[], NATIVE.entry(1));
    s.put_u32(NATIVE.word(0), TID | FUTEX_WAITERS);
    s.put_u32(NATIVE.word(1), TID | FUTEX_WAITERS);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word(NATIVE.word(1)) == FUTEX_OWNER_DIED | FUTEX_WAITERS);
    check!(s.woken(NATIVE.word(1)) == 1);
    // The pending entry came last.
    check!(s.nr_wakes == 2 && s.wakes[1] == NATIVE.word(1));
    0
}

/// A pending non-PI futex the task does not own, unlocked: pass on a wake-up it may have
/// consumed, without touching the word. PI, or owned with waiters flagged: nothing.
#[no_mangle]
pub extern "C" fn futex_robust_test_pending_op_not_owned() -> c_int {
    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 0, &[], NATIVE.entry(0));
    s.put_u32(NATIVE.word(0), 0);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word(NATIVE.word(0)) == 0 && s.woken(NATIVE.word(0)) == 1);

    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 0, &[], NATIVE.entry(0) | 1);
    s.put_u32(NATIVE.word(0), 0);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.nr_wakes == 0);

    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 0, &[], NATIVE.entry(0));
    s.put_u32(NATIVE.word(0), OTHER_TID | FUTEX_WAITERS);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.nr_wakes == 0 && s.word(NATIVE.word(0)) == OTHER_TID | FUTEX_WAITERS);
    0
}

/// The walk of an empty list reads the head and nothing else: no futex word, no resched, and
/// not the thread id, which the real task would have to look up.
#[no_mangle]
pub extern "C" fn futex_robust_test_empty_list_touches_nothing() -> c_int {
    for l in [&NATIVE, &COMPAT] {
        let mut s = FakeSpace::new();
        l.build(&mut s, 0, &[], 0);
        exit_robust_list(&mut s, Layout::HEAD, l.abi);
        check!(s.word_accesses == 0 && s.rescheds == 0 && s.tid_lookups == 0);
        check!(s.nr_wakes == 0);
    }
    0
}

/// A circular list is cut after ENTRY_LIMIT entries, with a resched between entries.
#[no_mangle]
pub extern "C" fn futex_robust_test_circular_list_is_bounded() -> c_int {
    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 1, &[], 0);
    // Entry 0 points to itself.
    s.put_field(NATIVE.entry(0), ListAbi::Native, NATIVE.entry(0));
    s.put_u32(NATIVE.word(0), OTHER_TID);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word_accesses == ENTRY_LIMIT);
    check!(s.rescheds == ENTRY_LIMIT - 1);
    0
}

/// A fault on an entry's link ends the walk after that entry; a fault on the head ends it
/// before anything.
#[no_mangle]
pub extern "C" fn futex_robust_test_fault_ends_the_walk() -> c_int {
    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 3, &[], 0);
    for i in 0..3 {
        s.put_u32(NATIVE.word(i), TID);
    }
    // Entry 1 links to an unmapped address.
    s.put_field(NATIVE.entry(1), ListAbi::Native, BASE + SIZE + 64);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word(NATIVE.word(0)) == FUTEX_OWNER_DIED);
    check!(s.word(NATIVE.word(1)) == FUTEX_OWNER_DIED);
    check!(s.word(NATIVE.word(2)) == TID);

    let mut s = FakeSpace::new();
    exit_robust_list(&mut s, BASE + SIZE, ListAbi::Native);
    check!(s.word_accesses == 0 && s.nr_wakes == 0);
    0
}

/// A misaligned futex word ends the walk; so does a word that cannot be made writable.
#[no_mangle]
pub extern "C" fn futex_robust_test_bad_word_ends_the_walk() -> c_int {
    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 2, &[], 0);
    s.put_u32(NATIVE.word(1), TID);
    // futex_offset -7 makes every word misaligned.
    s.put_field(
        NATIVE.abi.offset_field(Layout::HEAD),
        ListAbi::Native,
        (-7isize) as usize,
    );
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word_accesses == 0 && s.word(NATIVE.word(1)) == TID);

    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 2, &[], 0);
    s.put_u32(NATIVE.word(0), TID);
    s.put_u32(NATIVE.word(1), TID);
    s.read_only_word = NATIVE.word(0);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word(NATIVE.word(0)) == TID && s.word(NATIVE.word(1)) == TID);
    0
}

/// A read-only futex word the task does not own is left alone, and the walk goes on: the
/// cmpxchg tried first faults, and the word is read instead.
#[no_mangle]
pub extern "C" fn futex_robust_test_read_only_word_of_another_owner() -> c_int {
    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 2, &[], 0);
    s.put_u32(NATIVE.word(0), OTHER_TID);
    s.put_u32(NATIVE.word(1), TID);
    s.read_only_word = NATIVE.word(0);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word(NATIVE.word(0)) == OTHER_TID);
    check!(s.word(NATIVE.word(1)) == FUTEX_OWNER_DIED);
    check!(s.nr_wakes == 0);
    0
}

/// A cmpxchg that faults is retried once the page is faulted in; one that asks to retry is
/// retried after a resched.
#[no_mangle]
pub extern "C" fn futex_robust_test_cmpxchg_retries() -> c_int {
    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 1, &[], 0);
    s.put_u32(NATIVE.word(0), TID);
    s.cmpxchg_faults = 2;
    s.cmpxchg_eagains = 3;
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word(NATIVE.word(0)) == FUTEX_OWNER_DIED);
    // Three retries, and no resched of the walk's own after its only entry.
    check!(s.rescheds == 3);
    0
}

/// Decodes a `set_robust_list2()` call from a 64-bit task (`compat` false) or a 32-bit one.
fn decode(head: usize, cmd: u32, index: u32, flags: u32, compat: bool) -> Result<Command> {
    Command::decode(head, cmd, index, flags, compat)
}

/// A checked registration of a list at `head`, of 64-bit or 32-bit layout.
fn registration(head: usize, bits64: bool) -> Option<Registration> {
    let cmd = if bits64 { CMD_CREATE_64 } else { CMD_CREATE_32 };
    match decode(head, cmd, 0, 0, false) {
        Ok(Command::Create(list)) => Some(list),
        _ => None,
    }
}

/// Every command decodes to what it asks for; bad arguments are the documented errors.
#[no_mangle]
pub extern "C" fn futex_robust_test_list_commands() -> c_int {
    let limit = LIST_LIMIT as u32;
    check!(decode(0, CMD_LIST_LIMIT, 0, 0, false) == Ok(Command::ListLimit));
    check!(decode(0, CMD_ENTRY_LIMIT, 0, 0, true) == Ok(Command::EntryLimit));
    check!(matches!(
        decode(0x1000, CMD_MODIFY_64, limit - 1, 0, false),
        Ok(Command::Modify(i, Some(l))) if i.get() == LIST_LIMIT - 1
            && l.head() == 0x1000 && l.abi() == ListAbi::Native && l.kind() == CMD_MODIFY_64
    ));
    check!(matches!(
        decode(0x1004, CMD_MODIFY_32, 2, 0, true),
        Ok(Command::Modify(i, Some(l))) if i.get() == 2
            && l.abi() == ListAbi::Compat && l.kind() == CMD_MODIFY_32
    ));
    // A NULL head frees the index.
    check!(matches!(
        decode(0, CMD_MODIFY_32, 1, 0, false),
        Ok(Command::Modify(_, None))
    ));
    check!(matches!(
        decode(0x2000, CMD_CREATE_64, 0, 0, false),
        Ok(Command::Create(_))
    ));

    // Flags, unknown commands and out-of-range indexes.
    check!(decode(0x1000, CMD_MODIFY_64, 0, 1, false) == Err(EINVAL));
    check!(decode(0, CMD_LIST_LIMIT, 0, 1 << 31, false) == Err(EINVAL));
    check!(decode(0x1000, CMD_USER_MAX, 0, 0, false) == Err(EINVAL));
    check!(decode(0x1000, CMD_SET_NATIVE, 0, 0, false) == Err(EINVAL));
    check!(decode(0x1000, CMD_SET_COMPAT, 0, 0, true) == Err(EINVAL));
    // The index is for MODIFY only: the other commands want 0 there.
    check!(decode(0x2000, CMD_CREATE_64, 7, 0, false) == Err(EINVAL));
    check!(decode(0, CMD_LIST_LIMIT, 1, 0, false) == Err(EINVAL));
    check!(decode(0x1000, u32::MAX, 0, 0, false) == Err(EINVAL));
    check!(decode(0x1000, CMD_MODIFY_64, limit, 0, false) == Err(EINVAL));
    check!(decode(0, CMD_MODIFY_32, u32::MAX, 0, false) == Err(EINVAL));
    // Heads aligned to the list's pointer size, and present for CREATE.
    check!(decode(0x1004, CMD_MODIFY_64, 0, 0, false) == Err(EINVAL));
    check!(decode(0x1002, CMD_MODIFY_32, 0, 0, false) == Err(EINVAL));
    check!(decode(0x1001, CMD_CREATE_32, 0, 0, false) == Err(EINVAL));
    check!(decode(0, CMD_CREATE_64, 0, 0, false) == Err(EINVAL));
    // A 32-bit task cannot hold a 64-bit list.
    check!(decode(0x1000, CMD_MODIFY_64, 0, 0, true) == Err(EOPNOTSUPP));
    check!(decode(0x1000, CMD_CREATE_64, 0, 0, true) == Err(EOPNOTSUPP));
    // The pointers of a 32-bit list cannot reach a head above 4 GiB.
    if let Some(high) = (u32::MAX as usize).checked_add(1) {
        check!(decode(high, CMD_MODIFY_32, 0, 0, false) == Err(EINVAL));
        check!(decode(high, CMD_MODIFY_64, 0, 0, false).is_ok());
    }
    0
}

/// CREATE takes the lowest free index until none is left; MODIFY replaces and frees; lookups
/// of a free index fail; the lists come back in index order.
#[no_mangle]
pub extern "C" fn futex_robust_test_list_table() -> c_int {
    let mut table = RobustLists::new();
    let (Some(a), Some(b)) = (registration(0x1000, true), registration(0x2000, false)) else {
        return line!() as c_int;
    };
    let (Ok(i0), Ok(i3)) = (ListIndex::new(0), ListIndex::new(3)) else {
        return line!() as c_int;
    };
    check!(table.get(i0) == Err(ENOENT));
    check!(table.iter().count() == 0);

    table.set(i3, Some(b));
    for want in 0..LIST_LIMIT {
        if want != 3 {
            check!(table.create(a) == Ok(want));
        }
    }
    check!(table.create(a) == Err(ENOSPC));
    check!(table.get(i3) == Ok(b));
    check!(table.iter().count() == LIST_LIMIT);
    check!(table.iter().nth(3) == Some(b));

    table.set(i3, None);
    check!(table.get(i3) == Err(ENOENT));
    check!(table.create(b) == Ok(3));
    table.set(i0, Some(b));
    check!(table.get(i0) == Ok(b));
    0
}

/// A waiter of [`FakeBucket`]: its place in the queue, its bitset, and whether it is PI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FakeWaiter {
    index: usize,
    bitset: u32,
    pi: bool,
}

impl Waiter for FakeWaiter {
    fn bitset(&self) -> u32 {
        self.bitset
    }

    fn is_pi(&self) -> bool {
        self.pi
    }
}

const MAX_WAITERS: usize = 8;

/// A locked hash bucket with up to [`MAX_WAITERS`] waiters of one futex, its word, and a
/// record of what the unlock did: which waiters it woke, how often it looked at the queue.
struct FakeBucket {
    waiters: [FakeWaiter; MAX_WAITERS],
    nr: usize,
    word: Cell<u32>,
    /// The error the next store fails with.
    store_error: Cell<Option<Error>>,
    /// Bit `i` is set once waiter `i` is woken (and so no longer queued).
    woken: Cell<u32>,
    /// Waiters handed out by the iterators, over all passes.
    looked_at: Cell<usize>,
}

impl FakeBucket {
    /// A bucket with waiters of the given bitsets, none PI, and a locked word.
    fn new(bitsets: &[u32]) -> Self {
        let mut b = FakeBucket {
            waiters: [FakeWaiter {
                index: 0,
                bitset: 0,
                pi: false,
            }; MAX_WAITERS],
            nr: bitsets.len().min(MAX_WAITERS),
            word: Cell::new(TID | FUTEX_WAITERS),
            store_error: Cell::new(None),
            woken: Cell::new(0),
            looked_at: Cell::new(0),
        };
        for (i, bitset) in bitsets.iter().take(MAX_WAITERS).enumerate() {
            b.waiters[i] = FakeWaiter {
                index: i,
                bitset: *bitset,
                pi: false,
            };
        }
        b
    }
}

impl LockedBucket for FakeBucket {
    type Waiter<'a> = FakeWaiter;

    fn waiters(&self) -> impl Iterator<Item = FakeWaiter> {
        self.waiters[..self.nr]
            .iter()
            .copied()
            .filter(|w| self.woken.get() & (1 << w.index) == 0)
            .inspect(|_| self.looked_at.set(self.looked_at.get() + 1))
    }

    fn store_word(&self, value: u32) -> Result {
        if let Some(e) = self.store_error.take() {
            return Err(e);
        }
        self.word.set(value);
        Ok(())
    }

    fn wake(&self, waiter: FakeWaiter) {
        self.woken.set(self.woken.get() | 1 << waiter.index);
    }
}

/// The verdict of [`evaluate`] for waiters of the given bitsets: the word, and the index of
/// the first wakee.
fn verdict(bitsets: &[u32], nr_wake: u32, bitset: u32) -> Result<(u32, Option<usize>)> {
    let b = FakeBucket::new(bitsets);
    let v = evaluate(b.waiters(), nr_wake, bitset)?;
    Ok((v.word, v.first.map(|w| w.index)))
}

/// The unlocked word keeps `FUTEX_WAITERS` exactly when a waiter stays queued after the
/// wake-up, which wakes only waiters matching its bitset; the first match is the wakee.
#[no_mangle]
pub extern "C" fn futex_robust_test_evaluate_waiters() -> c_int {
    const ANY: u32 = u32::MAX;
    check!(verdict(&[], 1, ANY) == Ok((0, None)));
    check!(verdict(&[ANY], 1, ANY) == Ok((0, Some(0))));
    check!(verdict(&[ANY, ANY], 1, ANY) == Ok((FUTEX_WAITERS, Some(0))));
    check!(verdict(&[ANY, ANY], 2, ANY) == Ok((0, Some(0))));
    check!(verdict(&[ANY, ANY, ANY], u32::MAX, ANY) == Ok((0, Some(0))));
    // Waiters whose bitset does not match stay queued; the wakee is the first that matches.
    check!(verdict(&[1, 2], 5, 2) == Ok((FUTEX_WAITERS, Some(1))));
    check!(verdict(&[1], 1, 2) == Ok((FUTEX_WAITERS, None)));
    check!(verdict(&[1, 2, 2], 1, 2) == Ok((FUTEX_WAITERS, Some(1))));
    // A PI waiter: FUTEX_WAKE is the wrong operation for this futex.
    let mut b = FakeBucket::new(&[ANY, ANY]);
    b.waiters[1].pi = true;
    check!(evaluate(b.waiters(), 2, ANY).map(|v| v.word) == Err(EINVAL));
    // The answer is known once a wakee is found and more than nr_wake waiters were seen.
    let b = FakeBucket::new(&[ANY; MAX_WAITERS]);
    check!(evaluate(b.waiters(), 1, ANY).is_ok());
    check!(b.looked_at.get() == 2);
    0
}

/// Under the bucket lock the unlock stores the verdict's word, then wakes up to nr_wake
/// matching waiters (the evaluation's wakee when nr_wake is 1, without a second pass); a
/// store that faults or asks to retry is handed back with nothing woken.
#[no_mangle]
pub extern "C" fn futex_robust_test_unlock_locked() -> c_int {
    const ANY: u32 = u32::MAX;
    let b = FakeBucket::new(&[ANY, ANY, ANY]);
    check!(unlock_locked(&b, 1, ANY) == Ok(1));
    check!(b.word.get() == FUTEX_WAITERS && b.woken.get() == 0b001);
    check!(b.looked_at.get() == 2);

    let b = FakeBucket::new(&[ANY, 1, ANY, ANY]);
    check!(unlock_locked(&b, 2, 2) == Ok(2));
    check!(b.word.get() == FUTEX_WAITERS && b.woken.get() == 0b0101);

    let b = FakeBucket::new(&[ANY, ANY]);
    check!(unlock_locked(&b, 3, ANY) == Ok(2));
    check!(b.word.get() == 0 && b.woken.get() == 0b11);

    let b = FakeBucket::new(&[]);
    check!(unlock_locked(&b, 1, ANY) == Ok(0));
    check!(b.word.get() == 0);

    for e in [EFAULT, EAGAIN] {
        let b = FakeBucket::new(&[ANY, ANY]);
        b.store_error.set(Some(e));
        check!(unlock_locked(&b, 1, ANY) == Err(e));
        check!(b.word.get() == TID | FUTEX_WAITERS && b.woken.get() == 0);
    }

    let mut b = FakeBucket::new(&[ANY]);
    b.waiters[0].pi = true;
    check!(unlock_locked(&b, 1, ANY) == Err(EINVAL));
    check!(b.word.get() == TID | FUTEX_WAITERS);
    0
}

/// The pending slot is cleared at its own width, leaving its neighbours alone. A slot that
/// cannot be written is `EFAULT`; it is recorded for the exit walk only if the task is dying.
#[no_mangle]
pub extern "C" fn futex_robust_test_clear_pending() -> c_int {
    let slot = BASE + 32;
    let guard = slot + core::mem::size_of::<usize>();
    let mut s = FakeSpace::new();
    s.put_field(slot, ListAbi::Native, usize::MAX);
    s.put_u32(guard, 0x5a5a_5a5a);
    check!(clear_pending(&mut s, slot, ListAbi::Native).is_ok());
    check!(s.read_field(slot, ListAbi::Native) == Ok(0));
    check!(s.word(guard) == 0x5a5a_5a5a);

    s.put_u32(slot, u32::MAX);
    s.put_u32(slot + 4, 0x5a5a_5a5a);
    check!(clear_pending(&mut s, slot, ListAbi::Compat).is_ok());
    check!(s.word(slot) == 0 && s.word(slot + 4) == 0x5a5a_5a5a);
    check!(s.stale_pop == 0);

    // A task that lives on is told, and nothing else changes.
    check!(clear_pending(&mut s, BASE + SIZE, ListAbi::Native) == Err(EFAULT));
    check!(s.stale_pop == 0);
    s.dying = true;
    check!(clear_pending(&mut s, slot, ListAbi::Native).is_ok());
    check!(s.stale_pop == 0);
    check!(clear_pending(&mut s, BASE + SIZE, ListAbi::Compat) == Err(EFAULT));
    check!(s.stale_pop == BASE + SIZE);
    0
}

fn stale_pending_is_skipped(l: &Layout) -> c_int {
    let mut s = FakeSpace::new();
    // Entry 1 is the pending op, unlocked by the kernel; its memory now holds the dead task's
    // tid again, as reused memory may. Entry 0 is on the list and held.
    l.build(&mut s, 1, &[], l.entry(1));
    s.put_u32(l.word(0), TID | FUTEX_WAITERS);
    s.put_u32(l.word(1), TID | FUTEX_WAITERS);
    s.stale_pop = l.abi.pending_field(Layout::HEAD);
    exit_robust_list(&mut s, Layout::HEAD, l.abi);
    check!(s.word(l.word(0)) == FUTEX_OWNER_DIED | FUTEX_WAITERS);
    check!(s.word(l.word(1)) == TID | FUTEX_WAITERS);
    check!(s.woken(l.word(0)) == 1 && s.nr_wakes == 1);

    // Another list's slot changes nothing here: the pending op is handled.
    let mut s = FakeSpace::new();
    l.build(&mut s, 1, &[], l.entry(1));
    s.put_u32(l.word(1), TID);
    s.stale_pop = l.abi.pending_field(Layout::HEAD) + 0x100;
    exit_robust_list(&mut s, Layout::HEAD, l.abi);
    check!(s.word(l.word(1)) == FUTEX_OWNER_DIED);
    0
}

/// The pending op whose slot the kernel could not clear after unlocking its futex is skipped;
/// the rest of the list is walked as always.
#[no_mangle]
pub extern "C" fn futex_robust_test_stale_pending_is_skipped() -> c_int {
    stale_pending_is_skipped(&NATIVE)
}

/// The same through a 32-bit list.
#[no_mangle]
pub extern "C" fn futex_robust_test_compat_stale_pending_is_skipped() -> c_int {
    stale_pending_is_skipped(&COMPAT)
}

/// The vDSO fixup clears a slot only for a task inside a critical section whose atomic
/// unlocked, at the width of that section's slot, asks the architecture about that section's
/// sequence, and asks nothing outside.
#[no_mangle]
pub extern "C" fn futex_robust_test_vdso_pending_slot() -> c_int {
    let sections = [
        CriticalSection {
            start: 0x1010,
            end: 0x1018,
            pop32: false,
            seq: 0,
        },
        CriticalSection {
            start: 0x1030,
            end: 0x1036,
            pop32: true,
            seq: 1,
        },
    ];
    check!(pending_slot(&sections, 0x1010, |_| 0x5000) == Some((0x5000, ListAbi::Native)));
    check!(pending_slot(&sections, 0x1017, |_| 0x5000) == Some((0x5000, ListAbi::Native)));
    check!(pending_slot(&sections, 0x1030, |_| 0x6000) == Some((0x6000, ListAbi::Compat)));
    // The section ends after the store: the store has been done there.
    check!(pending_slot(&sections, 0x1018, |_| 0x5000).is_none());
    check!(pending_slot(&sections, 0x100f, |_| 0x5000).is_none());
    // The atomic did not unlock: nothing to clear.
    check!(pending_slot(&sections, 0x1030, |_| 0).is_none());
    // The architecture is asked about the sequence of the section the task is in.
    let mut seen = None;
    check!(pending_slot(&sections, 0x1035, |seq| {
        seen = Some(seq);
        0x6000
    })
    .is_some());
    check!(seen == Some(1));
    let mut asked = false;
    check!(pending_slot(&sections, 0x2000, |_| {
        asked = true;
        0x5000
    })
    .is_none());
    check!(!asked);
    check!(pending_slot(&[], 0x1010, |_| 0x5000).is_none());
    0
}
