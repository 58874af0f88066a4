// SPDX-License-Identifier: MIT
/*
 * Exact order analysis of the compacted XSAVE size.
 *
 * Visiting the n enabled components in some order, pos starts at 576 (a
 * multiple of 64) and each component adds its size, an aligned one first
 * rounding pos up to 64. Let P be the total padding; the final size is
 * 576 + sum(sizes) + P, so only the distribution of P over the n! orders is
 * needed, and P only depends on sizes modulo 64 (the residues):
 *
 *  - An unaligned component of residue 0 never changes pos mod 64: it commutes
 *    with everything. The k such components multiply every count by n!/(n-k)!
 *    and are otherwise dropped.
 *  - Right after an aligned component of residue alpha, pos mod 64 = alpha,
 *    whatever came before. So an order is a word of aligned residues
 *    alpha_1..alpha_a with gaps G_0..G_a of unaligned components, and
 *    P = sum over j < a of pad(alpha_j + sum(G_j)), alpha_0 = 0,
 *    pad(x) = -x mod 64. The last gap never matters.
 *  - Components with equal residue are interchangeable. Counting words over
 *    residue classes and multiplying by prod(c!) over the class counts c gives
 *    the counts of orders of the components themselves.
 *
 * The unaligned classes form a multiset; its sub-multisets are numbered in a
 * mixed radix (digit k in 0..count_k), NU = prod(count_k + 1) of them. A
 * depth-first walk over the distinct words of aligned classes carries, at
 * depth j (j aligned placed), a layer L_j[M][q]: the number of class words
 * that have used the unaligned sub-multiset M in gaps 0..j-1 with padding
 * P = 64 q + b, where b = -(sum of alpha_1..alpha_{j-1} + sum(M)) mod 64 is
 * fixed by the path and M, so only q (0 <= q < j) needs storing. Going one
 * aligned component deeper chooses the next gap G, a sub-multiset of what M
 * leaves, which can be written as |G|!/prod(g_k!) class words. The layer after
 * a node is the same for all its children (the padding depends on the node's
 * residue, not the child's), so it is computed once per node. At depth a the
 * remaining unaligned components form the last gap.
 *
 * Cost: the walk has at most (a + 1) W nodes, W = a!/prod(c!) over the aligned
 * classes (1 when every aligned size is a multiple of 64, as on all known
 * CPUs); each costs at most j * prod((c_k + 1)(c_k + 2)/2) over the unaligned
 * classes. Memory is NU * (1 + sum of max(j, 1) over j = 0..a) counters in a
 * fixed on-stack array (16 KiB), plus a byte per sub-multiset. Architectural
 * sizes are multiples of 8, so there are at most 7 unaligned classes; a full
 * Sapphire Rapids style table of 19 components needs a few hundred counters.
 * Without aligned components every order gives the same size. Inputs with
 * many distinct residues (not seen on real CPUs) that exceed the scratch
 * space or the work bound are refused with -E2BIG instead of running for
 * hours. Counts never overflow: every count is at most n! <= 20! < 2^64.
 */
#include <string.h>

#include "orders.h"

#define ORDERS_SCRATCH 2048u
/* Upper bound on inner-loop steps before the analysis is refused. */
#define ORDERS_MAX_WORK (1ull << 30)
#define ORDERS_MOD	64u

static const uint64_t orders_fact[ORDERS_MAX_COMPONENTS + 1] = {
	1ull,
	1ull,
	2ull,
	6ull,
	24ull,
	120ull,
	720ull,
	5040ull,
	40320ull,
	362880ull,
	3628800ull,
	39916800ull,
	479001600ull,
	6227020800ull,
	87178291200ull,
	1307674368000ull,
	20922789888000ull,
	355687428096000ull,
	6402373705728000ull,
	121645100408832000ull,
	2432902008176640000ull,
};

/* Residue classes of one kind (aligned or unaligned). */
struct orders_classes {
	unsigned int nr;
	unsigned int total;
	uint8_t res[ORDERS_MAX_COMPONENTS];
	uint8_t cnt[ORDERS_MAX_COMPONENTS];
};

struct orders_ctx {
	struct orders_classes u;	     /* unaligned, residue != 0 */
	struct orders_classes a;	     /* aligned */
	uint8_t left[ORDERS_MAX_COMPONENTS]; /* aligned still to place */
	uint32_t stride[ORDERS_MAX_COMPONENTS];
	uint32_t nidx;	    /* sub-multisets of the unaligned classes */
	uint32_t base_size; /* 576 + sum of all sizes, as pos wraps */
	uint64_t *words;    /* class words of each sub-multiset */
	uint64_t *layer[ORDERS_MAX_COMPONENTS + 1];
	struct orders_result *r;
	struct xsvm_err *err;
	uint8_t sres[ORDERS_SCRATCH]; /* residue sum of each sub-multiset */
	uint64_t scratch[ORDERS_SCRATCH];
};

static uint64_t sat_mul(uint64_t x, uint64_t y)
{
	if (x && y > UINT64_MAX / x)
		return UINT64_MAX;
	return x * y;
}

static unsigned int layer_width(unsigned int j)
{
	return j ? j : 1;
}

static void classes_add(struct orders_classes *c, unsigned int res)
{
	unsigned int k;

	c->total++;
	for (k = 0; k < c->nr; k++) {
		if (c->res[k] == res) {
			c->cnt[k]++;
			return;
		}
	}
	c->res[c->nr] = (uint8_t)res;
	c->cnt[c->nr++] = 1;
}

/* Digit k of sub-multiset idx. */
static unsigned int digit(const struct orders_ctx *x, uint32_t idx,
			  unsigned int k)
{
	return idx / x->stride[k] % (x->u.cnt[k] + 1u);
}

/*
 * Next sub-multiset g (digits, index *idx) with g <= lim, in odometer order.
 * Returns false after the last one.
 */
static bool odometer_next(const struct orders_ctx *x, const uint8_t *lim,
			  uint8_t *g, uint32_t *idx)
{
	for (unsigned int k = 0; k < x->u.nr; k++) {
		if (g[k] < lim[k]) {
			g[k]++;
			*idx += x->stride[k];
			return true;
		}
		*idx -= g[k] * x->stride[k];
		g[k] = 0;
	}
	return false;
}

/* Class words of each sub-multiset (|G|!/prod(g_k!)) and its residue sum. */
static void fill_tables(struct orders_ctx *x)
{
	for (uint32_t idx = 0; idx < x->nidx; idx++) {
		unsigned int card = 0, sum = 0;
		uint64_t w;

		for (unsigned int k = 0; k < x->u.nr; k++) {
			unsigned int d = digit(x, idx, k);

			card += d;
			sum += d * x->u.res[k];
		}
		w = orders_fact[card];
		for (unsigned int k = 0; k < x->u.nr; k++)
			w /= orders_fact[digit(x, idx, k)];
		x->words[idx] = w;
		x->sres[idx] = (uint8_t)(sum % ORDERS_MOD);
	}
}

/* Padding so far modulo 64 at a layer, for sub-multiset m. */
static unsigned int pad_base(const struct orders_ctx *x, unsigned int sum_a,
			     uint32_t m)
{
	return (ORDERS_MOD - (sum_a + x->sres[m]) % ORDERS_MOD) % ORDERS_MOD;
}

/* Add gap g (index gidx) after the aligned residue alpha to row m of src. */
static void step_gap(struct orders_ctx *x, const uint64_t *row, unsigned int sw,
		     uint64_t *dst, unsigned int dw, unsigned int base,
		     unsigned int alpha, uint32_t m, uint32_t gidx)
{
	unsigned int pad = (ORDERS_MOD - (alpha + x->sres[gidx]) % ORDERS_MOD) %
			   ORDERS_MOD;
	uint64_t *out = dst + (size_t)(m + gidx) * dw;
	uint64_t w = x->words[gidx];

	for (unsigned int q = 0; q < sw; q++) {
		unsigned int p = q * ORDERS_MOD + base + pad;

		if (row[q])
			out[p / ORDERS_MOD] += row[q] * w;
	}
}

static bool row_empty(const uint64_t *row, unsigned int w)
{
	for (unsigned int q = 0; q < w; q++)
		if (row[q])
			return false;
	return true;
}

/* Layer j+1 from layer j, the last aligned residue being alpha. */
static void step(struct orders_ctx *x, unsigned int j, unsigned int alpha,
		 unsigned int sum_a)
{
	unsigned int sw = layer_width(j), dw = layer_width(j + 1);
	const uint64_t *src = x->layer[j];
	uint64_t *dst = x->layer[j + 1];

	memset(dst, 0, (size_t)x->nidx * dw * sizeof(*dst));
	for (uint32_t m = 0; m < x->nidx; m++) {
		uint8_t lim[ORDERS_MAX_COMPONENTS], g[ORDERS_MAX_COMPONENTS];
		const uint64_t *row = src + (size_t)m * sw;
		unsigned int base = pad_base(x, sum_a, m);
		uint32_t gidx = 0;

		if (row_empty(row, sw))
			continue;
		for (unsigned int k = 0; k < x->u.nr; k++) {
			lim[k] = (uint8_t)(x->u.cnt[k] - digit(x, m, k));
			g[k] = 0;
		}
		do {
			step_gap(x, row, sw, dst, dw, base, alpha, m, gidx);
		} while (odometer_next(x, lim, g, &gidx));
	}
}

/* Add count orders of the given size to the result, kept sorted by size. */
static int result_add(struct orders_ctx *x, uint32_t size, uint64_t count)
{
	struct orders_result *r = x->r;
	unsigned int lo = 0, hi = r->nr_sizes;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (r->sizes[mid].size < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->nr_sizes && r->sizes[lo].size == size) {
		r->sizes[lo].orders += count;
		return 0;
	}
	if (r->nr_sizes == ORDERS_MAX_SIZES)
		return xsvm_err_set(x->err, E2BIG,
				    "more than %u distinct compacted sizes",
				    ORDERS_MAX_SIZES);
	memmove(&r->sizes[lo + 1], &r->sizes[lo],
		(r->nr_sizes - lo) * sizeof(r->sizes[0]));
	r->sizes[lo].size = size;
	r->sizes[lo].orders = count;
	r->nr_sizes++;
	return 0;
}

/* All aligned placed: the remaining unaligned form the last gap. */
static int finish(struct orders_ctx *x, unsigned int j, unsigned int sum_a)
{
	unsigned int w = layer_width(j);
	uint32_t full = x->nidx - 1;

	for (uint32_t m = 0; m < x->nidx; m++) {
		const uint64_t *row = x->layer[j] + (size_t)m * w;
		unsigned int base = pad_base(x, sum_a, m);

		for (unsigned int q = 0; q < w; q++) {
			uint32_t p = q * ORDERS_MOD + base;
			int ret;

			if (!row[q])
				continue;
			ret = result_add(x, x->base_size + p,
					 row[q] * x->words[full - m]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Depth j of the walk over words of aligned classes; last is the class of
 * the j-th aligned component (ignored at depth 0), sum_a the residue sum of
 * the aligned components before it.
 */
static int walk(struct orders_ctx *x, unsigned int j, unsigned int last,
		unsigned int sum_a)
{
	unsigned int alpha = j ? x->a.res[last] : 0;

	if (j == x->a.total)
		return finish(x, j, sum_a);
	step(x, j, alpha, sum_a);
	for (unsigned int t = 0; t < x->a.nr; t++) {
		int ret;

		if (!x->left[t])
			continue;
		x->left[t]--;
		ret = walk(x, j + 1, t, sum_a + alpha);
		x->left[t]++;
		if (ret)
			return ret;
	}
	return 0;
}

/* Sort the slots into classes; returns the number of residue-0 unaligned. */
static unsigned int classify(struct orders_ctx *x, const struct xsave_layout *l)
{
	unsigned int zero = 0;
	uint32_t sum = XSAVE_EXT_START;

	for (unsigned int k = 0; k < l->nr; k++) {
		const struct xsave_comp *c = &l->slot[k].comp;
		unsigned int res = c->size % ORDERS_MOD;

		sum += c->size;
		if (c->aligned)
			classes_add(&x->a, res);
		else if (res)
			classes_add(&x->u, res);
		else
			zero++;
	}
	x->base_size = sum;
	memcpy(x->left, x->a.cnt, sizeof(x->left));
	return zero;
}

/* Lay the layers out in the scratch array; -E2BIG when they do not fit. */
static int plan(struct orders_ctx *x)
{
	uint64_t need, nidx = 1, pairs = 1, words, work;

	for (unsigned int k = 0; k < x->u.nr; k++) {
		uint64_t c = x->u.cnt[k];

		x->stride[k] = (uint32_t)(nidx < ORDERS_SCRATCH ? nidx : 0);
		nidx = sat_mul(nidx, c + 1);
		pairs = sat_mul(pairs, (c + 1) * (c + 2) / 2);
	}
	need = nidx;
	for (unsigned int j = 0; j <= x->a.total; j++)
		need = sat_mul(nidx, layer_width(j)) + need;
	words = orders_fact[x->a.total];
	for (unsigned int k = 0; k < x->a.nr; k++)
		words /= orders_fact[x->a.cnt[k]];
	work = sat_mul(sat_mul(words, x->a.total + 1),
		       sat_mul(pairs, layer_width(x->a.total)));
	if (need > ORDERS_SCRATCH || work > ORDERS_MAX_WORK)
		return xsvm_err_set(x->err, E2BIG,
				    "%u unaligned and %u aligned size classes "
				    "modulo 64: too many for exact analysis",
				    x->u.nr, x->a.nr);
	x->nidx = (uint32_t)nidx;
	return 0;
}

static void place_layers(struct orders_ctx *x)
{
	uint64_t *p = x->scratch;

	x->words = p;
	p += x->nidx;
	for (unsigned int j = 0; j <= x->a.total; j++) {
		x->layer[j] = p;
		p += (size_t)x->nidx * layer_width(j);
	}
	memset(x->layer[0], 0, (size_t)x->nidx * sizeof(uint64_t));
	x->layer[0][0] = 1;
}

/* Class words to orders: prod(c!) over all classes times n!/(n - zero)!. */
static void scale_counts(const struct orders_ctx *x, unsigned int n,
			 unsigned int zero)
{
	uint64_t f = orders_fact[n] / orders_fact[n - zero];

	for (unsigned int k = 0; k < x->u.nr; k++)
		f *= orders_fact[x->u.cnt[k]];
	for (unsigned int k = 0; k < x->a.nr; k++)
		f *= orders_fact[x->a.cnt[k]];
	for (unsigned int i = 0; i < x->r->nr_sizes; i++)
		x->r->sizes[i].orders *= f;
}

static uint32_t ascending_size(const struct xsave_layout *l)
{
	uint8_t order[ORDERS_MAX_COMPONENTS];

	for (unsigned int k = 0; k < l->nr; k++)
		order[k] = (uint8_t)k;
	return xsave_compacted_size_perm(l, order);
}

int orders_analyse(const struct xsave_layout *l, struct orders_result *r,
		   struct xsvm_err *err)
{
	struct orders_ctx x;
	unsigned int zero;
	int ret;

	memset(r, 0, sizeof(*r));
	r->nr_components = l->nr;
	if (l->nr > ORDERS_MAX_COMPONENTS)
		return xsvm_err_set(err, E2BIG,
				    "%u components: at most %u can be analysed",
				    l->nr, ORDERS_MAX_COMPONENTS);
	r->orders_total = orders_fact[l->nr];
	r->ascending_size = ascending_size(l);
	memset(&x.u, 0, sizeof(x.u));
	memset(&x.a, 0, sizeof(x.a));
	x.r = r;
	x.err = err;
	zero = classify(&x, l);
	if (!x.a.total)
		return result_add(&x, x.base_size, r->orders_total);
	ret = plan(&x);
	if (ret)
		return ret;
	place_layers(&x);
	fill_tables(&x);
	ret = walk(&x, 0, 0, 0);
	if (ret) {
		r->nr_sizes = 0;
		return ret;
	}
	scale_counts(&x, l->nr, zero);
	return 0;
}
