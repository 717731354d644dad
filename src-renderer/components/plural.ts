/**
 * A count with its noun, singular for one ("1 conflict", "3 conflicts"). `many` for nouns that do
 * not take an s ("1 entry", "2 entries"). Counts shown to users go through this, never "(s)".
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
