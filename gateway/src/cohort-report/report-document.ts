import type { CohortReportData, ReportCount, ReportCounts, ReportSite } from './report-operation.js';

type Report = NonNullable<CohortReportData['cohortReport']>;

/** Totals over sites; a suppressed or unavailable part makes a total a lower bound. */
export interface ReportTotal {
  readonly value: number;
  readonly isLowerBound: boolean;
}

/** The JSON document: the report as the graph gave it, site statuses spelled out, plus totals. */
export interface ReportDocument {
  readonly cohort: Report['cohort'];
  readonly generatedAt: string;
  readonly sites: readonly {
    readonly provider: ReportSite['provider'];
    readonly status: string;
    readonly errorCode: string | null;
    readonly unsupportedCriteria: readonly string[];
    readonly subjects: ReportCount;
    readonly studies: ReportCount;
    readonly series: ReportCount;
    readonly datasets: NonNullable<ReportSite['cohort']>['datasets'];
  }[];
  readonly totals: { readonly subjects: ReportTotal; readonly studies: ReportTotal; readonly series: ReportTotal };
  readonly notes: readonly string[];
}

const UNAVAILABLE: ReportCount = { value: null, precision: 'UNAVAILABLE', adjustedTo: null };

const NOTES = [
  'Counts are protected per site: ROUNDED to the site\'s step, SUPPRESSED (no value) below its threshold, EXACT only for a caller granted the data.',
  'Datasets whose matching subjects fall below a site\'s threshold are left out.',
  'A total is a lower bound when a part is SUPPRESSED or UNAVAILABLE; a suppressed part is never estimated.',
];

function total(counts: readonly ReportCount[]): ReportTotal {
  return {
    value: counts.reduce((sum, count) => sum + (count.value ?? 0), 0),
    isLowerBound: counts.some((count) => count.value === null),
  };
}

export function toReportDocument(report: Report): ReportDocument {
  const sites = report.sites
    .filter((site): site is ReportSite => site !== null)
    .map((site) => {
      const cohort = site.cohort;
      return {
        provider: site.provider,
        // A kind subgraph that did not answer leaves cohort null: its sites are unreachable.
        status: cohort?.status ?? 'UNREACHABLE',
        errorCode: cohort?.errorCode ?? (cohort ? null : 'SUBGRAPH_UNAVAILABLE'),
        unsupportedCriteria: cohort?.unsupportedCriteria ?? [],
        subjects: cohort?.subjects ?? UNAVAILABLE,
        studies: cohort?.studies ?? UNAVAILABLE,
        series: cohort?.series ?? UNAVAILABLE,
        datasets: cohort?.datasets ?? [],
      };
    })
    .sort((a, b) => (a.provider.id < b.provider.id ? -1 : a.provider.id > b.provider.id ? 1 : 0));
  const of = (field: keyof ReportCounts) => total(sites.map((site) => site[field]));
  return {
    cohort: report.cohort,
    generatedAt: report.generatedAt,
    sites,
    totals: { subjects: of('subjects'), studies: of('studies'), series: of('series') },
    notes: NOTES,
  };
}

const CSV_COLUMNS = [
  'cohort_id', 'cohort_created_at', 'generated_at', 'level', 'provider_id', 'provider_name', 'country', 'kind',
  'dataset_id', 'dataset_title', 'status', 'unsupported_criteria',
  'subjects', 'subjects_precision', 'studies', 'studies_precision', 'series', 'series_precision',
] as const;

/**
 * RFC 4180 quoting. A cell that a spreadsheet would run as a formula (= + - @ first) is
 * prefixed with an apostrophe: titles and names are curated text, not formulas.
 */
function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function countCells(counts: ReportCounts): (string | number | null)[] {
  return [counts.subjects.value, counts.subjects.precision, counts.studies.value, counts.studies.precision, counts.series.value, counts.series.precision];
}

/** The CSV document: one row per site, then one per dataset of that site, then the totals. */
export function toReportCsv(document: ReportDocument): string {
  const head = [document.cohort.id, document.cohort.createdAt, document.generatedAt];
  const rows: (string | number | null)[][] = [[...CSV_COLUMNS]];
  for (const site of document.sites) {
    const p = site.provider;
    rows.push([...head, 'site', p.id, p.name, p.country, p.kind, null, null, site.status, site.unsupportedCriteria.join(' '), ...countCells(site)]);
    for (const row of site.datasets) {
      rows.push([...head, 'dataset', p.id, p.name, p.country, p.kind, row.dataset.id, row.dataset.title, site.status, site.unsupportedCriteria.join(' '), ...countCells(row)]);
    }
  }
  const t = document.totals;
  const precision = (x: ReportTotal) => (x.isLowerBound ? 'LOWER_BOUND' : 'SUM');
  rows.push([...head, 'total', null, null, null, null, null, null, null, null, t.subjects.value, precision(t.subjects), t.studies.value, precision(t.studies), t.series.value, precision(t.series)]);
  return `${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}
