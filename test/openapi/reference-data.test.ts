/**
 * The JSON copies of Mydex's reference documents that the runtime reads stay equal to the vendored
 * YAML, and the document's feature-block operations are the reference's, plus only the contract's
 * additions.
 */
import { describe, expect, it } from 'vitest';
import type { OperationObject } from '../../src/openapi/openapi-types.ts';
import { FEATURE_BLOCKS_REFERENCE, featureBlockDocumentation } from '../../src/openapi/reference-operations.ts';
import { toOpenApi31 } from '../../src/openapi/reference-conversion.ts';
import { loadReference, readCopy, REFERENCE_COPIES, referenceJson } from './reference-data.ts';

describe('src/openapi/reference', () => {
  it.each(REFERENCE_COPIES)(
    '%s is copied, unchanged, to %s (regenerate: npx tsx test/openapi/reference-data.ts)',
    (yamlPath, jsonPath) => {
      expect(JSON.parse(readCopy(jsonPath))).toEqual(loadReference(yamlPath));
      expect(readCopy(jsonPath)).toBe(referenceJson(yamlPath));
    },
  );
});

describe('the feature-block operations', () => {
  const part = featureBlockDocumentation();
  const ours = new Map((part.operations ?? []).map((o) => [`${o.method} ${o.path}`, o.operation]));
  const reference = Object.entries(FEATURE_BLOCKS_REFERENCE.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ key: `${method} ${path}`, op: toOpenApi31(op as OperationObject) })),
  );

  it('are the reference’s fifteen and POST /referrals/add', () => {
    expect(reference).toHaveLength(15);
    expect([...ours.keys()].sort()).toEqual([...reference.map((r) => r.key), 'post /referrals/add'].sort());
  });

  it.each(reference.map((r) => [r.key, r.op] as const))(
    '%s keeps the reference’s parameters, body, security and responses, adding only 403/404',
    (key, op) => {
      const mine = ours.get(key)!;
      const { responses, ...rest } = mine;
      const { responses: theirs, ...theirRest } = op;
      expect(rest).toEqual(theirRest);
      for (const [status, response] of Object.entries(theirs)) expect(responses[status]).toEqual(response);
      expect(
        Object.keys(responses)
          .filter((s) => !(s in theirs))
          .every((s) => s === '403' || s === '404'),
      ).toBe(true);
    },
  );

  it('turns nullable into a null type, and adds the optional service_identifier', () => {
    const schemas = part.components!.schemas!;
    const createEvent = schemas.CalendarEventCreateRequestBody as { allOf: { properties?: Record<string, unknown> }[] };
    expect(createEvent.allOf[1]!.properties!.type).toMatchObject({ type: ['string', 'null'], enum: ['Appointment', null] });
    expect(JSON.stringify(schemas)).not.toContain('"nullable"');
    expect((schemas.SecureMessage as { properties: Record<string, unknown> }).properties.service_identifier).toMatchObject({
      format: 'uuid',
    });
  });
});
