// FAKE for tests and the local demo: the fake XNAT server's search service (POST /data/search
// with an xdat:bundle). This is not XNAT.
import {
  canonicalElement,
  displayFieldOf,
  hasDisplayDocument,
  instanceOf,
  kindOfElement,
  relatedRecords,
  resolveXpath,
  sqlNameOf,
  xpathDisplayId,
  type DisplayType,
  type FakeContext,
  type FakeRecord,
} from './fake-xnat-schema.js';
import type { Row } from './fake-xnat-render.js';
import { childText, childrenNamed, parseXml, XmlSyntaxError, type XmlElement } from './fake-xnat-xml.js';

/**
 * The search service as xnat-web's SearchResource runs an `xdat:stored_search` document
 * (root `xdat:bundle` or `xdat:search`):
 *
 * - `root_element_name` picks the rows: every record of that type or a subtype.
 * - Each `search_field` names an element and a field_ID: a display-field id of that
 *   element's display document (SUBJECT_ID, GENDER_TEXT, ...) or an xpath
 *   (`xnat:mrSessionData/label`, shown as XNAT_COL_MRSESSIONDATALABEL). A field of another
 *   element joins it (subject of a session, session of a scan; a one-to-many join repeats
 *   the row). The result key is the lower-cased field id for the root element and
 *   `<element sql name>_<field id>` lower-cased for others. A field XNAT cannot resolve
 *   (no such display field or xpath) is dropped from the answer, as
 *   DisplaySearch.addDisplayField logs and skips it. Abstract types (xnat:imageScanData,
 *   xnat:imageSessionData) have no display document: as a root or a field's element they
 *   fail the search with 500; in a criterion they work (criteria are schema xpaths).
 * - `search_where` (method AND/OR, nested `child_set`s) holds `criteria` with a
 *   `schema_field` (`xnat:mrSessionData/PROJECT` or `.PROJECT`), a `comparison_type`
 *   (=, !=, <>, LIKE, NOT LIKE, <, <=, >, >=, IN, BETWEEN, IS NULL, IS NOT NULL) and a value.
 * - Rows also carry `quarantine_status`; there is no paging (limit/offset are ignored).
 *
 * A document that is not XML, or not a stored search, is refused with 422 as SAX errors
 * are; an unknown or abstract root element, or a criterion on an unknown field, fails it
 * with 500.
 */

export class SearchError extends Error {
  constructor(readonly status: 400 | 422 | 500, message: string) {
    super(message);
    this.name = 'SearchError';
  }
}

export interface SearchField {
  readonly element: string;
  readonly fieldId: string;
  readonly header: string;
  readonly sequence: number;
  /** A value passed to a parameterised display field (`FIELD=value`). */
  readonly value?: string;
}

export interface SearchCriterion {
  readonly schemaField: string;
  readonly comparison: string;
  readonly value: string;
}

export interface SearchCriteriaSet {
  readonly method: 'AND' | 'OR';
  readonly criteria: readonly SearchCriterion[];
  readonly children: readonly SearchCriteriaSet[];
}

export interface SearchBundle {
  readonly rootElement: string;
  readonly fields: readonly SearchField[];
  readonly where: readonly SearchCriteriaSet[];
}

function parseCriteriaSet(element: XmlElement): SearchCriteriaSet {
  const method = (element.attributes.method ?? 'AND').trim().toUpperCase();
  if (method !== 'AND' && method !== 'OR') throw new SearchError(422, `search_where method "${method}" is neither AND nor OR`);
  return {
    method,
    criteria: childrenNamed(element, 'criteria').map((c) => ({
      schemaField: childText(c, 'schema_field') ?? '',
      comparison: childText(c, 'comparison_type') ?? '=',
      value: childrenNamed(c, 'value')[0]?.text ?? '',
    })),
    children: childrenNamed(element, 'child_set').map(parseCriteriaSet),
  };
}

/** Parses an `xdat:bundle` / `xdat:search` document. */
export function parseSearchBundle(xml: string): SearchBundle {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new SearchError(422, `org.xml.sax.SAXParseException: ${error.message}`);
    throw error;
  }
  const local = root.localName.toLowerCase();
  if (local !== 'bundle' && local !== 'search' && local !== 'stored_search') {
    throw new SearchError(422, `<${root.name}> is not an xdat:stored_search document`);
  }
  const rootElement = childText(root, 'root_element_name');
  if (!rootElement) throw new SearchError(422, 'root_element_name is required');
  const fields = childrenNamed(root, 'search_field').map((f, i): SearchField => {
    const fieldId = childText(f, 'field_ID') ?? childText(f, 'field_id') ?? '';
    const sequence = Number(childText(f, 'sequence') ?? i);
    const value = childText(f, 'value');
    return {
      element: childText(f, 'element_name') ?? '',
      fieldId,
      header: childText(f, 'header') ?? '',
      sequence: Number.isFinite(sequence) ? sequence : i,
      ...(value !== undefined && value !== '' && { value }),
    };
  });
  return { rootElement, fields, where: childrenNamed(root, 'search_where').map(parseCriteriaSet) };
}

// ---------------------------------------------------------------------------------------
// Field resolution

interface ResolvedField {
  readonly key: string;
  /** The element whose record gives the value (root, a supertype of it, or a join). */
  readonly valueElement: string;
  readonly get: (record: FakeRecord, ctx: FakeContext) => string;
  readonly column: Readonly<Record<string, string>>;
}

function flatten(value: string | readonly string[]): string {
  return typeof value === 'string' ? value : value.join(',');
}

/**
 * Resolves a search field as DisplaySearch.addDisplayField does: a display field of the
 * element, else the display field of an xpath; a field or an element XNAT cannot resolve
 * is logged there and left out of the search (undefined here), the search still runs. An
 * element without a display document (the abstract xnat:imageScanData,
 * xnat:imageSessionData ...) has no ElementDisplay, and SchemaElement.getDisplayField then
 * fails with a NullPointerException that nothing catches: the search answers 500.
 */
function resolveField(rootElement: string, field: SearchField): ResolvedField | undefined {
  const element = canonicalElement(field.element);
  if (!element) return undefined;
  if (!hasDisplayDocument(element)) {
    throw new SearchError(500, `java.lang.NullPointerException: no ElementDisplay for ${element} (search_field ${field.fieldId})`);
  }
  let fieldId = field.fieldId.trim();
  let value = field.value;
  // xdat's deprecated "FIELD=value" form of a parameterised display field.
  if (!fieldId.includes('/') && fieldId.includes('=')) {
    value = fieldId.slice(fieldId.indexOf('=') + 1);
    fieldId = fieldId.slice(0, fieldId.indexOf('='));
  }
  const isRoot = element.toLowerCase() === rootElement.toLowerCase();
  const keyOf = (id: string): string => (isRoot ? id.toLowerCase() : `${sqlNameOf(element)}_${id.toLowerCase()}`);
  const columnOf = (id: string, key: string, type: DisplayType, header: string, xPath: string): Record<string, string> =>
    ({ key, type, xPATH: xPath, element_name: element, header: field.header || header, id: value === undefined ? id : `${id}=${value}` });

  const display = fieldId.includes('/') ? undefined : displayFieldOf(element, fieldId);
  if (display) {
    const key = keyOf(display.id);
    return { key, valueElement: element, get: display.get, column: columnOf(display.id, key, display.type, display.header, `${element}.${display.id}`) };
  }
  const resolved = fieldId.includes('/') ? resolveXpath(fieldId) : undefined;
  if (!resolved) return undefined;
  const id = xpathDisplayId(resolved.element, fieldId.slice(fieldId.search(/[/.]/) + 1));
  const key = keyOf(id);
  return {
    key,
    valueElement: resolved.element,
    get: (record, ctx) => flatten(resolved.field.get(record, ctx)),
    column: columnOf(id, key, 'string', fieldId, `${element}.${id}`),
  };
}

interface ResolvedCriterion {
  readonly element: string;
  readonly get: (record: FakeRecord, ctx: FakeContext) => string;
  readonly comparison: string;
  readonly value: string;
}

function resolveCriterion(criterion: SearchCriterion): ResolvedCriterion {
  const schemaField = criterion.schemaField.trim();
  const split = schemaField.search(/[/.]/);
  if (split < 0) throw new SearchError(500, `org.nrg.xft.exception.FieldNotFoundException: ${schemaField}`);
  const element = canonicalElement(schemaField.slice(0, split));
  if (!element) throw new SearchError(500, `org.nrg.xft.exception.ElementNotFoundException: ${schemaField.slice(0, split)}`);
  const rest = schemaField.slice(split + 1);
  const display = /[/.]/.test(rest) ? undefined : displayFieldOf(element, rest);
  if (display) return { element, get: display.get, comparison: criterion.comparison, value: criterion.value };
  const resolved = resolveXpath(schemaField);
  if (!resolved) throw new SearchError(500, `org.nrg.xft.exception.FieldNotFoundException: ${schemaField}`);
  return { element: resolved.element, get: (record, ctx) => flatten(resolved.field.get(record, ctx)), comparison: criterion.comparison, value: criterion.value };
}

// ---------------------------------------------------------------------------------------
// Comparisons

function normaliseDate(value: string): string {
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value.trim());
  return us ? `${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}` : value.trim();
}

function ordered(actual: string, expected: string): number {
  const a = Number(actual);
  const b = Number(expected);
  if (actual.trim() !== '' && expected.trim() !== '' && Number.isFinite(a) && Number.isFinite(b)) return a - b;
  const da = normaliseDate(actual);
  const db = normaliseDate(expected);
  return da < db ? -1 : da > db ? 1 : 0;
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** SQL-like comparison of a field value ("" is NULL) with a criterion value. */
export function compareValue(actual: string, comparison: string, expected: string): boolean {
  const op = comparison.trim().toUpperCase().replace(/\s+/g, ' ');
  const isNull = actual === '';
  switch (op) {
    case '=':
    case '==':
      return !isNull && (actual === expected || (normaliseDate(expected) === actual));
    case '!=':
    case '<>':
      return !isNull && actual !== expected;
    case 'LIKE':
      return !isNull && likeToRegExp(expected).test(actual);
    case 'NOT LIKE':
      return !isNull && !likeToRegExp(expected).test(actual);
    case 'ILIKE':
      return !isNull && new RegExp(likeToRegExp(expected).source, 'is').test(actual);
    case '<': return !isNull && ordered(actual, expected) < 0;
    case '<=': return !isNull && ordered(actual, expected) <= 0;
    case '>': return !isNull && ordered(actual, expected) > 0;
    case '>=': return !isNull && ordered(actual, expected) >= 0;
    case 'IN':
      return !isNull && expected.split(',').map((v) => v.trim().replace(/^'(.*)'$/, '$1')).includes(actual);
    case 'BETWEEN': {
      const [low, high] = expected.split(/\s+AND\s+/i);
      return !isNull && low !== undefined && high !== undefined && ordered(actual, low) >= 0 && ordered(actual, high) <= 0;
    }
    case 'IS NULL':
      return isNull;
    case 'IS NOT NULL':
      return !isNull;
    case 'IS':
      return expected.trim().toUpperCase() === 'NULL' ? isNull : expected.trim().toUpperCase() === 'NOT NULL' ? !isNull : actual === expected;
    default:
      throw new SearchError(500, `unsupported comparison_type "${comparison}"`);
  }
}

// ---------------------------------------------------------------------------------------
// Running a search

export interface SearchResult {
  readonly rootElement: string;
  readonly columns: readonly Readonly<Record<string, string>>[];
  readonly rows: readonly Row[];
}

function rootRecords(ctx: FakeContext, rootElement: string): FakeRecord[] {
  const kind = kindOfElement(rootElement);
  const all: FakeRecord[] =
    kind === 'project' ? ctx.archive.projects.map((value) => ({ kind, value }))
      : kind === 'subject' ? ctx.archive.subjects.map((value) => ({ kind, value }))
        : kind === 'session' ? [
          ...ctx.archive.sessions.map((value): FakeRecord => ({ kind: 'session', value })),
          // xnat:experimentData also covers the ROI-collection assessors.
          ...ctx.archive.roiCollections.map((value): FakeRecord => ({ kind: 'roi', value })),
        ]
          : kind === 'scan' ? ctx.archive.scans.map((value) => ({ kind, value }))
            : kind === 'roi' ? ctx.archive.roiCollections.map((value) => ({ kind, value }))
              : [];
  return all.filter((r) => instanceOf(r, rootElement));
}

type Assignment = ReadonlyMap<string, FakeRecord | null>;

interface ResolvedSet {
  readonly method: 'AND' | 'OR';
  readonly criteria: readonly ResolvedCriterion[];
  readonly children: readonly ResolvedSet[];
}

/** Runs a parsed search over an archive. */
export function runSearch(ctx: FakeContext, bundle: SearchBundle): SearchResult {
  const rootElement = canonicalElement(bundle.rootElement);
  if (!rootElement) throw new SearchError(500, `org.nrg.xft.exception.ElementNotFoundException: ${bundle.rootElement}`);
  if (!hasDisplayDocument(rootElement)) throw new SearchError(500, `java.lang.NullPointerException: no ElementDisplay for root element ${rootElement}`);
  const fields = [...bundle.fields].sort((a, b) => a.sequence - b.sequence)
    .map((f) => resolveField(rootElement, f))
    .filter((f): f is ResolvedField => f !== undefined);
  const resolveSet = (set: SearchCriteriaSet): ResolvedSet =>
    ({ method: set.method, criteria: set.criteria.map(resolveCriterion), children: set.children.map(resolveSet) });
  const where = bundle.where.map(resolveSet);

  // Elements joined row by row: those of displayed fields that the root record is not.
  const joined = [...new Set(fields.map((f) => f.valueElement.toLowerCase()))];
  const rows: Row[] = [];
  for (const record of rootRecords(ctx, rootElement)) {
    const joins = joined.filter((e) => !instanceOf(record, e));
    let assignments: Assignment[] = [new Map()];
    for (const element of joins) {
      const related = relatedRecords(ctx, record, element);
      const options: (FakeRecord | null)[] = related.length > 0 ? related : [null];
      assignments = assignments.flatMap((a) => options.map((o) => new Map([...a, [element, o]])));
    }
    const recordFor = (assignment: Assignment, element: string): (FakeRecord | null)[] => {
      if (instanceOf(record, element)) return [record];
      const key = element.toLowerCase();
      if (assignment.has(key)) return [assignment.get(key) ?? null];
      const related = relatedRecords(ctx, record, element);
      return related.length > 0 ? related : [null];
    };
    const test = (assignment: Assignment, criterion: ResolvedCriterion): boolean =>
      recordFor(assignment, criterion.element).some((r) => compareValue(r ? criterion.get(r, ctx) : '', criterion.comparison, criterion.value));
    const evaluate = (assignment: Assignment, set: ResolvedSet): boolean => {
      const results = [...set.criteria.map((c) => test(assignment, c)), ...set.children.map((c) => evaluate(assignment, c))];
      if (results.length === 0) return true;
      return set.method === 'AND' ? results.every(Boolean) : results.some(Boolean);
    };
    for (const assignment of assignments) {
      if (!where.every((set) => evaluate(assignment, set))) continue;
      const row: Row = {};
      for (const field of fields) {
        const source = recordFor(assignment, field.valueElement)[0] ?? null;
        row[field.key] = source ? field.get(source, ctx) : '';
      }
      row.quarantine_status = 'active';
      rows.push(row);
    }
  }
  return { rootElement, columns: [...fields.map((f) => f.column), { key: 'quarantine_status' }], rows };
}
