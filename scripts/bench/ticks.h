/* SPDX-License-Identifier: GPL-2.0 */
/*
 * now_ticks(): the CPU's counter, for the benchmarks. Not the guest's
 * clocksource: under TCG the guest kernel may fail to calibrate its TSC and
 * fall back to jiffies, a 1 ms clock. The counter keeps ticking with host
 * time, or under QEMU -icount with the instructions run (one per
 * instruction on both x86 and arm64), and only ratios matter here.
 * Tooling, not part of the series.
 */
#ifndef BENCH_TICKS_H
#define BENCH_TICKS_H

static inline long long now_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((long long)hi << 32) | lo;
#elif defined(__aarch64__)
	/*
	 * The generic timer, in nanoseconds: under QEMU -icount shift=0 one
	 * per instruction, as the x86 TSC, and fine enough for averages of
	 * a few dozen instructions (it ticks once per 16 at 62.5 MHz).
	 */
	unsigned long long v, freq;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	return (long long)((unsigned __int128)v * 1000000000 / freq);
#else
#error "no counter for this architecture"
#endif
}

#endif
