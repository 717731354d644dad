/**
 * The error a connector throws on purpose: `message` is for the user (what is wrong and what to
 * do); `reason` lets the engine decide (pause the side when unavailable, fix config when invalid).
 */
/** 'read-only': the app (a file, a database) can be read but not written at all — a whole-collection error, never a per-record one. */
export type ConnectorErrorReason = 'not-found' | 'invalid' | 'unavailable' | 'auth' | 'config' | 'read-only';

export class ConnectorError extends Error {
  constructor(
    readonly reason: ConnectorErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConnectorError';
  }
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
