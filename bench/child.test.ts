import { describe, expect, it } from 'vitest';
import { causeOf } from './child';

describe('why a bench child died', () => {
  it('names V8 running out of memory, not a native stack frame', () => {
    const stderr = [
      '<--- Last few GCs --->',
      '[123:0x5]  9000 ms: Mark-Compact 40.1 (42.0) -> 39.9 (42.0) MB',
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      ' 1: 0xb7b5c0 node::Abort() [/usr/bin/node]',
      ' 7: 0x10ea385 v8::internal::HeapAllocator::AllocateRawWithRetryOrFailSlowPath(int) [/usr/bin/node]',
    ].join('\n');
    expect(causeOf(stderr)).toBe('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory');
  });

  it('names the last JavaScript error, not its stack', () => {
    const stderr = '[engine] run started\nRangeError: Maximum call stack size exceeded\n    at matchRecords (core/matching.ts:10:5)\n    at plan (sync/plan.ts:3:1)\n';
    expect(causeOf(stderr)).toBe('RangeError: Maximum call stack size exceeded');
  });

  it('falls back to the last line, or says there was none', () => {
    expect(causeOf('starting\nKilled\n')).toBe('Killed');
    expect(causeOf('')).toBe('no output');
  });
});
