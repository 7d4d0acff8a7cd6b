import { createHash } from 'node:crypto';
import { http, HttpResponse, type RequestHandler } from 'msw';
import type { ChangeDto, SimplifiedTags } from '../../../src/adapter/orthanc-dto.js';

/**
 * A small in-memory Orthanc for msw, answering the endpoints the adapter uses in the shapes
 * a real Orthanc 1.10.1 answers them (see fixtures/). Like 1.10, it logs no change when a
 * resource is deleted, and it ignores RequestedTags and Labels below ApiVersion 17 / 1.12.
 */

export interface FakeSeriesSpec {
  readonly modality: string;
  readonly bodyPart?: string;
  readonly manufacturer?: string;
  readonly description?: string;
  readonly instances?: number;
  /** SEG/RTSTRUCT: index of the series of the same study it references. */
  readonly references?: number;
  readonly label?: string;
}

export interface FakeStudySpec {
  readonly patientId: string;
  readonly patientName?: string;
  readonly sex?: string;
  readonly birthDate?: string;
  /** PatientAge written in the instances; absent when undefined. */
  readonly age?: string;
  readonly studyUid: string;
  readonly date?: string;
  readonly time?: string;
  readonly description?: string;
  readonly institution?: string;
  readonly protocol?: string;
  readonly labels?: readonly string[];
  readonly series: readonly FakeSeriesSpec[];
}

interface FakeInstance { readonly id: string; readonly tags: SimplifiedTags }
interface FakeSeries {
  readonly id: string;
  readonly studyId: string;
  readonly uid: string;
  readonly spec: FakeSeriesSpec;
  readonly instances: FakeInstance[];
}
interface FakeStudy {
  readonly id: string;
  readonly spec: FakeStudySpec;
  readonly series: FakeSeries[];
  lastUpdate: string;
}

/** An id shaped like Orthanc's (SHA-1 based, five groups of eight hex digits). */
export function orthancIdOf(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join('|')).digest('hex').slice(0, 40);
  return hex.match(/.{8}/g)!.join('-');
}

export class FakeOrthanc {
  apiVersion = 16;
  version = '1.10.1';
  readonly studies = new Map<string, FakeStudy>();
  private readonly changes: ChangeDto[] = [];
  private seq = 0;
  private clock = 0;

  constructor(readonly baseUrl: string) {}

  private tick(): string {
    this.clock += 1;
    return `20240101T${String(100000 + this.clock).slice(-6)}`;
  }

  private log(type: string, resource: string, id: string): void {
    this.seq += 1;
    this.changes.push({ ChangeType: type, ResourceType: resource, ID: id, Seq: this.seq, Date: '20240101T000000', Path: `/${resource.toLowerCase()}s/${id}` });
  }

  addStudy(spec: FakeStudySpec): string {
    const studyId = orthancIdOf('study', spec.patientId, spec.studyUid);
    const isNew = !this.studies.has(studyId);
    const study: FakeStudy = this.studies.get(studyId) ?? { id: studyId, spec, series: [], lastUpdate: '' };
    if (isNew) {
      this.studies.set(studyId, study);
      if (![...this.studies.values()].some((s) => s !== study && s.spec.patientId === spec.patientId)) this.log('NewPatient', 'Patient', orthancIdOf('patient', spec.patientId));
      this.log('NewStudy', 'Study', studyId);
    }
    for (const seriesSpec of spec.series) this.addSeries(study, seriesSpec);
    return studyId;
  }

  private addSeries(study: FakeStudy, spec: FakeSeriesSpec): void {
    const uid = `${study.spec.studyUid}.${study.series.length + 1}`;
    const series: FakeSeries = { id: orthancIdOf('series', study.id, uid), studyId: study.id, uid, spec, instances: [] };
    study.series.push(series);
    this.log('NewSeries', 'Series', series.id);
    const count = spec.modality === 'SEG' || spec.modality === 'RTSTRUCT' ? 1 : (spec.instances ?? 1);
    for (let n = 0; n < count; n++) this.addInstance(study, series);
  }

  /** Adds one instance to an existing series (a late arrival): LastUpdate changes. */
  addInstanceTo(studyId: string, seriesIndex = 0): void {
    const study = this.studies.get(studyId)!;
    this.addInstance(study, study.series[seriesIndex]!);
  }

  private addInstance(study: FakeStudy, series: FakeSeries): void {
    const s = study.spec;
    const id = orthancIdOf('instance', series.id, String(series.instances.length));
    const tags: Record<string, SimplifiedTags[keyof SimplifiedTags]> = {
      PatientID: s.patientId, PatientName: s.patientName ?? 'DOE^JANE', PatientSex: s.sex ?? '', PatientBirthDate: s.birthDate ?? '',
      StudyInstanceUID: s.studyUid, StudyDate: s.date ?? '', AccessionNumber: 'ACC-0001', SeriesInstanceUID: series.uid,
      Modality: series.spec.modality, OperatorsName: 'OPERATOR^OTTO',
    };
    if (s.age !== undefined) tags.PatientAge = s.age;
    if (s.protocol !== undefined) tags.ClinicalTrialProtocolID = s.protocol;
    const ref = series.spec.references === undefined ? undefined : study.series[series.spec.references]?.uid;
    if (ref && series.spec.modality === 'SEG') {
      tags.ReferencedSeriesSequence = [{ SeriesInstanceUID: ref }];
      tags.SegmentSequence = [{ SegmentLabel: series.spec.label ?? 'Tumour' }];
    }
    if (ref && series.spec.modality === 'RTSTRUCT') {
      tags.StructureSetLabel = series.spec.label ?? 'GTV';
      tags.ReferencedFrameOfReferenceSequence = [{ RTReferencedStudySequence: [{ RTReferencedSeriesSequence: [{ SeriesInstanceUID: ref }] }] }];
    }
    series.instances.push({ id, tags });
    study.lastUpdate = this.tick();
    this.log('NewInstance', 'Instance', id);
  }

  /** Deletes a study; like Orthanc 1.10, logs no change. */
  deleteStudy(studyId: string): void {
    this.studies.delete(studyId);
  }

  /** A new database: the change sequence starts again. */
  resetDatabase(): void {
    this.studies.clear();
    this.changes.length = 0;
    this.seq = 0;
  }

  markStable(studyId: string): void {
    this.log('StableStudy', 'Study', studyId);
  }

  private allSeries(): FakeSeries[] {
    return [...this.studies.values()].flatMap((study) => study.series);
  }

  private studyJson(study: FakeStudy): Record<string, unknown> {
    const s = study.spec;
    return {
      ID: study.id, Type: 'Study', IsStable: true, LastUpdate: study.lastUpdate, ParentPatient: orthancIdOf('patient', s.patientId),
      MainDicomTags: {
        AccessionNumber: 'ACC-0001', ReferringPhysicianName: 'REFERRER^RITA', StudyDate: s.date ?? '', StudyTime: s.time ?? '',
        StudyID: '1', StudyInstanceUID: s.studyUid, ...(s.description !== undefined && { StudyDescription: s.description }),
        ...(s.institution !== undefined && { InstitutionName: s.institution }),
      },
      PatientMainDicomTags: { PatientID: s.patientId, PatientName: s.patientName ?? 'DOE^JANE', PatientSex: s.sex ?? '', PatientBirthDate: s.birthDate ?? '' },
      Series: study.series.map((series) => series.id),
      ...(this.hasLabels() && { Labels: [...(s.labels ?? [])] }),
    };
  }

  private seriesJson(series: FakeSeries, requested?: readonly string[]): Record<string, unknown> {
    const spec = series.spec;
    const json: Record<string, unknown> = {
      ID: series.id, Type: 'Series', ParentStudy: series.studyId, ExpectedNumberOfInstances: null, IsStable: true, Status: 'Unknown',
      LastUpdate: '20240101T000000', Instances: series.instances.map((instance) => instance.id),
      MainDicomTags: {
        SeriesInstanceUID: series.uid, Modality: spec.modality, OperatorsName: 'OPERATOR^OTTO', SeriesNumber: '1',
        ...(spec.bodyPart !== undefined && { BodyPartExamined: spec.bodyPart }),
        ...(spec.manufacturer !== undefined && { Manufacturer: spec.manufacturer }),
        ...(spec.description !== undefined && { SeriesDescription: spec.description }),
      },
    };
    if (requested && this.apiVersion >= 17) {
      const tags = series.instances[0]?.tags ?? {};
      json.RequestedTags = Object.fromEntries(requested.filter((k) => typeof tags[k] === 'string').map((k) => [k, tags[k]]));
    }
    return json;
  }

  private hasLabels(): boolean {
    return this.apiVersion >= 20;
  }

  statistics(): { CountPatients: number; CountStudies: number; CountSeries: number; CountInstances: number } {
    const series = this.allSeries();
    return {
      CountPatients: new Set([...this.studies.values()].map((s) => s.spec.patientId)).size,
      CountStudies: this.studies.size,
      CountSeries: series.length,
      CountInstances: series.reduce((sum, s) => sum + s.instances.length, 0),
    };
  }

  handlers(): RequestHandler[] {
    const base = this.baseUrl;
    const listMatch = (pattern: string | undefined, value: string | undefined) => {
      if (pattern === undefined || pattern === '') return true;
      return pattern.split('\\').some((item) => item.toUpperCase() === (value ?? '').toUpperCase());
    };
    return [
      http.get(`${base}/system`, () => HttpResponse.json({ ApiVersion: this.apiVersion, Version: this.version, Name: 'fake', PluginsEnabled: true, DatabaseVersion: 6 })),
      http.get(`${base}/statistics`, () => HttpResponse.json({ ...this.statistics(), TotalDiskSizeMB: 0, TotalUncompressedSizeMB: 0, TotalDiskSize: '0' })),
      http.get(`${base}/changes`, ({ request }) => {
        const url = new URL(request.url);
        if (url.search === '?last') {
          const last = this.changes.at(-1);
          return HttpResponse.json({ Changes: last ? [last] : [], Done: true, Last: this.seq });
        }
        const since = Number(url.searchParams.get('since') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const after = this.changes.filter((change) => change.Seq > since);
        const page = after.slice(0, limit);
        return HttpResponse.json({ Changes: page, Done: page.length === after.length, Last: page.at(-1)?.Seq ?? this.seq });
      }),
      http.post(`${base}/tools/find`, async ({ request }) => {
        const body = (await request.json()) as { Level: string; Query: Record<string, string>; Expand?: boolean; RequestedTags?: string[]; Labels?: string[] };
        const q = body.Query;
        if (body.Level === 'Study') {
          const studies = [...this.studies.values()].filter((study) => listMatch(q.StudyInstanceUID, study.spec.studyUid)
            && (!body.Labels || this.apiVersion < 20 || (study.spec.labels ?? []).some((label) => body.Labels!.includes(label))));
          return HttpResponse.json(body.Expand ? studies.map((study) => this.studyJson(study)) : studies.map((study) => study.id));
        }
        if (body.Level === 'Series') {
          const series = [...this.studies.values()].flatMap((study) => study.series.map((s) => ({ study, s }))).filter(({ study, s }) =>
            listMatch(q.StudyInstanceUID, study.spec.studyUid) && listMatch(q.Modality, s.spec.modality)
            && listMatch(q.BodyPartExamined, s.spec.bodyPart) && listMatch(q.Manufacturer, s.spec.manufacturer));
          return HttpResponse.json(body.Expand ? series.map(({ s }) => this.seriesJson(s, body.RequestedTags)) : series.map(({ s }) => s.id));
        }
        return HttpResponse.json({ HttpError: 'Bad Request' }, { status: 400 });
      }),
      http.get(`${base}/series/:id`, ({ params }) => {
        const series = this.allSeries().find((s) => s.id === params.id);
        return series ? HttpResponse.json(this.seriesJson(series)) : new HttpResponse(null, { status: 404 });
      }),
      http.get(`${base}/series/:id/archive`, ({ params }) => {
        const series = this.allSeries().find((s) => s.id === params.id);
        if (!series) return new HttpResponse(null, { status: 404 });
        return new HttpResponse(new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new TextEncoder().encode(series.uid)]), { headers: { 'content-type': 'application/zip', 'content-disposition': `filename="${series.id}.zip"` } });
      }),
      http.get(`${base}/studies/:id/series`, ({ params }) => {
        const study = this.studies.get(params.id as string);
        return study ? HttpResponse.json(study.series.map((s) => this.seriesJson(s))) : new HttpResponse(null, { status: 404 });
      }),
      http.get(`${base}/instances/:id/simplified-tags`, ({ params }) => {
        const instance = this.allSeries().flatMap((s) => s.instances).find((i) => i.id === params.id);
        return instance ? HttpResponse.json(instance.tags) : new HttpResponse(null, { status: 404 });
      }),
    ];
  }
}
