import { z } from 'zod';
import { defineConnector } from '../config-check';
import { field, path } from '../config-schema';
import { createVcardFolderConnector } from './connector';

/** The settings of a vCard folder connection; the form, its check and its messages come from this. */
export const vcardFolderConfig = z.object({
  path: path({ label: 'Folder of vCard files', help: 'One .vcf file per contact, as vdirsyncer, Khard and many backup tools keep them.' }),
  newCardVersion: field(z.enum(['4.0', '3.0']), { label: 'vCard version for new contacts', placeholder: '4.0', help: 'Contacts Concord adds are written in this version; existing files keep theirs.' }).optional(),
});

export const vcardFolderDefinition = defineConnector({
  kind: 'vcard-folder',
  label: 'Folder of vCard files',
  description: 'A folder with one .vcf file per contact (the layout vdirsyncer uses); every property Concord does not sync is kept as it was.',
  configSchema: vcardFolderConfig,
  // Each write op is one file, written on its own, so the batch size only spaces progress reports.
  capabilities: { changeDetection: ['hash'], realtime: 'notify', realtimeModes: ['hash'], deletes: 'by-scan', optimisticWrites: true, writeBatch: 1_000, idempotentCreates: true },
  create: ({ config, dataDir }) => createVcardFolderConnector(config, { dataDir }),
});
