// The OData v4 feed's pure side (spec section 11): the entity model, the metadata and
// service documents, and the system query options read into the filter language's
// nodes, so that `$filter` and the filter parameters compile through one query builder.
export { ODataQueryError } from './odata-errors.ts';
export { parseODataFilter } from './odata-filter.ts';
export { buildModel, odataIdentifier, ROW_KEY, type EdmType, type EntitySet, type ModelSource } from './odata-model.ts';
export { metadataXml, NAMESPACE, serviceDocument } from './odata-metadata.ts';
export { formatParameters, parseODataQuery, type ODataQuery, type QueryParams } from './odata-query.ts';
export {
  decodeSkipToken,
  describeVersion,
  encodeSkipToken,
  preferredPageSize,
  sameVersion,
  type DataVersion,
  type SkipToken,
} from './odata-paging.ts';
