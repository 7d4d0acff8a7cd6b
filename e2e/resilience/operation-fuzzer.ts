import {
  buildSchema, getNamedType, getNullableType, getOperationAST, isEnumType, isInputObjectType, isInterfaceType, isLeafType, isListType,
  isNonNullType, isObjectType, isScalarType, isUnionType, parse,
  type GraphQLArgument, type GraphQLField, type GraphQLInputType, type GraphQLNamedType, type GraphQLObjectType, type GraphQLSchema,
} from 'graphql';
import { DEFAULT_FIELD_WEIGHTS, DEFAULT_LIST_SIZE, DEFAULT_OPERATION_LIMITS, measureOperation } from '@cancer-imaging/gateway';
import type { SeededRandom } from '../support/seeded-random.js';

/**
 * Random requests for the gateway, from a seeded PRNG: about half valid operations walked
 * from the client-facing schema (schema/api.graphql) within the gateway's limits, half
 * invalid in every way a client can get a request wrong, from the GraphQL document to the
 * HTTP envelope. Each invalid case names the codes the error catalogue promises for it.
 */

/** Ids and cursors that exist in the running graph, so valid operations ask for real things. */
export interface FuzzPools {
  readonly datasetIds: readonly string[];
  readonly providerIds: readonly string[];
  /** endCursor values of Query.datasets pages. */
  readonly datasetCursors: readonly string[];
}

export interface FuzzRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Query string for GET, with the leading `?`; '' otherwise. */
  readonly search: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface FuzzCase {
  readonly category: string;
  readonly valid: boolean;
  /** Codes this case must be refused with (at least one of its errors); empty for a valid case. */
  readonly expectedCodes: readonly string[];
  readonly request: FuzzRequest;
  /** What was sent, short, for failure messages and reproduction. */
  readonly summary: string;
}

/** The gateway's limits (gateway/src/config.ts defaults), which valid operations stay within. */
const LIMITS = { ...DEFAULT_OPERATION_LIMITS, listSize: DEFAULT_LIST_SIZE };
const COST_MODEL = { listSize: LIMITS.listSize, fieldWeights: DEFAULT_FIELD_WEIGHTS, unknownPageSize: LIMITS.maxPageSize };

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
/** Apollo's CSRF prevention lets a GET through only with a preflight-forcing header. */
const GET_HEADERS = { 'apollo-require-preflight': 'true', accept: 'application/json' };

const COUNTRIES = ['NL', 'ES', 'IT', 'DE', 'GR', 'FR', 'PT'];
const MANUFACTURERS = ['SIEMENS', 'GE MEDICAL SYSTEMS', 'Philips', 'TOSHIBA', 'Canon'];
const WORDS = ['prostate', 'lung', 'breast', 'mri', 'synthetic', 'cohort', 'screening', 'tumour', 'ct', 'glioma', 'zz'];

const OMIT = Symbol('omit');
type Value = unknown;

/** Faults injected while an operation is walked from the schema. */
type DocumentFault =
  | 'unknown-field' | 'unknown-argument' | 'wrong-argument-type' | 'missing-required-argument' | 'bad-enum-value'
  | 'invalid-variable' | 'page-size-over-limit' | 'leaf-with-selection' | 'object-without-selection' | 'undefined-variable';

const DOCUMENT_FAULT_CODES: Record<DocumentFault, readonly string[]> = {
  'unknown-field': ['GRAPHQL_VALIDATION_FAILED'],
  'unknown-argument': ['GRAPHQL_VALIDATION_FAILED'],
  // docs/errors.md: a bad argument value is always BAD_USER_INPUT with the argument named.
  'wrong-argument-type': ['BAD_USER_INPUT'],
  'missing-required-argument': ['GRAPHQL_VALIDATION_FAILED'],
  'bad-enum-value': ['BAD_USER_INPUT'],
  'invalid-variable': ['BAD_USER_INPUT'],
  'page-size-over-limit': ['BAD_USER_INPUT'],
  'leaf-with-selection': ['GRAPHQL_VALIDATION_FAILED'],
  'object-without-selection': ['GRAPHQL_VALIDATION_FAILED'],
  'undefined-variable': ['GRAPHQL_VALIDATION_FAILED'],
};

interface BuiltOperation {
  readonly query: string;
  readonly variables: Record<string, unknown>;
  readonly operationName?: string;
  readonly type: 'query' | 'mutation';
}

/** Custom scalars: the gateway passes them through unchecked, so only their owners can refuse a bad one. */
function isBuiltInScalar(type: GraphQLNamedType): boolean {
  return isScalarType(type) && ['Int', 'Float', 'String', 'Boolean', 'ID'].includes(type.name);
}

class OperationWalker {
  private aliasCount = 0;
  private varCount = 0;
  private readonly varDefs: string[] = [];
  readonly variables: Record<string, unknown> = {};
  injected = false;

  constructor(
    private readonly r: SeededRandom,
    private readonly schema: GraphQLSchema,
    private readonly pools: FuzzPools,
    private readonly useVariables: boolean,
    private readonly fault: DocumentFault | undefined,
  ) {}

  /** Whether to inject the fault here (once per operation, at a random opportunity). */
  private inject(fault: DocumentFault, p = 0.35): boolean {
    if (this.fault !== fault || this.injected || !this.r.chance(p)) return false;
    this.injected = true;
    return true;
  }

  operation(type: 'query' | 'mutation'): BuiltOperation {
    const root = type === 'query' ? this.schema.getQueryType()! : this.schema.getMutationType()!;
    const fields = Object.values(root.getFields());
    // Small documents: each new one costs the gateway a query plan, and 5,000 of them must
    // fit in about a minute on a shared machine. Size does not find more bugs than variety.
    const chosen = type === 'mutation' ? [this.r.pick(fields)] : this.r.some(fields, 1, 2);
    const maxDepth = this.r.int(1, 5);
    const items = chosen.map((field) => this.field(root, field, 1, maxDepth, false)).filter((item): item is string => item !== undefined);
    if (items.length === 0) items.push('__typename');
    const name = this.r.chance(0.4) ? `Fuzz${this.r.int(1, 9999)}` : undefined;
    const header = this.varDefs.length > 0 || name ? `${type} ${name ?? ''}${this.varDefs.length > 0 ? `(${this.varDefs.join(', ')})` : ''} ` : type === 'mutation' ? 'mutation ' : '';
    return { query: `${header}{ ${items.join(' ')} }`, variables: this.variables, ...(name && this.r.chance(0.7) && { operationName: name }), type };
  }

  private selection(type: GraphQLNamedType, depth: number, maxDepth: number, inFragment: boolean): string[] {
    const items: string[] = [];
    if (isUnionType(type)) {
      for (const member of this.r.some(type.getTypes(), 1, 2)) items.push(`... on ${member.name} { ${this.selection(member, depth, maxDepth, true).join(' ')} }`);
      return ['__typename', ...items];
    }
    if (!isObjectType(type) && !isInterfaceType(type)) return ['__typename'];
    const fields = Object.values(type.getFields());
    for (const field of this.r.some(fields, 1, Math.min(3, fields.length))) {
      const item = this.field(type, field, depth, maxDepth, inFragment);
      if (item !== undefined) items.push(item);
    }
    if (this.r.chance(0.1)) items.push('__typename');
    if (isInterfaceType(type) && this.r.chance(0.25)) {
      const concrete = this.r.pick(this.schema.getPossibleTypes(type));
      // Everything under an inline fragment is aliased when it has arguments, so it never
      // conflicts with the same field asked with other arguments outside it.
      items.push(`... on ${concrete.name} { ${this.selection(concrete, depth, maxDepth, true).join(' ')} }`);
    }
    if (items.length === 0) items.push('__typename');
    if (this.inject('unknown-field', 0.2)) items.splice(this.r.int(0, items.length), 0, `zzNoSuchField${this.r.int(1, 99)}`);
    return items;
  }

  private field(parent: GraphQLObjectType | GraphQLNamedType, field: GraphQLField<unknown, unknown>, depth: number, maxDepth: number, inFragment: boolean): string | undefined {
    const named = getNamedType(field.type);
    const leaf = isLeafType(named);
    if (!leaf && depth >= maxDepth) return undefined;
    const args = this.argumentsOf(parent.name, field, depth);
    const aliased = (inFragment && field.args.length > 0) || this.r.chance(0.05);
    const alias = aliased ? `a${(this.aliasCount += 1)}: ` : '';
    if (leaf) {
      if (this.inject('leaf-with-selection', 0.1)) return `${alias}${field.name}${args} { id }`;
      return `${alias}${field.name}${args}`;
    }
    if (this.inject('object-without-selection', 0.15)) return `${alias}${field.name}${args}`;
    return `${alias}${field.name}${args} { ${this.selection(named, depth + 1, maxDepth, inFragment).join(' ')} }`;
  }

  private argumentsOf(parentName: string, field: GraphQLField<unknown, unknown>, depth: number): string {
    const parts: string[] = [];
    for (const arg of field.args) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      if (!required && !this.r.chance(0.5)) continue;
      if (required && this.inject('missing-required-argument', 0.5)) continue;
      const rendered = this.argument(parentName, field.name, arg, depth);
      if (rendered !== undefined) parts.push(`${arg.name}: ${rendered}`);
    }
    if (this.inject('unknown-argument', 0.1)) parts.push(`zzBogus${this.r.int(1, 9)}: ${this.r.int(0, 9)}`);
    return parts.length > 0 ? `(${parts.join(', ')})` : '';
  }

  private argument(parentName: string, fieldName: string, arg: GraphQLArgument, depth: number): string | undefined {
    if (this.inject('undefined-variable', 0.1)) return `$undeclared${this.r.int(1, 9)}`;
    if ((arg.name === 'first' || arg.name === 'last') && this.inject('page-size-over-limit', 0.6)) return String(this.r.int(LIMITS.maxPageSize + 1, 100_000));
    const value = this.value(arg.type, arg.name, fieldName, depth);
    if (value === OMIT) return undefined;
    if (this.useVariables && this.r.chance(0.5)) {
      const name = `v${(this.varCount += 1)}`;
      this.varDefs.push(`$${name}: ${String(arg.type)}`);
      const named = getNamedType(arg.type);
      this.variables[name] = !isScalarType(named) || isBuiltInScalar(named) ? (this.inject('invalid-variable', 0.5) ? this.wrongJson(arg.type) : value) : value;
      return `$${name}`;
    }
    if (this.fault === 'wrong-argument-type' && !this.injected && isBuiltInOrStructured(arg.type) && this.r.chance(0.5)) {
      this.injected = true;
      return this.wrongLiteral(arg.type);
    }
    return this.literal(value, arg.type);
  }

  /** A valid value for an argument or input field, shaped by what the name means in this graph. */
  private value(type: GraphQLInputType, name: string, fieldName: string, depth: number): Value | typeof OMIT {
    const r = this.r;
    const inner = getNullableType(type);
    if (name === 'first' || name === 'last') return r.int(0, fieldName === 'datasets' && depth === 1 ? LIMITS.maxPageSize : 10);
    if (name === 'after') return fieldName === 'datasets' && this.pools.datasetCursors.length > 0 && r.chance(0.5) ? r.pick(this.pools.datasetCursors) : OMIT;
    if (name === 'deadlineMs') return r.int(500, 3_000);
    if (name === 'afterSequence') return r.int(0, 100);
    if (name === 'datasetIds') return r.some(this.pools.datasetIds, 1, 3);
    if (name === 'providerIds') return r.some(this.pools.providerIds, 1, 3);
    if (name === 'countries') return r.some(COUNTRIES, 1, 3);
    if (name === 'manufacturers') return r.some(MANUFACTURERS, 1, 2);
    if (name === 'text') return r.some(WORDS, 1, 3).join(' ');
    if (name === 'ageAtDiagnosis') return this.range(0, 100);
    if (name === 'yearOfDiagnosis') return this.range(1990, 2025);
    if (name === 'id' || name === 'datasetId') {
      if (fieldName === 'dataset' || name === 'datasetId') return r.chance(0.8) ? r.pick(this.pools.datasetIds) : `nowhere:custom:no-such-${r.int(1, 99)}`;
      if (fieldName === 'provider') return r.chance(0.8) ? r.pick(this.pools.providerIds) : `no-such-site-${r.int(1, 99)}`;
      return `00000000-0000-4000-8000-${String(r.int(0, 999_999_999_999)).padStart(12, '0')}`;
    }
    if (isListType(inner)) {
      const item = getNullableType(inner.ofType);
      if (isEnumType(item)) return r.some(item.getValues().map((v) => v.name), 1, 3);
      const values = Array.from({ length: r.int(1, 2) }, () => this.value(inner.ofType, name, fieldName, depth)).filter((v) => v !== OMIT);
      return values;
    }
    if (isEnumType(inner)) return r.pick(inner.getValues()).name;
    if (isInputObjectType(inner)) {
      const object: Record<string, unknown> = {};
      for (const field of Object.values(inner.getFields())) {
        const required = isNonNullType(field.type) && field.defaultValue === undefined;
        if (!required && !r.chance(0.4)) continue;
        const value = this.value(field.type, field.name, fieldName, depth);
        if (value !== OMIT) object[field.name] = value;
      }
      return object;
    }
    if (isScalarType(inner)) {
      switch (inner.name) {
        case 'Int': return r.int(0, 50);
        case 'Float': return r.int(0, 1000) / 10;
        case 'Boolean': return r.chance(0.5);
        case 'ID': return `id-${r.int(1, 9999)}`;
        case 'DateTime': return new Date(Date.UTC(2030, r.int(0, 11), r.int(1, 28))).toISOString();
        default: return r.some(WORDS, 1, 4).join(' ');
      }
    }
    return OMIT;
  }

  private range(low: number, high: number): Record<string, number> {
    const min = this.r.int(low, high);
    const max = this.r.int(min, high);
    const range: Record<string, number> = {};
    if (this.r.chance(0.8)) range['min'] = min;
    if (this.r.chance(0.8)) range['max'] = max;
    return range;
  }

  /** The GraphQL literal of a value; enum positions may get a value that does not exist (the bad-enum-value fault). */
  private literal(value: Value, type: GraphQLInputType): string {
    if (value === null) return 'null';
    const inner = getNullableType(type);
    if (isListType(inner)) return `[${(value as Value[]).map((item) => this.literal(item, inner.ofType)).join(', ')}]`;
    if (isInputObjectType(inner)) {
      const fields = inner.getFields();
      return `{ ${Object.entries(value as Record<string, Value>).map(([key, item]) => `${key}: ${this.literal(item, fields[key]!.type)}`).join(', ')} }`;
    }
    if (isEnumType(inner)) return this.inject('bad-enum-value', 0.5) ? `ZZ_NOT_A_${inner.name.toUpperCase()}` : String(value);
    return JSON.stringify(value);
  }

  /** A literal of the wrong type for `type`. */
  private wrongLiteral(type: GraphQLInputType): string {
    const r = this.r;
    if (isNonNullType(type) && r.chance(0.3)) return 'null';
    const inner = getNullableType(type);
    if (isListType(inner)) return `[${this.wrongLiteral(inner.ofType)}]`;
    if (isInputObjectType(inner)) return r.pick(['"criteria"', '42', '{ zzNoSuchInputField: 1 }']);
    if (isEnumType(inner)) return r.pick([`"${inner.getValues()[0]!.name}"`, '7', 'true']);
    switch ((inner as GraphQLNamedType).name) {
      case 'Int': return r.pick(['"ten"', '1.5', 'true', '99999999999']);
      case 'Float': return r.pick(['"x"', 'true']);
      case 'Boolean': return r.pick(['"yes"', '1']);
      case 'ID': return r.pick(['1.5', 'true', '{ a: 1 }']);
      default: return r.pick(['123', 'true', '{ a: 1 }']);
    }
  }

  /** A JSON value of the wrong type for a variable of `type`. */
  private wrongJson(type: GraphQLInputType): unknown {
    const r = this.r;
    if (isNonNullType(type) && r.chance(0.3)) return null;
    const inner = getNullableType(type);
    if (isListType(inner)) return [this.wrongJson(inner.ofType)];
    if (isInputObjectType(inner)) return r.pick(['criteria', 42, { zzNoSuchInputField: 1 }]);
    if (isEnumType(inner)) return r.pick(['ZZ_NOT_A_VALUE', 7, true]);
    switch ((inner as GraphQLNamedType).name) {
      case 'Int': return r.pick(['ten', 1.5, true, 99_999_999_999]);
      case 'Float': return r.pick(['x', true]);
      case 'Boolean': return r.pick(['yes', 1]);
      case 'ID': return r.pick([1.5, true, { a: 1 }]);
      default: return r.pick([123, true, { a: 1 }, [1, 2]]);
    }
  }
}

/** Positions where the gateway itself checks the type (built-in scalars, enums, inputs of them). */
function isBuiltInOrStructured(type: GraphQLInputType): boolean {
  const named = getNamedType(type);
  return isEnumType(named) || isInputObjectType(named) || isBuiltInScalar(named);
}

/**
 * Whether an operation is within the gateway's limits, measured as the gateway measures it:
 * every limit for a valid operation; all but the page size for one whose fault is the page
 * size (the gateway checks it before the cost, which a huge page inflates).
 */
function withinLimits(schema: GraphQLSchema, operation: BuiltOperation, ignorePageSize = false): boolean {
  const document = parse(operation.query);
  const ast = getOperationAST(document, operation.operationName);
  if (!ast) return false;
  const measure = measureOperation(schema, document, ast, operation.variables, COST_MODEL);
  if (measure.depth > LIMITS.maxDepth || measure.aliases > LIMITS.maxAliases) return false;
  return ignorePageSize || (measure.cost <= LIMITS.maxCost && (measure.largestPage?.value ?? 0) <= LIMITS.maxPageSize);
}

/** Faults the gateway finds only after validation, where an operation over a limit would be refused for that instead. */
const FAULTS_AFTER_VALIDATION: ReadonlySet<DocumentFault> = new Set(['invalid-variable', 'page-size-over-limit']);

function post(body: unknown, headers: Readonly<Record<string, string>> = JSON_HEADERS): FuzzRequest {
  return { method: 'POST', search: '', headers, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function get(params: Record<string, string>): FuzzRequest {
  return { method: 'GET', search: `?${new URLSearchParams(params).toString()}`, headers: GET_HEADERS };
}

function short(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
}

export class OperationFuzzer {
  readonly schema: GraphQLSchema;

  constructor(apiSdl: string, private readonly r: SeededRandom, private readonly pools: FuzzPools) {
    this.schema = buildSchema(apiSdl);
  }

  /** The next case: a valid operation about half the time, else one of the invalid kinds. */
  next(): FuzzCase {
    return this.r.chance(0.5) ? this.valid() : this.invalid();
  }

  private walk(type: 'query' | 'mutation', fault?: DocumentFault): BuiltOperation & { injected: boolean } {
    const walker = new OperationWalker(this.r, this.schema, this.pools, this.r.chance(0.3) || fault === 'invalid-variable', fault);
    const operation = walker.operation(type);
    return { ...operation, injected: walker.injected };
  }

  private valid(): FuzzCase {
    const type = this.r.chance(0.1) ? 'mutation' : 'query';
    for (let attempt = 0; ; attempt += 1) {
      const operation = this.walk(type);
      if (!withinLimits(this.schema, operation)) {
        if (attempt < 50) continue;
        throw new Error(`no operation within the limits after 50 attempts (seed ${this.r.seed})`);
      }
      const body = { query: operation.query, variables: operation.variables, ...(operation.operationName && { operationName: operation.operationName }) };
      // Queries sometimes as GET, as caches and browsers send them.
      const request = type === 'query' && this.r.chance(0.1)
        ? get({ query: operation.query, variables: JSON.stringify(operation.variables), ...(operation.operationName && { operationName: operation.operationName }) })
        : post(body);
      return { category: `valid ${type}${request.method === 'GET' ? ' (GET)' : ''}${Object.keys(operation.variables).length > 0 ? ' with variables' : ''}`, valid: true, expectedCodes: [], request, summary: short(JSON.stringify(body)) };
    }
  }

  private invalid(): FuzzCase {
    const r = this.r;
    const kinds: (() => FuzzCase)[] = [
      ...(Object.keys(DOCUMENT_FAULT_CODES) as DocumentFault[]).map((fault) => () => this.documentFault(fault)),
      () => this.syntaxError(),
      () => this.overDepth(),
      () => this.overAliases(),
      () => this.overTokens(),
      () => this.fragmentCycle(),
      () => this.outOfRangeArgument(),
      () => this.unknownOperationName(),
      () => this.ambiguousOperation(),
      () => this.subscription(),
      () => this.invalidJson(),
      () => this.wrongContentType(),
      () => this.getMutation(),
      () => this.bodyTooLarge(),
      () => this.emptyOrNonObjectBody(),
      () => this.batch(),
      () => this.malformedEnvelope(),
      () => this.wrongMethod(),
      () => this.unknownPersistedQuery(),
    ];
    return r.pick(kinds)();
  }

  private documentFault(fault: DocumentFault): FuzzCase {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const operation = this.walk(this.r.chance(0.1) ? 'mutation' : 'query', fault);
      if (!operation.injected) continue;
      if (FAULTS_AFTER_VALIDATION.has(fault) && !withinLimits(this.schema, operation, fault === 'page-size-over-limit')) continue;
      const body = { query: operation.query, variables: operation.variables, ...(operation.operationName && { operationName: operation.operationName }) };
      return { category: fault, valid: false, expectedCodes: DOCUMENT_FAULT_CODES[fault], request: post(body), summary: short(JSON.stringify(body)) };
    }
    throw new Error(`could not inject ${fault} in 100 operations (seed ${this.r.seed})`);
  }

  private syntaxError(): FuzzCase {
    const r = this.r;
    for (;;) {
      const { query } = this.walk('query');
      const broken = r.pick([
        () => query.slice(0, r.int(1, query.length - 1)),
        () => { const at = r.int(0, query.length); return query.slice(0, at) + r.pick(['{', '}', '(', ')', '!!', '$', '"', '...', '@', '#\n}', '\u0000', '\u0007', '💥']) + query.slice(at); },
        () => query.replace(/\{/, ''),
        () => `qurey ${query}`,
      ])();
      try {
        parse(broken);
      } catch {
        return { category: 'syntax-error', valid: false, expectedCodes: ['GRAPHQL_PARSE_FAILED'], request: post({ query: broken }), summary: short(broken) };
      }
    }
  }

  private overDepth(): FuzzCase {
    // dataset → provider → datasets → provider … : depth 16 to 40 (the limit is 15).
    const depth = this.r.int(LIMITS.maxDepth + 1, 40);
    let inner = 'id';
    for (let level = depth - 1; level >= 1; level -= 1) inner = `${level % 2 === 1 ? 'provider' : 'datasets'} { ${inner} }`;
    const query = `{ dataset(id: ${JSON.stringify(this.r.pick(this.pools.datasetIds))}) { ${inner} } }`;
    return { category: 'depth-over-limit', valid: false, expectedCodes: ['OPERATION_TOO_COMPLEX'], request: post({ query }), summary: short(query) };
  }

  private overAliases(): FuzzCase {
    const count = this.r.int(LIMITS.maxAliases + 1, 120);
    const query = `{ ${Array.from({ length: count }, (_, i) => `p${i}: providers { id }`).join(' ')} }`;
    return { category: 'aliases-over-limit', valid: false, expectedCodes: ['OPERATION_TOO_COMPLEX'], request: post({ query }), summary: short(query) };
  }

  private overTokens(): FuzzCase {
    // Repeated fields are valid GraphQL and merge; only their number is wrong.
    const repeats = this.r.int(LIMITS.maxTokens, 20_000);
    const query = `{ providers { ${'id '.repeat(repeats)}} }`;
    return { category: 'tokens-over-limit', valid: false, expectedCodes: ['OPERATION_TOO_COMPLEX'], request: post({ query }), summary: short(query) };
  }

  private fragmentCycle(): FuzzCase {
    const length = this.r.int(1, 4);
    const names = Array.from({ length }, (_, i) => `F${i}`);
    const fragments = names.map((name, i) => `fragment ${name} on Provider { id ...${names[(i + 1) % length]} }`).join(' ');
    const query = `query { providers { ...F0 } } ${fragments}`;
    return { category: 'fragment-cycle', valid: false, expectedCodes: ['GRAPHQL_VALIDATION_FAILED'], request: post({ query }), summary: short(query) };
  }

  /** Values of the right type that the graph refuses: out of range, inverted, not a cursor, too long. */
  private outOfRangeArgument(): FuzzCase {
    const r = this.r;
    const criteria = `{ cancerTypes: [${r.pick(['LUNG', 'BREAST', 'PROSTATE'])}] }`;
    const query = r.pick([
      () => `{ providers { id cohort(criteria: ${criteria}, deadlineMs: ${r.pick([-1, 0, 99, 60_001, 1_000_000])}) { status } } }`,
      () => `{ providers { id cohort(criteria: { ageAtDiagnosis: { min: ${r.int(60, 100)}, max: ${r.int(0, 59)} } }) { status } } }`,
      () => `{ providers { id cohort(criteria: { yearOfDiagnosis: { min: ${r.int(2015, 2025)}, max: ${r.int(1990, 2014)} } }) { status } } }`,
      () => `{ datasets(after: ${JSON.stringify(r.pick(['not-a-cursor', 'eyJ2Ijo5OX0', '', '💥'.repeat(10)]))}) { totalCount } }`,
      () => `{ datasets(first: ${r.int(-100, -1)}) { totalCount } }`,
      () => `{ datasets(filter: { text: ${JSON.stringify('x'.repeat(r.int(257, 2_000)))} }) { totalCount } }`,
    ])();
    return { category: 'out-of-range-argument', valid: false, expectedCodes: ['BAD_USER_INPUT'], request: post({ query }), summary: short(query) };
  }

  private unknownOperationName(): FuzzCase {
    const body = { query: 'query Sites { providers { id } } query Catalogue { datasets { totalCount } }', operationName: this.r.pick(['Nope', 'sites', 'Sites2']) };
    return { category: 'unknown-operation-name', valid: false, expectedCodes: ['OPERATION_RESOLUTION_FAILURE'], request: post(body), summary: JSON.stringify(body) };
  }

  /** Two operations and no operationName: which one to run cannot be resolved. */
  private ambiguousOperation(): FuzzCase {
    const query = this.r.pick(['{ providers { id } } { datasets { totalCount } }', 'query A { providers { id } } query B { datasets { totalCount } }']);
    return { category: 'ambiguous-operation', valid: false, expectedCodes: ['OPERATION_RESOLUTION_FAILURE', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST'], request: post({ query }), summary: query };
  }

  /** The schema has no Subscription type. */
  private subscription(): FuzzCase {
    const query = this.r.pick(['subscription { providers { id } }', 'subscription S { datasets { totalCount } }']);
    return { category: 'subscription', valid: false, expectedCodes: ['GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE'], request: post({ query }), summary: query };
  }

  private invalidJson(): FuzzCase {
    const text = JSON.stringify({ query: '{ providers { id } }', variables: {} });
    const body = this.r.pick([
      () => text.slice(0, this.r.int(1, text.length - 1)),
      () => text.replace(':', ''),
      () => `${text}}`,
      () => "{'query': '{ providers { id } }'}",
      () => '\u0000\u0001\u0002',
    ])();
    return { category: 'invalid-json', valid: false, expectedCodes: ['BAD_REQUEST'], request: post(body), summary: short(body) };
  }

  private wrongContentType(): FuzzCase {
    const contentType = this.r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/graphql', '']);
    const headers: Record<string, string> = contentType === '' ? {} : { 'content-type': contentType };
    return { category: 'wrong-content-type', valid: false, expectedCodes: ['BAD_REQUEST'], request: post({ query: '{ providers { id } }' }, headers), summary: `content-type: ${contentType || '(none)'}` };
  }

  private getMutation(): FuzzCase {
    const query = this.r.pick(['mutation { saveCohort(criteria: { cancerTypes: [LUNG] }) { id } }', 'mutation { revokeGrant(id: "x") { id } }']);
    return { category: 'get-mutation', valid: false, expectedCodes: ['BAD_REQUEST'], request: get({ query }), summary: `GET ${query}` };
  }

  private bodyTooLarge(): FuzzCase {
    const size = this.r.int(1_000_001, 1_300_000);
    const body = JSON.stringify({ query: `{ providers { id } }${' '.repeat(size)}` });
    return { category: 'body-over-1-mb', valid: false, expectedCodes: ['OPERATION_TOO_LARGE'], request: post(body), summary: `${body.length} bytes` };
  }

  private emptyOrNonObjectBody(): FuzzCase {
    const body = this.r.pick(['', 'null', '42', '"{ providers { id } }"', 'true', '{}']);
    return { category: 'empty-or-non-object-body', valid: false, expectedCodes: ['BAD_REQUEST'], request: post(body), summary: JSON.stringify(body) };
  }

  private batch(): FuzzCase {
    const body = Array.from({ length: this.r.int(1, 5) }, () => ({ query: '{ providers { id } }' }));
    return { category: 'batch-array', valid: false, expectedCodes: ['BAD_REQUEST'], request: post(body), summary: short(JSON.stringify(body)) };
  }

  /** A JSON object, but not a GraphQL request: no query, a query that is not a string, variables that are not an object. */
  private malformedEnvelope(): FuzzCase {
    const body = this.r.pick<Record<string, unknown>>([
      { variables: {} },
      { query: 42 },
      { query: ['{ providers { id } }'] },
      { query: '{ providers { id } }', variables: '{"a":1}' },
      { query: '{ providers { id } }', variables: [1, 2] },
      { query: '{ providers { id } }', operationName: 7 },
      { query: '{ providers { id } }', extensions: 'x' },
    ]);
    return { category: 'malformed-envelope', valid: false, expectedCodes: ['BAD_REQUEST'], request: post(body), summary: JSON.stringify(body) };
  }

  private wrongMethod(): FuzzCase {
    const method = this.r.pick(['PUT', 'DELETE', 'PATCH'] as const);
    return { category: 'wrong-method', valid: false, expectedCodes: ['BAD_REQUEST'], request: { ...post({ query: '{ providers { id } }' }), method }, summary: method };
  }

  private unknownPersistedQuery(): FuzzCase {
    const hash = Array.from({ length: 64 }, () => '0123456789abcdef'[this.r.int(0, 15)]).join('');
    const body = { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
    return { category: 'unknown-persisted-query', valid: false, expectedCodes: ['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'], request: post(body), summary: JSON.stringify(body) };
  }
}
