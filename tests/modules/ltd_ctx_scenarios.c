// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime-context scenarios for the lifetime sanitizer: a platform driver
 * whose devm_kzalloc() data is touched from contexts that hold no lock (a
 * hard-IRQ handler, an hrtimer callback, a tasklet, a kthread, a runtime-PM
 * callback), with and without the wait at unbind that orders them before
 * the data is freed; and timers, hrtimers and work items of the module that
 * its exit stops without waiting. variant= picks one, see enum
 * ltd_ctx_variant; tests/scenarios/domain_contexts.sh drives them.
 *
 * The device variants register the platform driver "ltd_ctx" and one device
 * of that name, which binds at once; unbind it through
 * /sys/bus/platform/drivers/ltd_ctx/unbind before rmmod. The interrupt,
 * kthread and runtime-PM variants act when anything is written to the
 * trigger parameter; the hrtimer and the tasklet are started by probe().
 * Every callback touching the devm data does it in one byte-load loop and
 * one store inside the function a report should name. The trigger takes no
 * lock of the driver: a lock that remove() took too would be a guard of
 * its own and hide the missing wait.
 *
 * The exit_* variants register no device: init arms a timer, an hrtimer or
 * a work item whose callback is in the module, and the exit stops it with
 * or without waiting.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/irqdomain.h>
#include <linux/irq_sim.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/pm.h>
#include <linux/pm_runtime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#define LTD_CTX_NAME		"ltd_ctx"
#define LTD_CTX_BUF_SIZE	32
#define LTD_CTX_DATA		"ltd_ctx data"

/**
 * enum ltd_ctx_variant - which context touches the devm data, and whether
 *	the driver waits for it at unbind; or what the module's exit stops
 * @LTD_CTX_IRQ: an irq_sim interrupt's handler, requested with
 *	devm_request_irq(): free_irq() at unbind waits for it
 * @LTD_CTX_IRQ_NOFREE: the same with request_irq(), not freed at unbind
 *	(only by the module's exit, after the device is gone)
 * @LTD_CTX_HRTIMER: an hrtimer in the devm data, hrtimer_cancel() in remove()
 * @LTD_CTX_HRTIMER_NOCANCEL: the same, hrtimer_try_to_cancel() in remove()
 * @LTD_CTX_TASKLET: a tasklet in the devm data, tasklet_kill() in remove()
 * @LTD_CTX_TASKLET_NOKILL: the same, not killed
 * @LTD_CTX_KTHREAD: a kthread touching the devm data when kicked,
 *	kthread_stop() in remove()
 * @LTD_CTX_KTHREAD_NOSTOP: the same, stopped by the module's exit only
 * @LTD_CTX_RPM: a runtime_resume callback touching the devm data, runtime
 *	PM enabled with devm_pm_runtime_enable()
 * @LTD_CTX_RPM_NODISABLE: the same with pm_runtime_enable(), disabled by
 *	the module's exit only
 * @LTD_CTX_EXIT_TIMER_NOWAIT: a module timer pending at exit, which
 *	del_timer()s it only
 * @LTD_CTX_EXIT_TIMER_SYNC: the same, del_timer() then del_timer_sync()
 * @LTD_CTX_EXIT_HRTIMER_NOWAIT: a module hrtimer pending at exit, which
 *	hrtimer_try_to_cancel()s it only
 * @LTD_CTX_EXIT_HRTIMER_SYNC: the same, then hrtimer_cancel()
 * @LTD_CTX_EXIT_WORK_NOWAIT: a module work item that ran, cancel_work() at
 *	exit only
 * @LTD_CTX_EXIT_WORK_SYNC: the same, then cancel_work_sync()
 * @LTD_CTX_NR: number of variants
 */
enum ltd_ctx_variant {
	LTD_CTX_IRQ,
	LTD_CTX_IRQ_NOFREE,
	LTD_CTX_HRTIMER,
	LTD_CTX_HRTIMER_NOCANCEL,
	LTD_CTX_TASKLET,
	LTD_CTX_TASKLET_NOKILL,
	LTD_CTX_KTHREAD,
	LTD_CTX_KTHREAD_NOSTOP,
	LTD_CTX_RPM,
	LTD_CTX_RPM_NODISABLE,
	LTD_CTX_EXIT_TIMER_NOWAIT,
	LTD_CTX_EXIT_TIMER_SYNC,
	LTD_CTX_EXIT_HRTIMER_NOWAIT,
	LTD_CTX_EXIT_HRTIMER_SYNC,
	LTD_CTX_EXIT_WORK_NOWAIT,
	LTD_CTX_EXIT_WORK_SYNC,
	LTD_CTX_NR
};

static const char * const ltd_ctx_variant_names[] = {
	[LTD_CTX_IRQ]			= "irq",
	[LTD_CTX_IRQ_NOFREE]		= "irq_nofree",
	[LTD_CTX_HRTIMER]		= "hrtimer",
	[LTD_CTX_HRTIMER_NOCANCEL]	= "hrtimer_nocancel",
	[LTD_CTX_TASKLET]		= "tasklet",
	[LTD_CTX_TASKLET_NOKILL]	= "tasklet_nokill",
	[LTD_CTX_KTHREAD]		= "kthread",
	[LTD_CTX_KTHREAD_NOSTOP]	= "kthread_nostop",
	[LTD_CTX_RPM]			= "rpm",
	[LTD_CTX_RPM_NODISABLE]		= "rpm_nodisable",
	[LTD_CTX_EXIT_TIMER_NOWAIT]	= "exit_timer_nowait",
	[LTD_CTX_EXIT_TIMER_SYNC]	= "exit_timer_sync",
	[LTD_CTX_EXIT_HRTIMER_NOWAIT]	= "exit_hrtimer_nowait",
	[LTD_CTX_EXIT_HRTIMER_SYNC]	= "exit_hrtimer_sync",
	[LTD_CTX_EXIT_WORK_NOWAIT]	= "exit_work_nowait",
	[LTD_CTX_EXIT_WORK_SYNC]	= "exit_work_sync",
};

static_assert(ARRAY_SIZE(ltd_ctx_variant_names) == LTD_CTX_NR);

static char *ltd_ctx_variant_name;
module_param_named(variant, ltd_ctx_variant_name, charp, 0444);
MODULE_PARM_DESC(variant,
		 "required: irq | irq_nofree | hrtimer | hrtimer_nocancel | tasklet | tasklet_nokill | kthread | kthread_nostop | rpm | rpm_nodisable | exit_timer_nowait | exit_timer_sync | exit_hrtimer_nowait | exit_hrtimer_sync | exit_work_nowait | exit_work_sync");

static enum ltd_ctx_variant ltd_ctx_variant __ro_after_init;

static bool ltd_ctx_is_exit_variant(void)
{
	return ltd_ctx_variant >= LTD_CTX_EXIT_TIMER_NOWAIT;
}

/* Callbacks that ran, for the script to wait on. */
static atomic_t ltd_ctx_ran = ATOMIC_INIT(0);
static atomic_t ltd_ctx_suspended = ATOMIC_INIT(0);

static int ltd_ctx_counter_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%d\n",
			 atomic_read((atomic_t *)kp->arg));
}

static const struct kernel_param_ops ltd_ctx_counter_ops = {
	.get = ltd_ctx_counter_get,
};

module_param_cb(ran, &ltd_ctx_counter_ops, &ltd_ctx_ran, 0444);
MODULE_PARM_DESC(ran, "callbacks run (read-only)");
module_param_cb(suspended, &ltd_ctx_counter_ops, &ltd_ctx_suspended, 0444);
MODULE_PARM_DESC(suspended, "rpm: runtime_suspend callbacks run (read-only)");

/*
 * What the last callback read from the devm data: the script checks that
 * it is LTD_CTX_DATA, so the read really went to the devm buffer.
 */
static char ltd_ctx_seen[LTD_CTX_BUF_SIZE];

static int ltd_ctx_seen_get(char *buffer, const struct kernel_param *kp)
{
	char tmp[LTD_CTX_BUF_SIZE];
	size_t i;

	for (i = 0; i < sizeof(tmp) - 1; i++)
		tmp[i] = READ_ONCE(ltd_ctx_seen[i]);
	tmp[i] = '\0';
	return scnprintf(buffer, PAGE_SIZE, "%s\n", tmp);
}

static const struct kernel_param_ops ltd_ctx_seen_ops = {
	.get = ltd_ctx_seen_get,
};

module_param_cb(seen, &ltd_ctx_seen_ops, NULL, 0444);
MODULE_PARM_DESC(seen, "what the last callback read from the devm data (read-only)");

/**
 * struct ltd_ctx_priv - the driver's devm_kzalloc() data
 * @buf: LTD_CTX_DATA, what every callback reads
 * @hits: written by every callback
 * @hrtimer: the hrtimer variants' hrtimer
 * @tasklet: the tasklet variants' tasklet
 */
struct ltd_ctx_priv {
	char buf[LTD_CTX_BUF_SIZE];
	unsigned long hits;
	struct hrtimer hrtimer;
	struct tasklet_struct tasklet;
};

/* Bytes of LTD_CTX_DATA, read with READ_ONCE(): not a constant to fold. */
static size_t ltd_ctx_data_len = sizeof(LTD_CTX_DATA) - 1;

/*
 * The foreign access to the devm data: always inlined, so that it happens
 * in the function the report should name; byte loads, which KASAN checks
 * with any compiler, and one store. The callbacks using it are noinline
 * twins: otherwise identical code folding could make one of them a jump to
 * the other.
 */
static __always_inline void ltd_ctx_touch(struct ltd_ctx_priv *p)
{
	size_t i, n = min_t(size_t, READ_ONCE(ltd_ctx_data_len),
			    LTD_CTX_BUF_SIZE - 1);

	for (i = 0; i < n; i++)
		WRITE_ONCE(ltd_ctx_seen[i], READ_ONCE(p->buf[i]));
	WRITE_ONCE(p->hits, READ_ONCE(p->hits) + 1);
}

/* The bound device, for the trigger; set by probe(), cleared by remove(). */
static struct device *ltd_ctx_dev;

/* === irq, irq_nofree: an irq_sim interrupt === */

/* The interrupt to fire, while bound. */
static unsigned int ltd_ctx_virq;

/*
 * irq_nofree: the simulator domain, its mapping and the requested
 * interrupt outlive the binding; the module's exit frees them.
 */
static struct irq_domain *ltd_ctx_nofree_domain;
static unsigned int ltd_ctx_nofree_virq;
static void *ltd_ctx_nofree_dev_id;

static noinline irqreturn_t ltd_ctx_irq_handler(int irq, void *data)
{
	ltd_ctx_touch(data);
	atomic_inc(&ltd_ctx_ran);
	return IRQ_HANDLED;
}

static noinline irqreturn_t ltd_ctx_irq_nofree_handler(int irq, void *data)
{
	ltd_ctx_touch(data);
	atomic_inc(&ltd_ctx_ran);
	return IRQ_HANDLED;
}

static void ltd_ctx_irq_dispose(void *data)
{
	irq_dispose_mapping((unsigned int)(uintptr_t)data);
}

static int ltd_ctx_setup_irq(struct device *dev, struct ltd_ctx_priv *p)
{
	struct irq_domain *domain;
	unsigned int virq;
	int ret;

	domain = devm_irq_domain_create_sim(dev, NULL, 1);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	virq = irq_create_mapping(domain, 0);
	if (!virq)
		return -ENXIO;
	/*
	 * devres runs in reverse: free_irq(), then this, then the domain's
	 * removal, which expects its mappings gone.
	 */
	ret = devm_add_action_or_reset(dev, ltd_ctx_irq_dispose,
				       (void *)(uintptr_t)virq);
	if (ret)
		return ret;
	ret = devm_request_irq(dev, virq, ltd_ctx_irq_handler, 0,
			       LTD_CTX_NAME, p);
	if (ret)
		return ret;
	ltd_ctx_virq = virq;
	return 0;
}

static void ltd_ctx_free_nofree(void)
{
	if (ltd_ctx_nofree_dev_id) {
		/* dev_id is compared, not dereferenced: the data is gone. */
		free_irq(ltd_ctx_nofree_virq, ltd_ctx_nofree_dev_id);
		ltd_ctx_nofree_dev_id = NULL;
	}
	if (ltd_ctx_nofree_virq) {
		irq_dispose_mapping(ltd_ctx_nofree_virq);
		ltd_ctx_nofree_virq = 0;
	}
	if (ltd_ctx_nofree_domain) {
		irq_domain_remove_sim(ltd_ctx_nofree_domain);
		ltd_ctx_nofree_domain = NULL;
	}
}

static int ltd_ctx_setup_irq_nofree(struct ltd_ctx_priv *p)
{
	struct irq_domain *domain;
	int ret;

	/* Not devm: it must outlive the binding, like a parent controller. */
	domain = irq_domain_create_sim(NULL, 1);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	ltd_ctx_nofree_domain = domain;
	ltd_ctx_nofree_virq = irq_create_mapping(domain, 0);
	if (!ltd_ctx_nofree_virq) {
		ltd_ctx_free_nofree();
		return -ENXIO;
	}
	/* The bug: requested without devm, and remove() does not free it. */
	ret = request_irq(ltd_ctx_nofree_virq, ltd_ctx_irq_nofree_handler, 0,
			  LTD_CTX_NAME, p);
	if (ret) {
		ltd_ctx_free_nofree();
		return ret;
	}
	ltd_ctx_nofree_dev_id = p;
	ltd_ctx_virq = ltd_ctx_nofree_virq;
	return 0;
}

/* === hrtimer, hrtimer_nocancel: a one-shot hrtimer in the devm data === */

static noinline enum hrtimer_restart ltd_ctx_hrtimer_fn(struct hrtimer *t)
{
	struct ltd_ctx_priv *p = container_of(t, struct ltd_ctx_priv, hrtimer);

	ltd_ctx_touch(p);
	atomic_inc(&ltd_ctx_ran);
	return HRTIMER_NORESTART;
}

static noinline enum hrtimer_restart
ltd_ctx_hrtimer_nocancel_fn(struct hrtimer *t)
{
	struct ltd_ctx_priv *p = container_of(t, struct ltd_ctx_priv, hrtimer);

	ltd_ctx_touch(p);
	atomic_inc(&ltd_ctx_ran);
	return HRTIMER_NORESTART;
}

static void ltd_ctx_setup_hrtimer(struct ltd_ctx_priv *p, bool cancel)
{
	hrtimer_init(&p->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	p->hrtimer.function = cancel ? ltd_ctx_hrtimer_fn :
				       ltd_ctx_hrtimer_nocancel_fn;
	/* Never re-armed: the callback returns HRTIMER_NORESTART. */
	hrtimer_start(&p->hrtimer, ms_to_ktime(1), HRTIMER_MODE_REL);
}

/* === tasklet, tasklet_nokill: a tasklet in the devm data === */

static noinline void ltd_ctx_tasklet_fn(struct tasklet_struct *t)
{
	struct ltd_ctx_priv *p = from_tasklet(p, t, tasklet);

	ltd_ctx_touch(p);
	atomic_inc(&ltd_ctx_ran);
}

static noinline void ltd_ctx_tasklet_nokill_fn(struct tasklet_struct *t)
{
	struct ltd_ctx_priv *p = from_tasklet(p, t, tasklet);

	ltd_ctx_touch(p);
	atomic_inc(&ltd_ctx_ran);
}

/* === kthread, kthread_nostop: a thread touching the data when kicked === */

/* Module data, not devm: the thread may sleep on it after unbind. */
static DECLARE_WAIT_QUEUE_HEAD(ltd_ctx_kthread_wq);
static atomic_t ltd_ctx_kick = ATOMIC_INIT(0);
static struct task_struct *ltd_ctx_thread;

/*
 * The thread's loop: touches the devm data once per kick, never on its
 * own, so that kthread_nostop's thread, alive after unbind, does not.
 */
static __always_inline int ltd_ctx_kthread_loop(struct ltd_ctx_priv *p)
{
	while (!kthread_should_stop()) {
		wait_event_interruptible(ltd_ctx_kthread_wq,
					 atomic_read(&ltd_ctx_kick) ||
					 kthread_should_stop());
		if (atomic_xchg(&ltd_ctx_kick, 0)) {
			ltd_ctx_touch(p);
			atomic_inc(&ltd_ctx_ran);
		}
	}
	return 0;
}

static noinline int ltd_ctx_kthread_fn(void *data)
{
	return ltd_ctx_kthread_loop(data);
}

static noinline int ltd_ctx_kthread_nostop_fn(void *data)
{
	return ltd_ctx_kthread_loop(data);
}

static int ltd_ctx_setup_kthread(struct ltd_ctx_priv *p, bool stop)
{
	struct task_struct *t;

	atomic_set(&ltd_ctx_kick, 0);
	t = kthread_run(stop ? ltd_ctx_kthread_fn : ltd_ctx_kthread_nostop_fn,
			p, "%s", stop ? "ltd_ctx_kthread" : "ltd_ctx_nostop");
	if (IS_ERR(t))
		return PTR_ERR(t);
	ltd_ctx_thread = t;
	return 0;
}

static void ltd_ctx_stop_kthread(void)
{
	if (!ltd_ctx_thread)
		return;
	kthread_stop(ltd_ctx_thread);
	ltd_ctx_thread = NULL;
}

/* === rpm, rpm_nodisable: a runtime_resume callback touching the data === */

static noinline int ltd_ctx_rpm_resume(struct device *dev)
{
	ltd_ctx_touch(dev_get_drvdata(dev));
	atomic_inc(&ltd_ctx_ran);
	return 0;
}

static noinline int ltd_ctx_rpm_nodisable_resume(struct device *dev)
{
	ltd_ctx_touch(dev_get_drvdata(dev));
	atomic_inc(&ltd_ctx_ran);
	return 0;
}

/* No devm access: one report per variant, from the resume callback. */
static int ltd_ctx_rpm_suspend(struct device *dev)
{
	atomic_inc(&ltd_ctx_suspended);
	return 0;
}

static const struct dev_pm_ops ltd_ctx_rpm_pm_ops = {
	RUNTIME_PM_OPS(ltd_ctx_rpm_suspend, ltd_ctx_rpm_resume, NULL)
};

static const struct dev_pm_ops ltd_ctx_rpm_nodisable_pm_ops = {
	RUNTIME_PM_OPS(ltd_ctx_rpm_suspend, ltd_ctx_rpm_nodisable_resume, NULL)
};

/* rpm_nodisable: enabled by probe(), disabled by the module's exit. */
static bool ltd_ctx_rpm_enabled;

/* A resume and a suspend through the PM core, from the writer's task. */
static int ltd_ctx_rpm_cycle(struct device *dev)
{
	int ret;

	ret = pm_runtime_get_sync(dev);
	if (ret < 0) {
		pm_runtime_put_noidle(dev);
		return ret;
	}
	return pm_runtime_put_sync(dev) < 0 ? -EIO : 0;
}

/* === The trigger: module parameter "trigger" === */

static int ltd_ctx_trigger_set(const char *val, const struct kernel_param *kp)
{
	struct device *dev = READ_ONCE(ltd_ctx_dev);

	if (!dev)
		return -ENODEV;
	switch (ltd_ctx_variant) {
	case LTD_CTX_IRQ:
	case LTD_CTX_IRQ_NOFREE:
		/* irq_sim's irq_work runs the flow handler in hard-IRQ context. */
		return irq_set_irqchip_state(READ_ONCE(ltd_ctx_virq),
					     IRQCHIP_STATE_PENDING, true);
	case LTD_CTX_KTHREAD:
	case LTD_CTX_KTHREAD_NOSTOP:
		atomic_set(&ltd_ctx_kick, 1);
		wake_up(&ltd_ctx_kthread_wq);
		return 0;
	case LTD_CTX_RPM:
	case LTD_CTX_RPM_NODISABLE:
		return ltd_ctx_rpm_cycle(dev);
	default:
		return -EINVAL;
	}
}

static const struct kernel_param_ops ltd_ctx_trigger_ops = {
	.set = ltd_ctx_trigger_set,
};

module_param_cb(trigger, &ltd_ctx_trigger_ops, NULL, 0200);
MODULE_PARM_DESC(trigger,
		 "irq*: fire the interrupt; kthread*: kick the thread; rpm*: resume and suspend the device");

/* === The driver === */

static int ltd_ctx_setup(struct device *dev, struct ltd_ctx_priv *p)
{
	switch (ltd_ctx_variant) {
	case LTD_CTX_IRQ:
		return ltd_ctx_setup_irq(dev, p);
	case LTD_CTX_IRQ_NOFREE:
		return ltd_ctx_setup_irq_nofree(p);
	case LTD_CTX_HRTIMER:
		ltd_ctx_setup_hrtimer(p, true);
		return 0;
	case LTD_CTX_HRTIMER_NOCANCEL:
		ltd_ctx_setup_hrtimer(p, false);
		return 0;
	case LTD_CTX_TASKLET:
		tasklet_setup(&p->tasklet, ltd_ctx_tasklet_fn);
		tasklet_schedule(&p->tasklet);
		return 0;
	case LTD_CTX_TASKLET_NOKILL:
		tasklet_setup(&p->tasklet, ltd_ctx_tasklet_nokill_fn);
		tasklet_schedule(&p->tasklet);
		return 0;
	case LTD_CTX_KTHREAD:
		return ltd_ctx_setup_kthread(p, true);
	case LTD_CTX_KTHREAD_NOSTOP:
		return ltd_ctx_setup_kthread(p, false);
	case LTD_CTX_RPM:
		return devm_pm_runtime_enable(dev);
	case LTD_CTX_RPM_NODISABLE:
		/* The bug: nothing disables it at unbind. */
		pm_runtime_enable(dev);
		ltd_ctx_rpm_enabled = true;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Set by a successful probe, so that init can tell that the device bound. */
static bool ltd_ctx_probed;

static int ltd_ctx_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct ltd_ctx_priv *p;
	int ret;

	p = devm_kzalloc(dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->buf, LTD_CTX_DATA);
	platform_set_drvdata(pdev, p);

	ret = ltd_ctx_setup(dev, p);
	if (ret)
		return dev_err_probe(dev, ret, "variant %s\n",
				     ltd_ctx_variant_names[ltd_ctx_variant]);
	WRITE_ONCE(ltd_ctx_dev, dev);
	ltd_ctx_probed = true;
	dev_info(dev, "bound, variant %s\n",
		 ltd_ctx_variant_names[ltd_ctx_variant]);
	return 0;
}

static void ltd_ctx_remove(struct platform_device *pdev)
{
	struct ltd_ctx_priv *p = platform_get_drvdata(pdev);

	WRITE_ONCE(ltd_ctx_dev, NULL);
	WRITE_ONCE(ltd_ctx_virq, 0);
	switch (ltd_ctx_variant) {
	case LTD_CTX_HRTIMER:
		hrtimer_cancel(&p->hrtimer);
		break;
	case LTD_CTX_HRTIMER_NOCANCEL:
		/* The bug: does not wait for a running callback. */
		hrtimer_try_to_cancel(&p->hrtimer);
		break;
	case LTD_CTX_TASKLET:
		tasklet_kill(&p->tasklet);
		break;
	case LTD_CTX_KTHREAD:
		ltd_ctx_stop_kthread();
		break;
	default:
		/*
		 * irq and rpm: devres waits (free_irq(), pm_runtime_disable());
		 * irq_nofree, tasklet_nokill, kthread_nostop, rpm_nodisable:
		 * nothing, the bug.
		 */
		break;
	}
	dev_info(&pdev->dev, "unbound, variant %s\n",
		 ltd_ctx_variant_names[ltd_ctx_variant]);
}

static struct platform_driver ltd_ctx_driver = {
	.probe = ltd_ctx_probe,
	.remove = ltd_ctx_remove,
	.driver = {
		.name = LTD_CTX_NAME,
	},
};

static struct platform_device *ltd_ctx_pdev;

/* === exit_*: callbacks of the module that its exit stops === */

static struct timer_list ltd_ctx_exit_timer;
static struct hrtimer ltd_ctx_exit_hrtimer;
static struct work_struct ltd_ctx_exit_work;

static noinline void ltd_ctx_exit_timer_fn(struct timer_list *t)
{
	atomic_inc(&ltd_ctx_ran);
}

static noinline enum hrtimer_restart ltd_ctx_exit_hrtimer_fn(struct hrtimer *t)
{
	atomic_inc(&ltd_ctx_ran);
	return HRTIMER_NORESTART;
}

static noinline void ltd_ctx_exit_work_fn(struct work_struct *work)
{
	atomic_inc(&ltd_ctx_ran);
}

/* Pending for 60 s at exit (timers), or run once (the work item). */
static void ltd_ctx_exit_setup(void)
{
	switch (ltd_ctx_variant) {
	case LTD_CTX_EXIT_TIMER_NOWAIT:
	case LTD_CTX_EXIT_TIMER_SYNC:
		timer_setup(&ltd_ctx_exit_timer, ltd_ctx_exit_timer_fn, 0);
		mod_timer(&ltd_ctx_exit_timer, jiffies + 60 * HZ);
		break;
	case LTD_CTX_EXIT_HRTIMER_NOWAIT:
	case LTD_CTX_EXIT_HRTIMER_SYNC:
		hrtimer_init(&ltd_ctx_exit_hrtimer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL);
		ltd_ctx_exit_hrtimer.function = ltd_ctx_exit_hrtimer_fn;
		hrtimer_start(&ltd_ctx_exit_hrtimer, ktime_set(60, 0),
			      HRTIMER_MODE_REL);
		break;
	case LTD_CTX_EXIT_WORK_NOWAIT:
	case LTD_CTX_EXIT_WORK_SYNC:
		INIT_WORK(&ltd_ctx_exit_work, ltd_ctx_exit_work_fn);
		schedule_work(&ltd_ctx_exit_work);
		break;
	default:
		break;
	}
}

static void ltd_ctx_exit_stop(void)
{
	switch (ltd_ctx_variant) {
	case LTD_CTX_EXIT_TIMER_NOWAIT:
		del_timer(&ltd_ctx_exit_timer);
		break;
	case LTD_CTX_EXIT_TIMER_SYNC:
		del_timer(&ltd_ctx_exit_timer);
		del_timer_sync(&ltd_ctx_exit_timer);
		break;
	case LTD_CTX_EXIT_HRTIMER_NOWAIT:
		hrtimer_try_to_cancel(&ltd_ctx_exit_hrtimer);
		break;
	case LTD_CTX_EXIT_HRTIMER_SYNC:
		hrtimer_try_to_cancel(&ltd_ctx_exit_hrtimer);
		hrtimer_cancel(&ltd_ctx_exit_hrtimer);
		break;
	case LTD_CTX_EXIT_WORK_NOWAIT:
		cancel_work(&ltd_ctx_exit_work);
		break;
	case LTD_CTX_EXIT_WORK_SYNC:
		cancel_work(&ltd_ctx_exit_work);
		cancel_work_sync(&ltd_ctx_exit_work);
		break;
	default:
		break;
	}
}

/* === Module init and exit === */

static int __init ltd_ctx_init(void)
{
	int ret;

	if (!ltd_ctx_variant_name) {
		pr_err("variant= is required\n");
		return -EINVAL;
	}
	ret = match_string(ltd_ctx_variant_names,
			   ARRAY_SIZE(ltd_ctx_variant_names),
			   ltd_ctx_variant_name);
	if (ret < 0) {
		pr_err("unknown variant '%s'\n", ltd_ctx_variant_name);
		return -EINVAL;
	}
	ltd_ctx_variant = ret;

	if (ltd_ctx_is_exit_variant()) {
		ltd_ctx_exit_setup();
		pr_info("variant %s armed\n", ltd_ctx_variant_name);
		return 0;
	}

	if (ltd_ctx_variant == LTD_CTX_RPM)
		ltd_ctx_driver.driver.pm = pm_ptr(&ltd_ctx_rpm_pm_ops);
	else if (ltd_ctx_variant == LTD_CTX_RPM_NODISABLE)
		ltd_ctx_driver.driver.pm = pm_ptr(&ltd_ctx_rpm_nodisable_pm_ops);

	ret = platform_driver_register(&ltd_ctx_driver);
	if (ret)
		return ret;
	ltd_ctx_pdev = platform_device_register_simple(LTD_CTX_NAME, -1,
						       NULL, 0);
	if (IS_ERR(ltd_ctx_pdev)) {
		ret = PTR_ERR(ltd_ctx_pdev);
		goto unregister_driver;
	}
	if (!ltd_ctx_probed) {
		pr_err("variant %s: the device did not bind\n",
		       ltd_ctx_variant_name);
		ret = -ENODEV;
		goto unregister_device;
	}
	return 0;

unregister_device:
	platform_device_unregister(ltd_ctx_pdev);
unregister_driver:
	platform_driver_unregister(&ltd_ctx_driver);
	ltd_ctx_stop_kthread();
	ltd_ctx_free_nofree();
	return ret;
}

static void __exit ltd_ctx_exit(void)
{
	if (ltd_ctx_is_exit_variant()) {
		ltd_ctx_exit_stop();
		return;
	}
	/* What remove() left behind (the bugs), before the device goes. */
	if (ltd_ctx_rpm_enabled)
		pm_runtime_disable(&ltd_ctx_pdev->dev);
	platform_device_unregister(ltd_ctx_pdev);
	platform_driver_unregister(&ltd_ctx_driver);
	ltd_ctx_stop_kthread();
	ltd_ctx_free_nofree();
}

module_init(ltd_ctx_init);
module_exit(ltd_ctx_exit);

MODULE_DESCRIPTION("Lifetime sanitizer: devm data touched from lockless contexts, and callbacks a module exit stops");
MODULE_LICENSE("GPL");
