// The field and value types live in shared/ so that store/ can use them without
// importing the catalog; the catalog speaks of them under this name too.
export * from '../shared/field-types.ts';
