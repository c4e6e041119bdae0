// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the exit walk and of the robust unlock, run against a fake user memory.
//!
//! `walk`: `FakeSpace` is a small byte array at a made-up user address, with switches that make
//! its operations fail the ways user memory can: unreadable addresses, a cmpxchg that faults
//! (and a page that can or cannot be faulted in), a cmpxchg that asks to retry. Each test
//! builds a list in it, walks it as the exiting task would, and checks the futex words, the
//! wake-ups and how many accesses the walk made.
//!
//! `unlock`: `FakeTask` is a few words of memory, some of them unwritable, and the list heads
//! the task registered. Each test unlocks, clears or fixes up as the kernel would for a robust
//! unlock, and checks the words, the slot and what is left of the registrations.
//!
//! `lists`: the `set_robust_list2()` commands, decoded and checked, and a task's table of
//! lists, as plain values.

use kernel::prelude::*;

#[kunit_tests(futex_robust_walk)]
mod walk {
    use crate::abi::{Entry, ListAbi, ENTRY_LIMIT};
    use crate::space::FutexSpace;
    use crate::walk::exit_robust_list;
    use kernel::bindings::{FUTEX_OWNER_DIED, FUTEX_WAITERS};
    use kernel::prelude::*;

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
    #[test]
    fn entry_decode() {
        let e = Entry::decode(0x1001);
        assert!(e.addr == 0x1000 && e.pi);
        let e = Entry::decode(0x1000);
        assert!(e.addr == 0x1000 && !e.pi);
        assert!(Entry::decode(0).is_null());
        assert!(Entry::decode(1).is_null() && Entry::decode(1).pi);
    }

    /// The futex word address wraps as C pointer arithmetic does: natively around the address
    /// space, in a 32-bit list around 4 GiB.
    #[test]
    fn offset_arithmetic() {
        assert!(ListAbi::Native.futex_word(0x1008, -8) == 0x1000);
        assert!(ListAbi::Native.futex_word(8, -16) == usize::MAX - 7);
        assert!(ListAbi::Compat.futex_word(0x10, -0x20) == 0xffff_fff0);
        assert!(ListAbi::Compat.futex_word(0xffff_fff0, 0x20) == 0x10);
        // compat_long_t futex_offset is sign-extended from 32 bits.
        assert!(ListAbi::Compat.futex_offset(0xffff_fff8) == -8);
        assert!(ListAbi::Native.futex_offset(usize::MAX) == -1);
        assert!(ListAbi::Compat.pending_field(0x100) == 0x108);
        assert!(ListAbi::Native.pending_field(0x100) == 0x100 + 2 * core::mem::size_of::<usize>());
    }

    fn check_owned_entries_die(l: &Layout) {
        let mut s = FakeSpace::new();
        l.build(&mut s, 4, &[], 0);
        s.put_u32(l.word(0), TID);
        s.put_u32(l.word(1), TID | FUTEX_WAITERS);
        s.put_u32(l.word(2), OTHER_TID | FUTEX_WAITERS);
        s.put_u32(l.word(3), TID | FUTEX_OWNER_DIED);
        exit_robust_list(&mut s, Layout::HEAD, l.abi);
        assert!(s.word(l.word(0)) == FUTEX_OWNER_DIED);
        assert!(s.word(l.word(1)) == FUTEX_OWNER_DIED | FUTEX_WAITERS);
        // Another owner's futex is left alone.
        assert!(s.word(l.word(2)) == OTHER_TID | FUTEX_WAITERS);
        assert!(s.word(l.word(3)) == FUTEX_OWNER_DIED);
        // Only the futex with waiters gets a wake-up.
        assert!(s.woken(l.word(1)) == 1 && s.nr_wakes == 1);
        // One cmpxchg for a futex held without waiters; one more where it found something else
        // and the task owns the futex.
        assert!(s.word_accesses == 1 + 2 + 1 + 2);
        // A resched between entries, none after the last.
        assert!(s.rescheds == 3);
    }

    /// Every futex the dying task owns is marked, keeping FUTEX_WAITERS; a waiter is woken.
    #[test]
    fn owned_entries_die() {
        check_owned_entries_die(&NATIVE);
    }

    /// The same through a 32-bit list.
    #[test]
    fn compat_owned_entries_die() {
        check_owned_entries_die(&COMPAT);
    }

    /// PI futexes are marked, but their waiters are woken by the PI code, not here.
    #[test]
    fn pi_entries_are_not_woken() {
        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 2, &[true, false], 0);
        s.put_u32(NATIVE.word(0), TID | FUTEX_WAITERS);
        s.put_u32(NATIVE.word(1), TID | FUTEX_WAITERS);
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.word(NATIVE.word(0)) == FUTEX_OWNER_DIED | FUTEX_WAITERS);
        assert!(s.word(NATIVE.word(1)) == FUTEX_OWNER_DIED | FUTEX_WAITERS);
        assert!(s.woken(NATIVE.word(0)) == 0 && s.woken(NATIVE.word(1)) == 1);
    }

    /// The pending op is handled after the list, and once if it is on the list too.
    #[test]
    fn pending_op_once() {
        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 2, &[], NATIVE.entry(1));
        s.put_u32(NATIVE.word(0), TID | FUTEX_WAITERS);
        s.put_u32(NATIVE.word(1), TID | FUTEX_WAITERS);
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.word(NATIVE.word(1)) == FUTEX_OWNER_DIED | FUTEX_WAITERS);
        assert!(s.woken(NATIVE.word(1)) == 1);
        // The pending entry came last.
        assert!(s.nr_wakes == 2 && s.wakes[1] == NATIVE.word(1));
    }

    /// A pending non-PI futex the task does not own, unlocked: pass on a wake-up it may have
    /// consumed, without touching the word. PI, or owned with waiters flagged: nothing.
    #[test]
    fn pending_op_not_owned() {
        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 0, &[], NATIVE.entry(0));
        s.put_u32(NATIVE.word(0), 0);
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.word(NATIVE.word(0)) == 0 && s.woken(NATIVE.word(0)) == 1);

        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 0, &[], NATIVE.entry(0) | 1);
        s.put_u32(NATIVE.word(0), 0);
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.nr_wakes == 0);

        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 0, &[], NATIVE.entry(0));
        s.put_u32(NATIVE.word(0), OTHER_TID | FUTEX_WAITERS);
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.nr_wakes == 0 && s.word(NATIVE.word(0)) == OTHER_TID | FUTEX_WAITERS);
    }

    /// The walk of an empty list reads the head and nothing else: no futex word, no resched, and
    /// not the thread id, which the real task would have to look up.
    #[test]
    fn empty_list_touches_nothing() {
        for l in [&NATIVE, &COMPAT] {
            let mut s = FakeSpace::new();
            l.build(&mut s, 0, &[], 0);
            exit_robust_list(&mut s, Layout::HEAD, l.abi);
            assert!(s.word_accesses == 0 && s.rescheds == 0 && s.tid_lookups == 0);
            assert!(s.nr_wakes == 0);
        }
    }

    /// A circular list is cut after ENTRY_LIMIT entries, with a resched between entries.
    #[test]
    fn circular_list_is_bounded() {
        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 1, &[], 0);
        // Entry 0 points to itself.
        s.put_field(NATIVE.entry(0), ListAbi::Native, NATIVE.entry(0));
        s.put_u32(NATIVE.word(0), OTHER_TID);
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.word_accesses == ENTRY_LIMIT);
        assert!(s.rescheds == ENTRY_LIMIT - 1);
    }

    /// A fault on an entry's link ends the walk after that entry; a fault on the head ends it
    /// before anything.
    #[test]
    fn fault_ends_the_walk() {
        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 3, &[], 0);
        for i in 0..3 {
            s.put_u32(NATIVE.word(i), TID);
        }
        // Entry 1 links to an unmapped address.
        s.put_field(NATIVE.entry(1), ListAbi::Native, BASE + SIZE + 64);
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.word(NATIVE.word(0)) == FUTEX_OWNER_DIED);
        assert!(s.word(NATIVE.word(1)) == FUTEX_OWNER_DIED);
        assert!(s.word(NATIVE.word(2)) == TID);

        let mut s = FakeSpace::new();
        exit_robust_list(&mut s, BASE + SIZE, ListAbi::Native);
        assert!(s.word_accesses == 0 && s.nr_wakes == 0);
    }

    /// A misaligned futex word ends the walk; so does a word that cannot be made writable.
    #[test]
    fn bad_word_ends_the_walk() {
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
        assert!(s.word_accesses == 0 && s.word(NATIVE.word(1)) == TID);

        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 2, &[], 0);
        s.put_u32(NATIVE.word(0), TID);
        s.put_u32(NATIVE.word(1), TID);
        s.read_only_word = NATIVE.word(0);
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.word(NATIVE.word(0)) == TID && s.word(NATIVE.word(1)) == TID);
    }

    /// A read-only futex word the task does not own is left alone, and the walk goes on: the
    /// cmpxchg tried first faults, and the word is read instead.
    #[test]
    fn read_only_word_of_another_owner() {
        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 2, &[], 0);
        s.put_u32(NATIVE.word(0), OTHER_TID);
        s.put_u32(NATIVE.word(1), TID);
        s.read_only_word = NATIVE.word(0);
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.word(NATIVE.word(0)) == OTHER_TID);
        assert!(s.word(NATIVE.word(1)) == FUTEX_OWNER_DIED);
        assert!(s.nr_wakes == 0);
    }

    /// A cmpxchg that faults is retried once the page is faulted in; one that asks to retry is
    /// retried after a resched.
    #[test]
    fn cmpxchg_retries() {
        let mut s = FakeSpace::new();
        NATIVE.build(&mut s, 1, &[], 0);
        s.put_u32(NATIVE.word(0), TID);
        s.cmpxchg_faults = 2;
        s.cmpxchg_eagains = 3;
        exit_robust_list(&mut s, Layout::HEAD, ListAbi::Native);
        assert!(s.word(NATIVE.word(0)) == FUTEX_OWNER_DIED);
        // Three retries, and no resched of the walk's own after its only entry.
        assert!(s.rescheds == 3);
    }
}

#[kunit_tests(futex_robust_unlock)]
mod unlock {
    use crate::abi::ListAbi;
    use crate::lists::{Command, RobustLists, CMD_CREATE_32, CMD_CREATE_64};
    use crate::space::UnlockSpace;
    use crate::unlock::{clear_pending, fixup_interrupted_unlock, robust_unlock};
    use kernel::bindings::FLAGS_ROBUST_LIST32;
    use kernel::prelude::*;

    const BASE: usize = 0x20_0000;
    const WORDS: usize = 16;
    /// Where the tests put the futex word, a native list head and a 32-bit one.
    const FUTEX: usize = BASE;
    const HEAD: usize = BASE + 8 * 8;
    const HEAD32: usize = BASE + 12 * 8;
    const HELD: u32 = 1234 | kernel::bindings::FUTEX_WAITERS;
    /// What the memory holds before a test writes it: all ones.
    const SET: u64 = u64::MAX;

    /// [`WORDS`] 8-byte words of user memory at [`BASE`] and the task's registered heads.
    struct FakeTask {
        mem: [u64; WORDS],
        /// The address of an 8-byte word of memory that cannot be written (0: none).
        unwritable: usize,
        head: usize,
        head32: usize,
        /// The task's `set_robust_list2()` lists.
        lists: RobustLists,
    }

    impl FakeTask {
        fn new() -> Self {
            FakeTask {
                mem: [SET; WORDS],
                unwritable: 0,
                head: HEAD,
                head32: HEAD32,
                lists: RobustLists::new(),
            }
        }

        /// Registers a list at `head` with `set_robust_list2()`, of 64-bit or 32-bit layout.
        fn create(&mut self, head: usize, bits64: bool) -> bool {
            let cmd = if bits64 { CMD_CREATE_64 } else { CMD_CREATE_32 };
            match Command::decode(head, cmd, 0, 0, false) {
                Ok(Command::Create(list)) => self.lists.create(list).is_ok(),
                _ => false,
            }
        }

        fn index(&self, addr: usize) -> Result<usize> {
            let i = addr.checked_sub(BASE).ok_or(EFAULT)? / 8;
            if i >= WORDS || addr & !7 == self.unwritable {
                return Err(EFAULT);
            }
            Ok(i)
        }

        /// Writes `value` at `addr`, within one 8-byte word.
        fn write(&mut self, addr: usize, value: &[u8]) -> Result {
            let i = self.index(addr)?;
            let mut bytes = self.mem[i].to_ne_bytes();
            let at = addr & 7;
            bytes[at..at + value.len()].copy_from_slice(value);
            self.mem[i] = u64::from_ne_bytes(bytes);
            Ok(())
        }

        /// Reads `N` bytes at `addr`, within one 8-byte word.
        fn read<const N: usize>(&self, addr: usize) -> [u8; N] {
            let bytes = self.mem[(addr - BASE) / 8].to_ne_bytes();
            let at = addr & 7;
            let mut out = [0; N];
            out.copy_from_slice(&bytes[at..at + N]);
            out
        }

        fn word(&self, addr: usize) -> u32 {
            u32::from_ne_bytes(self.read(addr))
        }

        /// The list field of the kernel's own width at `addr`.
        fn field(&self, addr: usize) -> usize {
            usize::from_ne_bytes(self.read(addr))
        }
    }

    impl UnlockSpace for FakeTask {
        fn unlock_word(&mut self, addr: usize) -> Result {
            self.write(addr, &0u32.to_ne_bytes())
        }

        fn clear_field(&mut self, addr: usize, abi: ListAbi) -> Result {
            match abi {
                ListAbi::Native => self.write(addr, &0usize.to_ne_bytes()),
                ListAbi::Compat => self.write(addr, &0u32.to_ne_bytes()),
            }
        }

        fn registered_head(&self, abi: ListAbi) -> usize {
            match abi {
                ListAbi::Native => self.head,
                ListAbi::Compat => self.head32,
            }
        }

        fn forget_registered_head(&mut self, abi: ListAbi) {
            match abi {
                ListAbi::Native => self.head = 0,
                ListAbi::Compat => self.head32 = 0,
            }
        }

        fn forget_lists_pending_at(&mut self, pop: usize, abi: ListAbi) {
            self.lists.forget_pending_at(pop, abi);
        }
    }

    /// The pending slot of a head of the given layout.
    fn slot(head: usize, abi: ListAbi) -> usize {
        abi.pending_field(head)
    }

    /// The flags of a robust unlock of a list of the kernel's own width.
    const NATIVE_FLAGS: u32 = if cfg!(CONFIG_64BIT) {
        0
    } else {
        FLAGS_ROBUST_LIST32
    };

    /// The release stores 0, whatever waiters the word had, and the slot is cleared.
    #[test]
    fn unlock_stores_zero_and_clears_the_slot() {
        let mut t = FakeTask::new();
        assert!(t.write(FUTEX, &HELD.to_ne_bytes()).is_ok());
        let pop = slot(HEAD, ListAbi::Native);
        assert!(robust_unlock(&mut t, FUTEX, NATIVE_FLAGS, pop));
        assert_eq!(t.word(FUTEX), 0);
        assert_eq!(t.field(pop), 0);
        assert_eq!(t.head, HEAD);
    }

    /// A word that cannot be written fails the unlock before the slot is touched.
    #[test]
    fn unwritable_word_leaves_the_slot() {
        let mut t = FakeTask::new();
        t.unwritable = FUTEX;
        let pop = slot(HEAD, ListAbi::Native);
        assert!(!robust_unlock(&mut t, FUTEX, NATIVE_FLAGS, pop));
        assert_eq!(t.field(pop), usize::MAX);
        assert_eq!(t.head, HEAD);
    }

    /// The registered head's own slot that cannot be cleared drops the registration: the exit
    /// walk must not follow it to a futex the task no longer owns.
    #[test]
    fn unclearable_head_slot_drops_the_list() {
        let mut t = FakeTask::new();
        assert!(t.write(FUTEX, &HELD.to_ne_bytes()).is_ok());
        let pop = slot(HEAD, ListAbi::Native);
        t.unwritable = pop;
        assert!(!robust_unlock(&mut t, FUTEX, NATIVE_FLAGS, pop));
        assert_eq!(t.word(FUTEX), 0);
        assert_eq!(t.head, 0);
        assert_eq!(t.head32, HEAD32);
    }

    /// A `set_robust_list2()` list whose slot cannot be cleared is dropped the same way; the
    /// other lists, and a list of the other layout at the same address, stay.
    #[test]
    fn unclearable_slot_drops_the_set_robust_list2_list() {
        if !cfg!(CONFIG_64BIT) {
            return;
        }
        let mut t = FakeTask::new();
        let other = BASE + 2 * 8;
        let mine = BASE + 4 * 8;
        assert!(t.create(other, true) && t.create(mine, true) && t.create(mine, false));
        let pop = slot(mine, ListAbi::Native);
        t.unwritable = pop;
        assert!(!clear_pending(&mut t, pop, NATIVE_FLAGS));
        let has = |head, abi| t.lists.iter().any(|l| l.head() == head && l.abi() == abi);
        assert_eq!(t.lists.iter().count(), 2);
        assert!(has(other, ListAbi::Native));
        assert!(has(mine, ListAbi::Compat));
        assert_eq!(t.head, HEAD);
    }

    /// Any other slot that cannot be cleared fails the same, and the registration stays.
    #[test]
    fn unclearable_other_slot_keeps_the_list() {
        let mut t = FakeTask::new();
        let pop = BASE + 4 * 8;
        t.unwritable = pop;
        assert!(!clear_pending(&mut t, pop, NATIVE_FLAGS));
        assert_eq!(t.head, HEAD);
    }

    /// `FUTEX_ROBUST_LIST32` on a 64-bit kernel clears 32 bits of a compat task's slot and
    /// leaves the next 32 alone; a kernel without compat tasks clears nothing.
    #[test]
    fn list32_slot_is_four_bytes() {
        if !cfg!(CONFIG_64BIT) {
            return;
        }
        let mut t = FakeTask::new();
        let pop = slot(HEAD32, ListAbi::Compat);
        let cleared = clear_pending(&mut t, pop, FLAGS_ROBUST_LIST32);
        assert_eq!(cleared, cfg!(CONFIG_COMPAT));
        let expected = if cleared { 0 } else { u32::MAX };
        assert_eq!(t.word(pop), expected);
        assert_eq!(t.word(pop + 4), u32::MAX);
    }

    /// Only the head of the slot's own layout is dropped when its slot cannot be cleared.
    #[test]
    fn unclearable_list32_slot_drops_the_32_bit_list() {
        if !cfg!(CONFIG_64BIT) || !cfg!(CONFIG_COMPAT) {
            return;
        }
        let mut t = FakeTask::new();
        let pop = slot(HEAD32, ListAbi::Compat);
        t.unwritable = pop & !7;
        assert!(!clear_pending(&mut t, pop, FLAGS_ROBUST_LIST32));
        assert_eq!(t.head32, 0);
        assert_eq!(t.head, HEAD);
    }

    /// A 64-bit slot cannot be cleared on a 32-bit kernel.
    #[test]
    fn list64_slot_on_a_32_bit_kernel_fails() {
        if cfg!(CONFIG_64BIT) {
            return;
        }
        let mut t = FakeTask::new();
        let pop = slot(HEAD, ListAbi::Native);
        assert!(!clear_pending(&mut t, pop, 0));
        assert_eq!(t.field(pop), usize::MAX);
    }

    /// The fixup clears the slot the registers name, and nothing when they say the cmpxchg
    /// did not release the futex or name no slot.
    #[test]
    fn fixup_clears_only_a_released_unlock() {
        let mut t = FakeTask::new();
        let pop = slot(HEAD, ListAbi::Native);
        fixup_interrupted_unlock(&mut t, None, false);
        fixup_interrupted_unlock(&mut t, Some(0), false);
        assert_eq!(t.field(pop), usize::MAX);
        fixup_interrupted_unlock(&mut t, Some(pop), !cfg!(CONFIG_64BIT));
        assert_eq!(t.field(pop), 0);
        assert_eq!(t.head, HEAD);
    }
}

#[kunit_tests(futex_robust_list2)]
mod lists {
    use crate::abi::ListAbi;
    use crate::lists::{
        Command, ListIndex, Registration, RobustLists, CMD_CREATE_32, CMD_CREATE_64,
        CMD_ENTRY_LIMIT, CMD_LIST_LIMIT, CMD_MODIFY_32, CMD_MODIFY_64, LIST_LIMIT,
    };
    use kernel::bindings::{
        robust_list_cmd_FUTEX_ROBUST_LIST_CMD_USER_MAX as CMD_USER_MAX,
        robust_list_cmd_FUTEX_ROBUST_LIST_SET_COMPAT as CMD_SET_COMPAT,
        robust_list_cmd_FUTEX_ROBUST_LIST_SET_NATIVE as CMD_SET_NATIVE,
    };
    use kernel::prelude::*;

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

    /// Every command decodes to what it asks for.
    #[test]
    fn commands_decode() {
        let limit = LIST_LIMIT as u32;
        assert_eq!(
            decode(0, CMD_LIST_LIMIT, 0, 0, false),
            Ok(Command::ListLimit)
        );
        assert_eq!(
            decode(0, CMD_ENTRY_LIMIT, 0, 0, true),
            Ok(Command::EntryLimit)
        );
        if cfg!(CONFIG_64BIT) {
            assert!(matches!(
                decode(0x1000, CMD_MODIFY_64, limit - 1, 0, false),
                Ok(Command::Modify(i, Some(l))) if i.get() == LIST_LIMIT - 1
                    && l.head() == 0x1000 && l.abi() == ListAbi::Native
                    && l.kind() == CMD_MODIFY_64
            ));
        }
        assert!(matches!(
            decode(0x1004, CMD_MODIFY_32, 2, 0, true),
            Ok(Command::Modify(i, Some(l))) if i.get() == 2
                && l.abi() == ListAbi::Compat && l.kind() == CMD_MODIFY_32
        ));
        // A NULL head frees the index.
        assert!(matches!(
            decode(0, CMD_MODIFY_32, 1, 0, false),
            Ok(Command::Modify(_, None))
        ));
        assert!(matches!(
            decode(0x2000, CMD_CREATE_32, 0, 0, false),
            Ok(Command::Create(_))
        ));
    }

    /// Bad arguments are the documented errors.
    #[test]
    fn bad_arguments_are_refused() {
        let limit = LIST_LIMIT as u32;
        // Flags, unknown commands and the kernel's own, out-of-range indexes.
        assert_eq!(decode(0x1000, CMD_MODIFY_32, 0, 1, false), Err(EINVAL));
        assert_eq!(decode(0, CMD_LIST_LIMIT, 0, 1 << 31, false), Err(EINVAL));
        assert_eq!(decode(0x1000, CMD_USER_MAX, 0, 0, false), Err(EINVAL));
        assert_eq!(decode(0x1000, CMD_SET_NATIVE, 0, 0, false), Err(EINVAL));
        assert_eq!(decode(0x1000, CMD_SET_COMPAT, 0, 0, true), Err(EINVAL));
        assert_eq!(decode(0x1000, u32::MAX, 0, 0, false), Err(EINVAL));
        assert_eq!(decode(0x1000, CMD_MODIFY_32, limit, 0, false), Err(EINVAL));
        assert_eq!(decode(0, CMD_MODIFY_32, u32::MAX, 0, false), Err(EINVAL));
        // The index is for MODIFY only: the other commands want 0 there.
        assert_eq!(decode(0x2000, CMD_CREATE_32, 7, 0, false), Err(EINVAL));
        assert_eq!(decode(0, CMD_LIST_LIMIT, 1, 0, false), Err(EINVAL));
        // Heads aligned to the list's pointer size, and present for CREATE.
        assert_eq!(decode(0x1002, CMD_MODIFY_32, 0, 0, false), Err(EINVAL));
        assert_eq!(decode(0x1001, CMD_CREATE_32, 0, 0, false), Err(EINVAL));
        assert_eq!(decode(0, CMD_CREATE_32, 0, 0, false), Err(EINVAL));
        // A 32-bit task, or a 32-bit kernel, cannot hold a 64-bit list.
        assert_eq!(decode(0x1000, CMD_MODIFY_64, 0, 0, true), Err(EOPNOTSUPP));
        assert_eq!(decode(0x1000, CMD_CREATE_64, 0, 0, true), Err(EOPNOTSUPP));
        if cfg!(CONFIG_64BIT) {
            assert_eq!(decode(0x1004, CMD_MODIFY_64, 0, 0, false), Err(EINVAL));
            assert_eq!(decode(0, CMD_CREATE_64, 0, 0, false), Err(EINVAL));
        } else {
            assert_eq!(decode(0x1000, CMD_CREATE_64, 0, 0, false), Err(EOPNOTSUPP));
        }
        // The pointers of a 32-bit list cannot reach a head above 4 GiB.
        if let Some(high) = (u32::MAX as usize).checked_add(1) {
            assert_eq!(decode(high, CMD_MODIFY_32, 0, 0, false), Err(EINVAL));
            assert!(decode(high, CMD_MODIFY_64, 0, 0, false).is_ok());
        }
    }

    /// CREATE takes the lowest free index until none is left; MODIFY replaces and frees;
    /// lookups of a free index fail; the lists come back in index order.
    #[test]
    fn table_indexes() {
        let mut table = RobustLists::new();
        let (a, b) = (registration(0x1000, false), registration(0x2000, false));
        let (i0, i3) = (ListIndex::new(0), ListIndex::new(3));
        assert!(a.is_some() && b.is_some() && i0.is_ok() && i3.is_ok());
        let (Some(a), Some(b), Ok(i0), Ok(i3)) = (a, b, i0, i3) else {
            return;
        };
        assert_eq!(table.get(i0), Err(ENOENT));
        assert_eq!(table.iter().count(), 0);

        table.set(i3, Some(b));
        for want in 0..LIST_LIMIT {
            if want != 3 {
                assert_eq!(table.create(a), Ok(want));
            }
        }
        assert_eq!(table.create(a), Err(ENOSPC));
        assert_eq!(table.get(i3), Ok(b));
        assert_eq!(table.iter().count(), LIST_LIMIT);
        assert_eq!(table.iter().nth(3), Some(b));

        table.set(i3, None);
        assert_eq!(table.get(i3), Err(ENOENT));
        assert_eq!(table.create(b), Ok(3));
        table.set(i0, Some(b));
        assert_eq!(table.get(i0), Ok(b));
    }
}
