// Test program for libbpf-ts: rodata, maps, a ring buffer filled from XDP test runs, a tc program.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_COPY 256

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} kv SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[MAX_COPY + 8]);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

const volatile __u8 flag = 0;
const volatile __u32 tag = 0;
const volatile __u64 big = 0;
const volatile __u8 blob[6] = {};

/* Emits one record per frame: u32 tag, then the first min(len, MAX_COPY - 4) frame bytes.
 * A frame starting with 0xdd is reserved and discarded instead, to exercise the discard bit. */
SEC("xdp")
int xdp_rec(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u8 *buf = bpf_map_lookup_elem(&scratch, &zero);
	__u64 len = bpf_xdp_get_buff_len(ctx); /* a scalar: data_end - data is pointer arithmetic needing CAP_PERFMON */
	__u8 *data = (void *)(long)ctx->data;

	if (!buf)
		return XDP_ABORTED;
	if (data + 1 <= (__u8 *)(long)ctx->data_end && data[0] == 0xdd) {
		void *r = bpf_ringbuf_reserve(&rb, 16, 0);
		if (r)
			bpf_ringbuf_discard(r, 0);
		return XDP_DROP;
	}
	if (len > MAX_COPY - 4)
		len = MAX_COPY - 4;
	/* len <= 252 already; the mask only tells the verifier, which lost the bound in clang's copies */
	asm volatile("%0 &= 255" : "+r"(len));
	if (len == 0)
		return XDP_ABORTED;
	*(__u32 *)buf = tag;
	if (bpf_xdp_load_bytes(ctx, 0, buf + 4, len))
		return XDP_ABORTED;
	bpf_ringbuf_output(&rb, buf, len + 4, 0);
	return XDP_PASS;
}

/* Stores the rodata values in `counters` so a test can read back what setRodata wrote. */
SEC("xdp")
int xdp_cfg(struct xdp_md *ctx)
{
	__u32 k0 = 0, k1 = 1, k2 = 2, k3 = 3;
	__u64 v0 = flag, v1 = tag, v2 = big, v3 = 0;

	for (int i = 0; i < (int)sizeof(blob); i++) /* element reads stay volatile; memcpy would fold to 0 */
		v3 |= (__u64)blob[i] << (8 * i);
	bpf_map_update_elem(&counters, &k0, &v0, BPF_ANY);
	bpf_map_update_elem(&counters, &k1, &v1, BPF_ANY);
	bpf_map_update_elem(&counters, &k2, &v2, BPF_ANY);
	bpf_map_update_elem(&counters, &k3, &v3, BPF_ANY);
	return XDP_PASS;
}

/* Counts test frames (ethertype 0x88b5, IEEE local experimental) seen on a tc/TCX hook in
 * counters[4], ignoring the kernel's own IPv6 neighbour traffic on the device; lets all pass. */
SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	__u32 k = 4;
	__u64 *c = bpf_map_lookup_elem(&counters, &k);

	if (c && skb->protocol == bpf_htons(0x88b5))
		__sync_fetch_and_add(c, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
