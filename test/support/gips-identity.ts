import type { GipsIdentity } from '../../functions/providers/idemia/identity.js';

/** A GIPS identity as IDEMIA's samples and the sandbox give it. */
export const identity = (data: Record<string, string>, patch: Partial<GipsIdentity> = {}): GipsIdentity => ({
  id: 'id-1',
  globalStatus: {
    id: 'id-1',
    status: 'VERIFIED',
    levelOfAssurance: 'LOA3',
    creationDateTime: new Date().toISOString(),
    evaluationDateTime: '2026-11-27T09:59:30.000Z',
  },
  idDocuments: [
    {
      evidenceStatus: { status: 'INVALID' },
      idDocumentData: { givenNames: 'Mallory', documentType: 'ID_CARD' },
    },
    { evidenceStatus: { status: 'VERIFIED' }, idDocumentData: data },
  ],
  ...patch,
});
