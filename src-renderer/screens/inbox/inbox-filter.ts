import type { ConflictKind } from '../../../src-main/engine/api/model';

export { isFiltered, noFilter, type InboxFilter } from '../../store/inbox-rows';

export const KIND_LABEL: Record<ConflictKind, string> = {
  field: 'Field values',
  'update-delete': 'Edit vs delete',
  duplicate: 'Duplicate match',
};
