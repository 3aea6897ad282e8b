/** The parts of OpenAPI 3.1 this module writes, typed loosely: schemas are plain JSON Schema objects. */

export type JsonSchema = Record<string, unknown>;

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'options';

export interface ParameterObject {
  name: string;
  in: 'query' | 'header' | 'path' | 'cookie';
  description?: string;
  required?: boolean;
  schema?: JsonSchema;
  style?: string;
  explode?: boolean;
  [extension: string]: unknown;
}

export interface Reference {
  $ref: string;
}

interface MediaTypeObject {
  schema?: JsonSchema;
  [more: string]: unknown;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, { description?: string; schema: JsonSchema } | Reference>;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: (ParameterObject | Reference)[];
  requestBody?: { description?: string; required?: boolean; content: Record<string, MediaTypeObject> } | Reference;
  responses: Record<string, ResponseObject | Reference>;
  /** absent: the document's default (none); [] means no authentication */
  security?: Record<string, string[]>[];
  [extension: string]: unknown;
}

export interface TagObject {
  name: string;
  description?: string;
}

export interface Components {
  schemas?: Record<string, JsonSchema>;
  responses?: Record<string, ResponseObject>;
  parameters?: Record<string, ParameterObject>;
  headers?: Record<string, { description?: string; schema: JsonSchema }>;
}

/** One operation the document may describe, keyed by its OpenAPI path and method. */
export interface DocumentedOperation {
  method: HttpMethod;
  /** OpenAPI form: /api/pds/pds/{file} */
  path: string;
  operation: OperationObject;
  /** further route paths the same operation answers (the `.json` and `.xml` forms of a template path) */
  aliases?: readonly string[];
  /**
   * Operations of a group are described only once their routes are registered, and then all of
   * them must be (IDaaS, whose routes arrive separately from the reference document).
   */
  group?: string;
}

/**
 * Routes described by rule rather than one by one: the member web app's pages, which are for
 * people, not clients, and change with the pages.
 */
export interface FamilyDescription {
  /** the route family's name (src/http/route-family.ts): its routes without an entry of their own */
  family: string;
  /** the operation for a registered route of the family (`path` in OpenAPI form) */
  describe(method: HttpMethod, path: string): OperationObject;
}

/** Everything a part of the API contributes to the document. */
export interface DocumentationPart {
  tags: TagObject[];
  /** operations described apart from their routes (Mydex's reference documents); the rest come with their routes */
  operations?: DocumentedOperation[];
  components?: Components;
  /** descriptions of OAuth scopes this part's operations name */
  scopes?: Record<string, string>;
  families?: FamilyDescription[];
}
