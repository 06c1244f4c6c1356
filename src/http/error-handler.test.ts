import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_ERRORS, AdminError, DomainError, type DomainErrorCode } from '../shared/errors.ts';
import { classify } from './error-handler.ts';

describe('classify', () => {
  it('a domain failure carries its code, its message and its status in the catalog', () => {
    const want: Record<DomainErrorCode, number> = {
      NOT_FOUND: 404,
      INVALID_INPUT: 400,
      CONFLICT: 409,
      IMPORT_INVALID: 400,
      SOURCE_FAILED: 502,
    };
    for (const [code, status] of Object.entries(want) as [DomainErrorCode, number][]) {
      assert.deepEqual(classify(new DomainError(code, `because ${code}`)), {
        kind: 'domain',
        code,
        status,
        message: `because ${code}`,
      });
      assert.equal(ADMIN_ERRORS[code].status, status);
    }
  });

  it('an admin failure stays an admin one, whatever its code', () => {
    assert.deepEqual(classify(new AdminError('INVALID_INPUT', 'no')), {
      kind: 'admin',
      code: 'INVALID_INPUT',
      message: 'no',
    });
  });

  it('an unknown error is internal', () => {
    assert.deepEqual(classify(new Error('boom')), { kind: 'internal' });
  });
});
