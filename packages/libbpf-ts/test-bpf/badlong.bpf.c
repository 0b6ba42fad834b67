// Rejected by the verifier on purpose, after ~2000 instructions: its log is far longer than one
// print buffer, so the verdict at the end is only seen if long messages are formatted in full.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_long(struct xdp_md *ctx)
{
	volatile __u32 acc = 0;
	unsigned char *data;

#pragma unroll
	for (int i = 0; i < 500; i++)
		acc += i;
	data = (void *)(long)ctx->data;
	return data[acc & 1] == 0xff ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
