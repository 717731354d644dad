/**
 * Starts a real `concord serve` (the built app: out/main/cli.js) on 127.0.0.1, on a free port,
 * with its own temp data folder; stops it and removes the folder afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type ConcordServer = {
  url: string;
  loginUrl: string;
  token: string;
  dataDir: string;
  workDir: string;
  /** The webhook receiver's origin (its own free port on 127.0.0.1), as `serve` printed it. */
  webhooksUrl: string;
  output: () => string;
  stop(): Promise<void>;
};

export async function startConcord(env: Record<string, string> = {}): Promise<ConcordServer> {
  const workDir = mkdtempSync(join(tmpdir(), 'concord-e2e-'));
  const dataDir = join(workDir, 'data');
  // A strong random token, given in the environment: a token on the command line is refused (`ps` shows it).
  const token = randomBytes(32).toString('base64url');
  const cli = resolve(__dirname, '..', 'out', 'main', 'cli.js');
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--port', '0', '--webhook-port', '0', '--data-dir', dataDir, '--files-root', workDir], {
    env: { ...process.env, CONCORD_TOKEN: token, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const [loginUrl, webhooksUrl] = await new Promise<[string, string]>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`concord serve did not start in 20 s:\n${output}`)), 20_000);
    const check = () => {
      const m = /open:\s+(\S+)/.exec(output);
      // The receiver's line comes last; it names the receiver's origin before /hooks/.
      const w = /webhooks:\s+(http:\/\/\S+?)\/hooks\//.exec(output);
      if (m?.[1] && w?.[1]) {
        clearTimeout(timer);
        resolveUrl([m[1], w[1]]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`concord serve exited with ${code}:\n${output}`)));
  });
  return {
    url: loginUrl.replace(/\?token=.*$/, ''),
    loginUrl,
    webhooksUrl,
    token,
    dataDir,
    workDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
