/** Small builders shared by the routes' schemas (src/openapi/route-schema.ts). */
import { jsonContent, ref } from './pdx-components.ts';
import type { JsonSchema, OperationObject, ResponseObject } from './openapi-types.ts';

const PDX_SCOPE = 'mydex:pdx';
export const PDX_SECURITY = [{ oauth2: [PDX_SCOPE] }];
/** Contract §3: template and feature-block routes also need their route scope. */
export const routeSecurity = (scope: string) => [{ oauth2: [PDX_SCOPE, scope] }];
export const NO_SECURITY: Record<string, string[]>[] = [];

export const jsonResponse = (description: string, schema: JsonSchema): ResponseObject => ({
  description,
  content: jsonContent(schema),
});

export const htmlResponse = (description: string): ResponseObject => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});

/** The 401 and 403 of every bearer-protected PDX route (contract §3). */
export const BEARER_ERRORS = { '401': ref('responses', 'Unauthorized'), '403': ref('responses', 'Forbidden') };

/** A body read as JSON whatever the Content-Type, else as PHP-style form encoding (contract §4). */
export function pdxBody(schema: JsonSchema, description?: string): NonNullable<OperationObject['requestBody']> {
  return {
    required: true,
    ...(description ? { description } : {}),
    content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
  };
}
