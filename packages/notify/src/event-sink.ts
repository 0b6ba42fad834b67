// The in-process sink for library users: requests as events on an EventEmitter.
import { EventEmitter } from "node:events";
import type { CheckpointRequest, NotifySink } from "./types.js";

/**
 * A sink that emits each request as a "request" event on `emitter` (a new EventEmitter by default).
 * @example const s = eventSink(); s.emitter.on("request", (req) => log(req.reason)); notifier.addSink(s);
 */
export function eventSink(
  opts: { name?: string; emitter?: EventEmitter } = {},
): NotifySink & { emitter: EventEmitter } {
  const emitter = opts.emitter ?? new EventEmitter();
  return {
    name: opts.name ?? "event",
    emitter,
    send(req: CheckpointRequest): void {
      emitter.emit("request", req);
    },
  };
}
