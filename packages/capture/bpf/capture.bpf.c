// SPDX-License-Identifier: GPL-2.0-or-later
// colod tap capture: a tc program on a tap's ingress (what the guest transmits) that copies frames of the
// configured classes into a BPF ring buffer and drops or passes them per tap, and an XDP program that
// re-injects released frames with a cookie the tc program lets through.
// UAPI headers only (no vmlinux.h, no CO-RE): __sk_buff and xdp_md are stable, so one object fits every
// kernel >= 5.18 and both bpfel targets. Build: packages/capture/scripts/build-bpf.sh
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

// Largest frame copied whole: a 9000 B MTU jumbo frame plus headers; longer ones are truncated and flagged.
#define MAX_FRAME 9216

// Frame classes of the per-tap masks (keep in sync with src/layout.ts).
#define CLASS_IPV4 1
#define CLASS_IPV6 2
#define CLASS_ARP 4
#define CLASS_OTHER 8

// Record flags.
#define REC_DROPPED 1
#define REC_TRUNC 2

// Counter indexes of the stats map (keep in sync with src/layout.ts).
enum {
	ST_SEEN,
	ST_CAPTURED,
	ST_RINGFULL,
	ST_TRUNC,
	ST_PASSED,
	ST_DROPPED,
	ST_RELEASED,
	ST_MAX,
};

// 24 bytes ahead of every captured frame, after libbpf's own 8-byte ring record header.
struct rec_hdr {
	__u32 cap_len;
	__u32 orig_len;
	__u32 ifindex;
	__u16 ethertype;
	__u16 flags;
	__u64 ktime_ns;
};

// Per-tap policy: which classes are copied to the ring, which are dropped in the kernel.
struct tap_cfg {
	__u32 capture_mask;
	__u32 drop_mask;
};

// The stack holds 512 B, so the frame is assembled in a per-CPU buffer and emitted with one variable-size copy.
struct scratch {
	struct rec_hdr hdr;
	__u8 frame[MAX_FRAME];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); // resized by user space before load
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32); // ifindex
	__type(value, struct tap_cfg);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

// Set to 1 by the consumer before it sleeps in poll(2) for long (idle), 0 when it is draining: while idle the
// kernel's own wakeup (on the first record after a full drain) brings it back at once.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} idle SEC(".maps");

// Backlog in bytes at which the consumer is woken; 0 keeps the kernel's adaptive wakeups. Below it the
// consumer's own timer drains the ring, which spares the guest's TX path a wakeup per frame.
const volatile __u32 wakeup_bytes = 0;
// Cookie the release program writes in the XDP metadata; a guest cannot set skb metadata, so frames that
// carry it were re-injected by colod and must pass.
const volatile __u32 release_magic = 0xc0100de5;

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

static __always_inline __u32 classify(__u16 ethertype)
{
	if (ethertype == ETH_P_IP)
		return CLASS_IPV4;
	if (ethertype == ETH_P_IPV6)
		return CLASS_IPV6;
	if (ethertype == ETH_P_ARP)
		return CLASS_ARP;
	return CLASS_OTHER;
}

static __always_inline int is_released(struct __sk_buff *skb)
{
	void *meta = (void *)(long)skb->data_meta;
	void *data = (void *)(long)skb->data;

	if (meta + 4 > data)
		return 0;
	return *(__u32 *)meta == release_magic;
}

// Wake a busy consumer only on the record that takes the backlog across wakeup_bytes (it also drains on
// its own timer); wake an idle one on its first record.
static __always_inline __u64 wakeup_flags(__u64 size)
{
	__u32 zero = 0;
	__u32 *asleep = bpf_map_lookup_elem(&idle, &zero);
	__u64 avail;

	if (!wakeup_bytes || (asleep && *asleep))
		return 0;
	avail = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	if (avail < wakeup_bytes && avail + size + 8 >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void capture_frame(struct __sk_buff *skb, __u16 ethertype, __u16 flags)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);
	__u32 len = skb->len;

	if (!s)
		return;
	if (len > MAX_FRAME) {
		len = MAX_FRAME;
		flags |= REC_TRUNC;
		count(ST_TRUNC);
	}
	if (len == 0)
		return;
	if (bpf_skb_load_bytes(skb, 0, s->frame, len) < 0)
		return;
	s->hdr.cap_len = len;
	s->hdr.orig_len = skb->len;
	s->hdr.ifindex = skb->ifindex;
	s->hdr.ethertype = ethertype;
	s->hdr.flags = flags;
	s->hdr.ktime_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&rb, s, sizeof(s->hdr) + len, wakeup_flags(sizeof(s->hdr) + len)) < 0) {
		count(ST_RINGFULL); // still dropped below if the mask says so: fail closed, never leak
		return;
	}
	count(ST_CAPTURED);
}

// "Pass" is TC_ACT_UNSPEC (TCX_NEXT): later TCX programs and tc filters on the tap still run, and with none
// left the frame goes on as if nothing was attached.
SEC("tc")
int capture(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct tap_cfg *c = bpf_map_lookup_elem(&cfg, &ifindex);
	__u16 ethertype;
	__u32 cls;
	int drop;

	if (!c)
		return TC_ACT_UNSPEC; // a device this object was not told about
	count(ST_SEEN);
	if (is_released(skb)) {
		count(ST_RELEASED);
		return TC_ACT_UNSPEC;
	}
	ethertype = bpf_ntohs(skb->protocol);
	cls = classify(ethertype);
	drop = (c->drop_mask & cls) != 0;
	if (c->capture_mask & cls)
		capture_frame(skb, ethertype, drop ? REC_DROPPED : 0);
	if (drop) {
		count(ST_DROPPED);
		return TC_ACT_SHOT;
	}
	count(ST_PASSED);
	return TC_ACT_UNSPEC;
}

// Run through BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES and ingress_ifindex = the tap: XDP_PASS
// makes the kernel build an skb and receive it on the tap, where capture() sees the cookie and passes it.
SEC("xdp")
int release(struct xdp_md *ctx)
{
	void *meta;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -4) < 0)
		return XDP_ABORTED;
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if (meta + 4 > data)
		return XDP_ABORTED;
	*(__u32 *)meta = release_magic;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
