/**
 * OAuth (contract §2), dedicated connection requests (§4) and developer helpers (§7): their tags,
 * shared components and scope. The operations themselves are declared with their routes
 * (`schema` in oauth/oauth-routes.ts, oauth/metadata-routes.ts, connections/connection-routes.ts,
 * consent/consent-routes.ts, helpers/helper-routes.ts).
 */
import type { DocumentationPart } from './openapi-types.ts';
import { PDX_COMPONENTS } from './pdx-components.ts';

export function pdxDocumentation(): DocumentationPart {
  return {
    tags: [
      {
        name: 'OAuth2',
        description: 'The OAuth2 server: client credentials, introspection, revocation, metadata.',
      },
      {
        name: 'Connection requests',
        description: 'Dedicated connection requests: registration, first time connection, update.',
      },
      {
        name: 'Developer helpers',
        description: 'The master schema for developers: datasets, fields and their types, lookup lists.',
      },
      {
        name: 'OpenID Connect',
        description:
          'Sign in with MydexID (docs/oidc.md): discovery, authorization, userinfo, logout; the token endpoint is shared.',
      },
    ],
    components: PDX_COMPONENTS,
    scopes: { 'mydex:pdx': 'Global access scope' },
  };
}
