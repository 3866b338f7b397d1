// SPDX-License-Identifier: MIT
/*
 * Transfer channels: see include/labyrinth/channel.h. Code under test: it
 * uses include/labyrinth/ only, so it runs unchanged on the simulated
 * machine and on real threads.
 */
#include <errno.h>
#include <labyrinth/channel.h>
#include <labyrinth/zoo.h>

int chan_init(struct channel *ch, enum chan_kind kind, unsigned int size, int id)
{
	unsigned int n = 1;

	if ((unsigned int)kind >= CHAN_KIND_NR || !size || size > CHAN_MAX_SLOTS)
		return -EINVAL;
	while (n < size)
		n <<= 1;
	ch->id = id;
	ch->kind = kind;
	ch->size = n;
	ch->head = 0;
	ch->tail = 0;
	/*
	 * Two init sites, two lock classes: lockdep judges irq safety per
	 * class, and an irqsave ring used in hardirq must not share a class
	 * with a _bh ring taken with hardirqs on (the kernel separates them
	 * the same way, or with lockdep_set_class()).
	 */
	if (kind == CHAN_LOCKED_BH)
		spin_lock_init(&ch->lock);
	else
		spin_lock_init(&ch->lock);
	for (n = 0; n < CHAN_MAX_SLOTS; n++)
		ch->slots[n] = (struct chan_slot){ NULL, 0 };
	return 0;
}

/*
 * The guard of the locked kinds. irqsave: a hardirq end on this CPU
 * would otherwise interrupt a holder and spin on the lock forever (the
 * rule of ptr_ring_produce_irq()). _bh is enough when no end runs in
 * hardirq context: softirqs are then the only interrupting end.
 */
static unsigned long chan_lock(struct channel *ch)
{
	unsigned long flags = 0;

#ifdef ZOO_BHRING_PLAIN_LOCK
	/*
	 * ZOO bhring_plain_lock: the _bh ring's lock taken with plain
	 * spin_lock: a softirq end on this CPU can interrupt a task
	 * holding it and spin forever (lockdep: {IN-SOFTIRQ-W} ->
	 * {SOFTIRQ-ON-W}).
	 */
	if (ch->kind == CHAN_LOCKED_BH) {
		ZOO_REACHED(bhring_plain_lock);
		if (in_serving_softirq())
			ZOO_TRIGGERED(bhring_plain_lock);
		spin_lock(&ch->lock);
		return flags;
	}
#endif
	if (ch->kind == CHAN_LOCKED_BH)
		spin_lock_bh(&ch->lock);
	else
		spin_lock_irqsave(&ch->lock, flags);
	return flags;
}

static void chan_unlock(struct channel *ch, unsigned long flags)
{
#ifdef ZOO_BHRING_PLAIN_LOCK
	if (ch->kind == CHAN_LOCKED_BH) {
		spin_unlock(&ch->lock);
		return;
	}
#endif
	if (ch->kind == CHAN_LOCKED_BH)
		spin_unlock_bh(&ch->lock);
	else
		spin_unlock_irqrestore(&ch->lock, flags);
}

/*
 * Lock-free single producer: the consumer's tail is read with acquire,
 * so its read of a slot happens before we overwrite that slot; the slot
 * is written before head is published with release, so the consumer
 * that sees the new head sees the slot (ptr_ring and kfifo do the same
 * with smp_load_acquire()/smp_store_release()).
 */
static int spsc_give(struct channel *ch, struct page *page, unsigned int order,
		     const struct lab_site *site)
{
	unsigned int head = ch->head;	/* ours: only the producer writes it */
	unsigned int tail;

	race_point();
	tail = __atomic_load_n(&ch->tail, __ATOMIC_ACQUIRE);
	if (head - tail >= ch->size)
		return -ENOSPC;
	/* Let go before the slot becomes visible: the taker may run at once. */
	__page_give(page, order, ch->id, site);
	ch->slots[head & (ch->size - 1)] = (struct chan_slot){ page, order };
	race_point();
	__atomic_store_n(&ch->head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

static struct page *spsc_take(struct channel *ch, unsigned int *order,
			      const struct lab_site *site)
{
	unsigned int tail = ch->tail;	/* ours: only the consumer writes it */
	unsigned int head;
	struct chan_slot s;

	race_point();
	head = __atomic_load_n(&ch->head, __ATOMIC_ACQUIRE);
	if (head == tail)
		return NULL;
	s = ch->slots[tail & (ch->size - 1)];
	race_point();
	__atomic_store_n(&ch->tail, tail + 1, __ATOMIC_RELEASE);
	/* The slot is ours now: no one else can take this block. */
	__page_take(s.page, s.order, ch->id, site);
	if (order)
		*order = s.order;
	return s.page;
}

int __chan_give(struct channel *ch, struct page *page, unsigned int order,
		const struct lab_site *site)
{
	unsigned long flags;

	if (ch->kind == CHAN_SPSC)
		return spsc_give(ch, page, order, site);
	flags = chan_lock(ch);
	if (ch->head - ch->tail >= ch->size) {
		chan_unlock(ch, flags);
#ifdef ZOO_CHAN_FULL_FREES
		/*
		 * ZOO chan_full_frees: a full _bh ring drops the block
		 * itself (as netif_rx() consumes an skb it drops), while
		 * the API says the caller keeps it on -ENOSPC: the caller
		 * frees it a second time.
		 */
		ZOO_REACHED(chan_full_frees);
		if (ch->kind == CHAN_LOCKED_BH) {
			ZOO_TRIGGERED(chan_full_frees);
			__free_pages_site(page, order, site);
		}
#endif
		return -ENOSPC;
	}
	__page_give(page, order, ch->id, site);
	ch->slots[ch->head & (ch->size - 1)] = (struct chan_slot){ page, order };
	ch->head++;
	chan_unlock(ch, flags);
	return 0;
}

struct page *__chan_take(struct channel *ch, unsigned int *order,
			 const struct lab_site *site)
{
	struct chan_slot s;
	unsigned long flags;

	if (ch->kind == CHAN_SPSC)
		return spsc_take(ch, order, site);
	flags = chan_lock(ch);
	if (ch->head == ch->tail) {
		chan_unlock(ch, flags);
		return NULL;
	}
#ifdef ZOO_CHAN_TAKE_RACE
	/*
	 * ZOO chan_take_race: the emptiness check under the lock, the slot
	 * read and the tail update after it: two takers that both saw one
	 * entry both take the same block (and the tail runs past head).
	 */
	{
		unsigned int tail = ch->tail;

		ZOO_REACHED(chan_take_race);
		chan_unlock(ch, flags);
		race_point();
		if (READ_ONCE(ch->tail) != tail)
			ZOO_TRIGGERED(chan_take_race);
		s = ch->slots[tail & (ch->size - 1)];
		flags = chan_lock(ch);
		ch->tail = tail + 1;
	}
#else
	s = ch->slots[ch->tail & (ch->size - 1)];
	ch->tail++;
#endif
	chan_unlock(ch, flags);
	__page_take(s.page, s.order, ch->id, site);
	if (order)
		*order = s.order;
	return s.page;
}

unsigned int chan_count(struct channel *ch)
{
	return __atomic_load_n(&ch->head, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(&ch->tail, __ATOMIC_ACQUIRE);
}
