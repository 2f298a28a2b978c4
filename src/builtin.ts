/**
 * @module builtin — a module the runtime has built in (`node:zlib`, `node:buffer`), where it has one:
 * Node, and workerd with `nodejs_compat`. Found with `process.getBuiltinModule`, so the core imports
 * nothing from `node:` and still runs where neither exists, on its JavaScript fallbacks.
 */

/**
 * The runtime's own module `id`, or undefined where the runtime has none (or no way to ask).
 * @example builtinModule<{ deflateRawSync: unknown }>("node:zlib")?.deflateRawSync
 */
export function builtinModule<T>(id: string): Partial<T> | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process;
  try {
    return runtime?.getBuiltinModule?.(id) as Partial<T> | undefined;
  } catch {
    return undefined;
  }
}
