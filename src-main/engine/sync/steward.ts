/**
 * Who a steward's action is recorded under in the activity log (issue 13 §1 "Name who resolved"):
 * headless, the name of the token (or the session made from it) the API call came with; on the
 * desktop and the command line, which have no token, the operating-system user running Concord.
 * A sync run's own writes name no one: the run says what started it.
 */
import { userInfo } from 'node:os';
import { currentCaller } from '../api/request-context';

let osUser: string | null = null;
function machineUser(): string {
  if (osUser === null) {
    try {
      osUser = userInfo().username;
    } catch {
      // No passwd entry for this uid (a container): the environment's name, else the uid.
      osUser = process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? '?'}`;
    }
  }
  return osUser;
}

/** The steward acting in the API call in progress. */
export const stewardName = (): string => currentCaller()?.name ?? machineUser();

/** The activity fields naming who acted: the steward for a steward's write (no run id), nothing for a run's. */
export const actorOf = (t: { runId: string | null }): { actor?: string } => (t.runId === null ? { actor: stewardName() } : {});
