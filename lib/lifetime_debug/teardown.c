// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer teardown judge: does a domain's teardown close the
 * guards of its foreign accesses?
 *
 * A teardown window (driver unbind, a ures instance's final put) is open on
 * the task running it. While it is open, every lockdep map the task
 * acquires or synchronizes with, and every context it waits for
 * (free_irq(), hrtimer_cancel(), kthread_stop()...), closes the guards of
 * the domain's recorded foreign accesses that are that map or context. At
 * its end each recorded access none of whose guards was closed is
 * reported: nothing in the teardown waits for it, so it can run after the
 * memory is gone. Owner-annotated callbacks (annotate.c) are kept here
 * too: like a window, they make the task an owner of a domain.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/device.h>
#include <linux/device/driver.h>
#include <linux/kallsyms.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "lifetime_debug.h"

/* === State === */

/* Changed under ltd_dom_lock, read without it (each task reads its own). */
static struct ltd_window ltd_windows[LTD_MAX_WINDOWS];

/* Open teardown windows; lock_acquire() looks at it first. */
int lifetime_debug_nr_windows;
EXPORT_SYMBOL_GPL(lifetime_debug_nr_windows);

/*
 * Tasks in an owner-annotated callback (annotate.c). Slots are taken and
 * cleared under ltd_dom_lock and never move, so a task reading its own
 * without the lock always finds them.
 */
#define LTD_MAX_OWNER_FRAMES	16
static struct {
	struct task_struct *task;
	const void *owner;		/* a domain owner, or NULL: every devres domain */
	unsigned int depth;		/* nesting on its task, 1 = outermost */
} ltd_owner_frames[LTD_MAX_OWNER_FRAMES];
int ltd_nr_owner_frames;

/**
 * ltd_window_find() - the teardown window @task runs for @dom
 * @task:	a task
 * @dom:	a domain
 *
 * Return: the window, or NULL.
 *
 * Context: any context; exact for the current task.
 */
struct ltd_window *ltd_window_find(struct task_struct *task,
				   const struct ltd_domain *dom)
{
	int i;

	for (i = 0; i < LTD_MAX_WINDOWS; i++)
		if (READ_ONCE(ltd_windows[i].task) == task &&
		    READ_ONCE(ltd_windows[i].dom) == dom)
			return &ltd_windows[i];
	return NULL;
}

/* === Teardown windows === */

static void ltd_teardown_begin(const void *owner, const char *driver_now)
{
	struct ltd_report_stack st;
	struct ltd_domain *dom;
	unsigned long flags;
	int i;

	if (!in_task())
		return;
	flags = ltd_lock();
	dom = ltd_domain_find(owner);
	if (!dom || ltd_window_find(current, dom)) {
		ltd_unlock(flags);
		return;
	}
	ltd_unlock(flags);

	ltd_save_stack(&st, "Torn down", 0, GFP_NOWAIT);

	flags = ltd_lock();
	dom = ltd_domain_find(owner);
	if (!dom || ltd_window_find(current, dom)) {
		ltd_unlock(flags);
		return;
	}
	for (i = 0; i < LTD_MAX_WINDOWS; i++)
		if (!ltd_windows[i].task)
			break;
	if (i == LTD_MAX_WINDOWS) {
		ltd_unlock(flags);
		ltd_dom_stat(LTD_DOM_STAT_WINDOWS_FULL);
		ltd_degraded(LTD_DEGRADED_WINDOWS);
		return;
	}
	WRITE_ONCE(ltd_windows[i].dom, dom);
	WRITE_ONCE(ltd_windows[i].task, current);
	dom->state = LTD_DOMAIN_TEARING_DOWN;
	dom->teardown = st;
	arch_spin_lock(&dom->lock);
	dom->nr_syncs = 0;
	arch_spin_unlock(&dom->lock);
	if (driver_now)
		strscpy(dom->driver, driver_now, sizeof(dom->driver));
	WRITE_ONCE(lifetime_debug_nr_windows, lifetime_debug_nr_windows + 1);
	ltd_unlock(flags);
	ltd_dom_stat(LTD_DOM_STAT_TEARDOWNS);
}

/**
 * __lifetime_debug_teardown_begin() - open the teardown window of @dev
 * @dev: the device whose devres domain ends
 *
 * Context: process context (windows are per task); elsewhere a no-op.
 */
void __lifetime_debug_teardown_begin(struct device *dev)
{
	ltd_teardown_begin(dev, dev->driver ? dev->driver->name : NULL);
}
EXPORT_SYMBOL_IF_KUNIT(__lifetime_debug_teardown_begin);

/**
 * __lifetime_debug_domain_teardown_begin() - a domain other than devres ends
 * @owner: the domain's owner (a ures instance)
 *
 * Context: process context.
 */
void __lifetime_debug_domain_teardown_begin(const void *owner)
{
	ltd_teardown_begin(owner, NULL);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_domain_teardown_begin);

/* Did the teardown synchronize with one of the access's guards? */
static bool ltd_access_closed(const struct ltd_access *a)
{
	unsigned int i;

	for (i = 0; i < a->nr_guards; i++)
		if (a->guards[i].closed)
			return true;
	return false;
}

/*
 * Which access of a group titles its report: one in module text (a
 * driver's) before built-in code, then the first by function name and
 * address, so the title does not depend on which access came first.
 */
static bool ltd_title_before(const struct ltd_access *a, const struct ltd_access *b)
{
	char sa[KSYM_SYMBOL_LEN], sb[KSYM_SYMBOL_LEN];
	bool ma = is_module_text_address(a->site), mb = is_module_text_address(b->site);

	if (ma != mb)
		return ma;
	sprint_symbol_no_offset(sa, a->site);
	sprint_symbol_no_offset(sb, b->site);
	return strcmp(sa, sb) < 0 || (!strcmp(sa, sb) && a->site < b->site);
}

/* Does @a hold a guard of @key (or the map @instance)? */
static bool ltd_holds(const struct ltd_access *a, const struct ltd_guard *g)
{
	unsigned int i;

	for (i = 0; i < a->nr_guards; i++)
		if ((g->key && a->guards[i].key == g->key) || a->guards[i].instance == g->instance)
			return true;
	return false;
}

/* Do @a and @b hold a guard in common? */
static bool ltd_share_guard(const struct ltd_access *a, const struct ltd_access *b)
{
	unsigned int i;

	for (i = 0; i < a->nr_guards; i++)
		if (ltd_holds(b, &a->guards[i]))
			return true;
	return false;
}

/* "{a, b}": @title's guards that every access of @group holds, or "". */
static void ltd_common_guards(char *buf, size_t len, const struct ltd_access *title,
			      const struct ltd_access *group)
{
	const struct ltd_access *a;
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < title->nr_guards; i++) {
		for (a = group; a && ltd_holds(a, &title->guards[i]); a = a->next)
			;
		if (!a)
			n += scnprintf(buf + n, len - n, "%s%s", n ? ", " : " {",
				       title->guards[i].name ?: "(unnamed)");
	}
	if (n)
		scnprintf(buf + n, len - n, "}");
}

/*
 * The sites of @group other than @title's, each once (a site is recorded
 * once per guard set): counted, and listed one per line into @buf if
 * given, with "..." when it is full.
 */
static unsigned int ltd_other_sites(const struct ltd_access *group,
				    const struct ltd_access *title, char *buf, size_t len)
{
	const struct ltd_access *a, *b;
	unsigned int nr = 0;
	size_t n = 0;

	for (a = group; a; a = a->next) {
		for (b = group; b != a && b->site != a->site; b = b->next)
			;
		if (b != a || a->site == title->site)
			continue;
		nr++;
		if (!buf || n >= len)
			continue;
		if (len - n < KSYM_SYMBOL_LEN / 4)
			n = len + scnprintf(buf + n, len - n, " ...\n");
		else
			n += scnprintf(buf + n, len - n, " %pS\n", (void *)a->site);
	}
	return nr;
}

/*
 * One report per root cause: the open accesses of a teardown that share a
 * guard (directly or through each other), none of it closed, miss one
 * synchronization. They make one report, the other sites folded into it.
 * Takes the group off @open; returns the rest.
 */
static struct ltd_access *ltd_report_group(struct ltd_access *open, enum ltd_domain_kind kind,
					   const char *name, const char *driver,
					   const struct ltd_report_stack *teardown)
{
	struct ltd_access *a, *next, **pp, *title = open, *group = open, *rest = open->next;
	unsigned int others;
	bool grew = true;
	char common[64];
	char *folded;
	size_t n;

	/* Accesses without guards share nothing: each is its own report. */
	group->next = NULL;
	while (grew && open->nr_guards) {
		grew = false;
		for (pp = &rest; (a = *pp); ) {
			const struct ltd_access *m;

			for (m = group; m && !ltd_share_guard(a, m); m = m->next)
				;
			if (!m) {
				pp = &a->next;
				continue;
			}
			*pp = a->next;
			a->next = group;
			group = a;
			grew = true;
			if (ltd_title_before(a, title))
				title = a;
		}
	}
	others = ltd_other_sites(group, title, NULL, 0);
	folded = others ? kmalloc(LTD_FOLDED_LEN, GFP_KERNEL) : NULL;
	if (others && !folded)
		ltd_degraded(LTD_DEGRADED_NOMEM);	/* the other sites go unnamed */
	if (folded) {
		ltd_common_guards(common, sizeof(common), title, group);
		n = scnprintf(folded, LTD_FOLDED_LEN,
			      "Folded into this report: %u more access sites sharing its unclosed guards%s:\n",
			      others, common);
		ltd_other_sites(group, title, folded + n, LTD_FOLDED_LEN - n);
	}
	ltd_access_report(title, kind, name, driver, teardown, folded);
	kfree(folded);
	for (a = group; a; a = next) {
		next = a->next;
		ltd_access_release(a);
	}
	return rest;
}

/*
 * Reports every recorded foreign access that the teardown did not close,
 * one report per missing synchronization, then starts the domain afresh
 * (the device may be bound again).
 */
static void ltd_teardown_end(const void *owner)
{
	struct ltd_access *a, *next, *records, *open = NULL;
	struct ltd_domain *dom, *unlinked;
	struct ltd_report_stack teardown;
	enum ltd_domain_kind kind;
	struct ltd_window *w;
	unsigned long flags;
	char name[LTD_NAME_LEN], driver[LTD_DRIVER_LEN];

	flags = ltd_lock();
	dom = ltd_domain_find(owner);
	if (!dom) {
		ltd_unlock(flags);
		return;
	}
	w = ltd_window_find(current, dom);
	if (w) {
		WRITE_ONCE(w->task, NULL);
		WRITE_ONCE(w->dom, NULL);
		WRITE_ONCE(lifetime_debug_nr_windows, lifetime_debug_nr_windows - 1);
	}
	arch_spin_lock(&dom->lock);
	records = dom->accesses;
	WRITE_ONCE(dom->accesses, NULL);
	/* Every CPU's verdicts on the old records are stale now. */
	WRITE_ONCE(dom->epoch, ltd_new_epoch());
	dom->nr_syncs = 0;
	arch_spin_unlock(&dom->lock);
	dom->state = LTD_DOMAIN_LIVE;
	teardown = dom->teardown;
	kind = dom->kind;
	strscpy(name, dom->name, sizeof(name));
	strscpy(driver, dom->driver, sizeof(driver));
	unlinked = ltd_domain_maybe_unlink(dom);
	ltd_unlock(flags);
	ltd_domain_free(unlinked);

	for (a = records; a; a = next) {
		next = a->next;
		/*
		 * Switched off during the teardown: close it without reports.
		 * Accesses without a guard were reported when they happened
		 * (unless no memory was left for the report's copy).
		 */
		if (w && (a->nr_guards || !a->reported) && lifetime_debug_enabled() &&
		    !ltd_access_closed(a)) {
			a->next = open;
			open = a;
		} else {
			ltd_access_release(a);
		}
	}

	/* The window is closed: the reports' own locks are not recorded. */
	while (open)
		open = ltd_report_group(open, kind, name, driver, &teardown);
}

/**
 * __lifetime_debug_teardown_end() - close the teardown window of @dev
 * @dev: the device whose devres were released
 *
 * Context: process context.
 */
void __lifetime_debug_teardown_end(struct device *dev)
{
	ltd_teardown_end(dev);
}
EXPORT_SYMBOL_IF_KUNIT(__lifetime_debug_teardown_end);

/**
 * __lifetime_debug_domain_teardown_end() - the domain's memory was released
 * @owner: the domain's owner
 *
 * Context: process context.
 */
void __lifetime_debug_domain_teardown_end(const void *owner)
{
	ltd_teardown_end(owner);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_domain_teardown_end);

/*
 * dom->lock held: close the guards of @dom's recorded accesses that are
 * @map (by instance, or by class for a guard held as a stack copy).
 */
static void ltd_close_guards(struct ltd_domain *dom, const void *map, const void *key)
{
	struct ltd_access *a;
	unsigned int i;

	for (a = dom->accesses; a; a = a->next) {
		for (i = 0; i < a->nr_guards; i++) {
			struct ltd_guard *g = &a->guards[i];

			if (g->closed || (g->by_key ? g->key != key : g->instance != map))
				continue;
			g->closed = true;
			dom->nr_syncs++;
		}
	}
}

static void ltd_note_sync(const void *map, const void *key)
{
	unsigned long flags;
	unsigned int i;

	if (!in_task() || this_cpu_read(ltd_dom_busy))
		return;
	/* Only the current task adds or removes its windows: no lock to find them. */
	for (i = 0; i < LTD_MAX_WINDOWS; i++) {
		struct ltd_domain *dom;

		if (READ_ONCE(ltd_windows[i].task) != current)
			continue;
		dom = READ_ONCE(ltd_windows[i].dom);
		raw_local_irq_save(flags);
		arch_spin_lock(&dom->lock);
		ltd_close_guards(dom, map, key);
		arch_spin_unlock(&dom->lock);
		raw_local_irq_restore(flags);
	}
}

/**
 * __lifetime_debug_note_sync() - the current task synchronizes with @map
 * @map: a lockdep map the task acquires or synchronizes with
 *
 * In a teardown window, the guards of the domain's recorded foreign
 * accesses that are @map are closed. Nothing else is kept, so a teardown
 * that takes thousands of locks costs no memory and is always judged.
 *
 * Context: any context; only process context counts.
 */
void __lifetime_debug_note_sync(const struct lockdep_map *map)
{
	if (map)
		ltd_note_sync(map, map->key ? (const void *)map->key : (const void *)map);
}

/**
 * __lifetime_debug_note_sync_obj() - the current task waited for a context
 * @obj: the context's guard object: an IRQ descriptor (synchronize_irq(),
 *	free_irq()), an hrtimer (hrtimer_cancel()), a tasklet (tasklet_kill()),
 *	a NAPI instance (napi_disable()), a task (kthread_stop()), a kthread
 *	work (kthread_cancel_work_sync()), a device's PM state
 *	(pm_runtime_disable())
 *
 * Context: any context; only process context counts.
 */
void __lifetime_debug_note_sync_obj(const void *obj)
{
	if (obj)
		ltd_note_sync(obj, obj);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_note_sync_obj);

/* === Owner annotations === */

/**
 * ltd_in_owner_frame() - is the current task in an owner callback of @owner?
 * @owner: a domain's owner
 *
 * Return: true if it is (or in one that owns every devres domain).
 *
 * Context: any context.
 */
bool ltd_in_owner_frame(const void *owner)
{
	int i;

	for (i = 0; i < LTD_MAX_OWNER_FRAMES; i++)
		if (READ_ONCE(ltd_owner_frames[i].task) == current &&
		    (!ltd_owner_frames[i].owner || ltd_owner_frames[i].owner == owner))
			return true;
	return false;
}

/**
 * ltd_owner_push() - the current task enters an owner-annotated callback
 * @arg: the callback's first argument: its device, when that owns a domain
 *
 * Return: true if pushed (pop it with ltd_owner_pop()); false when the
 * frame table is full (said once, the callback then counts as foreign).
 *
 * Context: any context.
 */
bool ltd_owner_push(const void *arg)
{
	unsigned int depth = 1;
	unsigned long flags;
	int i, free = -1;

	flags = ltd_lock();
	for (i = 0; i < LTD_MAX_OWNER_FRAMES; i++) {
		if (!ltd_owner_frames[i].task && free < 0)
			free = i;
		if (ltd_owner_frames[i].task == current)
			depth = max(depth, ltd_owner_frames[i].depth + 1);
	}
	if (free >= 0) {
		ltd_owner_frames[free].owner = ltd_domain_find(arg) ? arg : NULL;
		ltd_owner_frames[free].depth = depth;
		WRITE_ONCE(ltd_owner_frames[free].task, current);
		WRITE_ONCE(ltd_nr_owner_frames, ltd_nr_owner_frames + 1);
	}
	ltd_unlock(flags);
	if (free < 0)
		ltd_degraded(LTD_DEGRADED_OWNER_FRAMES);
	return free >= 0;
}

/**
 * ltd_owner_pop() - the current task leaves its innermost owner callback
 *
 * Context: any context.
 */
void ltd_owner_pop(void)
{
	unsigned long flags;
	int i, inner = -1;

	flags = ltd_lock();
	for (i = 0; i < LTD_MAX_OWNER_FRAMES; i++)
		if (ltd_owner_frames[i].task == current &&
		    (inner < 0 || ltd_owner_frames[i].depth > ltd_owner_frames[inner].depth))
			inner = i;
	if (inner >= 0) {
		WRITE_ONCE(ltd_owner_frames[inner].task, NULL);
		WRITE_ONCE(ltd_nr_owner_frames, ltd_nr_owner_frames - 1);
	}
	ltd_unlock(flags);
}
