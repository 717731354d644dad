/**
 * What every domain of the engine is handed at start: the database, the data folder, the
 * credential store, the event bus and a logger. Built once by `createEngine`.
 */
import type { EventName, Events } from './api/contract';
import type { Logger } from './api/dispatch';
import type { FileAccess } from './connections/files-root';
import type { CredentialStore } from './credentials/types';
import type { Db } from './store/db';

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

export type EngineContext = {
  db: Db;
  dataDir: string;
  credentials: CredentialStore;
  /** Which files connections may name (see connections/files-root.ts). */
  files: FileAccess;
  emit: Emit;
  log: Logger;
  version: string;
  startedAt: string;
};

/** A domain's part of the handler table, plus what it must do when the engine stops. */
export type Domain<H> = { handlers: H; close?: () => Promise<void> | void };
