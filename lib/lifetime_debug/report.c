// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer reports: printing, deduplication, rate limiting and the
 * history ring.
 */

/* Report lines carry no prefix: parsers look for "BUG: LIFETIME:" at line start. */
#define pr_fmt(fmt) fmt

#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/kallsyms.h>
#include <linux/lockdep.h>
#include <linux/panic.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/sched/clock.h>
#include <linux/sched/debug.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <kunit/visibility.h>
#include <trace/events/error_report.h>

#include "lifetime_debug.h"

const char *const ltd_bug_type_names[LTD_BUG_TYPE_COUNT] = {
	[LTD_BUG_UNPROTECTED_ACCESS]	= "unprotected-access",
	[LTD_BUG_SLEEPING_FINAL_PUT]	= "sleeping-final-put",
	[LTD_BUG_NOSLEEP_RELEASE_SLEPT]	= "sleeping-nosleep-release",
	[LTD_BUG_UNPINNED_MODULE_REF]	= "unpinned-module-reference",
	[LTD_BUG_FREED_WHILE_OPEN]	= "freed-while-open",
	[LTD_BUG_UNPINNED_CDEV]		= "unpinned-cdev",
};

#define LTD_SEPARATOR \
	"=================================================================="

#define LTD_DEDUP_SLOTS	256

/*
 * ltd_report_lock serialises printing and protects everything below it.
 * Reports can come from any context, so it is a raw lock taken with
 * interrupts off; ltd_in_report stops recursion from within printing.
 */
static DEFINE_RAW_SPINLOCK(ltd_report_lock);
static unsigned long ltd_dedup[LTD_DEDUP_SLOTS];	/* hash of type and site */
static unsigned int ltd_dedup_used;
static bool ltd_reported;				/* for report-once */
static unsigned long ltd_report_seq;
static struct ltd_report ltd_history[LTD_HISTORY_SIZE];	/* ring, by seq */
static char ltd_history_folded[LTD_HISTORY_SIZE][LTD_FOLDED_LEN];	/* their ->folded */
static DEFINE_PER_CPU(int, ltd_in_report);

/* At most 10 reports per 5 seconds in multi-shot mode. */
static DEFINE_RATELIMIT_STATE(ltd_ratelimit, 5 * HZ, 10);

/* === KUnit === */

#if IS_ENABLED(CONFIG_KUNIT)
static bool ltd_kunit_executing;

/* Called by our own KUnit suite: its reports are expected. */
void lifetime_debug_kunit_test_suite_start(void)
{
	WRITE_ONCE(ltd_kunit_executing, true);
}
EXPORT_SYMBOL_IF_KUNIT(lifetime_debug_kunit_test_suite_start);

void lifetime_debug_kunit_test_suite_end(void)
{
	WRITE_ONCE(ltd_kunit_executing, false);
}
EXPORT_SYMBOL_IF_KUNIT(lifetime_debug_kunit_test_suite_end);

/* Like KASAN: a report during someone else's KUnit test fails that test. */
static void ltd_fail_kunit_test(void)
{
	struct kunit *test;

	if (READ_ONCE(ltd_kunit_executing))
		return;
	test = kunit_get_current_test();
	if (test)
		kunit_set_failure(test);
}
#else
static inline void ltd_fail_kunit_test(void) { }
#endif

/* === Stacks === */

/*
 * Frames a report is never named by: the sanitizer's own, and the helpers
 * that touch an object on behalf of their caller. A report's title and an
 * access's key site are the first frame below them, the code that chose to
 * copy, print or lock, so the same bug gets the same title whichever
 * helper touched the memory first.
 */
static const char *const ltd_internal_prefixes[] = {
	"ltd_", "__ltd_", "lifetime_debug_", "__lifetime_debug_",
	"kasan_", "__kasan_", "__asan_", "check_region",
};

/* Put helpers: the interesting frame is their caller. */
static const char *const ltd_put_helpers[] = {
	"kobject_put", "put_device",
};

/* Copy and string helpers. */
static const char *const ltd_copy_helpers[] = {
	"_copy_to_user", "_copy_from_user", "copy_to_user", "copy_from_user",
	"simple_read_from_buffer", "simple_write_to_buffer",
	"_copy_to_iter", "_copy_from_iter", "copy_page_to_iter",
	"memory_read_from_buffer", "sysfs_emit", "sysfs_emit_at",
	"vsnprintf", "vscnprintf", "scnprintf", "snprintf", "sprintf",
	"seq_printf", "seq_vprintf", "seq_write", "seq_puts",
	"string", "strscpy", "sized_strscpy", "strlen", "strnlen",
	"memcpy", "memmove", "memset", "memcmp", "__memcpy", "__memmove",
	"__memset",
};

/*
 * Lock primitives outside the lock and scheduler text sections (which
 * in_sched_functions() covers): lockdep, lock debugging, slow paths.
 */
static const char *const ltd_lock_prefixes[] = {
	"lock_acquire", "lock_release", "lock_acquired", "lock_contended",
	"lock_sync", "lockdep_", "__lock_", "do_raw_", "debug_mutex_",
	"debug_spin_", "queued_", "osq_", "mutex_", "__mutex_", "ww_mutex_",
	"__ww_mutex_", "rt_mutex_", "__rt_mutex_", "rwsem_", "__rwsem_",
	"down_", "__down_", "up_", "__up_", "percpu_down_", "percpu_up_",
	"complete", "wait_for_completion", "__wake_up", "try_to_wake_up",
};

static bool ltd_sym_in(const char *sym, const char *const *names,
		       unsigned int nr, bool prefix)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (prefix ? str_has_prefix(sym, names[i]) : !strcmp(sym, names[i]))
			return true;
	return false;
}

/* The name of @ip's built-in function, or false (module code is no helper). */
static bool ltd_kernel_sym(unsigned long ip, char *sym)
{
	return core_kernel_text(ip) && sprint_symbol_no_offset(sym, ip);
}

/* The sanitizer's (and KASAN's) own functions, and the put helpers. */
static bool ltd_internal_sym(const char *sym)
{
	return ltd_sym_in(sym, ltd_internal_prefixes, ARRAY_SIZE(ltd_internal_prefixes), true) ||
	       ltd_sym_in(sym, ltd_put_helpers, ARRAY_SIZE(ltd_put_helpers), false);
}

static bool ltd_internal_frame(unsigned long ip)
{
	char sym[KSYM_SYMBOL_LEN];

	return ltd_kernel_sym(ip, sym) && ltd_internal_sym(sym);
}

/**
 * ltd_helper_frame() - does @ip belong to code a report is not named by?
 * @ip:		a code address
 * @copy_lock:	only copy, string and lock helpers (the key-site rule of an
 *		access), not the sanitizer's frames or put helpers
 *
 * Only core kernel text is looked up; a symbol lookup each call, so the
 * fast path remembers the ranges it learns (access.c).
 *
 * Return: true if @ip is in a copy or string helper, a lock primitive,
 * and unless @copy_lock the sanitizer itself or a put helper.
 */
bool ltd_helper_frame(unsigned long ip, bool copy_lock)
{
	char sym[KSYM_SYMBOL_LEN];

	if (in_sched_functions(ip))
		return true;
	if (!ltd_kernel_sym(ip, sym))
		return false;
	if (ltd_sym_in(sym, ltd_copy_helpers, ARRAY_SIZE(ltd_copy_helpers), false) ||
	    ltd_sym_in(sym, ltd_lock_prefixes, ARRAY_SIZE(ltd_lock_prefixes), true))
		return true;
	return !copy_lock && ltd_internal_sym(sym);
}

static noinline void __ltd_save_stack(struct ltd_report_stack *s,
				      const char *title, unsigned int skip,
				      unsigned long ip, gfp_t gfp)
{
	unsigned long entries[64];
	unsigned int nr, first = 0;

	nr = stack_trace_save(entries, ARRAY_SIZE(entries), skip + 1);
	/* Start at @ip's function when it is on the stack, else skip ours. */
	while (ip && first < nr && entries[first] != ip)
		first++;
	if (first == nr)
		first = 0;
	if (!ip || first == 0)
		while (first < nr && ltd_internal_frame(entries[first]))
			first++;
	if (first == nr)
		first = 0;
	strscpy(s->title, title, sizeof(s->title));
	s->handle = stack_depot_save(entries + first, nr - first,
				     gfp | __GFP_NOWARN);
	if (!s->handle)
		ltd_count(LTD_COUNTER_STACK_DEPOT_FAIL);
	s->pid = task_pid_nr(current);
	s->cpu = raw_smp_processor_id();
	s->ts_nsec = local_clock();
	/* No task_lock(): reports come from any context, hardirq included. */
	strscpy_pad(s->comm, current->comm, sizeof(s->comm));
}

/**
 * ltd_save_stack() - record the current stack and task for a report
 * @s:		where to store it
 * @title:	what the stack shows ("Accessed", "Released"...)
 * @skip:	frames to skip on top of the sanitizer's own
 * @gfp:	allocation flags for the stack depot
 *
 * A failed depot save leaves @s->handle 0 and is counted; the report then
 * says the stack is missing.
 *
 * Context: any context; pass GFP_NOWAIT where sleeping is not allowed.
 */
void ltd_save_stack(struct ltd_report_stack *s, const char *title,
		    unsigned int skip, gfp_t gfp)
{
	__ltd_save_stack(s, title, skip, 0, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(ltd_save_stack);

/**
 * ltd_save_stack_at() - record the stack from the frame that returns to @ip
 * @s:		where to store it
 * @title:	what the stack shows
 * @ip:		a return address in the function of interest (an access site)
 * @gfp:	allocation flags for the stack depot
 *
 * Like ltd_save_stack(), but drops every frame above @ip's function (the
 * KASAN entry points a tagged access went through).
 *
 * Context: any context; pass GFP_NOWAIT where sleeping is not allowed.
 */
void ltd_save_stack_at(struct ltd_report_stack *s, const char *title,
		       unsigned long ip, gfp_t gfp)
{
	__ltd_save_stack(s, title, 1, ip, gfp);
}

/**
 * ltd_save_stack_ref() - record the current stack in 8 bytes, for an object
 * @s:		where to store the depot handle and the task's pid
 * @gfp:	allocation flags for the stack depot
 *
 * Context: any context.
 */
void ltd_save_stack_ref(struct ltd_stack_ref *s, gfp_t gfp)
{
	struct ltd_report_stack full;

	__ltd_save_stack(&full, "", 1, 0, gfp);
	s->handle = full.handle;
	s->pid = full.pid;
}

/**
 * ltd_stack_from_ref() - a report stack from a kept one
 * @s:		the report stack
 * @title:	its title
 * @ref:	the kept stack
 *
 * It has no task name, CPU or time: printed "<title> by task <pid>:" as
 * KASAN prints the allocation stack.
 */
void ltd_stack_from_ref(struct ltd_report_stack *s, const char *title,
			const struct ltd_stack_ref *ref)
{
	memset(s, 0, sizeof(*s));
	strscpy(s->title, title, sizeof(s->title));
	s->handle = ref->handle;
	s->pid = ref->pid;
	s->cpu = -1;
}

unsigned long ltd_stack_first(depot_stack_handle_t handle)
{
	unsigned long *entries;

	if (!handle || !stack_depot_fetch(handle, &entries))
		return 0;
	return entries[0];
}

/* === Printing === */

/* One printer for the console (seq == NULL) and debugfs, as in KFENCE. */
#define ltd_seq_con_printf(seq, fmt, ...)			\
	do {							\
		if (seq)					\
			seq_printf(seq, fmt, ##__VA_ARGS__);	\
		else						\
			pr_err(fmt, ##__VA_ARGS__);		\
	} while (0)

/**
 * ltd_print_stack() - print one stack of a report with its task and time
 * @seq:	debugfs file, or NULL for the console
 * @s:		the stack
 */
void ltd_print_stack(struct seq_file *seq, const struct ltd_report_stack *s)
{
	u64 secs = s->ts_nsec;
	unsigned long rem_nsec = do_div(secs, NSEC_PER_SEC);
	unsigned long *entries;
	unsigned int nr, i;

	if (s->cpu < 0)
		ltd_seq_con_printf(seq, "%s by task %d:\n", s->title, s->pid);
	else
		ltd_seq_con_printf(seq, "%s by task %s/%d on cpu %d at %llu.%06lus:\n",
				   s->title, s->comm, s->pid, s->cpu, secs,
				   rem_nsec / 1000);
	if (!s->handle) {
		ltd_seq_con_printf(seq, " (stack not saved: stack depot full)\n");
		return;
	}
	if (!seq) {
		stack_depot_print(s->handle);
		return;
	}
	nr = stack_depot_fetch(s->handle, &entries);
	for (i = 0; i < nr; i++)
		seq_printf(seq, " %pS\n", (void *)entries[i]);
}

/**
 * ltd_print_report() - print a report in the KASAN/KFENCE grammar
 * @seq:	debugfs file, or NULL for the console (KERN_ERR)
 * @r:		the report
 */
void ltd_print_report(struct seq_file *seq, const struct ltd_report *r)
{
	int i;

	ltd_seq_con_printf(seq, "%s\n", LTD_SEPARATOR);
	ltd_seq_con_printf(seq, "BUG: LIFETIME: %s in %s\n",
			   ltd_bug_type_names[r->type], r->site_sym);
	ltd_seq_con_printf(seq, "\n");
	ltd_seq_con_printf(seq, "%s\n", r->what);
	if (r->object[0])
		ltd_seq_con_printf(seq, "%s\n", r->object);
	if (r->folded && r->folded[0])
		ltd_seq_con_printf(seq, "%s", r->folded);
	for (i = 0; i < LTD_REPORT_STACKS; i++) {
		if (!r->stacks[i].title[0])
			continue;
		ltd_seq_con_printf(seq, "\n");
		ltd_print_stack(seq, &r->stacks[i]);
	}
	ltd_seq_con_printf(seq, "\n");
	if (!seq)
		dump_stack_print_info(KERN_ERR);
	ltd_seq_con_printf(seq, "%s\n", LTD_SEPARATOR);
}

/**
 * ltd_print_story() - the domain story inside a KASAN report
 * @kind:	the domain's kind
 * @name:	the owner
 * @driver:	its driver
 * @how:	what ended the object
 * @offset:	of the bad access in the object
 * @size:	the object's size
 * @start:	its address
 * @teardown:	the teardown stack, if any
 *
 * Context: inside KASAN's report.
 */
void ltd_print_story(enum ltd_domain_kind kind, const char *name,
		     const char *driver, const char *how, unsigned long offset,
		     size_t size, unsigned long start,
		     const struct ltd_report_stack *teardown)
{
	if (kind == LTD_DOMAIN_URES)
		pr_err("The object belonged to ures domain %s, ended by %s\n", name, how);
	else
		pr_err("The object belonged to devres domain of device %s (driver %s), ended by %s\n",
		       name, driver[0] ? driver : "(none)", how);
	pr_err("The access is %lu bytes inside its %zu-byte %s data [%px, %px)\n",
	       offset, size, ltd_domain_kind_names[kind], (void *)start,
	       (void *)(start + size));
	if (teardown->title[0]) {
		pr_err("\n");
		ltd_print_stack(NULL, teardown);
	}
	pr_err("\n");
}

/* === Deduplication and the history ring === */

/* Caller holds ltd_report_lock. Returns true if type+site was seen before. */
static bool ltd_dedup_seen(enum ltd_bug_type type, unsigned long site, unsigned long extra)
{
	unsigned long key = hash_long(site ^ type ^ hash_long(extra, BITS_PER_LONG),
				      BITS_PER_LONG) | 1;
	unsigned int i, slot = key % LTD_DEDUP_SLOTS;

	for (i = 0; i < LTD_DEDUP_SLOTS; i++, slot = (slot + 1) % LTD_DEDUP_SLOTS) {
		if (ltd_dedup[slot] == key)
			return true;
		if (!ltd_dedup[slot]) {
			/* Keep a quarter free so lookups stay short. */
			if (ltd_dedup_used < LTD_DEDUP_SLOTS * 3 / 4) {
				ltd_dedup[slot] = key;
				ltd_dedup_used++;
			}
			return false;
		}
	}
	return false;
}

/**
 * ltd_report_reset_dedup() - forget which sites were reported
 *
 * Also re-arms report-once and the rate limit. For the KUnit suite.
 */
void ltd_report_reset_dedup(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ltd_report_lock, flags);
	memset(ltd_dedup, 0, sizeof(ltd_dedup));
	ltd_dedup_used = 0;
	ltd_reported = false;
	ratelimit_state_init(&ltd_ratelimit, 5 * HZ, 10);
	raw_spin_unlock_irqrestore(&ltd_report_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(ltd_report_reset_dedup);

/**
 * ltd_print_history() - print the report history ring, oldest first
 * @seq: debugfs file
 */
void ltd_print_history(struct seq_file *seq)
{
	struct ltd_report *r;
	unsigned long flags, seq_nr, first;
	char *folded;

	/* A copy of each entry and its folded lines, printed without the lock. */
	r = kmalloc(sizeof(*r) + LTD_FOLDED_LEN, GFP_KERNEL);
	if (!r)
		return;
	folded = (char *)(r + 1);
	raw_spin_lock_irqsave(&ltd_report_lock, flags);
	seq_nr = ltd_report_seq;
	raw_spin_unlock_irqrestore(&ltd_report_lock, flags);
	first = seq_nr > LTD_HISTORY_SIZE ? seq_nr - LTD_HISTORY_SIZE : 0;
	for (; first < seq_nr; first++) {
		raw_spin_lock_irqsave(&ltd_report_lock, flags);
		*r = ltd_history[first % LTD_HISTORY_SIZE];
		strscpy(folded, ltd_history_folded[first % LTD_HISTORY_SIZE], LTD_FOLDED_LEN);
		r->folded = folded;
		raw_spin_unlock_irqrestore(&ltd_report_lock, flags);
		if (r->seq != first + 1)
			continue;	/* overwritten meanwhile */
		seq_printf(seq, "report %lu:\n", r->seq);
		ltd_print_report(seq, r);
	}
	kfree(r);
}

/* === Reporting === */

/*
 * The site a report is titled and deduplicated by: @r->site, or when that
 * is unset or a helper (ltd_helper_frame()), the first frame of the
 * report's first stack that is none.
 */
static unsigned long ltd_title_site(const struct ltd_report *r)
{
	unsigned long *entries;
	unsigned int nr, i;

	if (r->site && !ltd_helper_frame(r->site, false))
		return r->site;
	nr = r->stacks[0].handle ? stack_depot_fetch(r->stacks[0].handle, &entries) : 0;
	for (i = 0; i < nr; i++)
		if (!ltd_helper_frame(entries[i], false))
			return entries[i];
	return r->site ?: (nr ? entries[0] : 0);
}

/* "%pS", or a fixed form that parsers can tell from a function's name. */
static void ltd_title_sym(char *buf, size_t len, unsigned long site)
{
	unsigned long size, offset;

	if (site && kallsyms_lookup_size_offset(site, &size, &offset))
		snprintf(buf, len, "%pS", (void *)site);
	else
		strscpy(buf, LTD_UNKNOWN_SITE, len);
}

/**
 * ltd_report() - report a lifetime bug
 * @r: the report; @r->stacks[0] is normally the current stack
 *
 * Deduplicates per (type, site), honours report-once and the rate limit,
 * keeps the report in the history ring, prints it, fails the running KUnit
 * test, and ends like KASAN: error_report_end tracepoint, panic_on_warn,
 * taint.
 *
 * Context: any context.
 * Return: true if the report was printed.
 */
bool ltd_report(struct ltd_report *r)
{
	unsigned long flags, site, slot;
	bool print = false;

	site = ltd_title_site(r);
	ltd_title_sym(r->site_sym, sizeof(r->site_sym), site);
	atomic_long_inc(&ltd_type_counters[r->type]);

	preempt_disable();
	if (this_cpu_inc_return(ltd_in_report) > 1)
		goto out;	/* recursion from our own printing */

	raw_spin_lock_irqsave(&ltd_report_lock, flags);
	if (ltd_dedup_seen(r->type, site, r->dedup)) {
		ltd_count(LTD_COUNTER_REPORTS_DEDUP);
		raw_spin_unlock_irqrestore(&ltd_report_lock, flags);
		goto out;
	}
	r->seq = ++ltd_report_seq;
	slot = (r->seq - 1) % LTD_HISTORY_SIZE;
	ltd_history[slot] = *r;
	ltd_history_folded[slot][0] = '\0';
	if (r->folded)
		strscpy(ltd_history_folded[slot], r->folded, LTD_FOLDED_LEN);
	ltd_history[slot].folded = ltd_history_folded[slot];
	if ((ltd_reported && !READ_ONCE(ltd_multi_shot)) ||
	    !__ratelimit(&ltd_ratelimit)) {
		ltd_count(LTD_COUNTER_REPORTS_SUPPRESSED);
	} else {
		ltd_reported = true;
		print = true;
		ltd_count(LTD_COUNTER_REPORTS);
		lockdep_off();
		ltd_print_report(NULL, r);
		lockdep_on();
	}
	raw_spin_unlock_irqrestore(&ltd_report_lock, flags);

	if (print) {
		trace_error_report_end(ERROR_DETECTOR_LIFETIME, site);
		add_taint(TAINT_WARN, LOCKDEP_STILL_OK);
		check_panic_on_warn("LIFETIME");
	}
	ltd_fail_kunit_test();
out:
	this_cpu_dec(ltd_in_report);
	preempt_enable();
	return print;
}
EXPORT_SYMBOL_IF_KUNIT(ltd_report);
