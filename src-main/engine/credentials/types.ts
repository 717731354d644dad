/**
 * Where connection secrets live. Never in SQLite, logs or the renderer: the renderer only ever
 * learns whether a credential exists (`has`).
 */
export interface CredentialStore {
  /** A short human name for the About panel: "OS keychain (Secret Service)", "encrypted file …". */
  readonly description: string;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** Returns true when something was deleted. */
  delete(account: string): Promise<boolean>;
  has(account: string): Promise<boolean>;
}
