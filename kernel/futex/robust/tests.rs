// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the walk, run against a fake user memory.
//!
//! The C suite `robust_list_kunit.c` calls each `#[no_mangle]` function below; a function
//! returns 0 if every check held, or the source line of the first check that failed.
//!
//! [`FakeSpace`] is a small byte array at a made-up user address, with switches that make its
//! operations fail the ways user memory can: unreadable addresses, a cmpxchg that faults
//! (and a page that can or cannot be faulted in), a cmpxchg that asks to retry.

use super::abi::{Entry, ListAbi, ENTRY_LIMIT};
use super::walk::{exit_robust_list, FutexSpace};
use kernel::bindings::{FUTEX_OWNER_DIED, FUTEX_WAITERS};
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
    /// Number of cmpxchg calls that fault before one succeeds.
    cmpxchg_faults: u32,
    /// Whether faulting a page in writable succeeds.
    fault_in_works: bool,
    /// Number of cmpxchg calls that ask to retry before one succeeds.
    cmpxchg_eagains: u32,
    wakes: [usize; MAX_WAKES],
    nr_wakes: usize,
    word_reads: usize,
    rescheds: usize,
}

impl FakeSpace {
    fn new() -> Self {
        FakeSpace {
            mem: [0; SIZE],
            readable_end: BASE + SIZE,
            cmpxchg_faults: 0,
            fault_in_works: true,
            cmpxchg_eagains: 0,
            wakes: [0; MAX_WAKES],
            nr_wakes: 0,
            word_reads: 0,
            rescheds: 0,
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
        self.word_reads += 1;
        self.read_u32(addr)
    }

    fn cmpxchg_word(&mut self, addr: usize, old: u32, new: u32) -> Result<u32> {
        if self.cmpxchg_faults > 0 {
            self.cmpxchg_faults -= 1;
            return Err(EFAULT);
        }
        if self.cmpxchg_eagains > 0 {
            self.cmpxchg_eagains -= 1;
            return Err(EAGAIN);
        }
        let found = self.read_u32(addr)?;
        if found == old {
            self.put_u32(addr, new);
        }
        Ok(found)
    }

    fn fault_in_writeable(&mut self, _addr: usize) -> Result {
        if self.fault_in_works {
            Ok(())
        } else {
            Err(EFAULT)
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

    fn tid(&self) -> u32 {
        TID
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

/// A circular list is cut after ENTRY_LIMIT entries, with a resched between entries.
#[no_mangle]
pub extern "C" fn futex_robust_test_circular_list_is_bounded() -> c_int {
    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 1, &[], 0);
    // Entry 0 points to itself.
    s.put_field(NATIVE.entry(0), ListAbi::Native, NATIVE.entry(0));
    s.put_u32(NATIVE.word(0), OTHER_TID);
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word_reads == ENTRY_LIMIT);
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
    check!(s.word_reads == 0 && s.nr_wakes == 0);
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
    check!(s.word_reads == 0 && s.word(NATIVE.word(1)) == TID);

    let mut s = FakeSpace::new();
    NATIVE.build(&mut s, 2, &[], 0);
    s.put_u32(NATIVE.word(0), TID);
    s.put_u32(NATIVE.word(1), TID);
    s.cmpxchg_faults = 1;
    s.fault_in_works = false;
    exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
    check!(s.word(NATIVE.word(0)) == TID && s.word(NATIVE.word(1)) == TID);
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
    // Three retries, and the walk's own resched after the entry.
    check!(s.rescheds == 3 + 1);
    0
}
