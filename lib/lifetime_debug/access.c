// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer access judge: is an access to tagged memory owner-bound,
 * or a foreign access, and under which guards?
 *
 * Every access to tagged memory ends here (KASAN sees the shadow marker).
 * An access is owner-bound when the task holds the owning device's lock
 * (probe, remove, PM), runs the domain's teardown or an owner-annotated
 * callback, or (ures) is in the instance's read-side section or a file
 * operation; otherwise it is foreign, and its guard set - the lockdep maps
 * it holds and the contexts it runs in - is recorded in the domain once per
 * (site, guard set). The teardown (teardown.c) reports the records whose
 * guards it did not close; a record with no guard is reported at once.
 *
 * The common case, an access judged before, touches no global lock, no
 * global atomic and no shared cache line: each CPU remembers the tags it
 * met and the (domain, site, guard set) verdicts it found recorded, checked
 * against the tag's sequence number and the domain's epoch.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/device.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/debug.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#ifdef CONFIG_X86_64
#include <asm/stacktrace.h>
#include <asm/unwind.h>
#endif

#include "lifetime_debug.h"

/* === Per-CPU memory of what was judged === */

#define LTD_REGION_WAYS		8
/*
 * Set associative, newest first: a driver operation makes a few dozen
 * distinct foreign accesses (gpio-sim's line toggle: 33), which a small
 * round robin cache would evict before they come round again.
 */
#define LTD_VERDICT_SETS	32
#define LTD_VERDICT_WAYS	4
#define LTD_SITE_SETS		8
#define LTD_SITE_WAYS		4
#define LTD_SITE_FRAMES		12

/**
 * struct ltd_region - a tag this CPU met
 * @tag:	the tag, NULL: empty (cleared by ltd_cache_forget() on any CPU)
 * @seq:	its sequence number when met
 * @start:	its first byte
 * @size:	its size
 */
struct ltd_region {
	const struct ltd_tag *tag;
	u64 seq;
	unsigned long start;
	unsigned long size;
};

/**
 * struct ltd_verdict - a foreign (domain, site, guard set) found recorded
 * @dom:	the domain, compared only, never dereferenced
 * @epoch:	the domain's epoch then: a teardown since empties the records
 * @site:	the access site
 * @nr_helpers:	ltd_nr_helper_ranges when @site was found
 * @hash:	the guard set's hash
 * @nr:		its size
 * @direct:	@site is the access itself, outside the helpers: an access
 *		by the same instruction needs no ltd_key_site()
 */
struct ltd_verdict {
	const struct ltd_domain *dom;
	u64 epoch;
	unsigned long site;
	int nr_helpers;
	u32 hash;
	u8 nr;
	bool direct;
};

/**
 * struct ltd_site_memo - the site of an access in a helper, and the stack
 * that led to it
 * @ip:		the access, in a copy, string or lock helper
 * @depth:	bytes from the top of the task stack to ltd_key_site()'s frame
 * @site:	the first caller outside the helpers
 * @nr_helpers:	ltd_nr_helper_ranges then: a helper learnt since moves sites
 * @nr:		stack words that the unwinder read up to @site
 * @off:	their offsets from the top of the task stack, in words
 * @word:	their contents
 *
 * Given the same stack pointer, ORC unwinds the same frames as long as the
 * return addresses it reads are the same: checking @nr words replaces the
 * unwind. (The frame pointer unwinder also follows saved frame pointers:
 * no memo there.)
 */
struct ltd_site_memo {
	unsigned long ip;
	unsigned long depth;
	unsigned long site;
	int nr_helpers;
	unsigned int nr;
	u16 off[LTD_SITE_FRAMES];
	unsigned long word[LTD_SITE_FRAMES];
};

/**
 * struct ltd_access_cache - what this CPU judged recently
 * @regions:		tags, round robin
 * @verdicts:		foreign verdicts, by site, newest first in each set
 * @sites:		sites of accesses in helpers, by access and stack depth
 * @next_region:	next region slot to fill
 *
 * Used with ltd_dom_busy set (preemption and nested accesses excluded);
 * other CPUs only clear @regions entries (ltd_cache_forget()).
 */
struct ltd_access_cache {
	struct ltd_region regions[LTD_REGION_WAYS];
	struct ltd_verdict verdicts[LTD_VERDICT_SETS][LTD_VERDICT_WAYS];
	struct ltd_site_memo sites[LTD_SITE_SETS][LTD_SITE_WAYS];
	unsigned int next_region;
};

static DEFINE_PER_CPU(struct ltd_access_cache, ltd_access_cache);

/* Set while this CPU judges an access or prints: our own work is not seen. */
DEFINE_PER_CPU(int, ltd_dom_busy);

/**
 * ltd_cache_forget() - no CPU may use @tag from its memory any more
 * @tag: a tag whose seq was just set to 0 (followed by a full barrier)
 *
 * A CPU that meets a tag re-reads its seq after remembering it, so either
 * it sees 0 and forgets the tag itself, or this sees its entry.
 *
 * Context: ltd_dom_lock held, before the tag is freed.
 */
void ltd_cache_forget(const struct ltd_tag *tag)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct ltd_access_cache *c = per_cpu_ptr(&ltd_access_cache, cpu);

		for (i = 0; i < LTD_REGION_WAYS; i++)
			if (READ_ONCE(c->regions[i].tag) == tag)
				WRITE_ONCE(c->regions[i].tag, NULL);
	}
}

/* The tag holding @addr that this CPU met, re-checked as live. */
static const struct ltd_tag *ltd_region_find(struct ltd_access_cache *c,
					     unsigned long addr)
{
	int i;

	for (i = 0; i < LTD_REGION_WAYS; i++) {
		struct ltd_region *r = &c->regions[i];
		const struct ltd_tag *t = READ_ONCE(r->tag);

		if (t && addr - r->start < r->size && READ_ONCE(t->seq) == r->seq)
			return t;
	}
	return NULL;
}

static void ltd_region_fill(struct ltd_access_cache *c, const struct ltd_tag *t,
			    u64 seq)
{
	struct ltd_region *r = &c->regions[c->next_region++ % LTD_REGION_WAYS];

	WRITE_ONCE(r->tag, NULL);
	r->seq = seq;
	r->start = t->start;
	r->size = t->size;
	WRITE_ONCE(r->tag, t);
	/* Pairs with ltd_tag_erase(): an untag now is seen here or there. */
	smp_mb();
	if (READ_ONCE(t->seq) != seq)
		WRITE_ONCE(r->tag, NULL);
}

static struct ltd_verdict *ltd_verdict_set(struct ltd_access_cache *c,
					   const struct ltd_domain *dom, unsigned long site)
{
	return c->verdicts[hash_long(site ^ (unsigned long)dom, ilog2(LTD_VERDICT_SETS))];
}

/* With @direct, only verdicts whose site is the access instruction itself. */
static bool ltd_verdict_find(struct ltd_access_cache *c, const struct ltd_domain *dom,
			     u64 epoch, unsigned long site, int nr_helpers, bool direct,
			     const struct ltd_guardset *gs)
{
	struct ltd_verdict *set = ltd_verdict_set(c, dom, site);
	int i;

	for (i = 0; i < LTD_VERDICT_WAYS; i++) {
		struct ltd_verdict *v = &set[i];

		if (v->dom == dom && v->site == site && v->hash == gs->hash &&
		    v->nr == gs->nr && v->epoch == epoch &&
		    v->nr_helpers == nr_helpers && (v->direct || !direct))
			return true;
	}
	return false;
}

static void ltd_verdict_fill(struct ltd_access_cache *c, const struct ltd_domain *dom,
			     u64 epoch, unsigned long site, int nr_helpers, bool direct,
			     const struct ltd_guardset *gs)
{
	struct ltd_verdict *v = ltd_verdict_set(c, dom, site);

	/* Newest first; the oldest way goes. */
	memmove(&v[1], &v[0], (LTD_VERDICT_WAYS - 1) * sizeof(*v));

	v->dom = dom;
	v->epoch = epoch;
	v->site = site;
	v->nr_helpers = nr_helpers;
	v->direct = direct;
	v->hash = gs->hash;
	v->nr = gs->nr;
}

/* === Guards and owners === */

static const char *ltd_context_name(void)
{
	if (in_hardirq())
		return "hardirq";
	if (in_serving_softirq())
		return "softirq";
	return "process";
}

/*
 * A held map on a stack is a copy (call_timer_fn(), process_one_work()):
 * only its key, the timer's or work item's class, identifies it.
 */
static bool ltd_on_stack(const void *p)
{
#ifdef CONFIG_X86_64
	struct stack_info info;
	unsigned long visit = 0;

	if (object_is_on_stack(p))
		return true;
	if (in_task())
		return false;
	return !get_stack_info((unsigned long *)p, current, &info, &visit);
#else
	return object_is_on_stack(p);
#endif
}

/**
 * ltd_guard_add() - add a guard to a guard set
 * @gs:		the set
 * @instance:	the held map, or a context's object
 * @key:	its class key (the object itself for a context)
 * @name:	its name, for reports
 * @by_key:	a stack copy: the teardown closes it by @key
 *
 * Return: false when the set is full (counted in guard_sets_truncated).
 */
bool ltd_guard_add(struct ltd_guardset *gs, const void *instance, const void *key,
		   const char *name, bool by_key)
{
	if (gs->nr == LTD_MAX_GUARDS) {
		ltd_dom_stat(LTD_DOM_STAT_GUARDS_TRUNCATED);
		return false;
	}
	if (gs->g) {
		struct ltd_guard *g = &gs->g[gs->nr];

		g->instance = instance;
		g->key = key;
		g->name = name;
		g->by_key = by_key;
		g->closed = false;
	}
	gs->nr++;
	gs->hash += hash_ptr(by_key ? key : instance, 32);
	return true;
}

/*
 * One walk over the held locks of the current interrupt context: the
 * guard set (into @gs), and whether @owner_map is among them.
 */
static bool ltd_collect_guards(struct ltd_guardset *gs, const struct lockdep_map *owner_map)
{
	unsigned int ctx = ltd_irq_context();
	bool owner = false, full = false;
	int i;

	gs->nr = 0;
	gs->hash = 0;
	for (i = current->lockdep_depth - 1; i >= 0; i--) {
		struct held_lock *hl = current->held_locks + i;
		struct lockdep_map *map = hl->instance;

		if (hl->irq_context != ctx)
			continue;
		if (map == owner_map)
			owner = true;
		if (!full && !ltd_guard_add(gs, map,
					    map->key ? (const void *)map->key : (const void *)map,
					    map->name, ltd_on_stack(map)))
			full = true;
		if (full && (owner || !owner_map))
			break;
	}
	/* Lockless contexts: IRQ handlers, hrtimers, tasklets, NAPI, kthreads. */
	if (!owner)
		ltd_ctx_collect(gs, ctx);
	return owner;
}

/*
 * The owner rule. devres: the device's own callbacks (device_lock held),
 * owner-annotated callbacks and its teardown. ures: its teardown, its
 * read-side sections and any process context but a workqueue worker
 * (setup, and file operations, which the proxy runs in sections);
 * device-side code (interrupts, timers, work items) is foreign. The lock
 * part is @held, from the guard walk.
 */
static bool ltd_owner_rule(const struct ltd_domain *dom, bool held)
{
	if (held)
		return true;
	if (READ_ONCE(lifetime_debug_nr_windows) && ltd_window_find(current, dom))
		return true;
	if (dom->kind == LTD_DOMAIN_URES)
		return in_task() && !(current->flags & PF_WQ_WORKER);
	return READ_ONCE(ltd_nr_owner_frames) && ltd_in_owner_frame(dom->owner);
}

/* The map whose holder owns @dom: the device mutex, the ures section. */
static const struct lockdep_map *ltd_owner_map(const struct ltd_domain *dom)
{
	const struct device *dev = dom->owner;

	if (dom->kind == LTD_DOMAIN_URES)
		return dom->section;
	/* Pointer arithmetic only: the device is not dereferenced. */
	return in_task() ? &dev->mutex.dep_map : NULL;
}

/* === Records (dom->lock) === */

static unsigned long ltd_dom_lock_irqsave(struct ltd_domain *dom)
{
	unsigned long flags;

	raw_local_irq_save(flags);
	arch_spin_lock(&dom->lock);
	return flags;
}

static void ltd_dom_unlock_irqrestore(struct ltd_domain *dom, unsigned long flags)
{
	arch_spin_unlock(&dom->lock);
	raw_local_irq_restore(flags);
}

static bool ltd_access_seen(struct ltd_domain *dom, unsigned long site,
			    const struct ltd_guardset *gs)
{
	struct ltd_access *a;

	for (a = dom->accesses; a; a = a->next)
		if (a->site == site && a->hash == gs->hash && a->nr_guards == gs->nr)
			return true;
	return false;
}

/* Another site of the same function with the same guards was recorded. */
static bool ltd_access_func_seen(struct ltd_domain *dom, const struct ltd_access *c)
{
	struct ltd_access *a;

	for (a = dom->accesses; a; a = a->next)
		if (a->func == c->func && a->hash == c->hash &&
		    a->nr_guards == c->nr_guards)
			return true;
	return false;
}

/**
 * ltd_domain_nr_accesses() - how many foreign accesses @d has recorded
 * @d: the domain
 *
 * Return: the count.
 *
 * Context: any context.
 */
unsigned int ltd_domain_nr_accesses(struct ltd_domain *d)
{
	struct ltd_access *a;
	unsigned long flags;
	unsigned int n = 0;

	flags = ltd_dom_lock_irqsave(d);
	for (a = d->accesses; a; a = a->next)
		n++;
	ltd_dom_unlock_irqrestore(d, flags);
	return n;
}

/**
 * ltd_access_release() - free a record taken off its domain
 * @a: the record
 */
void ltd_access_release(struct ltd_access *a)
{
	ltd_meta_free(a);
}

/* === Sites === */

static unsigned long ltd_func_of(unsigned long ip)
{
	unsigned long size, offset;

	if (!kallsyms_lookup_size_offset(ip, &size, &offset))
		return ip;
	return ip - offset;
}

/*
 * Copy, string and lock helpers seen so far (ltd_helper_frame()), as
 * address ranges: an access inside one is keyed by the helper's caller, so
 * that two driver functions copying from the same domain through
 * copy_to_user(), or taking a mutex inside it, are two accesses, not one.
 * The lock and scheduler text sections need no learning. Written under
 * ltd_dom_lock, read without it.
 */
#define LTD_HELPER_RANGES	64
static struct {
	unsigned long start;
	unsigned long end;
} ltd_helper_ranges[LTD_HELPER_RANGES];
static int ltd_nr_helper_ranges;

static bool ltd_in_helper(unsigned long ip)
{
	/* Pairs with ltd_add_helper(): entries below n are whole. */
	int i, n = smp_load_acquire(&ltd_nr_helper_ranges);

	if (in_sched_functions(ip))
		return true;
	for (i = 0; i < n; i++)
		if (ip - ltd_helper_ranges[i].start <
		    ltd_helper_ranges[i].end - ltd_helper_ranges[i].start)
			return true;
	return false;
}

static void ltd_add_helper(unsigned long start, unsigned long size)
{
	unsigned long flags;
	int i;

	flags = ltd_lock();
	for (i = 0; i < ltd_nr_helper_ranges; i++)
		if (ltd_helper_ranges[i].start == start)
			break;
	if (i == ltd_nr_helper_ranges && i < LTD_HELPER_RANGES) {
		ltd_helper_ranges[i].start = start;
		ltd_helper_ranges[i].end = start + size;
		/* Entry before count: lockless readers see it whole. */
		smp_store_release(&ltd_nr_helper_ranges, i + 1);
	}
	ltd_unlock(flags);
	if (i == LTD_HELPER_RANGES)
		ltd_degraded(LTD_DEGRADED_HELPERS);
}

struct ltd_site_walk {
	unsigned long ip;
	unsigned long site;
	bool learn;
	bool past_ip;
};

static bool ltd_site_frame(struct ltd_site_walk *w, unsigned long pc)
{
	unsigned long size, offset;

	if (!w->past_ip) {
		w->past_ip = pc == w->ip;
		if (!w->past_ip)
			return true;
	}
	if (w->learn && !ltd_in_helper(pc) && ltd_helper_frame(pc, true) &&
	    kallsyms_lookup_size_offset(pc, &size, &offset))
		ltd_add_helper(pc - offset, size);
	if (ltd_in_helper(pc))
		return true;
	w->site = pc;
	return false;
}

/* A memo in @set of this stack's walk from @ip, at @depth, still true? */
static unsigned long ltd_site_memo_find(const struct ltd_site_memo *set, unsigned long ip,
					unsigned long depth, int nr_helpers)
{
	unsigned long *top = (unsigned long *)current_top_of_stack();
	int i, j;

	for (i = 0; i < LTD_SITE_WAYS; i++) {
		const struct ltd_site_memo *m = &set[i];

		if (m->ip != ip || m->depth != depth || m->nr_helpers != nr_helpers)
			continue;
		for (j = 0; j < m->nr; j++)
			if (READ_ONCE_NOCHECK(*(top - m->off[j])) != m->word[j])
				break;
		if (j == m->nr)
			return m->site;
	}
	return 0;
}

/*
 * As arch_stack_walk() from here, for ltd_site_frame(); with @m, noting
 * the return address slots the unwinder reads on the way (those of live
 * frames above @sp on the task stack; none if an exception frame is
 * crossed or the way is too long).
 */
static void ltd_site_walk(struct ltd_site_walk *w, struct ltd_site_memo *m,
			  unsigned long sp)
{
	unsigned long top = (unsigned long)current_top_of_stack();
	struct unwind_state state;
	unsigned long addr, *slot;

	for (unwind_start(&state, current, NULL, NULL); !unwind_done(&state);
	     unwind_next_frame(&state)) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			break;
		slot = unwind_get_return_address_ptr(&state);
		if (m && (state.regs || !slot || m->nr == LTD_SITE_FRAMES ||
			  top - (unsigned long)slot > THREAD_SIZE)) {
			m->nr = 0;
			m = NULL;
		}
		if (m && (unsigned long)slot > sp) {
			m->off[m->nr] = (top - (unsigned long)slot) / sizeof(long);
			m->word[m->nr++] = READ_ONCE_NOCHECK(*slot);
		}
		if (!ltd_site_frame(w, addr))
			return;
	}
	/* No caller outside the helpers: keyed by @ip, not remembered. */
	if (m)
		m->nr = 0;
}

/*
 * The site an access is recorded (and titled) by: @ip, or the caller of
 * the copy, string or lock helpers it is in, found by unwinding only as
 * far as that caller. With @learn (a new access), the helpers met on the
 * way up the stack are remembered first (string(), vsnprintf(),
 * scnprintf(), lock_release()...), so that later accesses need no symbol
 * lookup. Without, a walk is remembered per CPU with the stack words it
 * read, and the next access by the same stack only checks them: a mutex in
 * devres memory costs no unwind per lock and unlock. @nr_helpers is
 * ltd_nr_helper_ranges as the caller read it (memos name the helper set
 * they saw).
 */
static noinline unsigned long ltd_key_site(struct ltd_access_cache *c, unsigned long ip,
					   int nr_helpers, bool learn)
{
	unsigned long sp = current_stack_pointer;
	struct ltd_site_walk w = { .ip = ip, .site = ip, .learn = learn };
	struct ltd_site_memo *m = NULL;
	unsigned long depth = 0, site;

	if (!ltd_in_helper(ip) && !(learn && ltd_helper_frame(ip, true)))
		return ip;
	if (IS_ENABLED(CONFIG_UNWINDER_ORC) && !learn && on_thread_stack()) {
		depth = (unsigned long)current_top_of_stack() - sp;
		m = c->sites[hash_long(ip ^ depth, ilog2(LTD_SITE_SETS))];
		site = ltd_site_memo_find(m, ip, depth, nr_helpers);
		if (site)
			return site;
		/* Newest first; the oldest way goes. */
		memmove(&m[1], &m[0], (LTD_SITE_WAYS - 1) * sizeof(*m));
		m->ip = 0;
		m->nr = 0;
	}
	ltd_site_walk(&w, m, sp);
	if (m && m->nr) {
		m->depth = depth;
		m->site = w.site;
		m->nr_helpers = nr_helpers;
		m->ip = ip;
	}
	return w.site;
}

/* === Reports === */

static void ltd_guard_list(char *buf, size_t len, const struct ltd_access *a)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < a->nr_guards && n < len; i++)
		n += scnprintf(buf + n, len - n, "%s%s", i ? ", " : "",
			       a->guards[i].name ?: "(unnamed)");
}

/**
 * ltd_access_report() - report a foreign access no teardown closed
 * @a:		the record
 * @kind:	its domain's kind
 * @dom_name:	the domain's owner name
 * @driver:	its driver, "" if none
 * @teardown:	the teardown's stack, NULL when reported at the access
 * @folded:	other sites folded into this report (lines), or NULL
 */
void ltd_access_report(const struct ltd_access *a, enum ltd_domain_kind kind,
		       const char *dom_name, const char *driver,
		       const struct ltd_report_stack *teardown, const char *folded)
{
	struct ltd_report r = {};
	char guards[80];

	r.type = LTD_BUG_UNPROTECTED_ACCESS;
	r.site = a->site;
	r.dedup = a->hash;
	if (a->nr_guards) {
		ltd_guard_list(guards, sizeof(guards), a);
		scnprintf(r.what, sizeof(r.what),
			  "%s of size %zu at addr %px by task %s/%d (%s context), guards {%s}: none is closed by the domain's teardown",
			  a->write ? "Write" : "Read", a->size, (void *)a->addr,
			  a->stack.comm, a->stack.pid, a->ctx, guards);
	} else {
		scnprintf(r.what, sizeof(r.what),
			  "%s of size %zu at addr %px by task %s/%d (%s context), no guard held",
			  a->write ? "Write" : "Read", a->size, (void *)a->addr,
			  a->stack.comm, a->stack.pid, a->ctx);
	}
	if (kind == LTD_DOMAIN_URES)
		scnprintf(r.object, sizeof(r.object),
			  "The object is memory owned by ures %s: %lu bytes inside the %zu-byte region [%px, %px)",
			  dom_name, a->addr - a->obj_start, a->obj_size,
			  (void *)a->obj_start, (void *)(a->obj_start + a->obj_size));
	else
		scnprintf(r.object, sizeof(r.object),
			  "The object is devres data of device %s (driver %s): %lu bytes inside the %zu-byte region [%px, %px)",
			  dom_name, driver[0] ? driver : "(none)",
			  a->addr - a->obj_start, a->obj_size,
			  (void *)a->obj_start, (void *)(a->obj_start + a->obj_size));
	r.folded = folded;
	r.stacks[0] = a->stack;
	ltd_stack_from_ref(&r.stacks[1], "Allocated", &a->alloc);
	if (teardown && teardown->title[0])
		r.stacks[2] = *teardown;
	ltd_report(&r);
}

/* === Judging === */

/*
 * A foreign (site, guard set) this CPU has no verdict for: find it in the
 * domain's records, or record it with its stack (and report it at once
 * when it holds no guard).
 */
static noinline void ltd_note_foreign(struct ltd_access_cache *c, const struct ltd_tag *tag,
				      u64 seq, struct ltd_domain *dom, u64 epoch,
				      unsigned long addr, size_t size, bool write,
				      unsigned long ip, unsigned long site, int nr_helpers,
				      const struct ltd_guardset *seen)
{
	bool direct = site == ip && !ltd_in_helper(ip);
	struct ltd_guardset gs = {};
	struct ltd_access *a, *copy = NULL;
	unsigned long flags;
	bool dup, known;
	char name[LTD_NAME_LEN], driver[LTD_DRIVER_LEN];

	flags = ltd_dom_lock_irqsave(dom);
	known = ltd_access_seen(dom, site, seen);
	ltd_dom_unlock_irqrestore(dom, flags);
	if (known) {
		ltd_verdict_fill(c, dom, epoch, site, nr_helpers, direct, seen);
		return;
	}

	/* A new (site, guard set): record it with its stack. */
	a = ltd_meta_alloc(sizeof(*a));
	if (!a) {
		ltd_dom_stat(LTD_DOM_STAT_RECORDS_LOST);
		ltd_degraded(LTD_DEGRADED_RECORDS);
		return;
	}
	gs.g = a->guards;
	ltd_collect_guards(&gs, NULL);
	a->hash = gs.hash;
	a->nr_guards = gs.nr;
	/* A new access: learn whether @ip is in a copy helper, key it right. */
	a->site = ltd_key_site(c, ip, nr_helpers, true);
	a->addr = addr;
	a->size = size;
	a->write = write;
	a->func = ltd_func_of(a->site);
	a->reported = !a->nr_guards;
	a->obj_start = tag->start;
	a->obj_size = tag->size;
	a->alloc = tag->alloc;
	strscpy(a->ctx, ltd_context_name(), sizeof(a->ctx));
	ltd_save_stack_at(&a->stack, "Accessed", ip, GFP_NOWAIT);
	/* The tag was freed meanwhile: a use-after-free, KASAN's to report. */
	if (READ_ONCE(tag->seq) != seq) {
		ltd_meta_free(a);
		return;
	}

	/* Nothing can close an access that holds no guard: it is reported now. */
	if (!gs.nr)
		copy = ltd_meta_alloc(sizeof(*copy));

	flags = ltd_dom_lock_irqsave(dom);
	if (dom->dead || READ_ONCE(dom->epoch) != epoch ||
	    ltd_access_seen(dom, a->site, &gs)) {
		ltd_dom_unlock_irqrestore(dom, flags);
		ltd_meta_free(a);
		ltd_meta_free(copy);
		return;
	}
	/* Report each function (and guard set) once, whatever its sites. */
	dup = ltd_access_func_seen(dom, a);
	if (dup)
		a->reported = true;
	/*
	 * Reported from a copy (a teardown on another CPU may free the
	 * record); without one, the teardown reports it.
	 */
	if (!gs.nr && !dup) {
		if (copy)
			*copy = *a;
		else
			a->reported = false;
	}
	a->next = dom->accesses;
	WRITE_ONCE(dom->accesses, a);
	strscpy(name, dom->name, sizeof(name));
	strscpy(driver, dom->driver, sizeof(driver));
	ltd_dom_unlock_irqrestore(dom, flags);
	ltd_dom_stat(LTD_DOM_STAT_RECORDS);
	if (a->site == site)
		ltd_verdict_fill(c, dom, epoch, site, nr_helpers, direct, &gs);
	if (copy && !gs.nr && !dup)
		ltd_access_report(copy, dom->kind, name, driver, NULL, NULL);
	ltd_meta_free(copy);
}

static void ltd_note_access(unsigned long addr, size_t size, bool write,
			    unsigned long ip)
{
	struct ltd_access_cache *c = this_cpu_ptr(&ltd_access_cache);
	struct ltd_guardset gs = {};
	const struct ltd_tag *tag;
	struct ltd_domain *dom;
	unsigned long site;
	int nr_helpers;
	u64 seq, epoch;

	if (!debug_locks) {
		/* Held locks are no longer tracked: guards cannot be seen. */
		ltd_degraded(LTD_DEGRADED_LOCKDEP_OFF);
		return;
	}

	tag = ltd_region_find(c, addr);
	if (tag) {
		seq = READ_ONCE(tag->seq);
	} else {
		tag = ltd_tag_lookup(addr, &seq);
		if (!tag) {
			ltd_dom_stat(LTD_DOM_STAT_UNTRACKED);
			return;
		}
		ltd_region_fill(c, tag, seq);
	}
	dom = READ_ONCE(tag->dom);
	/* The tag is read before the domain it names: still the same tag? */
	smp_rmb();
	if (!seq || READ_ONCE(tag->seq) != seq) {
		ltd_dom_stat(LTD_DOM_STAT_UNTRACKED);
		return;
	}

	if (ltd_owner_rule(dom, ltd_collect_guards(&gs, ltd_owner_map(dom)))) {
		ltd_dom_stat(LTD_DOM_STAT_OWNER);
		return;
	}
	ltd_dom_stat(LTD_DOM_STAT_FOREIGN);
	epoch = READ_ONCE(dom->epoch);
	/* Pairs with ltd_add_helper(). */
	nr_helpers = smp_load_acquire(&ltd_nr_helper_ranges);
	/* The same instruction, found outside the helpers before: the same site. */
	if (ltd_verdict_find(c, dom, epoch, ip, nr_helpers, true, &gs)) {
		ltd_dom_stat(LTD_DOM_STAT_CACHE_HITS);
		return;
	}
	site = ltd_key_site(c, ip, nr_helpers, false);
	if (ltd_verdict_find(c, dom, epoch, site, nr_helpers, false, &gs)) {
		ltd_dom_stat(LTD_DOM_STAT_CACHE_HITS);
		return;
	}
	ltd_note_foreign(c, tag, seq, dom, epoch, addr, size, write, ip, site, nr_helpers, &gs);
}

/**
 * __lifetime_debug_kasan_access() - judge a poisoned access
 * @addr:	access address
 * @size:	access size
 * @write:	write access
 * @ip:		access site
 *
 * See lifetime_debug_kasan_access().
 *
 * Return: true if every poisoned byte of the access is tagged memory.
 */
bool __lifetime_debug_kasan_access(const void *addr, size_t size, bool write,
				   unsigned long ip)
{
	unsigned long a = (unsigned long)addr, end = a + size, p;
	bool tagged = false;

	if (!size || end < a || a < ltd_shadow_mem_start())
		return false;
	for (p = a & ~LTD_GRANULE_MASK; p < end; p += LTD_GRANULE) {
		u8 s = *ltd_shadow(p);

		if (!s)
			continue;
		if (!lifetime_debug_shadow_is_tag(s))
			return false;
		/* Past the last accessible byte: a real out-of-bounds. */
		if (min_t(unsigned long, end, p + LTD_GRANULE) - p > lifetime_debug_shadow_valid(s))
			return false;
		tagged = true;
	}
	if (!tagged)
		return false;
	if (!lifetime_debug_enabled() || in_nmi() || current->kasan_depth ||
	    this_cpu_read(lockdep_recursion) || current->lockdep_recursion)
		return true;

	preempt_disable_notrace();
	if (__this_cpu_inc_return(ltd_dom_busy) == 1)
		ltd_note_access(a, size, write, ip);
	__this_cpu_dec(ltd_dom_busy);
	preempt_enable_notrace();
	return true;
}
