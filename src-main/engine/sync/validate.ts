/**
 * The pair-config checks that need the connections (the shape is checked by schemas.ts): each
 * connection exists, its collection exists, every mapped field exists there, and the chosen
 * change-detection mode is one the connector and collection support. Errors say what to fix.
 * A side without a chosen mode gets the collection's first supported one, saved with the pair:
 * the connector's own first choice may not fit this collection (a table with no updated-at
 * column cannot use a cursor), and a pair must never fail every run over a default.
 */
import type { PairConfig } from '../api/model';
import { ApiError } from '../api/errors';
import { openSide, type RunDeps } from './runner';
import type { SideIo } from './side-io';

export async function validateAgainstConnections(deps: Pick<RunDeps, 'connections' | 'connectors'>, config: PairConfig): Promise<PairConfig> {
  const { connections } = deps;
  const issues: { path: string; message: string }[] = [];
  const chosen: PairConfig = { ...config, left: { ...config.left }, right: { ...config.right } };
  for (const side of ['left', 'right'] as const) {
    const s = config[side];
    let name: string;
    let conn: SideIo;
    try {
      name = connections.get(s.connectionId).name;
      const def = connections.definition(s.connectionId);
      if (s.changeDetection && !def.capabilities.changeDetection.includes(s.changeDetection)) {
        issues.push({ path: `${side}.changeDetection`, message: `${def.label} cannot detect changes by "${s.changeDetection}"; choose one of: ${def.capabilities.changeDetection.join(', ')}.` });
      }
      // Leased from the pool (the run that follows reuses it), and opened now: a connector that cannot even open is a connection problem.
      conn = openSide(deps, config, side);
      void conn.connector;
    } catch (e) {
      issues.push({ path: `${side}.connectionId`, message: `The ${side} connection "${s.connectionId}" cannot be used: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    try {
      const { collections } = await conn.describe();
      const col = collections.find((c) => c.name === s.collection);
      if (!col) {
        issues.push({ path: `${side}.collection`, message: `"${s.collection}" is not a collection of ${name}; choose one of: ${collections.map((c) => c.name).join(', ') || '(none)'}.` });
        continue;
      }
      if (s.changeDetection && col.changeDetection.length > 0 && !col.changeDetection.includes(s.changeDetection)) {
        issues.push({ path: `${side}.changeDetection`, message: `${name} "${s.collection}" supports ${col.changeDetection.join(', ')} change detection, not "${s.changeDetection}".` });
      }
      const fallback = col.changeDetection[0] ?? connections.definition(s.connectionId).capabilities.changeDetection[0];
      if (!s.changeDetection && fallback) chosen[side].changeDetection = fallback;
      const have = new Set(col.fields.map((f) => f.name));
      const managed = new Map(col.fields.filter((f) => f.managed).map((f) => [f.name, f.managed]));
      const readOnly = side === 'left' ? 'left-to-right' : 'right-to-left';
      config.fields.forEach((f, i) => {
        for (const field of (side === 'left' ? f.left : f.right).fields) {
          if (!have.has(field)) issues.push({ path: `fields.${i}.${side}.fields`, message: `"${field}" is not a field of ${name} "${s.collection}" — pick one of: ${[...have].join(', ')}.` });
          const role = managed.get(field);
          if (role && f.direction !== readOnly) {
            const what = role === 'updated-at' ? 'the last-modified time Concord uses to see changes in' : role === 'sync-flag' ? 'the sync flag Concord uses to see changes in' : "Concord's own id column in";
            issues.push({
              path: `fields.${i}.direction`,
              message: `"${field}" is ${what} ${name} "${s.collection}": Concord sets it on its own writes, so writing it from the other app would change it on every run. Leave it out of the mapping, or copy it only from ${name} (direction ${side === 'left' ? 'A → B' : 'B → A'} only).`,
            });
          }
        }
      });
    } catch (e) {
      issues.push({ path: `${side}.collection`, message: `Could not read the collections of ${name}: ${e instanceof Error ? e.message : String(e)}. Test the connection, then try again.` });
    } finally {
      await conn.close();
    }
  }
  if (issues.length > 0) throw new ApiError('invalid-input', `The pair's settings do not fit the apps — ${issues.map((i) => i.message).join(' ')}`, issues);
  return chosen;
}
