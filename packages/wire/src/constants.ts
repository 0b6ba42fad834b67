/** Largest payload (`len`) a frame may carry: QEMU's NET_BUFSIZE, 64 KiB GSO plus room for Ethernet and vnet headers. */
export const MAX_FRAME_LEN = 69632;

/** Size of each big-endian length word in the framing (`len`, and `vnet_hdr_len` when enabled). */
export const LEN_WORD = 4;
