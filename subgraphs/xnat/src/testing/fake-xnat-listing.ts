// FAKE for tests and the local demo: the fake XNAT server's REST list resources (projects,
// subjects, experiments, scans, assessors). This is not XNAT.
import {
  canonicalElement,
  instanceOf,
  isSecureElement,
  isSubtypeOf,
  relatedRecords,
  resolveXpath,
  REST_SHORTCUTS,
  type FakeContext,
  type FakeRecord,
  type FieldValue,
  type ListingKind,
} from './fake-xnat-schema.js';
import type { Row } from './fake-xnat-render.js';

/**
 * A list resource as xnat-web's QueryOrganizerResource subclasses answer it:
 *
 * - `columns=a,b,...` (or DEFAULT) picks columns by REST shortcut (`gender`, `UID`) or by
 *   xpath (`xnat:imageScanData/scanner/manufacturer`). A shortcut column is keyed by the
 *   shortcut name, an xpath column by the xpath in lower case. A column XNAT cannot
 *   resolve is left out of the answer (populateQuery logs "Unknown Alias" and goes on).
 * - `xsiType=<one type>` makes that type the query's root, so only its instances come back;
 *   a comma-separated list is not a filter at all (XNAT skips it). A column or filter of a
 *   subtype of the root (`xnat:mrSessionData/fieldStrength`, shortcut `fieldStrength`)
 *   narrows the root to that subtype, as XNAT's getRootElementName does.
 * - Any other query parameter named like a shortcut or an xpath filters rows: a
 *   comma-separated list is an OR, `*` or `%` make a LIKE.
 * - Experiment and assessor listings add the root's id under its lower-cased xpath
 *   (`xnat:subjectassessordata/id`); a non-secure (abstract) root also gets `xsiType` and
 *   `project`. Every row ends with `URI`. A multi-valued field gives one row per value.
 */

export class ListingError extends Error {
  constructor(readonly status: 400 | 404 | 500, message: string) {
    super(message);
    this.name = 'ListingError';
  }
}

interface Column {
  readonly key: string;
  readonly element: string;
  readonly get: (record: FakeRecord, ctx: FakeContext) => FieldValue;
}

export interface ListingSpec {
  readonly kind: ListingKind;
  /** The element the resource queries when no xsiType narrows it. */
  readonly defaultRoot: string;
  /** Every candidate record (already restricted to the project/session of the URL). */
  readonly records: readonly FakeRecord[];
  readonly uriOf: (record: FakeRecord) => string;
  /** Default columns in the order XNAT writes them; "#rootid" is the root-id column. */
  readonly defaultColumns: readonly string[];
  readonly addRootId: boolean;
}

export interface Listing {
  readonly rows: readonly Row[];
  readonly keys: readonly string[];
}

const CONTROL_PARAMS = new Set(['format', 'columns', 'xsitype', 'sortby', 'sortorder', 'offset', 'limit', 'req_format', 'accessible', 'recent', 'owner', 'member', 'collaborator', 'admin', 'prearc_code', 'users', 'restrict', 'file_format', 'file_content', 'concealhiddenfields', 'cache', 'refresh']);

function resolveColumn(ctx: FakeContext, kind: ListingKind, name: string): Column | undefined {
  if (name.includes('/')) {
    // XNAT logs a column it cannot resolve and answers without it.
    const resolved = resolveXpath(name);
    return resolved ? { key: name.toLowerCase(), element: resolved.element, get: resolved.field.get } : undefined;
  }
  const xpath = REST_SHORTCUTS[kind][name];
  if (!xpath) return undefined;
  const resolved = resolveXpath(xpath);
  if (!resolved) throw new Error(`shortcut ${name} maps to unknown xpath ${xpath}`);
  return { key: name, element: resolved.element, get: resolved.field.get };
}

function valueOf(ctx: FakeContext, column: Column, record: FakeRecord): FieldValue {
  if (instanceOf(record, column.element)) return column.get(record, ctx);
  const related = relatedRecords(ctx, record, column.element)[0];
  return related ? column.get(related, ctx) : '';
}

function matchesFilter(value: FieldValue, filter: string): boolean {
  const values = typeof value === 'string' ? [value] : value;
  return filter.split(',').map((f) => f.trim()).some((wanted) => {
    if (wanted.includes('*') || wanted.includes('%')) {
      const re = new RegExp(`^${wanted.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/[*%]/g, '.*')}$`, 's');
      return values.some((v) => re.test(v));
    }
    return values.includes(wanted);
  });
}

/** Answers a list resource's query. */
export function runListing(ctx: FakeContext, spec: ListingSpec, query: URLSearchParams): Listing {
  let root = spec.defaultRoot;
  const xsiType = query.get('xsiType');
  if (xsiType && !xsiType.includes(',')) {
    const element = canonicalElement(xsiType);
    if (!element) throw new ListingError(500, `org.nrg.xft.exception.ElementNotFoundException: ${xsiType}`);
    root = element;
  }
  const narrow = (element: string): void => {
    if (element.toLowerCase() !== root.toLowerCase() && isSubtypeOf(element, root)) root = element;
  };

  const columnsParam = query.get('columns');
  const requested = columnsParam && columnsParam !== 'DEFAULT'
    ? [...new Set(columnsParam.split(',').map((c) => c.trim()).filter((c) => c.length > 0))]
    : undefined;
  const columns: Column[] = [];
  for (const name of requested ?? []) {
    const column = resolveColumn(ctx, spec.kind, name);
    if (column) {
      columns.push(column);
      narrow(column.element);
    }
  }
  const filters: { column: Column; value: string }[] = [];
  for (const [name, value] of query) {
    if (CONTROL_PARAMS.has(name.toLowerCase())) continue;
    const column = resolveColumn(ctx, spec.kind, name);
    if (!column) continue;
    filters.push({ column, value });
    narrow(column.element);
  }

  const records = spec.records.filter((r) => instanceOf(r, root) && filters.every((f) => matchesFilter(valueOf(ctx, f.column, r), f.value)));
  const rootIdKey = `${root.toLowerCase()}/id`;

  // The output columns, in XNAT's order.
  type Out = { key: string; value: (record: FakeRecord) => FieldValue };
  const out: Out[] = [];
  const add = (key: string, value: Out['value']): void => {
    if (!out.some((o) => o.key === key)) out.push({ key, value });
  };
  const shortcut = (name: string): Out['value'] => {
    const column = resolveColumn(ctx, spec.kind, name);
    if (!column) throw new Error(`no shortcut ${name} for ${spec.kind}`);
    return (record) => valueOf(ctx, column, record);
  };
  const idOf = shortcut('ID');
  if (requested) {
    for (const column of columns) add(column.key, (record) => valueOf(ctx, column, record));
    if (spec.addRootId) add(rootIdKey, idOf);
    if (spec.addRootId && !isSecureElement(root)) {
      add('xsiType', shortcut('xsiType'));
      add('project', shortcut('project'));
    }
  } else {
    for (const name of spec.defaultColumns) {
      if (name === '#rootid') add(rootIdKey, idOf);
      else if (name !== 'URI') add(name, shortcut(name));
      else add('URI', spec.uriOf);
    }
  }
  add('URI', spec.uriOf);
  // URI sits where the default order puts it; with columns= it comes last.
  if (!requested) {
    const order = spec.defaultColumns.map((c) => (c === '#rootid' ? rootIdKey : c));
    out.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  }

  const rows: Row[] = [];
  for (const record of records) {
    const values = out.map((o) => o.value(record));
    // One row per value of a multi-valued column (XNAT's joined query repeats the row).
    let combos: string[][] = [[]];
    for (const value of values) {
      const options = typeof value === 'string' ? [value] : value.length > 0 ? value : [''];
      combos = combos.flatMap((c) => options.map((o) => [...c, o]));
    }
    for (const combo of combos) {
      const row: Row = {};
      out.forEach((o, i) => { row[o.key] = combo[i] ?? ''; });
      rows.push(row);
    }
  }
  return { rows, keys: out.map((o) => o.key) };
}
