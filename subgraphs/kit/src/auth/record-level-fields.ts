import type { AuditAction } from '../store/types.js';
import type { DatasetObject, SeriesObject, StudyObject, SubjectObject } from '../resolvers/objects.js';
import type { KindTypeNames } from '../schema.js';

/** The audit actions of record-level reads in a kind subgraph. */
export type RecordReadAction = Extract<AuditAction, 'READ_SUBJECTS' | 'READ_STUDIES' | 'READ_SERIES' | 'READ_SEGMENTATIONS' | 'ISSUE_RETRIEVE_LINK' | 'RETRIEVE_SERIES'>;

/** A field that returns record-level data, the dataset its parent belongs to, and how its reads are audited. */
export interface RecordLevelField {
  readonly type: string;
  readonly field: string;
  readonly action: RecordReadAction;
  /** Graph id of the dataset the parent object belongs to. */
  datasetOf(parent: unknown): string;
  /** False when resolving the field hands out nothing to audit (a series of an index-only kind has no retrieve link). */
  audited?(parent: unknown): boolean;
}

/**
 * Every record-level field of a kind subgraph, in one place: the shield rules (who may read)
 * and the audit middleware (who did read) are both built from this list, so a field cannot
 * be guarded without being audited or the other way round. The parents carry their
 * dataset's graph id (resolvers/objects.ts), so no check needs a lookup.
 */
export function recordLevelFields(types: KindTypeNames): readonly RecordLevelField[] {
  const ofDataset = (parent: unknown) => (parent as DatasetObject).id;
  const ofRecord = (parent: unknown) => (parent as SubjectObject | StudyObject | SeriesObject).datasetId;
  return [
    { type: types.dataset, field: 'subjects', action: 'READ_SUBJECTS', datasetOf: ofDataset },
    { type: types.subject, field: 'studies', action: 'READ_STUDIES', datasetOf: ofRecord },
    { type: types.study, field: 'series', action: 'READ_SERIES', datasetOf: ofRecord },
    { type: types.series, field: 'segmentations', action: 'READ_SEGMENTATIONS', datasetOf: ofRecord },
    {
      type: types.series, field: 'retrieveUrl', action: 'ISSUE_RETRIEVE_LINK', datasetOf: ofRecord,
      audited: (parent) => (parent as SeriesObject).site.adapter.retrieveSeries !== undefined,
    },
  ];
}
