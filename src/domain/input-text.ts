/**
 * Client values as text, safely. A JSON body's object may carry its own
 * `toString` / `valueOf` keys (`{"toString": "x"}`), which shadow
 * Object.prototype's methods, so `String(value)` or a template literal on it
 * throws a TypeError (a 500). Every conversion of an unchecked client value
 * to text goes through here instead.
 */

/**
 * `String(value)` for primitives; an object or array becomes its JSON text
 * (as Rails' `to_s` of a hash shows its contents), without calling any of
 * its methods. Parsed JSON holds no functions, so JSON.stringify calls none.
 */
export function inputText(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value) ?? '';
}
