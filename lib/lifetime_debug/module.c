// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer module domain: at unload, references into the module
 * that nothing pins.
 *
 * A module's exit cannot wait for what it never pinned: a char device whose
 * file_operations lack .owner lets rmmod succeed while a file is open, and
 * the next read or close of that file runs freed code; a timer or work item
 * the exit did not cancel runs freed code when it fires. At
 * MODULE_STATE_GOING (after the module's exit) every open file of every task
 * is checked for file operations inside the module, and every pending timer
 * and queued or running work item for a callback inside it.
 *
 * A timer, hrtimer or work item that the exit stopped without waiting
 * (timer_delete(), hrtimer_try_to_cancel(), cancel_work()) is no longer
 * pending, but its callback may be running on another CPU right then; it is
 * remembered when stopped and reported at MODULE_STATE_GOING unless the exit
 * waited for it afterwards: no race has to happen for the report.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "lifetime_debug.h"

#define LTD_MODULE_REFS	4

struct ltd_module_ref {
	const struct file_operations *fops;
	pid_t pid;
	unsigned int fd;
	char comm[TASK_COMM_LEN];
};

struct ltd_module_scan {
	struct module *mod;
	struct task_struct *task;
	unsigned int nr;
	struct ltd_module_ref refs[LTD_MODULE_REFS];
};

static int ltd_module_match_fd(const void *arg, struct file *file, unsigned int fd)
{
	struct ltd_module_scan *scan = (struct ltd_module_scan *)arg;
	const struct file_operations *fops = file->f_op;
	unsigned int i;

	if (!fops || !within_module((unsigned long)fops, scan->mod))
		return 0;
	/* .owner == mod would have kept the module busy: not possible here. */
	for (i = 0; i < scan->nr; i++)
		if (scan->refs[i].fops == fops)
			return 0;
	if (scan->nr == LTD_MODULE_REFS)
		return 1;
	scan->refs[scan->nr].fops = fops;
	scan->refs[scan->nr].pid = task_pid_nr(scan->task);
	scan->refs[scan->nr].fd = fd;
	strscpy(scan->refs[scan->nr].comm, scan->task->comm, TASK_COMM_LEN);
	scan->nr++;
	return 0;
}

/* The first file operation of @fops that lives in the module: the title. */
static unsigned long ltd_module_fops_site(const struct file_operations *fops,
					  struct module *mod)
{
	const void *const ops[] = {
		fops->read, fops->read_iter, fops->write, fops->write_iter,
		fops->unlocked_ioctl, fops->poll, fops->mmap, fops->open,
		fops->release, fops->llseek,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (ops[i] && within_module((unsigned long)ops[i], mod))
			return (unsigned long)ops[i];
	return (unsigned long)fops;
}

/*
 * Why the open file did not keep @mod loaded. Another module in .owner is
 * the one the file pins; this module in .owner means the file took no
 * reference (f_op set without fops_get(), or a forced unload).
 */
static const char *ltd_module_unpinned_why(const struct file_operations *fops,
					   struct module *mod, char *buf,
					   size_t len)
{
	if (!fops->owner)
		return "their .owner is not set";
	if (fops->owner == mod)
		return "their .owner is this module, but the file holds no reference to it";
	scnprintf(buf, len, "their .owner is module %s", module_name(fops->owner));
	return buf;
}

static void ltd_module_check_files(struct module *mod)
{
	char why[MODULE_NAME_LEN + 32];
	struct ltd_module_scan *scan;
	struct task_struct *p;
	unsigned int i;

	scan = kzalloc(sizeof(*scan), GFP_KERNEL);
	if (!scan) {
		ltd_degraded(LTD_DEGRADED_NOMEM);
		return;
	}
	scan->mod = mod;
	rcu_read_lock();
	for_each_process(p) {
		task_lock(p);
		scan->task = p;
		if (p->files)
			iterate_fd(p->files, 0, ltd_module_match_fd, scan);
		task_unlock(p);
	}
	rcu_read_unlock();

	for (i = 0; i < scan->nr; i++) {
		struct ltd_module_ref *ref = &scan->refs[i];
		struct ltd_report r = {};

		r.type = LTD_BUG_UNPINNED_MODULE_REF;
		r.site = ltd_module_fops_site(ref->fops, mod);
		r.dedup = (unsigned long)ref->fops;
		scnprintf(r.what, sizeof(r.what),
			  "File operations %ps are in use by an open file (fd %u of task %s/%d) while module %s unloads: %s",
			  ref->fops, ref->fd, ref->comm, ref->pid, mod->name,
			  ltd_module_unpinned_why(ref->fops, mod, why, sizeof(why)));
		scnprintf(r.object, sizeof(r.object),
			  "The object is module %s (going): nothing pinned it; the file's next read, ioctl or close runs freed code",
			  mod->name);
		ltd_save_stack(&r.stacks[0], "Unloaded", 0, GFP_KERNEL);
		ltd_report(&r);
	}
	kfree(scan);
}

/* === Timers and work items with callbacks in the module === */

struct ltd_module_cbs {
	struct module *mod;
	unsigned int nr;
	struct {
		unsigned long fn;
		const void *timer;	/* NULL for a work item */
		bool delayed;
	} refs[LTD_MODULE_REFS];
};

static void ltd_module_add_cb(struct ltd_module_cbs *cbs, unsigned long fn,
			      const void *timer, bool delayed)
{
	unsigned int i;

	if (!within_module(fn, cbs->mod))
		return;
	for (i = 0; i < cbs->nr; i++)
		if (cbs->refs[i].fn == fn)
			return;
	if (cbs->nr == LTD_MODULE_REFS)
		return;
	cbs->refs[cbs->nr].fn = fn;
	cbs->refs[cbs->nr].timer = timer;
	cbs->refs[cbs->nr].delayed = delayed;
	cbs->nr++;
}

/* Under the timer base lock. */
static void ltd_module_timer(struct timer_list *timer, void *arg)
{
	if (timer->function == delayed_work_timer_fn) {
		struct delayed_work *dw = container_of(timer, struct delayed_work, timer);

		ltd_module_add_cb(arg, (unsigned long)dw->work.func, timer, true);
		return;
	}
	ltd_module_add_cb(arg, (unsigned long)timer->function, timer, false);
}

/* Under the worker pool lock. */
static void ltd_module_work(work_func_t func, void *arg)
{
	ltd_module_add_cb(arg, (unsigned long)func, NULL, false);
}

static void ltd_module_check_callbacks(struct module *mod)
{
	struct ltd_module_cbs *cbs;
	unsigned int i;

	cbs = kzalloc(sizeof(*cbs), GFP_KERNEL);
	if (!cbs) {
		ltd_degraded(LTD_DEGRADED_NOMEM);
		return;
	}
	cbs->mod = mod;
	lifetime_debug_walk_timers(ltd_module_timer, cbs);
	lifetime_debug_walk_works(ltd_module_work, cbs);

	for (i = 0; i < cbs->nr; i++) {
		struct ltd_report r = {};

		r.type = LTD_BUG_UNPINNED_MODULE_REF;
		r.site = cbs->refs[i].fn;
		r.dedup = cbs->refs[i].fn;
		if (cbs->refs[i].timer && !cbs->refs[i].delayed)
			scnprintf(r.what, sizeof(r.what),
				  "Timer %px with callback %ps is pending while module %s unloads: nothing cancelled it (timer_shutdown_sync())",
				  cbs->refs[i].timer, (void *)cbs->refs[i].fn, mod->name);
		else
			scnprintf(r.what, sizeof(r.what),
				  "%s with callback %ps is %s while module %s unloads: nothing cancelled or flushed it (cancel_%swork_sync())",
				  cbs->refs[i].delayed ? "Delayed work" : "Work item",
				  (void *)cbs->refs[i].fn,
				  cbs->refs[i].delayed ? "pending" : "queued or running",
				  mod->name, cbs->refs[i].delayed ? "delayed_" : "");
		scnprintf(r.object, sizeof(r.object),
			  "The object is module %s (going): when the callback runs, it runs freed code",
			  mod->name);
		ltd_save_stack(&r.stacks[0], "Unloaded", 0, GFP_KERNEL);
		ltd_report(&r);
	}
	kfree(cbs);
}

/* === Timers and work items stopped without waiting during an exit === */

#define LTD_NOWAIT_STOPS	32

/**
 * struct ltd_nowait - a callback object an exiting module stopped without waiting
 * @obj:	the timer, hrtimer or work item, compared only
 * @fn:		its callback, in the module
 * @mod:	the module, compared only
 * @how:	the non-waiting call
 * @stack:	where it was stopped
 *
 * Protected by ltd_nowait_lock.
 */
struct ltd_nowait {
	const void *obj;
	unsigned long fn;
	const struct module *mod;
	const char *how;
	struct ltd_report_stack stack;
};

static struct ltd_nowait ltd_nowait[LTD_NOWAIT_STOPS];
static unsigned int ltd_nr_nowait;
static DEFINE_RAW_SPINLOCK(ltd_nowait_lock);

/**
 * __lifetime_debug_stop_nowait() - see lifetime_debug_stop_nowait()
 * @obj:	the timer, hrtimer or work item
 * @fn:		its callback
 * @how:	the non-waiting call
 */
void __lifetime_debug_stop_nowait(const void *obj, const void *fn, const char *how)
{
	struct ltd_report_stack st;
	struct module *mod;
	unsigned long flags;
	unsigned int i;

	/* Built-in callbacks, nearly all of them, cost a range check. */
	if (!fn || !is_vmalloc_or_module_addr(fn))
		return;
	preempt_disable();
	mod = __module_text_address((unsigned long)fn);
	if (!mod || mod->state != MODULE_STATE_GOING) {
		preempt_enable();
		return;
	}
	preempt_enable();
	ltd_save_stack(&st, "Stopped without waiting", 0, GFP_ATOMIC);

	raw_spin_lock_irqsave(&ltd_nowait_lock, flags);
	for (i = 0; i < ltd_nr_nowait; i++)
		if (ltd_nowait[i].obj == obj)
			break;
	if (i == LTD_NOWAIT_STOPS) {
		raw_spin_unlock_irqrestore(&ltd_nowait_lock, flags);
		ltd_degraded(LTD_DEGRADED_NOWAIT);
		return;
	}
	if (i == ltd_nr_nowait)
		ltd_nr_nowait++;
	ltd_nowait[i].obj = obj;
	ltd_nowait[i].fn = (unsigned long)fn;
	ltd_nowait[i].mod = mod;
	ltd_nowait[i].how = how;
	ltd_nowait[i].stack = st;
	raw_spin_unlock_irqrestore(&ltd_nowait_lock, flags);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_stop_nowait);

/**
 * __lifetime_debug_stop_waited() - see lifetime_debug_stop_waited()
 * @obj:	the timer, hrtimer or work item
 */
void __lifetime_debug_stop_waited(const void *obj)
{
	unsigned long flags;
	unsigned int i;

	if (!READ_ONCE(ltd_nr_nowait))
		return;
	raw_spin_lock_irqsave(&ltd_nowait_lock, flags);
	for (i = 0; i < ltd_nr_nowait; i++) {
		if (ltd_nowait[i].obj == obj) {
			ltd_nowait[i] = ltd_nowait[--ltd_nr_nowait];
			break;
		}
	}
	raw_spin_unlock_irqrestore(&ltd_nowait_lock, flags);
}
EXPORT_SYMBOL_GPL(__lifetime_debug_stop_waited);

static void ltd_module_check_nowait(struct module *mod)
{
	struct ltd_nowait *found;
	unsigned long flags;
	unsigned int i, n = 0;

	found = kcalloc(LTD_NOWAIT_STOPS, sizeof(*found), GFP_KERNEL);
	raw_spin_lock_irqsave(&ltd_nowait_lock, flags);
	for (i = 0; i < ltd_nr_nowait; ) {
		if (ltd_nowait[i].mod != mod) {
			i++;
			continue;
		}
		if (found)
			found[n++] = ltd_nowait[i];
		ltd_nowait[i] = ltd_nowait[--ltd_nr_nowait];
	}
	raw_spin_unlock_irqrestore(&ltd_nowait_lock, flags);
	if (!found) {
		ltd_degraded(LTD_DEGRADED_NOMEM);
		return;
	}

	for (i = 0; i < n; i++) {
		struct ltd_report r = {};

		r.type = LTD_BUG_UNPINNED_MODULE_REF;
		r.site = found[i].fn;
		r.dedup = found[i].fn;
		scnprintf(r.what, sizeof(r.what),
			  "%px with callback %ps was stopped by %s while module %s exited, which does not wait for a running callback, and nothing waited for it afterwards",
			  found[i].obj, (void *)found[i].fn, found[i].how, mod->name);
		scnprintf(r.object, sizeof(r.object),
			  "The object is module %s (going): a callback still running on another CPU runs freed code",
			  mod->name);
		r.stacks[0] = found[i].stack;
		ltd_save_stack(&r.stacks[1], "Unloaded", 0, GFP_KERNEL);
		ltd_report(&r);
	}
	kfree(found);
}

static int ltd_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	/* Also when off: records must not keep the module's address. */
	ltd_fr_module_gone(mod);
	if (!lifetime_debug_enabled())
		return NOTIFY_DONE;
	ltd_dom_stat(LTD_DOM_STAT_MODULE_CHECKS);
	ltd_module_check_files(mod);
	ltd_module_check_callbacks(mod);
	ltd_module_check_nowait(mod);
	return NOTIFY_DONE;
}

static struct notifier_block ltd_module_nb = {
	.notifier_call = ltd_module_notify,
};

/**
 * ltd_module_init() - start checking module unloads
 *
 * Return: 0, or the notifier registration error.
 */
int ltd_module_init(void)
{
	return register_module_notifier(&ltd_module_nb);
}
