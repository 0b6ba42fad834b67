// Safety net for native resources a caller forgot to close: runs the release function after GC.
// Explicit close() / `using` is the contract; this only bounds leaks.
const registry = new FinalizationRegistry<() => void>((release) => {
  try {
    release();
  } catch {
    // nothing useful to do from a finalizer
  }
});

/** Release `release` when `owner` is collected, unless `untrack(owner)` ran first. */
export function track(owner: object, release: () => void): void {
  registry.register(owner, release, owner);
}

/** Stop tracking `owner` (it was closed explicitly). */
export function untrack(owner: object): void {
  registry.unregister(owner);
}
