// SPDX-License-Identifier: GPL-2.0
/*
 * ures_sample_devm: the "before" half of the ures example, kept buggy on
 * purpose. The char device and the state its file operations use live in
 * devm_kzalloc() memory, which is freed when the driver is unbound, while
 * files opened before stay open: open, unbind, read is a use-after-free
 * (Laurent Pinchart, LPC 2022, "Why is devm_kzalloc() harmful").
 *
 * Same ABI as ures_sample.c, device and /dev node "ures_sample_devm". Never
 * use this pattern in a real driver.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "ltd_test_abi.h"

#define URES_SAMPLE_DEVM_NAME		"ures_sample_devm"
#define URES_SAMPLE_DEVM_BUF_SIZE	256
#define URES_SAMPLE_DEVM_MAX_WAIT_MS	1000

/**
 * struct ures_sample_devm - device state, devm_kzalloc()ed: the bug
 * @cdev: the char device, embedded in memory freed at unbind
 * @devt: its device number
 * @wq: woken by write()
 * @buf: what read() returns
 * @len: bytes in @buf
 * @opens: open() calls
 * @reads: read() calls
 * @writes: write() calls
 * @ioctls: ioctl() calls
 * @polls: poll() calls
 * @seq: bumped by write()
 */
struct ures_sample_devm {
	struct cdev cdev;
	dev_t devt;
	wait_queue_head_t wq;
	char buf[URES_SAMPLE_DEVM_BUF_SIZE];
	size_t len;
	atomic64_t opens;
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t ioctls;
	atomic64_t polls;
	atomic64_t seq;
};

static const struct class ures_sample_devm_class = {
	.name = URES_SAMPLE_DEVM_NAME,
};

/* === File operations: nothing keeps the state alive === */

static int ures_sample_devm_open(struct inode *inode, struct file *filp)
{
	struct ures_sample_devm *s;

	s = container_of(inode->i_cdev, struct ures_sample_devm, cdev);
	filp->private_data = s;
	atomic64_inc(&s->opens);
	return 0;
}

static ssize_t ures_sample_devm_read(struct file *filp, char __user *buf,
				     size_t len, loff_t *ppos)
{
	struct ures_sample_devm *s = filp->private_data;

	/* After unbind, @s is freed memory: KASAN slab-use-after-free. */
	atomic64_inc(&s->reads);
	return simple_read_from_buffer(buf, len, ppos, s->buf, s->len);
}

static ssize_t ures_sample_devm_write(struct file *filp,
				      const char __user *buf, size_t len,
				      loff_t *ppos)
{
	struct ures_sample_devm *s = filp->private_data;

	atomic64_inc(&s->writes);
	len = min(len, sizeof(s->buf));
	if (copy_from_user(s->buf, buf, len))
		return -EFAULT;
	s->len = len;
	atomic64_inc(&s->seq);
	wake_up_interruptible(&s->wq);
	return len;
}

static __poll_t ures_sample_devm_poll(struct file *filp, poll_table *wait)
{
	struct ures_sample_devm *s = filp->private_data;

	atomic64_inc(&s->polls);
	poll_wait(filp, &s->wq, wait);
	return EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM;
}

static long ures_sample_devm_ioctl(struct file *filp, unsigned int cmd,
				   unsigned long arg)
{
	struct ures_sample_devm *s = filp->private_data;
	struct ures_sample_stats st = {};
	unsigned long ms;
	s64 seen;
	long ret;

	atomic64_inc(&s->ioctls);
	switch (cmd) {
	case URES_SAMPLE_IOC_STATS:
		st.opens = atomic64_read(&s->opens);
		st.reads = atomic64_read(&s->reads);
		st.writes = atomic64_read(&s->writes);
		st.ioctls = atomic64_read(&s->ioctls);
		st.polls = atomic64_read(&s->polls);
		st.seq = atomic64_read(&s->seq);
		if (copy_to_user((void __user *)arg, &st, sizeof(st)))
			return -EFAULT;
		return 0;
	case URES_SAMPLE_IOC_WAIT:
		/* Nothing would wake us at unbind: always time out. */
		ms = arg ? min(arg, URES_SAMPLE_DEVM_MAX_WAIT_MS) :
			   URES_SAMPLE_DEVM_MAX_WAIT_MS;
		seen = atomic64_read(&s->seq);
		ret = wait_event_interruptible_timeout(s->wq,
						       atomic64_read(&s->seq) != seen,
						       msecs_to_jiffies(ms));
		if (!ret)
			return -ETIMEDOUT;
		return ret < 0 ? ret : 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ures_sample_devm_fops = {
	.owner = THIS_MODULE,
	.open = ures_sample_devm_open,
	.read = ures_sample_devm_read,
	.write = ures_sample_devm_write,
	.poll = ures_sample_devm_poll,
	.unlocked_ioctl = ures_sample_devm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* === The driver === */

static void ures_sample_devm_unregister_region(void *data)
{
	unregister_chrdev_region((dev_t)(uintptr_t)data, 1);
}

static void ures_sample_devm_cdev_del(void *data)
{
	struct ures_sample_devm *s = data;

	/* Open files keep using s->cdev and s after this. */
	cdev_del(&s->cdev);
}

static void ures_sample_devm_destroy_node(void *data)
{
	device_destroy(&ures_sample_devm_class, (dev_t)(uintptr_t)data);
}

static int ures_sample_devm_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct ures_sample_devm *s;
	struct device *node;
	int ret;

	s = devm_kzalloc(dev, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	init_waitqueue_head(&s->wq);
	s->len = scnprintf(s->buf, sizeof(s->buf), "hello from %s\n",
			   dev_name(dev));

	ret = alloc_chrdev_region(&s->devt, 0, 1, URES_SAMPLE_DEVM_NAME);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, ures_sample_devm_unregister_region,
				       (void *)(uintptr_t)s->devt);
	if (ret)
		return ret;

	cdev_init(&s->cdev, &ures_sample_devm_fops);
	s->cdev.owner = THIS_MODULE;
	ret = cdev_add(&s->cdev, s->devt, 1);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, ures_sample_devm_cdev_del, s);
	if (ret)
		return ret;

	node = device_create(&ures_sample_devm_class, dev, s->devt, NULL,
			     URES_SAMPLE_DEVM_NAME);
	if (IS_ERR(node))
		return PTR_ERR(node);
	return devm_add_action_or_reset(dev, ures_sample_devm_destroy_node,
					(void *)(uintptr_t)s->devt);
}

static struct platform_driver ures_sample_devm_driver = {
	.probe = ures_sample_devm_probe,
	.driver = {
		.name = URES_SAMPLE_DEVM_NAME,
	},
};

static struct platform_device *ures_sample_devm_pdev;

static int __init ures_sample_devm_init(void)
{
	int ret;

	ret = class_register(&ures_sample_devm_class);
	if (ret)
		return ret;
	ret = platform_driver_register(&ures_sample_devm_driver);
	if (ret)
		goto unregister_class;
	ures_sample_devm_pdev =
		platform_device_register_simple(URES_SAMPLE_DEVM_NAME, -1,
						NULL, 0);
	if (IS_ERR(ures_sample_devm_pdev)) {
		ret = PTR_ERR(ures_sample_devm_pdev);
		goto unregister_driver;
	}
	return 0;

unregister_driver:
	platform_driver_unregister(&ures_sample_devm_driver);
unregister_class:
	class_unregister(&ures_sample_devm_class);
	return ret;
}

static void __exit ures_sample_devm_exit(void)
{
	platform_device_unregister(ures_sample_devm_pdev);
	platform_driver_unregister(&ures_sample_devm_driver);
	class_unregister(&ures_sample_devm_class);
}

module_init(ures_sample_devm_init);
module_exit(ures_sample_devm_exit);

MODULE_DESCRIPTION("ures sample, before: devm state behind a char device (buggy on purpose)");
MODULE_LICENSE("GPL");
