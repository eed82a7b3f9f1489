// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer runtime annotations through kprobes: teach a running
 * kernel guards, owner contexts and must-not-sleep releases that the
 * built-in hooks cannot know, without a rebuild.
 *
 * One annotation per line, written to debugfs lifetime_debug/annotate or
 * given as lifetime_debug.annotate= (lines separated by ';'):
 *
 *   guard <enter> <exit> [if=any|zero|nonneg|nonnull]
 *	between a return from <enter> (whose return value passes the test)
 *	and the next call of <exit> on the same task, the task holds a guard:
 *	a lockdep map of the annotation (check=0: seen by held-lock tools,
 *	never by the dependency graph);
 *   revoke <symbol> [<enter>]
 *	a teardown that calls <symbol> synchronizes with the guard <enter>
 *	(with every annotated guard without <enter>);
 *   owner <symbol>
 *	while <symbol> runs, accesses to the devres domain of the device that
 *	is its first argument (to every devres domain if that is no domain
 *	owner) are owner-bound;
 *   nosleep-release <symbol>
 *	the release function <symbol> must never sleep;
 *   -<annotation>
 *	removes it.
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "lifetime_debug.h"

#define LTD_ANN_SYM_LEN		64
#define LTD_ANN_LINE_LEN	160
#define LTD_ANN_MAX		64

enum ltd_ann_kind {
	LTD_ANN_GUARD,
	LTD_ANN_REVOKE,
	LTD_ANN_OWNER,
	LTD_ANN_NOSLEEP,
	LTD_ANN_KIND_COUNT,
};

static const char *const ltd_ann_kind_names[LTD_ANN_KIND_COUNT] = {
	[LTD_ANN_GUARD]		= "guard",
	[LTD_ANN_REVOKE]	= "revoke",
	[LTD_ANN_OWNER]		= "owner",
	[LTD_ANN_NOSLEEP]	= "nosleep-release",
};

enum ltd_ann_cond {
	LTD_ANN_IF_ANY,
	LTD_ANN_IF_ZERO,
	LTD_ANN_IF_NONNEG,
	LTD_ANN_IF_NONNULL,
	LTD_ANN_IF_COUNT,
};

static const char *const ltd_ann_cond_names[LTD_ANN_IF_COUNT] = {
	[LTD_ANN_IF_ANY]	= "any",
	[LTD_ANN_IF_ZERO]	= "zero",
	[LTD_ANN_IF_NONNEG]	= "nonneg",
	[LTD_ANN_IF_NONNULL]	= "nonnull",
};

/**
 * struct ltd_ann_spec - a parsed annotation line
 * @remove:	the line started with '-'
 * @kind:	what it declares
 * @sym:	the symbols: guard enter/exit, revoke symbol/guard, other
 * @nr_syms:	symbols given
 * @cond:	guard: which return values of enter open the guard
 */
struct ltd_ann_spec {
	bool remove;
	enum ltd_ann_kind kind;
	char sym[2][LTD_ANN_SYM_LEN];
	unsigned int nr_syms;
	enum ltd_ann_cond cond;
};

/**
 * struct ltd_ann - an installed annotation
 * @node:	in ltd_anns (RCU for the probe handlers, ltd_ann_mutex)
 * @spec:	what was asked
 * @rp:		guard: kretprobe on enter; owner: kretprobe on the symbol
 * @kp:		guard: kprobe on exit; revoke, nosleep-release: on the symbol
 * @key:	guard: its lockdep class, registered for the annotation's
 *		lifetime (the class keeps a pointer to @spec's name)
 * @map:	guard: the lockdep map held between enter and exit
 * @hits:	times the annotation took effect
 * @holders:	guard: tasks holding @map now
 * @release:	nosleep-release: the release function (its class key)
 * @rp_on:	@rp is registered
 * @kp_on:	@kp is registered
 */
struct ltd_ann {
	struct list_head node;
	struct ltd_ann_spec spec;
	struct kretprobe rp;
	struct kprobe kp;
	struct lock_class_key key;
	struct lockdep_map map;
	atomic_long_t hits;
	atomic_t holders;
	const void *release;
	bool rp_on;
	bool kp_on;
};

static LIST_HEAD(ltd_anns);
static DEFINE_MUTEX(ltd_ann_mutex);	/* writers of ltd_anns */
static unsigned int ltd_nr_anns;

/* === Parsing (no allocation: also runs on the boot command line) === */

static int ltd_ann_parse(const char *line, struct ltd_ann_spec *spec)
{
	char buf[LTD_ANN_LINE_LEN], *p, *tok[4];
	unsigned int n = 0, i, min, max;

	memset(spec, 0, sizeof(*spec));
	if (strscpy(buf, line, sizeof(buf)) < 0)
		return -EINVAL;
	p = strim(buf);
	if (*p == '-') {
		spec->remove = true;
		p = skip_spaces(p + 1);
	}
	while (p && *p) {
		char *t = strsep(&p, " \t");

		if (!*t)
			continue;
		if (n == ARRAY_SIZE(tok))
			return -EINVAL;
		tok[n++] = t;
	}
	if (!n)
		return -EINVAL;
	for (i = 0; i < LTD_ANN_KIND_COUNT; i++)
		if (!strcmp(tok[0], ltd_ann_kind_names[i]))
			break;
	if (i == LTD_ANN_KIND_COUNT)
		return -EINVAL;
	spec->kind = i;

	min = 1;
	max = 1;
	if (spec->kind == LTD_ANN_GUARD) {
		min = 2;
		max = 2;
		if (n == 4) {
			if (!str_has_prefix(tok[3], "if="))
				return -EINVAL;
			for (i = 0; i < LTD_ANN_IF_COUNT; i++)
				if (!strcmp(tok[3] + 3, ltd_ann_cond_names[i]))
					break;
			if (i == LTD_ANN_IF_COUNT)
				return -EINVAL;
			spec->cond = i;
			n--;
		}
	} else if (spec->kind == LTD_ANN_REVOKE) {
		max = 2;
	}
	if (n - 1 < min || n - 1 > max)
		return -EINVAL;
	for (i = 0; i < n - 1; i++) {
		const char *s = tok[i + 1];
		unsigned int j;

		if (strscpy(spec->sym[i], s, LTD_ANN_SYM_LEN) < 0)
			return -EINVAL;
		/* C identifiers, plus the '.' of compiler clones. */
		for (j = 0; s[j]; j++)
			if (!isalnum(s[j]) && s[j] != '_' && s[j] != '.')
				return -EINVAL;
		if (isdigit(s[0]))
			return -EINVAL;
	}
	spec->nr_syms = n - 1;
	return 0;
}

static void ltd_ann_format(char *buf, size_t len, const struct ltd_ann_spec *spec)
{
	size_t n;

	n = scnprintf(buf, len, "%s %s", ltd_ann_kind_names[spec->kind], spec->sym[0]);
	if (spec->nr_syms > 1)
		n += scnprintf(buf + n, len - n, " %s", spec->sym[1]);
	if (spec->kind == LTD_ANN_GUARD && spec->cond != LTD_ANN_IF_ANY)
		scnprintf(buf + n, len - n, " if=%s", ltd_ann_cond_names[spec->cond]);
}

static bool ltd_ann_same(const struct ltd_ann_spec *a, const struct ltd_ann_spec *b)
{
	return a->kind == b->kind && a->nr_syms == b->nr_syms &&
	       !strcmp(a->sym[0], b->sym[0]) &&
	       (a->nr_syms < 2 || !strcmp(a->sym[1], b->sym[1]));
}

/* === Probe handlers === */

static bool ltd_ann_cond_ok(enum ltd_ann_cond cond, long ret)
{
	switch (cond) {
	case LTD_ANN_IF_ZERO:
		return ret == 0;
	case LTD_ANN_IF_NONNEG:
		return ret >= 0;
	case LTD_ANN_IF_NONNULL:
		return ret && !IS_ERR_VALUE(ret);
	default:
		return true;
	}
}

/* guard: <enter> returned; the task now holds the guard. */
static int ltd_ann_enter_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ltd_ann *a = container_of(get_kretprobe(ri), struct ltd_ann, rp);

	if (!ltd_ann_cond_ok(a->spec.cond, (long)regs_return_value(regs)))
		return 0;
	lock_acquire(&a->map, 0, 1, 2, 0, NULL, get_kretprobe_retaddr(ri));
	/* Lockdep off (debug_locks == 0): nothing is held, nothing to count. */
	if (lock_is_held(&a->map) == 1)
		atomic_inc(&a->holders);
	atomic_long_inc(&a->hits);
	return 0;
}
NOKPROBE_SYMBOL(ltd_ann_enter_ret);

/* guard: <exit> is called; drop the guard if this task holds it. */
static int ltd_ann_exit_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct ltd_ann *a = container_of(p, struct ltd_ann, kp);

	if (lock_is_held(&a->map) != 1)
		return 0;
	lock_release(&a->map, instruction_pointer(regs));
	atomic_dec(&a->holders);
	return 0;
}
NOKPROBE_SYMBOL(ltd_ann_exit_pre);

/* revoke: the calling teardown synchronizes with the named guard(s). */
static int ltd_ann_revoke_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct ltd_ann *a = container_of(p, struct ltd_ann, kp), *g;

	atomic_long_inc(&a->hits);
	rcu_read_lock();
	list_for_each_entry_rcu(g, &ltd_anns, node) {
		if (g->spec.kind != LTD_ANN_GUARD)
			continue;
		if (a->spec.nr_syms > 1 && strcmp(a->spec.sym[1], g->spec.sym[0]))
			continue;
		lifetime_debug_note_sync(&g->map);
	}
	rcu_read_unlock();
	return 0;
}
NOKPROBE_SYMBOL(ltd_ann_revoke_pre);

/* owner: the annotated callback starts; its device's accesses are owned. */
static int ltd_ann_owner_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ltd_ann *a = container_of(get_kretprobe(ri), struct ltd_ann, rp);
	bool *pushed = (bool *)ri->data;

	*pushed = ltd_owner_push((const void *)regs_get_kernel_argument(regs, 0));
	if (*pushed)
		atomic_long_inc(&a->hits);
	return 0;
}
NOKPROBE_SYMBOL(ltd_ann_owner_entry);

static int ltd_ann_owner_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (*(bool *)ri->data)
		ltd_owner_pop();
	return 0;
}
NOKPROBE_SYMBOL(ltd_ann_owner_ret);

/* nosleep-release: counts calls; the class carries the flag. */
static int ltd_ann_count_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct ltd_ann *a = container_of(p, struct ltd_ann, kp);

	atomic_long_inc(&a->hits);
	return 0;
}
NOKPROBE_SYMBOL(ltd_ann_count_pre);

/* === Install and remove (ltd_ann_mutex held) === */

static struct ltd_ann *ltd_ann_find(const struct ltd_ann_spec *spec)
{
	struct ltd_ann *a;

	list_for_each_entry(a, &ltd_anns, node)
		if (ltd_ann_same(&a->spec, spec))
			return a;
	return NULL;
}

static void ltd_ann_unregister(struct ltd_ann *a)
{
	if (a->rp_on)
		unregister_kretprobe(&a->rp);
	if (a->kp_on)
		unregister_kprobe(&a->kp);
	a->rp_on = false;
	a->kp_on = false;
	if (a->spec.kind == LTD_ANN_NOSLEEP && a->release)
		ltd_rc_set_nosleep(a->release, false);
}

static int ltd_ann_install(const struct ltd_ann_spec *spec, const char *line)
{
	unsigned int i, nr_funcs;
	struct ltd_ann *a;
	int ret;

	if (ltd_ann_find(spec)) {
		pr_warn("annotate: '%s': already installed\n", line);
		return -EINVAL;
	}
	if (ltd_nr_anns >= LTD_ANN_MAX) {
		pr_warn("annotate: '%s': too many annotations (%d)\n", line, LTD_ANN_MAX);
		return -ENOSPC;
	}
	/* revoke's second symbol names a guard, not a function to probe. */
	nr_funcs = spec->kind == LTD_ANN_REVOKE ? 1 : spec->nr_syms;
	for (i = 0; i < nr_funcs; i++) {
		if (!kallsyms_lookup_name(spec->sym[i])) {
			pr_warn("annotate: '%s': unknown symbol %s (inline, or not a function?)\n",
				line, spec->sym[i]);
			return -ENOENT;
		}
	}

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->spec = *spec;
	switch (spec->kind) {
	case LTD_ANN_GUARD:
		lockdep_register_key(&a->key);
		lockdep_init_map(&a->map, a->spec.sym[0], &a->key, 0);
		a->rp.kp.symbol_name = a->spec.sym[0];
		a->rp.handler = ltd_ann_enter_ret;
		a->rp.maxactive = 0;
		a->kp.symbol_name = a->spec.sym[1];
		a->kp.pre_handler = ltd_ann_exit_pre;
		break;
	case LTD_ANN_OWNER:
		a->rp.kp.symbol_name = a->spec.sym[0];
		a->rp.entry_handler = ltd_ann_owner_entry;
		a->rp.handler = ltd_ann_owner_ret;
		a->rp.data_size = sizeof(bool);
		break;
	case LTD_ANN_REVOKE:
		a->kp.symbol_name = a->spec.sym[0];
		a->kp.pre_handler = ltd_ann_revoke_pre;
		break;
	case LTD_ANN_NOSLEEP:
		a->kp.symbol_name = a->spec.sym[0];
		a->kp.pre_handler = ltd_ann_count_pre;
		break;
	default:
		break;
	}

	if (a->kp.symbol_name) {
		ret = register_kprobe(&a->kp);
		if (ret) {
			pr_warn("annotate: '%s': cannot probe %s (%d): notrace, __kprobes or blacklisted?\n",
				line, a->kp.symbol_name, ret);
			goto fail;
		}
		a->kp_on = true;
	}
	if (a->rp.kp.symbol_name) {
		ret = register_kretprobe(&a->rp);
		if (ret) {
			pr_warn("annotate: '%s': cannot probe %s (%d): notrace, __kprobes or blacklisted?\n",
				line, a->rp.kp.symbol_name, ret);
			goto fail;
		}
		a->rp_on = true;
	}
	if (spec->kind == LTD_ANN_NOSLEEP) {
		a->release = (const void *)kallsyms_lookup_name(spec->sym[0]);
		ret = ltd_rc_set_nosleep(a->release, true);
		if (ret) {
			pr_warn("annotate: '%s': no refcount class for %s (%d)\n",
				line, spec->sym[0], ret);
			goto fail;
		}
	}
	list_add_tail_rcu(&a->node, &ltd_anns);
	ltd_nr_anns++;
	pr_info("annotate: installed '%s'\n", line);
	return 0;
fail:
	/* Nothing half-installed stays behind. */
	ltd_ann_unregister(a);
	if (spec->kind == LTD_ANN_GUARD)
		lockdep_unregister_key(&a->key);
	kfree(a);
	return ret == -ENOENT ? -ENOENT : -EINVAL;
}

static int ltd_ann_remove(struct ltd_ann *a, bool forced)
{
	char line[LTD_ANN_LINE_LEN];

	ltd_ann_format(line, sizeof(line), &a->spec);
	if (!forced && atomic_read(&a->holders)) {
		pr_warn("annotate: '%s': a task holds the guard, not removed\n", line);
		return -EBUSY;
	}
	list_del_rcu(&a->node);
	ltd_nr_anns--;
	ltd_ann_unregister(a);	/* waits for running handlers */
	synchronize_rcu();
	pr_info("annotate: removed '%s'%s\n", line, forced ? " (module unloaded)" : "");
	/* A held lockdep map must stay valid: leak it rather than corrupt lockdep. */
	if (atomic_read(&a->holders))
		return 0;
	if (a->spec.kind == LTD_ANN_GUARD)
		lockdep_unregister_key(&a->key);
	kfree(a);
	return 0;
}

/**
 * ltd_annotate_line() - apply one annotation line
 * @line: the text, without newline
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for a malformed line, a duplicate or a probe that
 * cannot be installed; -ENOENT for an unknown symbol or annotation to
 * remove; -EBUSY, -ENOSPC, -ENOMEM.
 */
int ltd_annotate_line(const char *line)
{
	struct ltd_ann_spec spec;
	char canon[LTD_ANN_LINE_LEN];
	struct ltd_ann *a;
	int ret;

	ret = ltd_ann_parse(line, &spec);
	if (ret) {
		pr_warn("annotate: '%s': malformed (want: guard ENTER EXIT [if=any|zero|nonneg|nonnull] | revoke SYM [ENTER] | owner SYM | nosleep-release SYM, or -ANNOTATION)\n",
			line);
		return ret;
	}
	ltd_ann_format(canon, sizeof(canon), &spec);
	mutex_lock(&ltd_ann_mutex);
	if (spec.remove) {
		a = ltd_ann_find(&spec);
		if (a) {
			ret = ltd_ann_remove(a, false);
		} else {
			pr_warn("annotate: '%s': not installed\n", line);
			ret = -ENOENT;
		}
	} else {
		ret = ltd_ann_install(&spec, canon);
	}
	mutex_unlock(&ltd_ann_mutex);
	return ret;
}

/* === Module unload: drop annotations of its functions === */

static bool ltd_ann_in_module(const struct ltd_ann *a, struct module *mod)
{
	return (a->kp.addr && within_module((unsigned long)a->kp.addr, mod)) ||
	       (a->rp.kp.addr && within_module((unsigned long)a->rp.kp.addr, mod));
}

static int ltd_ann_module_notify(struct notifier_block *nb, unsigned long action,
				 void *data)
{
	struct ltd_ann *a, *tmp;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&ltd_ann_mutex);
	list_for_each_entry_safe(a, tmp, &ltd_anns, node)
		if (ltd_ann_in_module(a, data))
			ltd_ann_remove(a, true);
	mutex_unlock(&ltd_ann_mutex);
	return NOTIFY_DONE;
}

static struct notifier_block ltd_ann_module_nb = {
	.notifier_call = ltd_ann_module_notify,
};

/* === debugfs and the boot parameter === */

static int ltd_ann_show(struct seq_file *seq, void *v)
{
	char line[LTD_ANN_LINE_LEN];
	struct ltd_ann *a;

	mutex_lock(&ltd_ann_mutex);
	list_for_each_entry(a, &ltd_anns, node) {
		ltd_ann_format(line, sizeof(line), &a->spec);
		seq_printf(seq, "%s hits=%ld\n", line, atomic_long_read(&a->hits));
	}
	mutex_unlock(&ltd_ann_mutex);
	return 0;
}

static int ltd_ann_open(struct inode *inode, struct file *file)
{
	return single_open(file, ltd_ann_show, NULL);
}

static ssize_t ltd_ann_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char *buf, *p, *line;
	int ret = 0;

	if (len >= PAGE_SIZE)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	p = buf;
	while ((line = strsep(&p, "\n")) && !ret) {
		line = strim(line);
		if (!*line || *line == '#')
			continue;
		ret = ltd_annotate_line(line);
	}
	kfree(buf);
	return ret ? ret : len;
}

static const struct file_operations ltd_ann_fops = {
	.open		= ltd_ann_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= ltd_ann_write,
};

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "lifetime_debug."

/* Points into the boot command line, which stays; applied at late init. */
static const char *ltd_ann_boot;

/*
 * Call @fn for each non-empty ';'-separated line of @val (no allocation).
 * Return: 0, or the first error (-EINVAL for a line too long); every
 * line is tried.
 */
static int ltd_ann_for_lines(const char *val, int (*fn)(const char *line))
{
	char line[LTD_ANN_LINE_LEN];
	const char *p = val, *end;
	int ret = 0, err;

	while (p && *p) {
		size_t n;

		end = strchrnul(p, ';');
		n = end - p;
		if (n >= sizeof(line)) {
			err = -EINVAL;
		} else {
			memcpy(line, p, n);
			line[n] = '\0';
			err = *strim(line) ? fn(strim(line)) : 0;
		}
		if (!ret)
			ret = err;
		p = *end ? end + 1 : end;
	}
	return ret;
}

static int ltd_ann_check_syntax(const char *line)
{
	struct ltd_ann_spec spec;

	return ltd_ann_parse(line, &spec);
}

static int ltd_ann_param_set(const char *val, const struct kernel_param *kp)
{
	if (!val || system_state != SYSTEM_BOOTING)
		return -EINVAL;	/* at run time: use debugfs */
	/* Check every line now; no allocator yet. */
	if (ltd_ann_for_lines(val, ltd_ann_check_syntax))
		return -EINVAL;
	ltd_ann_boot = val;
	return 0;
}

static int ltd_ann_param_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%s\n", ltd_ann_boot ?: "");
}

static const struct kernel_param_ops ltd_ann_param_ops = {
	.set = ltd_ann_param_set,
	.get = ltd_ann_param_get,
};
module_param_cb(annotate, &ltd_ann_param_ops, NULL, 0444);
MODULE_PARM_DESC(annotate, "Annotations applied at boot, separated by ';'");

static int __init ltd_annotate_init(void)
{
	struct dentry *dir = debugfs_lookup("lifetime_debug", NULL);

	register_module_notifier(&ltd_ann_module_nb);
	debugfs_create_file("annotate", 0600, dir, NULL, &ltd_ann_fops);
	dput(dir);
	/* Errors are said per line by ltd_annotate_line(); the others stay. */
	ltd_ann_for_lines(ltd_ann_boot, ltd_annotate_line);
	return 0;
}
/* After ltd_debugfs_init() (late_initcall) and kprobes. */
late_initcall_sync(ltd_annotate_init);
