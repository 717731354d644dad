/**
 * TEST FIXTURE (not shipped code): an AbortSignal that records how many 'abort' listeners were
 * registered on it at once, for the check that a pipelined batch watches its signal once per
 * connection and not once per statement (which Node reports as MaxListenersExceededWarning past 10).
 */
export function countingSignal(): { signal: AbortSignal; peak: () => number; now: () => number } {
  const signal = new AbortController().signal;
  let current = 0;
  let peak = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void => {
    if (type === 'abort') peak = Math.max(peak, ++current);
    add(type, listener, options);
  };
  signal.removeEventListener = (type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void => {
    if (type === 'abort') current--;
    remove(type, listener, options);
  };
  return { signal, peak: () => peak, now: () => current };
}
