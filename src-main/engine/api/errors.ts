import type { ApiErrorBody, ApiErrorCode } from './contract';

/**
 * The one error a handler throws on purpose. Its message is for the user (what is wrong and what
 * to do); `cause` keeps the technical reason for the log.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }

  toBody(): ApiErrorBody {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

export const notFound = (what: string, id: string): ApiError =>
  new ApiError('not-found', `${what} "${id}" does not exist (it may have been deleted). Reload the list and try again.`);
