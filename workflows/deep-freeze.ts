/** Freezes a value and everything in it, so a shared definition (a version's policy) cannot be changed by mistake. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
