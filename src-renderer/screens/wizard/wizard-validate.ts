import type { ConnectorInfo } from '../../../src-main/engine/api/model';
import type { WizardDraft } from '../../store/wizard-slice';
import { missingFields } from '../../components/config-form';
import { validateMapping } from './mapping-model';

/** What keeps a step from going on, in words for the user; null when the step is complete. */
export function validateStep(step: number, draft: WizardDraft, connectors: ConnectorInfo[] | null, secrets: Record<'left' | 'right', string>): string | null {
  if (step === 0 || step === 1) {
    const sideKey = step === 0 ? 'left' : 'right';
    const side = draft[sideKey];
    if (side.connection) return null;
    const connector = connectors?.find((c) => c.kind === side.connector);
    if (!connector) return 'Choose which kind of app this is.';
    if (!side.name.trim()) return 'Give this connection a name (for example "Sales CRM").';
    const missing = missingFields(connector.configFields, side.config, secrets[sideKey]);
    if (missing.length > 0) return `Fill in ${missing.map((f) => f.label).join(', ')}.`;
    return null;
  }
  if (step === 2) {
    if (!draft.left.collection || !draft.right.collection) return 'Choose a collection on each side.';
    return null;
  }
  if (step === 3) {
    if (draft.fields.length === 0) return 'Map at least one field.';
    const fieldsOf = (side: 'left' | 'right'): string[] | undefined =>
      draft[side].collections?.find((c) => c.name === draft[side].collection)?.fields.map((f) => f.name);
    const appFields: Partial<Record<'left' | 'right', string[]>> = {};
    const left = fieldsOf('left');
    const right = fieldsOf('right');
    if (left) appFields.left = left;
    if (right) appFields.right = right;
    const problem = validateMapping(draft.fields, appFields)[0];
    if (problem) return problem.message;
    return null;
  }
  if (step === 4) {
    if (draft.matchKeys.length === 0) return 'Choose at least one field to match existing records on (an email or a customer number works well).';
    const unmapped = draft.matchKeys.find((k) => !draft.fields.some((f) => f.name === k));
    if (unmapped !== undefined) return `“${unmapped}” is no longer a mapped field: choose the match keys again.`;
    return null;
  }
  if (step === 5) {
    const t = draft.deletes.massDeleteThreshold;
    if (!(t > 0 && t <= 1)) return 'The mass-delete guard must be a share between 1 % and 100 %.';
    return null;
  }
  if (step === 6) {
    if (draft.intervalSeconds !== null && !(draft.intervalSeconds >= 60)) return 'Run at most once a minute, or choose "Only when I press Sync now".';
    return null;
  }
  return null;
}
