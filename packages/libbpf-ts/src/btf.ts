// Reads DATASEC variable placement from the object's BTF: libbpf fixes the offsets at open time
// (they are 0 in the .o), so this is the reliable source for .rodata/.data/.bss variables.

import { BTF_KIND_DATASEC } from "./constants.js";
import type { Ptr } from "./ffi/index.js";
import { ffi } from "./ffi/index.js";
import { BTF_TYPE, BTF_VAR_SECINFO } from "./layouts.js";
import { libbpf } from "./native.js";

const BTF_TYPE_SIZE = BTF_TYPE.size;
const SECINFO_SIZE = BTF_VAR_SECINFO.size;
const SI = BTF_VAR_SECINFO.fields;

/** Placement of one global variable inside its section's map value. */
export interface VarSlot {
  readonly offset: number;
  readonly size: number;
}

/** Variables of DATASEC `section` (e.g. ".rodata") by name; empty if the object has no such section. */
export function datasecVars(btf: Ptr, section: string): Map<string, VarSlot> {
  const out = new Map<string, VarSlot>();
  if (btf === null) return out;
  const bpf = libbpf();
  const id = bpf.btf__find_by_name_kind(btf, section, BTF_KIND_DATASEC);
  if (id < 0) return out;
  const head = new DataView(ffi.view(bpf.btf__type_by_id(btf, id), BTF_TYPE_SIZE));
  const vlen = head.getUint32(BTF_TYPE.fields.info.offset, true) & 0xffff;
  const secinfo = new DataView(ffi.view(bpf.btf__type_by_id(btf, id), BTF_TYPE_SIZE + vlen * SECINFO_SIZE));
  for (let i = 0; i < vlen; i++) {
    const at = BTF_TYPE_SIZE + i * SECINFO_SIZE;
    const varType = new DataView(
      ffi.view(bpf.btf__type_by_id(btf, secinfo.getUint32(at + SI.type.offset, true)), 4),
    );
    const name = bpf.btf__name_by_offset(btf, varType.getUint32(BTF_TYPE.fields.name_off.offset, true)) as
      | string
      | null;
    if (!name) continue;
    out.set(name, {
      offset: secinfo.getUint32(at + SI.offset.offset, true),
      size: secinfo.getUint32(at + SI.size.offset, true),
    });
  }
  return out;
}
