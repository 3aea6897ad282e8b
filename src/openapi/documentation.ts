/** Every part of the OpenPDX document, in the order the reference page lists them. */
import type { AppContext } from '../app-context.ts';
import type { DocumentationPart } from './openapi-types.ts';
import { pdxDocumentation } from './pdx-operations.ts';
import { featureBlockDocumentation, idaasDocumentation } from './reference-operations.ts';
import { serviceDocumentation } from './service-operations.ts';

export type DocumentationContext = Pick<AppContext, 'config'>;

export function openPdxDocumentation(ctx: DocumentationContext): DocumentationPart[] {
  const features = featureBlockDocumentation();
  return [
    pdxDocumentation(),
    // The dataset operations come with their routes (pds/dataset-docs.ts); their tag goes here.
    {
      tags: [{ name: 'Datasets', description: 'The dataset API: metadata instances and transactional rows.' }],
    },
    features,
    // The template operations come with their routes (templates/template-docs.ts); their tag goes here.
    {
      tags: [
        {
          name: 'Templates',
          description: 'Templates, made from the template registry: each level lists the next at `…/index`.',
        },
      ],
    },
    idaasDocumentation(features.components ?? {}),
    serviceDocumentation(ctx.config.env),
  ];
}
