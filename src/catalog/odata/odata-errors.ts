/**
 * A request the OData feed refuses: 400 for what is not valid OData, 501 for valid OData
 * the service does not implement (OData 4.0 Part 1, section 9.3.1). `code` is the
 * `error.code` of the OData error body.
 */
export class ODataQueryError extends Error {
  constructor(
    readonly status: 400 | 501,
    readonly code: 'BadRequest' | 'NotImplemented',
    message: string,
  ) {
    super(message);
  }
}
