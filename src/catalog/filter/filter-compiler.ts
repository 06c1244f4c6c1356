import { expressionBuilder, sql } from 'kysely';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { DialectCapabilities } from '../../store/dialects/capabilities.ts';
import { RANGE_INDEXED } from '../../store/index.ts';
import type { Field, Value } from '../types.ts';
import type { FieldNode, FilterNode, Range } from './filter-parser.ts';

type Eb = ExpressionBuilder<any, any>;
type FieldRef = (field: Field) => Expression<any>;

/**
 * Compiles ANDed filter nodes to one Kysely boolean expression over unqualified
 * columns (`field.column`), every value a bound parameter; undefined when there are none.
 * `ref` puts another expression in a field's place (a widget's date bucket or aggregate).
 *
 * @example db.selectFrom(table).selectAll().where(compileFilters(nodes, caps)!)
 */
export function compileFilters(
  nodes: readonly FilterNode[],
  caps: DialectCapabilities,
  opts: { avoidIndexes?: boolean; ref?: FieldRef } = {},
): Expression<SqlBool> | undefined {
  if (nodes.length === 0) return undefined;
  const eb = expressionBuilder<any, any>();
  const ref: FieldRef = opts.ref ?? (opts.avoidIndexes ? (f) => caps.unindexedRef(f.column) : (f) => eb.ref(f.column));
  const parts = nodes.map((node) => compileNode(eb, node, caps, ref));
  return parts.length === 1 ? parts[0] : nested(eb, 'and', parts);
}

/**
 * A condition over a zone map's rows (see `zoneTable` in the store: `<column>_lo` and
 * `<column>_hi` per block) that is true for every block holding a row that matches the
 * ANDed `nodes`; undefined when they rule out no block. Only ranges, equals and in on
 * the zoned `fields` (the table's NUMBER, DATE and DATETIME fields) narrow the blocks, none of which matches null,
 * so a block of nulls alone (bounds null) is ruled out. Conservative on open bounds: a
 * block whose greatest value equals an exclusive lower bound is still a candidate.
 */
export function compileZoneFilters(
  nodes: readonly FilterNode[],
  caps: DialectCapabilities,
  fields: readonly Field[],
): Expression<SqlBool> | undefined {
  const eb = expressionBuilder<any, any>();
  const zoned = new Set(fields.filter((f) => RANGE_INDEXED.has(f.type)).map((f) => f.column));
  return zoneAll(eb, nodes, { caps, zoned });
}

interface ZoneContext {
  readonly caps: DialectCapabilities;
  /** The columns the zone map has ranges of. */
  readonly zoned: ReadonlySet<string>;
}

function zoneAll(eb: Eb, nodes: readonly FilterNode[], cx: ZoneContext): Expression<SqlBool> | undefined {
  const parts = nodes.map((n) => zoneNode(eb, n, cx)).filter((p) => p !== undefined);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : nested(eb, 'and', parts);
}

/**
 * At most this many alternatives in a filter that narrows the blocks: each costs a test
 * per block and two parameters, and a longer list (a client's thousand values) is left
 * to the filter itself, which rules out no block.
 */
const MAX_ZONE_ALTERNATIVES = 64;

/** Any of `nodes`' conditions; undefined unless each of them has one. */
function zoneAny(eb: Eb, nodes: readonly FilterNode[], cx: ZoneContext): Expression<SqlBool> | undefined {
  if (nodes.length > MAX_ZONE_ALTERNATIVES) return undefined;
  const parts: Expression<SqlBool>[] = [];
  for (const n of nodes) {
    const p = zoneNode(eb, n, cx);
    if (p === undefined) return undefined;
    parts.push(p);
  }
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : nested(eb, 'or', parts);
}

function zoneNode(eb: Eb, node: FilterNode, cx: ZoneContext): Expression<SqlBool> | undefined {
  switch (node.kind) {
    case 'all':
      return zoneAll(eb, node.nodes, cx);
    case 'either':
      return zoneAny(eb, node.nodes, cx);
    case 'any':
      return zoneAny(eb, node.nodes, cx);
    case 'equals':
    case 'in':
    case 'ranges':
      break;
    default:
      return undefined;
  }
  const field = node.field;
  if (!RANGE_INDEXED.has(field.type) || !cx.zoned.has(field.column)) return undefined;
  const caps = cx.caps;
  const lo = eb.ref(`${field.column}_lo`);
  const hi = eb.ref(`${field.column}_hi`);
  const holds = (v: Value) => {
    const p = param(eb, caps, field, v);
    return eb.and([eb(lo, '<=', p), eb(hi, '>=', p)]);
  };
  switch (node.kind) {
    case 'equals':
      return holds(node.value);
    case 'in':
      if (node.values.length === 0 || node.values.length > MAX_ZONE_ALTERNATIVES) return undefined;
      return nested(eb, 'or', node.values.map(holds));
    case 'ranges':
      if (node.ranges.length > MAX_ZONE_ALTERNATIVES) return undefined;
      return nested(
        eb,
        'or',
        node.ranges.map((r) => {
          const sides: Expression<SqlBool>[] = [];
          if (r.lo !== null) sides.push(eb(hi, '>=', param(eb, caps, field, r.lo)));
          if (r.hi !== null) sides.push(eb(lo, '<=', param(eb, caps, field, r.hi)));
          if (sides.length === 0) return eb(hi, 'is not', null);
          return sides.length === 1 ? sides[0] : eb.and(sides);
        }),
      );
  }
}

/**
 * At most this many terms in one flat AND or OR. SQLite parses `a OR b OR c …` into a
 * tree as deep as the list is long and refuses one deeper than 1000 (SQLITE_MAX_EXPR_DEPTH);
 * longer lists (many intervals, a filter repeated many times) are nested in groups of
 * this size, whose depth grows with the logarithm of their length. Lists up to this
 * size compile as they always have.
 */
const MAX_FLAT_TERMS = 64;

/** `eb.and`/`eb.or` of `parts`, nested in groups of at most MAX_FLAT_TERMS. */
function nested(eb: Eb, op: 'and' | 'or', parts: readonly Expression<SqlBool>[]): Expression<SqlBool> {
  if (parts.length <= MAX_FLAT_TERMS) return eb[op]([...parts]);
  const groups: Expression<SqlBool>[] = [];
  for (let i = 0; i < parts.length; i += MAX_FLAT_TERMS) {
    const group = parts.slice(i, i + MAX_FLAT_TERMS);
    groups.push(group.length === 1 ? group[0] : eb[op](group));
  }
  return nested(eb, op, groups);
}

/**
 * `ref` contains `text`, case-insensitively for all of Unicode (see
 * `DialectCapabilities.containsText`); `%`, `_` and `\` in the text match themselves.
 * The filter language's contains, and the console's searches.
 */
export function containsText(caps: DialectCapabilities, ref: Expression<unknown>, text: string): Expression<SqlBool> {
  return caps.containsText(ref, text);
}

function compileNode(eb: Eb, node: FilterNode, caps: DialectCapabilities, ref: FieldRef): Expression<SqlBool> {
  switch (node.kind) {
    case 'all':
    case 'either': {
      const parts = node.nodes.map((n) => compileNode(eb, n, caps, ref));
      return parts.length === 1 ? parts[0] : nested(eb, node.kind === 'all' ? 'and' : 'or', parts);
    }
    case 'negate':
      // SQL's NOT of an unknown (a comparison with null) is unknown, which WHERE drops;
      // OData's `not` is two-valued: true wherever the operand is not true.
      return sql<SqlBool>`(${compileNode(eb, node.node, caps, ref)}) is not true`;
    case 'never':
      return sql<SqlBool>`1 = 0`;
    default:
      return compileFieldNode(eb, node, caps, ref);
  }
}

function compileFieldNode(eb: Eb, node: FieldNode, caps: DialectCapabilities, ref: FieldRef): Expression<SqlBool> {
  const col = ref(node.field);
  switch (node.kind) {
    case 'null':
      return eb(col, 'is', null);
    case 'text':
      return caps.matchText(col, node.value, node.match, node.ignoreCase);
    case 'empty':
      return node.field.type === 'TEXT' ? eb.or([eb(col, 'is', null), eb(col, '=', '')]) : eb(col, 'is', null);
    case 'contains':
      return containsText(caps, col, node.value);
    case 'equals':
      return eb(col, '=', param(eb, caps, node.field, node.value));
    case 'ranges': {
      const alternatives = node.ranges.map((r) => compileRange(eb, node.field, r, caps, col));
      return alternatives.length === 1 ? alternatives[0] : nested(eb, 'or', alternatives);
    }
    case 'in':
      return eb(
        col,
        'in',
        node.values.map((v) => param(eb, caps, node.field, v)),
      );
    case 'any':
      return nested(
        eb,
        'or',
        node.nodes.map((n) => compileNode(eb, n, caps, ref)),
      );
    case 'not':
      // Nulls are excluded without a test of their own: every node but `empty` is null
      // on a null value, and NOT of null is null.
      if (node.node.kind === 'equals') return eb(col, '<>', param(eb, caps, node.field, node.node.value));
      if (node.node.kind === 'in')
        return eb(
          col,
          'not in',
          node.node.values.map((v) => param(eb, caps, node.field, v)),
        );
      return eb.not(compileNode(eb, node.node, caps, ref));
  }
}

function compileRange(
  eb: Eb,
  field: Field,
  range: Range,
  caps: DialectCapabilities,
  col: Expression<any>,
): Expression<SqlBool> {
  const sides: Expression<SqlBool>[] = [];
  if (range.lo !== null) sides.push(eb(col, range.loExclusive ? '>' : '>=', param(eb, caps, field, range.lo)));
  if (range.hi !== null) sides.push(eb(col, range.hiExclusive ? '<' : '<=', param(eb, caps, field, range.hi)));
  // The parser never emits a range unbounded on both sides; if one comes, it means "any value".
  if (sides.length === 0) return eb(col, 'is not', null);
  return sides.length === 1 ? sides[0] : eb.and(sides);
}

/** Always a bound parameter, whatever the encoded value looks like. */
function param(eb: Eb, caps: DialectCapabilities, field: Field, value: Value): Expression<unknown> {
  return eb.val(caps.encode(field.type, value));
}
