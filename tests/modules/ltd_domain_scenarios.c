// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime-domain scenarios for the lifetime sanitizer: a platform driver
 * whose devm_kzalloc() data is reached from foreign contexts (file
 * operations, debugfs, sysfs, timers, work items), with and without a guard
 * that the driver's unbind synchronizes. variant= picks one, see enum
 * ltd_dom_variant; the domain_* scenario scripts drive them.
 *
 * The module registers the platform driver "ltd_dom" and one device of that
 * name, which binds at once; bind and unbind it through
 * /sys/bus/platform/drivers/ltd_dom/{bind,unbind}. nolock copies the devm
 * data to user space straight with simple_read_from_buffer(), the classic
 * bug; the sanitizer names the driver function, the caller of the copy
 * helper. Every other foreign access to the devm data is one byte-load loop
 * in the function that the report title should name, so that KASAN too sees
 * the access inside that function.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/wait.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/ures.h>
#include <linux/workqueue.h>

#define LTD_DOM_NAME		"ltd_dom"
#define LTD_DOM_CLASS_NAME	"ltd_dom_class"
#define LTD_DOM_CLASS_DEV_NAME	"ltd_dom_cls"
#define LTD_DOM_BUF_SIZE	64
#define LTD_DOM_DATA		"ltd_dom data\n"

/**
 * enum ltd_dom_variant - what the driver does wrong, or right
 * @LTD_DOM_NOLOCK: read() copies devm data without any guard
 * @LTD_DOM_URES: read() runs inside the ures char-device proxy's section,
 *	revoked at unbind
 * @LTD_DOM_MUTEX: read() holds a mutex that remove() takes too (uio)
 * @LTD_DOM_SRCU: read() inside an SRCU section that remove() synchronizes
 *	(drm_dev_enter())
 * @LTD_DOM_DEBUGFS: a debugfs file reading devm data, left behind at unbind
 * @LTD_DOM_DEBUGFS_DEVM: the same file, removed by a devm action at unbind
 * @LTD_DOM_TIMER: a timer in devm data whose callback reads it, not
 *	cancelled by remove()
 * @LTD_DOM_TIMER_SYNC: the same, shut down by remove()
 * @LTD_DOM_WORK: a work item in devm data reading it, not cancelled
 * @LTD_DOM_WORK_SYNC: the same, cancelled by remove()
 * @LTD_DOM_SYSFS: a driver dev_groups attribute reading devm data
 * @LTD_DOM_CLASS: a class device attribute reading devm data, the class
 *	device left behind at unbind
 * @LTD_DOM_UAF: like @LTD_DOM_NOLOCK; the test reads after unbind
 * @LTD_DOM_MODULE: file operations without .owner: a file stays open
 *	across module unload
 * @LTD_DOM_URES_TIMER: a module timer writes ures-owned memory; nothing
 *	cancels it before the final put of the ures
 * @LTD_DOM_ANN: read() is guarded by a pair of the driver's own functions
 *	(no lock, no lockdep map) that remove() revokes; a "bus callback"
 *	touches devm data without device_lock; a kref release sleeps: the
 *	kprobes annotations of lifetime_debug/annotate teach the sanitizer
 * @LTD_DOM_MODULE_TIMER: a timer, a delayed work and a running work item
 *	with callbacks in the module, not cancelled by the module's exit
 * @LTD_DOM_NR: number of variants
 */
enum ltd_dom_variant {
	LTD_DOM_NOLOCK,
	LTD_DOM_URES,
	LTD_DOM_MUTEX,
	LTD_DOM_SRCU,
	LTD_DOM_DEBUGFS,
	LTD_DOM_DEBUGFS_DEVM,
	LTD_DOM_TIMER,
	LTD_DOM_TIMER_SYNC,
	LTD_DOM_WORK,
	LTD_DOM_WORK_SYNC,
	LTD_DOM_SYSFS,
	LTD_DOM_CLASS,
	LTD_DOM_UAF,
	LTD_DOM_MODULE,
	LTD_DOM_URES_TIMER,
	LTD_DOM_ANN,
	LTD_DOM_MODULE_TIMER,
	LTD_DOM_NR
};

static const char * const ltd_dom_variant_names[] = {
	[LTD_DOM_NOLOCK]	= "nolock",
	[LTD_DOM_URES]		= "ures",
	[LTD_DOM_MUTEX]		= "mutex",
	[LTD_DOM_SRCU]		= "srcu",
	[LTD_DOM_DEBUGFS]	= "debugfs",
	[LTD_DOM_DEBUGFS_DEVM]	= "debugfs_devm",
	[LTD_DOM_TIMER]		= "timer",
	[LTD_DOM_TIMER_SYNC]	= "timer_sync",
	[LTD_DOM_WORK]		= "work",
	[LTD_DOM_WORK_SYNC]	= "work_sync",
	[LTD_DOM_SYSFS]		= "sysfs",
	[LTD_DOM_CLASS]		= "class",
	[LTD_DOM_UAF]		= "uaf",
	[LTD_DOM_MODULE]	= "module",
	[LTD_DOM_URES_TIMER]	= "ures_timer",
	[LTD_DOM_ANN]		= "ann",
	[LTD_DOM_MODULE_TIMER]	= "module_timer",
};

static_assert(ARRAY_SIZE(ltd_dom_variant_names) == LTD_DOM_NR);

static char *ltd_dom_variant_name;
module_param_named(variant, ltd_dom_variant_name, charp, 0444);
MODULE_PARM_DESC(variant,
		 "required: nolock | ures | mutex | srcu | debugfs | debugfs_devm | timer | timer_sync | work | work_sync | sysfs | class | uaf | module | ures_timer | ann | module_timer");

static enum ltd_dom_variant ltd_dom_variant __ro_after_init;

/* Callbacks that ran, for the scripts to wait on. */
static atomic_t ltd_dom_timer_fired = ATOMIC_INIT(0);
static atomic_t ltd_dom_work_ran = ATOMIC_INIT(0);

static int ltd_dom_counter_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%d\n",
			 atomic_read((atomic_t *)kp->arg));
}

static const struct kernel_param_ops ltd_dom_counter_ops = {
	.get = ltd_dom_counter_get,
};

module_param_cb(timer_fired, &ltd_dom_counter_ops, &ltd_dom_timer_fired,
		0444);
MODULE_PARM_DESC(timer_fired, "timer callbacks run (read-only)");
module_param_cb(work_ran, &ltd_dom_counter_ops, &ltd_dom_work_ran, 0444);
MODULE_PARM_DESC(work_ran, "work item callbacks run (read-only)");

/**
 * struct ltd_dom_priv - the driver's devm_kzalloc() data
 * @buf: LTD_DOM_DATA, what every foreign access copies
 * @timer: the timer and timer_sync variants' timer
 * @work: the work and work_sync variants' work item
 *
 * Written in probe() only; every later access is a read.
 */
struct ltd_dom_priv {
	char buf[LTD_DOM_BUF_SIZE];
	struct timer_list timer;
	struct work_struct work;
};

/* Bytes of LTD_DOM_DATA, read with READ_ONCE(): not a constant to fold. */
static size_t ltd_dom_data_len = sizeof(LTD_DOM_DATA) - 1;

/* Where callbacks leave what they read, so that the read is not dropped. */
static char ltd_dom_sink;

/*
 * The one foreign access to devm data: always inlined, so that it happens
 * in the function the report should name. @dst must have room for
 * LTD_DOM_BUF_SIZE bytes; returns the number of bytes copied (no NUL).
 * The functions using it are noinline: otherwise GCC's identical code
 * folding turns twins such as ltd_dom_timer_sync_fn() into a jump to
 * ltd_dom_timer_fn(), one access site for both.
 */
static __always_inline size_t ltd_dom_snapshot(char *dst,
					       const struct ltd_dom_priv *p)
{
	size_t i, n = READ_ONCE(ltd_dom_data_len);

	/*
	 * Byte loads, not memcpy(): KASAN checks mem*() calls only with
	 * compilers that emit __asan_mem*() (GCC 13, Clang 15); these loads
	 * are checked with any.
	 */
	for (i = 0; i < n; i++)
		dst[i] = READ_ONCE(p->buf[i]);
	return n;
}

static __always_inline ssize_t ltd_dom_read_data(const struct ltd_dom_priv *p,
						 char __user *ubuf, size_t len,
						 loff_t *ppos)
{
	char tmp[LTD_DOM_BUF_SIZE] = {};
	size_t n = ltd_dom_snapshot(tmp, p);

	return simple_read_from_buffer(ubuf, len, ppos, tmp, n);
}

static __always_inline void ltd_dom_touch(const struct ltd_dom_priv *p)
{
	char tmp[LTD_DOM_BUF_SIZE] = {};

	ltd_dom_snapshot(tmp, p);
	WRITE_ONCE(ltd_dom_sink, tmp[0]);
}

/* === The misc device /dev/ltd_dom (nolock, mutex, srcu, uaf, module) === */

/* Not devm: open files of an unbound device must not crash in misc code. */
static struct miscdevice ltd_dom_misc;
static bool ltd_dom_misc_registered;

/*
 * The bound device's data, for open(): set before misc_register() and
 * cleared after misc_deregister(), both of which take misc_mtx, which
 * misc_open() holds around our open().
 */
static struct ltd_dom_priv *ltd_dom_cur;

static int ltd_dom_misc_register(struct device *dev,
				 const struct file_operations *fops)
{
	int ret;

	ltd_dom_misc = (struct miscdevice) {
		.minor = MISC_DYNAMIC_MINOR,
		.name = LTD_DOM_NAME,
		.fops = fops,
		.parent = dev,
	};
	ret = misc_register(&ltd_dom_misc);
	if (!ret)
		ltd_dom_misc_registered = true;
	return ret;
}

static void ltd_dom_misc_deregister(void)
{
	if (!ltd_dom_misc_registered)
		return;
	misc_deregister(&ltd_dom_misc);
	ltd_dom_misc_registered = false;
}

static int ltd_dom_open(struct inode *inode, struct file *filp)
{
	/* A pointer copy, not an access to the devm data. */
	filp->private_data = ltd_dom_cur;
	return 0;
}

/* nolock: nothing guards the devm data. Reported at the read. */
static noinline ssize_t ltd_dom_read_nolock(struct file *filp,
					    char __user *ubuf, size_t len,
					    loff_t *ppos)
{
	const struct ltd_dom_priv *p = filp->private_data;

	/* copy_to_user() straight from devm memory: the classic bug. */
	return simple_read_from_buffer(ubuf, len, ppos, p->buf,
				       READ_ONCE(ltd_dom_data_len));
}

static const struct file_operations ltd_dom_nolock_fops = {
	.owner = THIS_MODULE,
	.open = ltd_dom_open,
	.read = ltd_dom_read_nolock,
};

/* uaf: the same bug; read after unbind, KASAN sees freed memory. */
static noinline ssize_t ltd_dom_read_uaf(struct file *filp, char __user *ubuf,
					 size_t len, loff_t *ppos)
{
	return ltd_dom_read_data(filp->private_data, ubuf, len, ppos);
}

static const struct file_operations ltd_dom_uaf_fops = {
	.owner = THIS_MODULE,
	.open = ltd_dom_open,
	.read = ltd_dom_read_uaf,
};

/*
 * module: no .owner, so nothing pins the module while the file is open.
 * No .release and no .flush either: closing the file after the unload must
 * not call into the module. The read uses no devm data.
 */
static noinline ssize_t ltd_dom_read_module(struct file *filp,
					    char __user *ubuf, size_t len,
					    loff_t *ppos)
{
	return simple_read_from_buffer(ubuf, len, ppos, LTD_DOM_DATA,
				       sizeof(LTD_DOM_DATA) - 1);
}

static const struct file_operations ltd_dom_module_fops = {
	.read = ltd_dom_read_module,
};

/* === mutex: a refcounted handle whose mutex remove() takes (uio) === */

/**
 * struct ltd_dom_handle - what open files of the mutex variant hold
 * @ref: one reference for the bound driver, one per open file
 * @lock: protects @priv
 * @priv: the devm data while bound, NULL after remove()
 */
struct ltd_dom_handle {
	struct kref ref;
	struct mutex lock;	/* protects priv */
	struct ltd_dom_priv *priv;
};

/* The bound device's handle, for open(): misc_mtx as for ltd_dom_cur. */
static struct ltd_dom_handle *ltd_dom_handle;

static void ltd_dom_handle_release(struct kref *ref)
{
	struct ltd_dom_handle *h = container_of(ref, struct ltd_dom_handle, ref);

	mutex_destroy(&h->lock);
	kfree(h);
}

static int ltd_dom_open_mutex(struct inode *inode, struct file *filp)
{
	struct ltd_dom_handle *h = ltd_dom_handle;

	kref_get(&h->ref);
	filp->private_data = h;
	return 0;
}

static int ltd_dom_release_mutex(struct inode *inode, struct file *filp)
{
	struct ltd_dom_handle *h = filp->private_data;

	kref_put(&h->ref, ltd_dom_handle_release);
	return 0;
}

static noinline ssize_t ltd_dom_read_mutex(struct file *filp,
					   char __user *ubuf, size_t len,
					   loff_t *ppos)
{
	struct ltd_dom_handle *h = filp->private_data;
	ssize_t ret = -ENODEV;

	mutex_lock(&h->lock);
	if (h->priv)
		ret = ltd_dom_read_data(h->priv, ubuf, len, ppos);
	mutex_unlock(&h->lock);
	return ret;
}

static const struct file_operations ltd_dom_mutex_fops = {
	.owner = THIS_MODULE,
	.open = ltd_dom_open_mutex,
	.release = ltd_dom_release_mutex,
	.read = ltd_dom_read_mutex,
};

static int ltd_dom_setup_mutex(struct device *dev, struct ltd_dom_priv *p)
{
	struct ltd_dom_handle *h;
	int ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	kref_init(&h->ref);
	mutex_init(&h->lock);
	h->priv = p;
	ltd_dom_handle = h;

	ret = ltd_dom_misc_register(dev, &ltd_dom_mutex_fops);
	if (ret) {
		ltd_dom_handle = NULL;
		kref_put(&h->ref, ltd_dom_handle_release);
	}
	return ret;
}

static void ltd_dom_remove_mutex(void)
{
	struct ltd_dom_handle *h = ltd_dom_handle;

	ltd_dom_misc_deregister();
	/* Waits for reads in flight: the guard the teardown synchronizes. */
	mutex_lock(&h->lock);
	h->priv = NULL;
	mutex_unlock(&h->lock);
	ltd_dom_handle = NULL;
	kref_put(&h->ref, ltd_dom_handle_release);
}

/* === srcu: drm_dev_enter() === */

DEFINE_STATIC_SRCU(ltd_dom_srcu);
static struct ltd_dom_priv __rcu *ltd_dom_srcu_priv;

static noinline ssize_t ltd_dom_read_srcu(struct file *filp,
					  char __user *ubuf, size_t len,
					  loff_t *ppos)
{
	struct ltd_dom_priv *p;
	ssize_t ret = -ENODEV;
	int idx;

	idx = srcu_read_lock(&ltd_dom_srcu);
	p = srcu_dereference(ltd_dom_srcu_priv, &ltd_dom_srcu);
	if (p)
		ret = ltd_dom_read_data(p, ubuf, len, ppos);
	srcu_read_unlock(&ltd_dom_srcu, idx);
	return ret;
}

static const struct file_operations ltd_dom_srcu_fops = {
	.owner = THIS_MODULE,
	.read = ltd_dom_read_srcu,
};

static int ltd_dom_setup_srcu(struct device *dev, struct ltd_dom_priv *p)
{
	int ret;

	rcu_assign_pointer(ltd_dom_srcu_priv, p);
	ret = ltd_dom_misc_register(dev, &ltd_dom_srcu_fops);
	if (ret)
		RCU_INIT_POINTER(ltd_dom_srcu_priv, NULL);
	return ret;
}

static void ltd_dom_remove_srcu(void)
{
	ltd_dom_misc_deregister();
	RCU_INIT_POINTER(ltd_dom_srcu_priv, NULL);
	/* Waits for reads in flight: the guard the teardown synchronizes. */
	synchronize_srcu(&ltd_dom_srcu);
}

/* === ures: the ures char-device proxy, revoked at unbind === */

static const struct class ltd_dom_class = {
	.name = LTD_DOM_CLASS_NAME,
};

static const struct ures_ops ltd_dom_ures_ops = {
	.owner = THIS_MODULE,
};

/* Runs inside ures_enter()/ures_exit(): the proxy's section. */
static noinline ssize_t ltd_dom_read_ures(struct file *filp,
					  char __user *ubuf, size_t len,
					  loff_t *ppos)
{
	/* The proxy set private_data to ures_get_drvdata(): the devm data. */
	return ltd_dom_read_data(filp->private_data, ubuf, len, ppos);
}

static const struct file_operations ltd_dom_ures_fops = {
	.owner = THIS_MODULE,
	.read = ltd_dom_read_ures,
};

static void ltd_dom_unregister_region(void *data)
{
	unregister_chrdev_region((dev_t)(uintptr_t)data, 1);
}

static void ltd_dom_destroy_node(void *data)
{
	device_destroy(&ltd_dom_class, (dev_t)(uintptr_t)data);
}

static int ltd_dom_ures_cdev(struct device *dev, struct ures *u)
{
	struct ures_cdev *uc;
	struct device *node;
	dev_t devt;
	int ret;

	ret = alloc_chrdev_region(&devt, 0, 1, LTD_DOM_NAME);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, ltd_dom_unregister_region,
				       (void *)(uintptr_t)devt);
	if (ret)
		return ret;

	uc = ures_cdev_alloc(u, &ltd_dom_ures_fops);
	if (IS_ERR(uc))
		return PTR_ERR(uc);
	ret = devm_ures_cdev_add(dev, uc, devt, 1);
	if (ret)
		return ret;

	node = device_create(&ltd_dom_class, dev, devt, NULL, LTD_DOM_NAME);
	if (IS_ERR(node))
		return PTR_ERR(node);
	ret = devm_add_action_or_reset(dev, ltd_dom_destroy_node,
				       (void *)(uintptr_t)devt);
	if (ret)
		return ret;

	/*
	 * Last, so that it runs first at unbind: revoke and drain the file
	 * operations before the node, the cdev and the devm data go away.
	 */
	return devm_ures_bind(dev, u);
}

static int ltd_dom_setup_ures(struct device *dev, struct ltd_dom_priv *p)
{
	struct ures *u;
	int ret;

	u = ures_alloc(dev_name(dev), &ltd_dom_ures_ops);
	if (IS_ERR(u))
		return PTR_ERR(u);
	ures_set_drvdata(u, p);
	ret = ltd_dom_ures_cdev(dev, u);
	/* devm and the cdev hold their own references from now on. */
	ures_put(u);
	return ret;
}

/* === ures_timer: device-side timer writing ures-owned memory === */

/**
 * struct ltd_dom_ures_state - ures-owned memory of the ures_timer variant
 * @stamp: written by the timer
 */
struct ltd_dom_ures_state {
	char stamp[LTD_DOM_BUF_SIZE];
};

/* Module data, not devm: the timer touches only the ures-owned memory. */
static struct timer_list ltd_dom_ures_timer;
static bool ltd_dom_ures_timer_ready;
static struct ltd_dom_ures_state *ltd_dom_ures_state;

static noinline void ltd_dom_ures_timer_fn(struct timer_list *t)
{
	struct ltd_dom_ures_state *s = READ_ONCE(ltd_dom_ures_state);
	size_t i, n = READ_ONCE(ltd_dom_data_len);

	/* Byte stores to the ures-owned memory (see ltd_dom_snapshot()). */
	for (i = 0; i < n; i++)
		WRITE_ONCE(s->stamp[i], LTD_DOM_DATA[i]);
	atomic_inc(&ltd_dom_timer_fired);
}

static int ltd_dom_setup_ures_timer(struct device *dev)
{
	struct ltd_dom_ures_state *s;
	struct ures *u;
	int ret;

	u = ures_alloc(dev_name(dev), &ltd_dom_ures_ops);
	if (IS_ERR(u))
		return PTR_ERR(u);
	s = ures_kzalloc(u, sizeof(*s), GFP_KERNEL);
	if (!s) {
		ures_put(u);
		return -ENOMEM;
	}
	/*
	 * The final put comes at unbind, from the devm action; the timer
	 * (armed once, never cancelled by remove()) should have been
	 * cancelled before it.
	 */
	ret = devm_ures_bind(dev, u);
	if (!ret) {
		WRITE_ONCE(ltd_dom_ures_state, s);
		timer_setup(&ltd_dom_ures_timer, ltd_dom_ures_timer_fn, 0);
		ltd_dom_ures_timer_ready = true;
		mod_timer(&ltd_dom_ures_timer, jiffies + 1);
	}
	ures_put(u);
	return ret;
}

/* === debugfs: /sys/kernel/debug/ltd_dom/data === */

static struct dentry *ltd_dom_debugfs_dir;

/* Runs inside the debugfs proxy (debugfs_file_get()/debugfs_file_put()). */
static noinline ssize_t ltd_dom_debugfs_read(struct file *filp,
					     char __user *ubuf, size_t len,
					     loff_t *ppos)
{
	return ltd_dom_read_data(filp->private_data, ubuf, len, ppos);
}

static const struct file_operations ltd_dom_debugfs_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = ltd_dom_debugfs_read,
};

static noinline ssize_t ltd_dom_debugfs_devm_read(struct file *filp,
						  char __user *ubuf,
						  size_t len, loff_t *ppos)
{
	return ltd_dom_read_data(filp->private_data, ubuf, len, ppos);
}

static const struct file_operations ltd_dom_debugfs_devm_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = ltd_dom_debugfs_devm_read,
};

static void ltd_dom_debugfs_remove(void *dentry)
{
	debugfs_remove(dentry);
}

static int ltd_dom_setup_debugfs(struct device *dev, struct ltd_dom_priv *p,
				 bool devm)
{
	struct dentry *file;

	/* A file left behind by an earlier bind (the debugfs variant's bug). */
	debugfs_lookup_and_remove("data", ltd_dom_debugfs_dir);
	if (!devm) {
		/* Removed with the directory at module exit only: the bug. */
		debugfs_create_file("data", 0444, ltd_dom_debugfs_dir, p,
				    &ltd_dom_debugfs_fops);
		return 0;
	}
	file = debugfs_create_file("data", 0444, ltd_dom_debugfs_dir, p,
				   &ltd_dom_debugfs_devm_fops);
	/* Registered after devm_kzalloc(): runs before the data is freed. */
	return devm_add_action_or_reset(dev, ltd_dom_debugfs_remove, file);
}

/* === Timers and work items in the devm data === */

static noinline void ltd_dom_timer_fn(struct timer_list *t)
{
	struct ltd_dom_priv *p = from_timer(p, t, timer);

	ltd_dom_touch(p);
	atomic_inc(&ltd_dom_timer_fired);
}

static noinline void ltd_dom_timer_sync_fn(struct timer_list *t)
{
	struct ltd_dom_priv *p = from_timer(p, t, timer);

	ltd_dom_touch(p);
	atomic_inc(&ltd_dom_timer_fired);
}

static noinline void ltd_dom_work_fn(struct work_struct *work)
{
	struct ltd_dom_priv *p = container_of(work, struct ltd_dom_priv, work);

	ltd_dom_touch(p);
	atomic_inc(&ltd_dom_work_ran);
}

static noinline void ltd_dom_work_sync_fn(struct work_struct *work)
{
	struct ltd_dom_priv *p = container_of(work, struct ltd_dom_priv, work);

	ltd_dom_touch(p);
	atomic_inc(&ltd_dom_work_ran);
}

/* === sysfs: an attribute of the driver's dev_groups === */

static noinline ssize_t ltd_dom_attr_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	/* Straight into the sysfs buffer: LTD_DOM_DATA has its newline. */
	return ltd_dom_snapshot(buf, dev_get_drvdata(dev));
}

static struct device_attribute ltd_dom_attr_data =
	__ATTR(data, 0444, ltd_dom_attr_show, NULL);

static struct attribute *ltd_dom_attrs[] = {
	&ltd_dom_attr_data.attr,
	NULL
};
ATTRIBUTE_GROUPS(ltd_dom);

/* === class: a class device left behind at unbind === */

/* Destroyed at module exit (or by the next probe) only: the bug. */
static struct device *ltd_dom_class_dev;

static noinline ssize_t ltd_dom_class_attr_show(struct device *dev,
						struct device_attribute *attr,
						char *buf)
{
	return ltd_dom_snapshot(buf, dev_get_drvdata(dev));
}

static struct device_attribute ltd_dom_class_attr_data =
	__ATTR(data, 0444, ltd_dom_class_attr_show, NULL);

static struct attribute *ltd_dom_class_attrs[] = {
	&ltd_dom_class_attr_data.attr,
	NULL
};
ATTRIBUTE_GROUPS(ltd_dom_class);

static int ltd_dom_setup_class(struct device *dev, struct ltd_dom_priv *p)
{
	struct device *cls_dev;

	if (ltd_dom_class_dev) {
		device_unregister(ltd_dom_class_dev);
		ltd_dom_class_dev = NULL;
	}
	cls_dev = device_create_with_groups(&ltd_dom_class, dev, MKDEV(0, 0),
					    p, ltd_dom_class_groups,
					    LTD_DOM_CLASS_DEV_NAME);
	if (IS_ERR(cls_dev))
		return PTR_ERR(cls_dev);
	ltd_dom_class_dev = cls_dev;
	return 0;
}

/* === ann: guards and owners the sanitizer learns through kprobes === */

/*
 * A home-made revocable guard: an in-flight counter and a flag, no lock and
 * no lockdep map, so the sanitizer cannot see it unless annotated
 * ("guard ltd_dom_ann_enter ltd_dom_ann_exit if=zero", "revoke
 * ltd_dom_ann_revoke").
 */
static atomic_t ltd_dom_ann_inflight = ATOMIC_INIT(0);
static bool ltd_dom_ann_revoked;
static DECLARE_WAIT_QUEUE_HEAD(ltd_dom_ann_wq);
static struct device *ltd_dom_ann_dev;

static noinline int ltd_dom_ann_enter(void)
{
	atomic_inc(&ltd_dom_ann_inflight);
	/* Pairs with the barrier in ltd_dom_ann_revoke(). */
	smp_mb__after_atomic();
	if (READ_ONCE(ltd_dom_ann_revoked)) {
		if (atomic_dec_and_test(&ltd_dom_ann_inflight))
			wake_up(&ltd_dom_ann_wq);
		return -ENODEV;
	}
	return 0;
}

static noinline void ltd_dom_ann_exit(void)
{
	if (atomic_dec_and_test(&ltd_dom_ann_inflight))
		wake_up(&ltd_dom_ann_wq);
}

static noinline void ltd_dom_ann_revoke(void)
{
	WRITE_ONCE(ltd_dom_ann_revoked, true);
	/* Flag before count: pairs with smp_mb__after_atomic() in enter. */
	smp_mb();
	wait_event(ltd_dom_ann_wq, !atomic_read(&ltd_dom_ann_inflight));
}

static noinline ssize_t ltd_dom_read_ann(struct file *filp, char __user *ubuf,
					 size_t len, loff_t *ppos)
{
	ssize_t ret;

	if (ltd_dom_ann_enter())
		return -ENODEV;
	ret = ltd_dom_read_data(filp->private_data, ubuf, len, ppos);
	ltd_dom_ann_exit();
	return ret;
}

static const struct file_operations ltd_dom_ann_fops = {
	.owner = THIS_MODULE,
	.open = ltd_dom_open,
	.read = ltd_dom_read_ann,
};

/*
 * A bus-style callback: called for the device without its device_lock (like
 * some bus notifications), touching devm data. "owner ltd_dom_ann_bus_cb"
 * declares it owner-bound.
 */
static noinline void ltd_dom_ann_bus_cb(struct device *dev)
{
	ltd_dom_touch(dev_get_drvdata(dev));
}

/* Called through a pointer, as a bus calls it: no clone, no inlining. */
static void (*ltd_dom_bus_cb)(struct device *dev) = ltd_dom_ann_bus_cb;

static int ltd_dom_bus_event_set(const char *val, const struct kernel_param *kp)
{
	if (ltd_dom_variant != LTD_DOM_ANN || !ltd_dom_ann_dev ||
	    !dev_get_drvdata(ltd_dom_ann_dev))
		return -ENODEV;
	READ_ONCE(ltd_dom_bus_cb)(ltd_dom_ann_dev);
	return 0;
}

static const struct kernel_param_ops ltd_dom_bus_event_ops = {
	.set = ltd_dom_bus_event_set,
};
module_param_cb(bus_event, &ltd_dom_bus_event_ops, NULL, 0200);
MODULE_PARM_DESC(bus_event, "ann: write anything to run the bus callback");

/* A kref release that sleeps: "nosleep-release ltd_dom_ann_release". */
static DEFINE_MUTEX(ltd_dom_ann_mutex);
static atomic_t ltd_dom_ann_released = ATOMIC_INIT(0);

static noinline void ltd_dom_ann_release(struct kref *kref)
{
	mutex_lock(&ltd_dom_ann_mutex);
	atomic_inc(&ltd_dom_ann_released);
	mutex_unlock(&ltd_dom_ann_mutex);
}

static int ltd_dom_kref_put_set(const char *val, const struct kernel_param *kp)
{
	struct kref kref;

	kref_init(&kref);
	kref_put(&kref, ltd_dom_ann_release);
	return 0;
}

static const struct kernel_param_ops ltd_dom_kref_put_ops = {
	.set = ltd_dom_kref_put_set,
	.get = ltd_dom_counter_get,
};
module_param_cb(kref_put, &ltd_dom_kref_put_ops, &ltd_dom_ann_released, 0600);
MODULE_PARM_DESC(kref_put, "ann: write to make a final kref_put(); read: releases run");

static int ltd_dom_setup_ann(struct device *dev, struct ltd_dom_priv *p)
{
	WRITE_ONCE(ltd_dom_ann_revoked, false);
	ltd_dom_cur = p;
	ltd_dom_ann_dev = dev;
	return ltd_dom_misc_register(dev, &ltd_dom_ann_fops);
}

static void ltd_dom_remove_ann(void)
{
	ltd_dom_ann_revoke();
	ltd_dom_misc_deregister();
	ltd_dom_cur = NULL;
	ltd_dom_ann_dev = NULL;
}

/* === module_timer: callbacks into the module that its exit leaves behind === */

/*
 * The timer and work structures are leaked kmalloc() memory, so that only
 * their callbacks dangle after the unload: the test reboots before they
 * run (60 s).
 */
static atomic_t ltd_dom_mod_work_started = ATOMIC_INIT(0);
module_param_cb(mod_work_started, &ltd_dom_counter_ops, &ltd_dom_mod_work_started, 0444);
MODULE_PARM_DESC(mod_work_started, "module_timer: the blocking work item runs (read-only)");

static noinline void ltd_dom_mod_timer_fn(struct timer_list *t)
{
	atomic_inc(&ltd_dom_timer_fired);
}

static noinline void ltd_dom_mod_dwork_fn(struct work_struct *work)
{
	atomic_inc(&ltd_dom_work_ran);
}

static noinline void ltd_dom_mod_work_fn(struct work_struct *work)
{
	atomic_inc(&ltd_dom_mod_work_started);
	msleep(60 * MSEC_PER_SEC);
}

static int ltd_dom_setup_module_timer(void)
{
	struct timer_list *timer = kzalloc(sizeof(*timer), GFP_KERNEL);
	struct delayed_work *dwork = kzalloc(sizeof(*dwork), GFP_KERNEL);
	struct work_struct *work = kzalloc(sizeof(*work), GFP_KERNEL);

	if (!timer || !dwork || !work) {
		kfree(timer);
		kfree(dwork);
		kfree(work);
		return -ENOMEM;
	}
	timer_setup(timer, ltd_dom_mod_timer_fn, 0);
	mod_timer(timer, jiffies + 60 * HZ);
	INIT_DELAYED_WORK(dwork, ltd_dom_mod_dwork_fn);
	schedule_delayed_work(dwork, 60 * HZ);
	INIT_WORK(work, ltd_dom_mod_work_fn);
	schedule_work(work);
	return 0;
}

/* === The driver === */

static int ltd_dom_setup(struct device *dev, struct ltd_dom_priv *p)
{
	switch (ltd_dom_variant) {
	case LTD_DOM_NOLOCK:
		ltd_dom_cur = p;
		return ltd_dom_misc_register(dev, &ltd_dom_nolock_fops);
	case LTD_DOM_UAF:
		ltd_dom_cur = p;
		return ltd_dom_misc_register(dev, &ltd_dom_uaf_fops);
	case LTD_DOM_MODULE:
		return ltd_dom_misc_register(dev, &ltd_dom_module_fops);
	case LTD_DOM_URES:
		return ltd_dom_setup_ures(dev, p);
	case LTD_DOM_MUTEX:
		return ltd_dom_setup_mutex(dev, p);
	case LTD_DOM_SRCU:
		return ltd_dom_setup_srcu(dev, p);
	case LTD_DOM_DEBUGFS:
		return ltd_dom_setup_debugfs(dev, p, false);
	case LTD_DOM_DEBUGFS_DEVM:
		return ltd_dom_setup_debugfs(dev, p, true);
	case LTD_DOM_TIMER:
		timer_setup(&p->timer, ltd_dom_timer_fn, 0);
		mod_timer(&p->timer, jiffies + 1);
		return 0;
	case LTD_DOM_TIMER_SYNC:
		timer_setup(&p->timer, ltd_dom_timer_sync_fn, 0);
		mod_timer(&p->timer, jiffies + 1);
		return 0;
	case LTD_DOM_WORK:
		INIT_WORK(&p->work, ltd_dom_work_fn);
		schedule_work(&p->work);
		return 0;
	case LTD_DOM_WORK_SYNC:
		INIT_WORK(&p->work, ltd_dom_work_sync_fn);
		schedule_work(&p->work);
		return 0;
	case LTD_DOM_SYSFS:
		/* The driver core adds ltd_dom_groups after probe(). */
		return 0;
	case LTD_DOM_CLASS:
		return ltd_dom_setup_class(dev, p);
	case LTD_DOM_URES_TIMER:
		return ltd_dom_setup_ures_timer(dev);
	case LTD_DOM_ANN:
		return ltd_dom_setup_ann(dev, p);
	case LTD_DOM_MODULE_TIMER:
		return ltd_dom_setup_module_timer();
	case LTD_DOM_NR:
		break;
	}
	return -EINVAL;
}

/* Set by a successful probe, so that init can tell that the device bound. */
static bool ltd_dom_probed;

static int ltd_dom_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct ltd_dom_priv *p;
	int ret;

	p = devm_kzalloc(dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->buf, LTD_DOM_DATA);
	platform_set_drvdata(pdev, p);

	ret = ltd_dom_setup(dev, p);
	if (ret) {
		ltd_dom_cur = NULL;
		return dev_err_probe(dev, ret, "variant %s\n",
				     ltd_dom_variant_names[ltd_dom_variant]);
	}
	ltd_dom_probed = true;
	dev_info(dev, "bound, variant %s\n",
		 ltd_dom_variant_names[ltd_dom_variant]);
	return 0;
}

static void ltd_dom_remove(struct platform_device *pdev)
{
	struct ltd_dom_priv *p = platform_get_drvdata(pdev);

	switch (ltd_dom_variant) {
	case LTD_DOM_NOLOCK:
	case LTD_DOM_UAF:
	case LTD_DOM_MODULE:
		ltd_dom_misc_deregister();
		ltd_dom_cur = NULL;
		break;
	case LTD_DOM_MUTEX:
		ltd_dom_remove_mutex();
		break;
	case LTD_DOM_SRCU:
		ltd_dom_remove_srcu();
		break;
	case LTD_DOM_TIMER_SYNC:
		timer_shutdown_sync(&p->timer);
		break;
	case LTD_DOM_WORK_SYNC:
		cancel_work_sync(&p->work);
		break;
	case LTD_DOM_ANN:
		ltd_dom_remove_ann();
		break;
	default:
		/* timer, work, debugfs, class, ures_timer: nothing, the bug. */
		break;
	}
	dev_info(&pdev->dev, "unbound, variant %s\n",
		 ltd_dom_variant_names[ltd_dom_variant]);
}

static struct platform_driver ltd_dom_driver = {
	.probe = ltd_dom_probe,
	.remove = ltd_dom_remove,
	.driver = {
		.name = LTD_DOM_NAME,
	},
};

static struct platform_device *ltd_dom_pdev;

static int __init ltd_dom_init(void)
{
	int ret;

	if (!ltd_dom_variant_name) {
		pr_err("variant= is required\n");
		return -EINVAL;
	}
	ret = match_string(ltd_dom_variant_names,
			   ARRAY_SIZE(ltd_dom_variant_names),
			   ltd_dom_variant_name);
	if (ret < 0) {
		pr_err("unknown variant '%s'\n", ltd_dom_variant_name);
		return -EINVAL;
	}
	ltd_dom_variant = ret;

	ret = class_register(&ltd_dom_class);
	if (ret)
		return ret;
	if (ltd_dom_variant == LTD_DOM_DEBUGFS ||
	    ltd_dom_variant == LTD_DOM_DEBUGFS_DEVM)
		ltd_dom_debugfs_dir = debugfs_create_dir(LTD_DOM_NAME, NULL);
	if (ltd_dom_variant == LTD_DOM_SYSFS)
		ltd_dom_driver.driver.dev_groups = ltd_dom_groups;

	ret = platform_driver_register(&ltd_dom_driver);
	if (ret)
		goto remove_debugfs;
	ltd_dom_pdev = platform_device_register_simple(LTD_DOM_NAME, -1,
						       NULL, 0);
	if (IS_ERR(ltd_dom_pdev)) {
		ret = PTR_ERR(ltd_dom_pdev);
		goto unregister_driver;
	}
	if (!ltd_dom_probed) {
		pr_err("variant %s: the device did not bind\n",
		       ltd_dom_variant_names[ltd_dom_variant]);
		ret = -ENODEV;
		goto unregister_device;
	}
	return 0;

unregister_device:
	platform_device_unregister(ltd_dom_pdev);
unregister_driver:
	platform_driver_unregister(&ltd_dom_driver);
remove_debugfs:
	debugfs_remove(ltd_dom_debugfs_dir);
	class_unregister(&ltd_dom_class);
	return ret;
}

static void __exit ltd_dom_exit(void)
{
	/* Its attribute must be gone before the parent device is. */
	if (ltd_dom_class_dev)
		device_unregister(ltd_dom_class_dev);
	if (ltd_dom_ures_timer_ready)
		timer_shutdown_sync(&ltd_dom_ures_timer);
	platform_device_unregister(ltd_dom_pdev);
	platform_driver_unregister(&ltd_dom_driver);
	debugfs_remove(ltd_dom_debugfs_dir);
	class_unregister(&ltd_dom_class);
	/* A deferred ures release pins the module; wait for it anyway. */
	ures_barrier();
}

module_init(ltd_dom_init);
module_exit(ltd_dom_exit);

MODULE_DESCRIPTION("Lifetime sanitizer: devm data reached from foreign contexts, with and without guards");
MODULE_LICENSE("GPL");
