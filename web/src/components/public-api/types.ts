// The Public API page's own shapes: what it picks and binds, and the parts of a key's
// public OpenAPI document it shows. The admin API's answers are in ../../api-types.ts.
import type { Dataset, Widget } from '../../api-types.ts';

export type ResourceKind = 'dataset' | 'widget';

/** A card of the Add Dataset / Add Widget dialog. */
export type PickerItem = Dataset | Widget;

/** A parameter of the key's OpenAPI document, with its $ref resolved. */
export interface OpenApiParam {
  name: string;
  in: string;
  description?: string;
  required?: boolean;
  schema?: {
    type?: string | string[];
    format?: string;
    default?: unknown;
    minimum?: number;
    maximum?: number;
    enum?: unknown[];
  };
  example?: unknown;
}

export interface OpenApiResponse {
  code: string;
  description: string;
  links: string[];
}

export interface Operation {
  summary?: string;
  description?: string;
  parameters: OpenApiParam[];
  responses: OpenApiResponse[];
}

export const kindPath = (kind: ResourceKind) => (kind === 'dataset' ? 'datasets' : 'widgets');
