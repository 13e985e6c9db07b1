// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Resolution into the datapath's tables: see plan.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigalloc.h"
#include "common/names.h"
#include "rules/plan.h"
#include "rules/ruleset.h"

/* ---- resolution ------------------------------------------------------- */

/* A distinct prefix with rules[first .. first+nr). */
struct node {
	struct prefix prefix;
	uint32_t first, nr;
};

static int rule_beats(const struct rule *r, const struct xdpb_match *m)
{
	if (m->action == XDPB_ACT_NONE || r->action != m->action)
		return r->action > m->action;
	if (r->prefix.plen != m->prefixlen)
		return r->prefix.plen > m->prefixlen;
	return r->list_id < m->list_id;
}

static void leaf_add_rule(struct xdpb_leaf *leaf, const struct rule *r)
{
	for (int d = 0; d < XDPB_NR_DIRS; d++) {
		struct xdpb_match *m = &leaf->dir[d];

		if (!(r->match & (1u << d)) || !rule_beats(r, m))
			continue;
		m->rule_id = r->rule_id;
		m->list_id = r->list_id;
		m->action = r->action;
		m->prefixlen = r->prefix.plen;
	}
}

/* Group a sorted rule table into nodes of distinct prefixes. */
static struct node *nodes_from_rules(const struct rule_table *t,
				     size_t *nr_nodes)
{
	struct node *nodes = big_calloc(t->nr + 1, sizeof(*nodes));
	size_t n = 0;

	if (!nodes)
		return NULL;
	for (size_t i = 0; i < t->nr; i++) {
		if (n && prefix_cmp(&nodes[n - 1].prefix,
				    &t->rules[i].prefix) == 0) {
			nodes[n - 1].nr++;
			continue;
		}
		nodes[n].prefix = t->rules[i].prefix;
		nodes[n].first = i;
		nodes[n].nr = 1;
		n++;
	}
	*nr_nodes = n;
	return nodes;
}

/*
 * Nodes are sorted so that a prefix comes before every prefix it contains;
 * the prefixes containing the current node are then exactly the stack.
 */
static void resolve_nodes(const struct rule_table *t, const struct node *nodes,
			  size_t nr, struct xdpb_leaf *leaves)
{
	size_t stack[130];
	size_t depth = 0;

	for (size_t i = 0; i < nr; i++) {
		const struct node *n = &nodes[i];

		while (depth &&
		       !prefix_contains(&nodes[stack[depth - 1]].prefix,
					&n->prefix))
			depth--;
		if (depth)
			leaves[i] = leaves[stack[depth - 1]];
		else
			memset(&leaves[i], 0, sizeof(leaves[i]));
		for (uint32_t r = 0; r < n->nr; r++)
			leaf_add_rule(&leaves[i], &t->rules[n->first + r]);
		stack[depth++] = i;
	}
}

static uint32_t addr_host_order(const struct prefix *p)
{
	uint32_t a;

	memcpy(&a, p->addr, 4);
	return ntohl(a);
}

/* End of the run of prefixes longer than /24 in the /24 of nodes[i]. */
static size_t block_end(const struct prefix *nodes, size_t nr, size_t i)
{
	uint32_t block = addr_host_order(&nodes[i]) >> 8;
	size_t j = i;

	while (j < nr && nodes[j].plen > 24 &&
	       addr_host_order(&nodes[j]) >> 8 == block)
		j++;
	return j;
}

/*
 * The tbl24 kind of a /24 holding nodes[first .. end), all longer than
 * /24; @covered: a /24-or-shorter prefix covers the block. One function
 * for planning and filling, so both make the same choice.
 */
static uint32_t block_kind(const struct prefix *nodes, size_t first, size_t end,
			   int covered)
{
	for (size_t i = first; i < end; i++)
		if (nodes[i].plen < 32)
			return XDPB_KIND_GROUP;
	if (end - first == 1 && !covered && first + 1 <= XDPB_HOST1_LEAF_MASK)
		return XDPB_KIND_HOST1;
	return XDPB_KIND_HOSTS;
}

/* Growing arrays while the trie is built; the first error sticks. */
struct trie_build {
	struct trie_plan *plan;
	const struct prefix *pfx; /* the nodes' prefixes, sorted */
	const struct xdpb_leaf *leaves; /* prefix i's is i + 1; 0: none */
	int ip4; /* the IPv4 trie (its root bits, its buckets) */
	size_t cap_nodes, cap_runs, cap_singles;
	int err;
};

/* The trie of the sorted prefixes b->pfx[0 .. nr) (see below). */
static int trie_build(struct trie_build *b, size_t nr);

int ip4_plan_build(const struct rule_table *t, struct ip4_plan *plan)
{
	struct trie_build b = {.plan = &plan->trie};
	struct node *nodes;

	memset(plan, 0, sizeof(*plan));
	nodes = nodes_from_rules(t, &plan->nr_nodes);
	if (!nodes)
		return -ENOMEM;
	plan->nr_leaves = plan->nr_nodes + 1;
	plan->leaves = big_calloc(plan->nr_leaves, sizeof(*plan->leaves));
	plan->node_prefix =
		big_calloc(plan->nr_nodes + 1, sizeof(*plan->node_prefix));
	if (!plan->leaves || !plan->node_prefix) {
		free(nodes);
		ip4_plan_free(plan);
		return -ENOMEM;
	}
	resolve_nodes(t, nodes, plan->nr_nodes, plan->leaves + 1);
	for (size_t i = 0; i < plan->nr_nodes; i++) {
		plan->node_prefix[i] = nodes[i].prefix;
		plan->nr_long += nodes[i].prefix.plen > 16;
	}
	free(nodes);
	if (plan->nr_long >= IP4_FLAT_MIN_PREFIXES) {
		ip4_plan_flatten(plan);
		return 0;
	}
	/* the trie's leaf i + 1 is node i's, as the flat tables' */
	plan->trie.nr_prefixes = plan->nr_nodes;
	plan->trie.nr_leaves = plan->nr_leaves;
	b.pfx = plan->node_prefix;
	b.leaves = plan->leaves;
	b.ip4 = 1;
	if (trie_build(&b, plan->nr_nodes)) {
		ip4_plan_free(plan);
		return b.err;
	}
	return 0;
}

void ip4_plan_flatten(struct ip4_plan *plan)
{
	size_t cover[33]; /* enclosing prefixes of length <= 24 */
	size_t depth = 0;

	trie_plan_free(&plan->trie);
	plan->flat = 1;
	plan->nr_groups = plan->nr_hosts = 0;
	for (size_t i = 0; i < plan->nr_nodes;) {
		const struct prefix *p = &plan->node_prefix[i];
		size_t end;

		while (depth &&
		       !prefix_contains(&plan->node_prefix[cover[depth - 1]],
					p))
			depth--;
		if (p->plen <= 24) {
			cover[depth++] = i++;
			continue;
		}
		end = block_end(plan->node_prefix, plan->nr_nodes, i);
		switch (block_kind(plan->node_prefix, i, end, depth > 0)) {
		case XDPB_KIND_GROUP:
			plan->nr_groups++;
			break;
		case XDPB_KIND_HOSTS:
			plan->nr_hosts += end - i;
			break;
		}
		i = end;
	}
}

/*
 * Painter's order: a prefix comes before the prefixes it contains, so
 * later writes refine earlier ones. A prefix of /24 or shorter is its
 * tbl24 entries; when the first prefix longer than /24 of a /24 comes
 * up, its tbl24 entry holds the /24's base leaf.
 */
void ip4_plan_fill_flat(const struct ip4_plan *plan, uint32_t *tbl24,
			uint32_t *tbl8, uint32_t *host_addrs,
			uint32_t *host_leaves)
{
	uint32_t nr_groups = 0;
	size_t nr_hosts = 0;

	for (size_t i = 0; i < plan->nr_nodes;) {
		const struct prefix *p = &plan->node_prefix[i];
		uint32_t a = addr_host_order(p), base, *group, *slot;
		size_t end;

		slot = &tbl24[a >> 8];
		if (p->plen <= 24) {
			uint32_t count = 1u << (24 - p->plen);

			for (uint32_t j = 0; j < count; j++)
				slot[j] = (uint32_t)(i + 1);
			i++;
			continue;
		}
		end = block_end(plan->node_prefix, plan->nr_nodes, i);
		base = *slot;
		switch (block_kind(plan->node_prefix, i, end, base != 0)) {
		case XDPB_KIND_GROUP:
			group = &tbl8[(size_t)nr_groups * XDPB_TBL8_GROUP_SIZE];
			for (int j = 0; j < XDPB_TBL8_GROUP_SIZE; j++)
				group[j] = base;
			for (size_t k = i; k < end; k++) {
				const struct prefix *q = &plan->node_prefix[k];
				uint32_t off = addr_host_order(q) & 0xff;

				for (uint32_t j = 0; j < 1u << (32 - q->plen);
				     j++)
					group[off + j] = (uint32_t)(k + 1);
			}
			*slot = XDPB_KIND_GROUP << XDPB_KIND_SHIFT |
				nr_groups++;
			break;
		case XDPB_KIND_HOST1:
			*slot = XDPB_KIND_HOST1 << XDPB_KIND_SHIFT |
				(a & 0xff) << XDPB_HOST1_OCTET_SHIFT |
				(uint32_t)(i + 1);
			break;
		case XDPB_KIND_HOSTS:
			for (size_t k = i; k < end; k++) {
				memcpy(&host_addrs[nr_hosts],
				       plan->node_prefix[k].addr, 4);
				host_leaves[nr_hosts++] = (uint32_t)(k + 1);
			}
			*slot = XDPB_KIND_HOSTS << XDPB_KIND_SHIFT | base;
			break;
		}
		i = end;
	}
}

void ip4_plan_free(struct ip4_plan *plan)
{
	free(plan->leaves);
	free(plan->node_prefix);
	trie_plan_free(&plan->trie);
	memset(plan, 0, sizeof(*plan));
}

/* ---- the tries ----------------------------------------------------- */

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t cap2 = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (cap2 < need)
		cap2 *= 2;
	p = realloc(*arr, cap2 * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = cap2;
	return 0;
}

/*
 * Index of @nr more elements of @size bytes at the end of the array @arr
 * (@used of @cap), zeroed, which an entry can name (XDPB_ENTRY_INDEX_MASK);
 * or -1, with b->err set. The nodes and the singles grow this way.
 */
static long trie_append(struct trie_build *b, void **arr, size_t *used,
			size_t *cap, size_t nr, size_t size)
{
	size_t first = *used;

	if (b->err)
		return -1;
	if (first + nr > XDPB_ENTRY_INDEX_MASK) {
		b->err = -E2BIG;
		return -1;
	}
	b->err = grow(arr, cap, first + nr, size);
	if (b->err)
		return -1;
	memset((char *)*arr + first * size, 0, nr * size);
	*used += nr;
	return (long)first;
}

static long trie_new_nodes(struct trie_build *b, size_t nr)
{
	return trie_append(b, (void **)&b->plan->nodes, &b->plan->nr_nodes,
			   &b->cap_nodes, nr, sizeof(struct xdpb_trie_node));
}

static long trie_new_singles(struct trie_build *b, size_t nr)
{
	return trie_append(b, (void **)&b->plan->singles, &b->plan->nr_singles,
			   &b->cap_singles, nr,
			   sizeof(struct xdpb_trie_single));
}

static void prefix_halves(const struct prefix *p, __u64 *hi, __u64 *lo)
{
	*hi = *lo = 0;
	for (int i = 0; i < 8; i++) {
		*hi = *hi << 8 | p->addr[i];
		*lo = *lo << 8 | p->addr[8 + i];
	}
}

/* Single @n: the prefix @i (whose leaf is i + 1) over the leaf @base. */
static void trie_set_single(struct trie_build *b, size_t n, size_t i,
			    uint32_t base)
{
	struct xdpb_trie_single *s = &b->plan->singles[n];

	memset(s, 0, sizeof(*s));
	prefix_halves(&b->pfx[i], &s->hi, &s->lo);
	s->plen = b->pfx[i].plen;
	s->leaf = (uint32_t)(i + 1);
	s->base = base;
	s->inside = b->leaves[s->leaf];
	s->outside = b->leaves[base]; /* leaf 0 is all zero */
}

/* The first @bits (1..32) bits of prefix @p's address: its root entry. */
static uint32_t addr_first_bits(const struct prefix *p, uint32_t bits)
{
	uint32_t a = (uint32_t)p->addr[0] << 24 | p->addr[1] << 16 |
		     p->addr[2] << 8 | p->addr[3];

	return a >> (32 - bits);
}

/* The child of a node at @depth that prefix @p starts in. */
static uint32_t child_of(const struct prefix *p, uint32_t depth)
{
	__u64 hi, lo;

	prefix_halves(p, &hi, &lo);
	return xdpb_trie_child(hi, lo, depth);
}

/*
 * The 2^@bits children (the root: 16 or 19 bits; a node: 6) of the subtree at
 * @depth holding prefixes [lo, hi), all longer than @depth, whose other
 * addresses take leaf @base: @entry[c] the leaf of child c once the
 * prefixes ending within this step are painted in (painter's order: the
 * sort puts a prefix before those it contains), and [first[c], end[c])
 * the prefixes longer than the step under child c (adjacent in the sort:
 * a prefix ending within the step and covering c sorts before them, one
 * covering another child before or after all of them).
 */
static void trie_children(struct trie_build *b, size_t lo, size_t hi,
			  uint32_t depth, uint32_t bits, uint32_t base,
			  uint32_t *entry, size_t *first, size_t *end)
{
	uint32_t nr = 1u << bits;

	for (uint32_t c = 0; c < nr; c++) {
		entry[c] = base;
		first[c] = end[c] = 0;
	}
	for (size_t i = lo; i < hi; i++) {
		const struct prefix *p = &b->pfx[i];
		uint32_t c = bits == XDPB_TRIE_STRIDE
				     ? child_of(p, depth)
				     : addr_first_bits(p, bits);

		if (p->plen <= depth + bits) {
			uint32_t count = 1u << (depth + bits - p->plen);

			for (uint32_t j = 0; j < count && c + j < nr; j++)
				entry[c + j] = (uint32_t)(i + 1);
			continue;
		}
		if (first[c] == end[c])
			first[c] = i;
		end[c] = i + 1;
	}
}

/*
 * Node @node: the subtree at @depth with prefixes [lo, hi) and leaf @base
 * for the rest. Its node children and its singles are allocated side by
 * side, then the node is written whole, then its node children are
 * filled (the arrays may move while they are).
 */
static void trie_fill_node(struct trie_build *b, size_t node, size_t lo,
			   size_t hi, uint32_t depth, uint32_t base)
{
	uint32_t leaf[64], run[64], nr_runs = 0;
	size_t first[64], end[64];
	struct xdpb_trie_node n = {0};
	long kids, singles;
	uint32_t k = 0;

	if (depth > b->plan->max_depth)
		b->plan->max_depth = depth;
	trie_children(b, lo, hi, depth, XDPB_TRIE_STRIDE, base, leaf, first,
		      end);
	for (int c = 0; c < 64; c++) {
		if (end[c] - first[c] >= 2)
			n.children |= 1ull << c;
		else if (end[c] - first[c] == 1)
			n.singles |= 1ull << c;
		else if (!nr_runs || run[nr_runs - 1] != leaf[c]) {
			n.runs |= 1ull << c;
			run[nr_runs++] = leaf[c];
		}
	}
	kids = trie_new_nodes(b, (size_t)__builtin_popcountll(n.children));
	singles = trie_new_singles(b, (size_t)__builtin_popcountll(n.singles));
	if (kids < 0 || singles < 0)
		return;
	n.child_base = (uint32_t)kids;
	n.single_base = (uint32_t)singles;
	for (int c = 0; c < 64; c++)
		if (n.singles >> c & 1)
			trie_set_single(b, (size_t)singles++, first[c],
					leaf[c]);
	if (nr_runs <= XDPB_TRIE_NODE_RUNS) {
		n.run_base = XDPB_TRIE_RUNS_INLINE;
		memcpy(n.run, run, nr_runs * sizeof(run[0]));
	} else {
		struct trie_plan *plan = b->plan;

		b->err = grow((void **)&plan->runs, &b->cap_runs,
			      plan->nr_runs + nr_runs, sizeof(*plan->runs));
		if (b->err)
			return;
		n.run_base = (uint32_t)plan->nr_runs;
		memcpy(&plan->runs[plan->nr_runs], run,
		       nr_runs * sizeof(run[0]));
		plan->nr_runs += nr_runs;
	}
	b->plan->nodes[node] = n;
	for (int c = 0; c < 64; c++)
		if (n.children >> c & 1)
			trie_fill_node(b, (size_t)kids + k++, first[c], end[c],
				       depth + XDPB_TRIE_STRIDE, leaf[c]);
}

/*
 * The prefixes [lo, hi) of a bucket (at most XDPB_IP4_BUCKET_PREFIXES)
 * into @order, longest first: a stable insertion sort.
 */
static void bucket_order(const struct prefix *pfx, size_t lo, size_t hi,
			 size_t *order)
{
	_Static_assert(XDPB_IP6_BUCKET_PREFIXES <= XDPB_IP4_BUCKET_PREFIXES,
		       "one order array serves both families");
	for (size_t i = lo; i < hi; i++) {
		size_t j = i - lo;

		while (j && pfx[order[j - 1]].plen < pfx[i].plen) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

/*
 * Bucket @n (in the node array): the prefixes [lo, hi) of one root entry,
 * longest first, over the leaf @base.
 */
static void trie_set_bucket(struct trie_build *b, size_t n, size_t lo,
			    size_t hi, uint32_t base)
{
	size_t order[XDPB_IP4_BUCKET_PREFIXES];

	bucket_order(b->pfx, lo, hi, order);
	if (b->ip4) {
		struct xdpb_ip4_bucket bk = {.base = base};

		for (size_t k = 0; k < hi - lo; k++) {
			bk.addr[k] = addr_host_order(&b->pfx[order[k]]);
			bk.leaf[k] = (uint32_t)(order[k] + 1);
			bk.plen[k] = b->pfx[order[k]].plen;
		}
		memcpy(&b->plan->nodes[n], &bk, sizeof(bk));
	} else {
		struct xdpb_ip6_bucket bk = {.base = base};

		for (size_t k = 0; k < hi - lo; k++) {
			__u64 phi;

			prefix_halves(&b->pfx[order[k]], &phi, &bk.lo[k]);
			bk.tag[k] = phi << XDPB_IP6_ROOT_BITS |
				    b->pfx[order[k]].plen;
			bk.leaf[k] = (uint32_t)(order[k] + 1);
		}
		memcpy(&b->plan->nodes[n], &bk, sizeof(bk));
	}
	b->plan->nr_buckets++;
}

/*
 * Single 0, which every root entry with neither a rule nor a prefix below
 * names: the all-zero address's /32 (IPv4) or /64 (IPv6), over leaf 0,
 * so that no address gets a leaf from it. An address near a rule (a
 * single) and one far from any (an empty entry) then take the same path
 * in the datapath: when both kinds come mixed, as on a link, the branch
 * between them was mispredicted about every other address
 * (docs/architecture.md, "The address tries"). Not an IPv6 /128: most
 * singles are /64 or shorter, and xdpb_trie_inside() branches at 64.
 */
static void trie_set_no_single(struct trie_build *b)
{
	long n = trie_new_singles(b, 1);

	if (n == XDPB_TRIE_NO_SINGLE) /* zeroed: address, leaves */
		b->plan->singles[n].plen = b->ip4 ? 32 : 64;
}

/*
 * The root: one entry per /16 (IPv4) or /19 (IPv6), then what is below:
 * a single, a node, or (a few prefixes) a bucket; an empty one names the
 * no-match single.
 */
static int trie_build(struct trie_build *b, size_t nr)
{
	struct trie_plan *plan = b->plan;
	size_t *first = NULL, *end = NULL, nr_entries;

	plan->root_bits = XDPB_TRIE_ROOT_BITS(b->ip4);
	nr_entries = trie_root_entries(plan);
	plan->root = calloc(nr_entries, sizeof(uint32_t));
	if (!nr) /* an empty root; no 8 MiB of ranges at every reload */
		return plan->root ? 0 : (b->err = -ENOMEM);
	first = calloc(nr_entries, sizeof(size_t));
	end = calloc(nr_entries, sizeof(size_t));
	if (!first || !end || !plan->root) {
		b->err = -ENOMEM;
		goto out;
	}
	trie_children(b, 0, nr, 0, plan->root_bits, 0, plan->root, first, end);
	trie_set_no_single(b);
	for (uint32_t c = 0; c < nr_entries && !b->err; c++) {
		long node;

		if (!plan->root[c] && end[c] == first[c]) {
			plan->root[c] = XDPB_KIND_SINGLE << XDPB_KIND_SHIFT |
					XDPB_TRIE_NO_SINGLE;
			continue;
		}
		if (end[c] - first[c] == 1) {
			long n = trie_new_singles(b, 1);

			if (n < 0)
				break;
			trie_set_single(b, (size_t)n, first[c], plan->root[c]);
			plan->root[c] = XDPB_KIND_SINGLE << XDPB_KIND_SHIFT |
					(uint32_t)n;
		}
		if (end[c] - first[c] < 2)
			continue;
		node = trie_new_nodes(b, 1);
		if (node < 0)
			break;
		if (end[c] - first[c] <= (b->ip4 ? XDPB_IP4_BUCKET_PREFIXES
						 : XDPB_IP6_BUCKET_PREFIXES)) {
			trie_set_bucket(b, (size_t)node, first[c], end[c],
					plan->root[c]);
			plan->root[c] = XDPB_KIND_BUCKET << XDPB_KIND_SHIFT |
					(uint32_t)node;
			continue;
		}
		trie_fill_node(b, (size_t)node, first[c], end[c],
			       plan->root_bits, plan->root[c]);
		plan->root[c] = XDPB_KIND_NODE << XDPB_KIND_SHIFT |
				(uint32_t)node;
	}
out:
	free(first);
	free(end);
	return b->err;
}

int ip6_plan_build(const struct rule_table *t, struct trie_plan *plan)
{
	struct trie_build b = {.plan = plan};
	struct node *nodes;
	struct prefix *pfx;
	size_t nr;
	int err;

	memset(plan, 0, sizeof(*plan));
	nodes = nodes_from_rules(t, &nr);
	if (!nodes)
		return -ENOMEM;
	plan->nr_prefixes = nr;
	plan->nr_leaves = nr + 1;
	plan->leaves = big_calloc(nr + 1, sizeof(*plan->leaves));
	pfx = big_calloc(nr + 1, sizeof(*pfx));
	if (!plan->leaves || !pfx) {
		free(nodes);
		free(pfx);
		trie_plan_free(plan);
		return -ENOMEM;
	}
	resolve_nodes(t, nodes, nr, plan->leaves + 1);
	for (size_t i = 0; i < nr; i++)
		pfx[i] = nodes[i].prefix;
	free(nodes);
	b.pfx = pfx;
	b.leaves = plan->leaves;
	err = trie_build(&b, nr);
	free(pfx);
	if (err)
		trie_plan_free(plan);
	return err;
}

size_t trie_plan_bytes(const struct trie_plan *plan)
{
	return trie_root_entries(plan) * sizeof(uint32_t) +
	       plan->nr_nodes * sizeof(*plan->nodes) +
	       plan->nr_runs * sizeof(*plan->runs) +
	       plan->nr_singles * sizeof(*plan->singles) +
	       plan->nr_leaves * sizeof(*plan->leaves);
}

void trie_plan_free(struct trie_plan *plan)
{
	free(plan->leaves);
	free(plan->root);
	free(plan->nodes);
	free(plan->runs);
	free(plan->singles);
	memset(plan, 0, sizeof(*plan));
}

/* ---- names ------------------------------------------------------------- */

/* Open-addressing index of the plan's entries by key. */
struct key_index {
	uint32_t *slots; /* entry + 1, 0 = empty */
	size_t mask;
};

static long key_index_find(const struct key_index *ix,
			   const struct xdpb_name_key *keys,
			   const struct xdpb_name_key *k)
{
	for (size_t i = k->hash[0] & ix->mask;; i = (i + 1) & ix->mask) {
		uint32_t s = ix->slots[i];

		if (!s)
			return -1;
		if (!name_key_cmp(&keys[s - 1], k))
			return s - 1;
	}
}

/*
 * The distinct proper suffixes of the listed names ("above" keys: some
 * listed name is below them), each with the anchor that picks its filter
 * line; indexed by key, as key_index.
 */
struct above_key {
	struct xdpb_name_key key, anchor;
};

struct above_set {
	struct above_key *items;
	size_t nr, cap;
	uint32_t *slots; /* item + 1, 0 = empty */
	size_t mask;
};

static int above_add(struct above_set *as, const struct xdpb_name_key *key,
		     const struct xdpb_name_key *anchor)
{
	size_t i = key->hash[0] & as->mask;

	for (;; i = (i + 1) & as->mask) {
		uint32_t s = as->slots[i];

		if (!s)
			break;
		if (!name_key_cmp(&as->items[s - 1].key, key))
			return 0;
	}
	if (as->nr == as->cap) {
		size_t cap = as->cap ? 2 * as->cap : 1024;
		struct above_key *items =
			big_realloc(as->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		as->items = items;
		as->cap = cap;
	}
	as->items[as->nr].key = *key;
	as->items[as->nr].anchor = *anchor;
	as->slots[i] = ++as->nr;
	return 0;
}

/* Rule @r into the match @m of view @web, if it takes part and beats it. */
static void match_add(struct xdpb_match *m, const struct name_rule *r, int web)
{
	uint8_t action = name_rule_view_action(r, web);

	if (action == XDPB_ACT_NONE ||
	    !xdpb_name_rule_beats(action, r->labels, r->list_id, m))
		return;
	m->rule_id = r->rule_id;
	m->list_id = r->list_id;
	m->action = action;
	m->prefixlen = r->labels;
}

/* An entry (distinct name) with its rules, in label order for resolving. */
struct name_node {
	uint32_t first, nr; /* rules */
	uint8_t labels;
};

static const struct name_node *sorting_nodes;

static int node_depth_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (int)sorting_nodes[x].labels - (int)sorting_nodes[y].labels;
}

static int name_filter_log2(size_t nr)
{
	int log2 = XDPB_NAME_FILTER_MIN_LOG2;

	while (log2 < XDPB_NAME_FILTER_MAX_LOG2 &&
	       (1ull << log2) < (uint64_t)nr * XDPB_NAME_FILTER_BITS_PER_NAME)
		log2++;
	return log2;
}

/*
 * One entry per distinct name. A name's "below" match combines its own
 * suffix rules with the "below" match of its nearest listed ancestor
 * (which already holds all further ones); its "full" match adds its
 * exact rules. Entries are resolved shortest name first, so every
 * ancestor is done before the names below it.
 *
 * The filter gets each entry's "listed" bits and each distinct proper
 * suffix's "above" bits, in the line of its anchor.
 */
int name_plan_build(const struct name_table *t, struct name_plan *plan)
{
	struct xdpb_name_key keys[XDPB_NAME_MAX_LABELS + 1],
		anchors[XDPB_NAME_MAX_LABELS + 1];
	struct name_node *nodes = NULL;
	struct xdpb_name_key *entry_anchors = NULL;
	struct key_index ix = {0};
	struct above_set above = {0};
	uint32_t *order = NULL;
	size_t nr = 0, cap = 1, nr_above_max = 0;
	uint32_t chunk_mask;
	int err = -ENOMEM;

	memset(plan, 0, sizeof(*plan));
	nodes = big_calloc(t->nr + 1, sizeof(*nodes));
	plan->keys = big_calloc(t->nr + 1, sizeof(*plan->keys));
	plan->leaves = big_calloc(t->nr + 1, sizeof(*plan->leaves));
	if (!nodes || !plan->keys || !plan->leaves)
		goto out;
	for (size_t i = 0; i < t->nr; i++) {
		const struct name_rule *r = &t->rules[i];

		/* rules are sorted by key: one name's rules are adjacent */
		if (nr && !name_key_cmp(&plan->keys[nr - 1], &r->key)) {
			nodes[nr - 1].nr++;
			continue;
		}
		plan->keys[nr] = r->key;
		nodes[nr].first = i;
		nodes[nr].nr = 1;
		nodes[nr].labels = r->labels;
		nr_above_max += r->labels > 1 ? r->labels - 1 : 0;
		nr++;
	}
	plan->nr_entries = nr;
	while (cap < nr * 2)
		cap <<= 1;
	ix.mask = cap - 1;
	ix.slots = big_calloc(cap, sizeof(uint32_t));
	order = big_calloc(nr + 1, sizeof(uint32_t));
	entry_anchors = big_calloc(nr + 1, sizeof(*entry_anchors));
	for (cap = 2; cap < nr_above_max * 2; cap <<= 1)
		;
	above.mask = cap - 1;
	above.slots = big_calloc(cap, sizeof(uint32_t));
	if (!ix.slots || !order || !entry_anchors || !above.slots)
		goto out;
	for (size_t n = 0; n < nr; n++) {
		size_t i = plan->keys[n].hash[0] & ix.mask;

		while (ix.slots[i])
			i = (i + 1) & ix.mask;
		ix.slots[i] = n + 1;
		order[n] = n;
	}
	sorting_nodes = nodes;
	qsort(order, nr, sizeof(*order), node_depth_cmp);

	for (size_t o = 0; o < nr; o++) {
		uint32_t n = order[o];
		const struct name_node *node = &nodes[n];
		struct xdpb_name_leaf *leaf = &plan->leaves[n];
		const char *text = name_rule_text(t, &t->rules[node->first]);
		int labels = name_suffix_keys(text, keys, anchors);
		memset(leaf, 0, sizeof(*leaf));
		for (int s = 1; s < labels; s++) {
			long a = key_index_find(&ix, plan->keys, &keys[s]);

			if (a >= 0) {
				leaf->below = plan->leaves[a].below;
				leaf->web_below = plan->leaves[a].web_below;
				break;
			}
		}
		for (uint32_t r = 0; r < node->nr; r++) {
			const struct name_rule *rule =
				&t->rules[node->first + r];

			if (rule->kind != XDPB_NAME_SUFFIX)
				continue;
			match_add(&leaf->below, rule, 0);
			match_add(&leaf->web_below, rule, 1);
		}
		leaf->full = leaf->below;
		leaf->web_full = leaf->web_below;
		for (uint32_t r = 0; r < node->nr; r++) {
			const struct name_rule *rule =
				&t->rules[node->first + r];

			match_add(&leaf->full, rule, 0);
			match_add(&leaf->web_full, rule, 1);
		}
		entry_anchors[n] = anchors[0];
		for (int s = 1; s < labels; s++)
			if (above_add(&above, &keys[s], &anchors[s]))
				goto out;
	}

	/*
	 * 32 bits per listed name or per above key, whichever are more: at
	 * least 16 bits per key. Sized for both (8 MiB instead of 4 at the
	 * benchmark's 1M names, 0.5M above keys), an unlisted query cost
	 * about 20 ns more at 1M names, its filter line missing the cache
	 * more often; the denser filter's false "listed" (0.27 % of the
	 * tests there) costs a table probe far less often.
	 */
	plan->filter_log2 = name_filter_log2(nr > above.nr ? nr : above.nr);
	plan->filter_bytes = (1ull << plan->filter_log2) / 8;
	plan->filter = big_calloc(plan->filter_bytes / 8, sizeof(uint64_t));
	if (!plan->filter)
		goto out;
	chunk_mask = (uint32_t)(plan->filter_bytes /
					sizeof(struct xdpb_filter_chunk) -
				1);
	for (size_t n = 0; n < nr; n++)
		xdpb_filter_chunk_add(
			(struct xdpb_filter_chunk *)plan->filter +
				xdpb_name_filter_chunk(&entry_anchors[n],
						       chunk_mask),
			xdpb_name_listed_bits(&plan->keys[n]));
	for (size_t a = 0; a < above.nr; a++)
		xdpb_filter_chunk_add(
			(struct xdpb_filter_chunk *)plan->filter +
				xdpb_name_filter_chunk(&above.items[a].anchor,
						       chunk_mask),
			xdpb_name_above_bits(&above.items[a].key));
	plan->nr_above = above.nr;
	err = 0;
out:
	free(nodes);
	free(ix.slots);
	free(order);
	free(entry_anchors);
	free(above.items);
	free(above.slots);
	if (err)
		name_plan_free(plan);
	return err;
}

uint32_t name_table_slots(size_t nr_entries)
{
	return (uint32_t)(2 * nr_entries + 64);
}

int name_table_fill(const struct name_plan *plan, struct xdpb_name_slot *slots,
		    uint32_t nr_slots, uint64_t seed)
{
	if (plan->nr_entries >= nr_slots)
		return -E2BIG;
	for (size_t i = 0; i < plan->nr_entries; i++) {
		struct xdpb_name_slot cur = {
			.key = plan->keys[i],
			.leaf = plan->leaves[i],
			.used = 1,
		};
		uint32_t pos = xdpb_name_slot_home(&cur.key, seed, nr_slots);

		/*
		 * Robin Hood: a key further from its home takes the slot of
		 * one nearer its own, which moves on. A table with a free
		 * slot always ends the walk.
		 */
		for (;;) {
			struct xdpb_name_slot *s = &slots[pos];

			if (!s->used) {
				*s = cur;
				break;
			}
			if (s->dist < cur.dist) {
				struct xdpb_name_slot t = *s;

				*s = cur;
				cur = t;
			}
			if (++cur.dist >= XDPB_NAME_MAX_PROBES)
				return -E2BIG;
			if (++pos == nr_slots)
				pos = 0;
		}
	}
	return 0;
}

void name_plan_free(struct name_plan *plan)
{
	free(plan->keys);
	free(plan->leaves);
	free(plan->filter);
	memset(plan, 0, sizeof(*plan));
}
