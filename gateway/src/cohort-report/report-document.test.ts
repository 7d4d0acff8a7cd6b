import { describe, expect, it } from 'vitest';
import { toReportCsv, toReportDocument } from './report-document.js';
import type { CohortReportData } from './report-operation.js';

const rounded = (value: number) => ({ value, precision: 'ROUNDED' as const, adjustedTo: 10 });
const suppressed = { value: null, precision: 'SUPPRESSED' as const, adjustedTo: 10 };

const REPORT: NonNullable<CohortReportData['cohortReport']> = {
  generatedAt: '2026-11-27T12:00:00.000Z',
  cohort: { id: '11111111-1111-4111-8111-111111111111', createdAt: '2026-11-27T11:00:00.000Z', criteria: { cancerTypes: ['LUNG'] } },
  sites: [
    {
      provider: { id: 'site-b', name: 'Site "B", Pisa', country: 'IT', kind: 'custom' },
      cohort: {
        status: 'OK', errorCode: null, unsupportedCriteria: [], subjects: suppressed, studies: suppressed, series: rounded(20), datasets: [],
      },
    },
    {
      provider: { id: 'site-a', name: '=HYPERLINK("x")', country: 'NL', kind: 'xnat' },
      cohort: {
        status: 'PARTIAL', errorCode: null, unsupportedCriteria: ['yearOfDiagnosis'], subjects: rounded(40), studies: rounded(50), series: rounded(300),
        datasets: [{ dataset: { id: 'site-a:xnat:LUNG', title: 'Lung CT\nfollow-up' }, subjects: rounded(40), studies: rounded(50), series: rounded(300) }],
      },
    },
    null,
    { provider: { id: 'site-c', name: 'Site C', country: 'DE', kind: 'orthanc' }, cohort: null },
  ],
};

describe('the cohort report document', () => {
  it('orders sites by id, marks a site whose kind did not answer, and sums totals that stay lower bounds', () => {
    const document = toReportDocument(REPORT);
    expect(document.sites.map((s) => [s.provider.id, s.status, s.errorCode])).toEqual([
      ['site-a', 'PARTIAL', null], ['site-b', 'OK', null], ['site-c', 'UNREACHABLE', 'SUBGRAPH_UNAVAILABLE'],
    ]);
    expect(document.totals).toEqual({
      subjects: { value: 40, isLowerBound: true }, studies: { value: 50, isLowerBound: true }, series: { value: 320, isLowerBound: true },
    });
  });

  it('writes RFC 4180 CSV that quotes commas, quotes and newlines, and never a formula', () => {
    const csv = toReportCsv(toReportDocument(REPORT));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('cohort_id,cohort_created_at,generated_at,level,provider_id,provider_name,country,kind,dataset_id,dataset_title,status,unsupported_criteria,subjects,subjects_precision,studies,studies_precision,series,series_precision');
    expect(csv).toContain(`,site,site-a,"'=HYPERLINK(""x"")",NL,xnat,,,PARTIAL,yearOfDiagnosis,40,ROUNDED,50,ROUNDED,300,ROUNDED`);
    expect(csv).toContain(`,dataset,site-a,"'=HYPERLINK(""x"")",NL,xnat,site-a:xnat:LUNG,"Lung CT\nfollow-up",`);
    expect(csv).toContain(',site,site-b,"Site ""B"", Pisa",IT,custom,,,OK,,,SUPPRESSED,,SUPPRESSED,20,ROUNDED');
    expect(lines.at(-2)).toMatch(/,total,,,,,,,,,40,LOWER_BOUND,50,LOWER_BOUND,320,LOWER_BOUND$/);
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});
