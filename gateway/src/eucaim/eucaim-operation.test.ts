import { readFileSync } from 'node:fs';
import { buildSchema, getVariableValues, parse, validate, type OperationDefinitionNode } from 'graphql';
import { API_SCHEMA_PATH } from '@cancer-imaging/schema';
import { describe, expect, it } from 'vitest';
import { EUCAIM_SEARCH_OPERATION } from './eucaim-operation.js';
import { parseEucaimQuery } from './eucaim-query.js';

const schema = buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8'));
const document = parse(EUCAIM_SEARCH_OPERATION);

describe('the EUCAIM search operation', () => {
  it('is a valid query of the public API schema', () => {
    expect(validate(schema, document)).toEqual([]);
  });

  it('accepts the criteria every EUCAIM parameter produces as its $criteria variable', () => {
    const query = parseEucaimQuery(new URLSearchParams('gender=female&gender=unknown&diagnosis=C71&modality=PET&modality=RID10312&bodyPart=76752008&manufacturer=GE MEDICAL SYSTEMS'));
    expect(query.ok).toBe(true);
    if (!query.ok) return;
    const operation = document.definitions[0] as OperationDefinitionNode;
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], { criteria: query.criteria });
    expect(coerced.errors).toBeUndefined();
    expect(coerced.coerced?.['criteria']).toEqual({
      sex: ['FEMALE', 'UNKNOWN'],
      cancerTypes: ['GLIOMA', 'GLIOBLASTOMA'],
      modalities: ['PT', 'MR'],
      bodyParts: ['BREAST'],
      manufacturers: ['GE MEDICAL SYSTEMS'],
    });
  });
});
