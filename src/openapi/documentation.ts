/** Every part of the OpenPDX document, in the order the reference page lists them. */
import type { AppContext } from '../app-context.ts';
import { datasetDocumentation } from './dataset-operations.ts';
import type { DocumentationPart } from './openapi-types.ts';
import { pdxDocumentation } from './pdx-operations.ts';
import { featureBlockDocumentation, idaasDocumentation } from './reference-operations.ts';
import { serviceDocumentation } from './service-operations.ts';
import { templateDocumentation } from './template-operations.ts';

export type DocumentationContext = Pick<AppContext, 'config' | 'templates'>;

export function openPdxDocumentation(ctx: DocumentationContext): DocumentationPart[] {
  const features = featureBlockDocumentation();
  return [
    pdxDocumentation(),
    datasetDocumentation(),
    features,
    templateDocumentation(ctx.templates.registry),
    idaasDocumentation(features.components ?? {}),
    serviceDocumentation(ctx.config.env),
  ];
}
