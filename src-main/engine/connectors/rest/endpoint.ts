/**
 * A record's endpoint path from the profile's: `{id}` is the id URL-encoded whole (a `/` in it
 * cannot reach another path); `{idPath}` keeps the id's slashes for apps whose ids are resource
 * paths (Google's `people/c123`), each segment encoded, and refuses an id with an empty, `.` or
 * `..` segment, which would point the request at another resource.
 */
import { ConnectorError } from '../errors';

export function endpointFor(path: string, id: string): string {
  let out = path.replaceAll('{id}', encodeURIComponent(id));
  if (out.includes('{idPath}')) {
    const segments = id.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..')) throw new ConnectorError('invalid', `The record id "${id}" is not a resource path this profile can use ({idPath}): it has an empty, "." or ".." part.`);
    out = out.replaceAll('{idPath}', segments.map(encodeURIComponent).join('/'));
  }
  return out;
}
