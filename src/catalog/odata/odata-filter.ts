import type { Field, Value } from '../types.ts';
import { FILTER_RULES, parseDate, parseDateTime, parseNumber } from '../values/values.ts';
import { foldCase } from '../../shared/text.ts';
import { MAX_IN_VALUES, type FilterNode, type Range, type TextMatch } from '../filter/filter-parser.ts';
import { ODataQueryError } from './odata-errors.ts';

// `$filter` (OData 4.0 Part 2, URL Conventions, section 5.1.1; the rules named below
// are those of the OData ABNF, odata-abnf-construction-rules.txt) read by recursive
// descent into the filter language's nodes (../filter/filter-parser.ts), so that both
// front ends compile through one query builder. What this parser takes:
//
//   boolCommonExpr = orExpr                      ; "or" binds loosest, then "and", then "not"
//   orExpr         = andExpr *( RWS "or" RWS andExpr )
//   andExpr        = notExpr *( RWS "and" RWS notExpr )
//   notExpr        = "not" RWS notExpr / compareExpr
//   compareExpr    = commonExpr [ RWS ( eqExpr / neExpr / ltExpr / leExpr / gtExpr / geExpr / inExpr ) ]
//   commonExpr     = primitiveLiteral / memberExpr / methodCallExpr / parenExpr
//   methodCallExpr = ( containsMethodCallExpr / startsWithMethodCallExpr / endsWithMethodCallExpr
//                    / toLowerMethodCallExpr / toUpperMethodCallExpr )
//   inExpr         = "in" RWS "(" commonExpr *( COMMA commonExpr ) ")"
//   primitiveLiteral = nullValue / booleanValue / string / decimalValue / int64Value / dateValue
//                    / dateTimeOffsetValue
//
// Written here rather than taken from npm: @odata/parser 0.2.14 (the maintained fork of
// odata-v4-parser) refuses `Id in (1,2)`, reports only "Unexpected character at N", and
// yields a token tree that would need translating anyway.
//
// memberExpr is a single property name (no navigation, no lambdas). A comparison of two
// properties, an arithmetic operator or any other function is valid OData that this
// service does not implement: 501, as the protocol asks. Anything else that does not
// parse is 400.

/** The most nodes (comparisons, operators, literals) a `$filter` may hold; Power BI's folded filters stay far below. */
const MAX_TERMS = 2000;
/** How deep parentheses and `not` may nest before the filter is refused, well under any stack limit. */
const MAX_DEPTH = 100;

type Token =
  | { t: 'punct'; v: '(' | ')' | ',' }
  | { t: 'word'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: string }
  | { t: 'date'; v: string }
  | { t: 'datetime'; v: string };

const DATETIME_RE = /^-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?:Z|[+-]\d{2}:\d{2})/i;
const DATE_RE = /^-?\d{4}-\d{2}-\d{2}(?![\dT:])/;
const NUMBER_RE = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const WORD_RE = /^[A-Za-z_\p{L}\p{Nl}][\w\p{L}\p{Nl}\p{Nd}\p{Mn}\p{Mc}\p{Pc}\p{Cf}]*/u;

function bad(message: string): never {
  throw new ODataQueryError(400, 'BadRequest', `$filter: ${message}`);
}

function unsupported(message: string): never {
  throw new ODataQueryError(501, 'NotImplemented', `$filter: ${message}`);
}

/** Splits `$filter` into tokens; white space (RWS/BWS) only separates them. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c });
      i++;
      continue;
    }
    if (c === "'") {
      // string = SQUOTE *( SQUOTE-in-string / pchar-no-SQUOTE ) SQUOTE; '' is one quote.
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) bad(`unterminated string starting at position ${i + 1}`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += text[j++];
      }
      out.push({ t: 'string', v });
      i = j + 1;
      continue;
    }
    const rest = text.slice(i, i + 64);
    const m =
      (DATETIME_RE.exec(rest) && { t: 'datetime' as const, m: DATETIME_RE.exec(rest)! }) ||
      (DATE_RE.exec(rest) && { t: 'date' as const, m: DATE_RE.exec(rest)! }) ||
      (NUMBER_RE.exec(rest) && { t: 'number' as const, m: NUMBER_RE.exec(rest)! });
    if (m) {
      out.push({ t: m.t, v: m.m[0] });
      i += m.m[0].length;
      continue;
    }
    const w = WORD_RE.exec(text.slice(i));
    if (w) {
      out.push({ t: 'word', v: w[0] });
      i += w[0].length;
      continue;
    }
    if ('+-*/:$@.'.includes(c)) unsupported(`${JSON.stringify(c)} at position ${i + 1} is not supported`);
    bad(`unexpected character ${JSON.stringify(c)} at position ${i + 1}`);
  }
  return out;
}

/** An operand before it is typed: a property (maybe folded by tolower/toupper) or a literal. */
type Operand =
  | { k: 'prop'; field: Field; fold: 'lower' | 'upper' | null }
  | { k: 'lit'; tok: Token | { t: 'null' | 'bool'; v: string } }
  | { k: 'bool'; node: FilterNode };

const COMPARE = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;
type CompareOp = (typeof COMPARE)[number];
const FLIPPED: Record<CompareOp, CompareOp> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };
const TEXT_METHODS = new Map<string, TextMatch>([
  ['contains', 'contains'],
  ['startswith', 'startswith'],
  ['endswith', 'endswith'],
]);
/** Functions of OData 4.0 that are valid but not implemented here: 501 rather than 400. */
const KNOWN_FUNCTIONS = new Set([
  'length', 'indexof', 'substring', 'trim', 'concat', 'year', 'month', 'day', 'hour', 'minute', 'second',
  'fractionalseconds', 'totalseconds', 'date', 'time', 'totaloffsetminutes', 'now', 'mindatetime', 'maxdatetime',
  'round', 'floor', 'ceiling', 'cast', 'isof', 'geo.distance', 'geo.length', 'geo.intersects', 'has', 'matchesPattern',
]); // prettier-ignore
const ARITHMETIC = new Set(['add', 'sub', 'mul', 'div', 'divby', 'mod', 'has']);

/**
 * Parses a `$filter` against properties (OData name → field) into one filter node.
 * Throws ODataQueryError: 400 for what is not OData, 501 for OData it does not implement.
 *
 * @example parseODataFilter("Status eq 'Open' and Priority gt 2", properties)
 */
export function parseODataFilter(text: string, properties: ReadonlyMap<string, Field>): FilterNode {
  const tokens = tokenize(text);
  if (tokens.length === 0) bad('the filter is empty');
  if (tokens.length > MAX_TERMS) bad(`the filter has more than ${MAX_TERMS} terms`);
  let pos = 0;
  let depth = 0;

  const peek = (): Token | undefined => tokens[pos];
  const isWord = (w: string) => {
    const t = tokens[pos];
    return t !== undefined && t.t === 'word' && t.v === w;
  };
  const expectPunct = (v: '(' | ')' | ',', what: string) => {
    const t = tokens[pos];
    if (t === undefined || t.t !== 'punct' || t.v !== v) bad(`expected ${JSON.stringify(v)} ${what}, got ${show(t)}`);
    pos++;
  };
  const deeper = () => {
    if (++depth > MAX_DEPTH) bad(`the filter nests deeper than ${MAX_DEPTH} levels`);
  };

  function orExpr(): FilterNode {
    const parts = [andExpr()];
    while (isWord('or')) {
      pos++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0] : Object.freeze({ kind: 'either', nodes: Object.freeze(parts) });
  }

  function andExpr(): FilterNode {
    const parts = [notExpr()];
    while (isWord('and')) {
      pos++;
      parts.push(notExpr());
    }
    return parts.length === 1 ? parts[0] : Object.freeze({ kind: 'all', nodes: Object.freeze(parts) });
  }

  function notExpr(): FilterNode {
    if (isWord('not')) {
      pos++;
      deeper();
      const node = notExpr();
      depth--;
      return Object.freeze({ kind: 'negate', node });
    }
    return compareExpr();
  }

  function compareExpr(): FilterNode {
    const left = commonExpr();
    const t = peek();
    if (t?.t === 'word' && (COMPARE as readonly string[]).includes(t.v)) {
      pos++;
      return compare(t.v as CompareOp, left, commonExpr());
    }
    if (t?.t === 'word' && t.v === 'in') {
      pos++;
      return inList(left);
    }
    if (t?.t === 'word' && ARITHMETIC.has(t.v)) unsupported(`the operator "${t.v}" is not supported`);
    return asBoolean(left);
  }

  function commonExpr(): Operand {
    const t = peek();
    if (t === undefined) bad('the filter ends where an operand was expected');
    if (t.t === 'punct' && t.v === '(') {
      pos++;
      deeper();
      const node = orExpr();
      depth--;
      expectPunct(')', 'to close the parenthesis');
      return { k: 'bool', node };
    }
    if (t.t === 'punct') bad(`unexpected ${JSON.stringify(t.v)}`);
    pos++;
    if (t.t !== 'word') return { k: 'lit', tok: t };
    if (t.v === 'null') return { k: 'lit', tok: { t: 'null', v: 'null' } };
    if (t.v === 'true' || t.v === 'false') return { k: 'lit', tok: { t: 'bool', v: t.v } };
    const next = peek();
    if (next?.t === 'punct' && next.v === '(') return methodCall(t.v);
    if (next?.t === 'string') unsupported(`typed literals such as ${t.v}'…' are not supported`);
    const field = properties.get(t.v);
    if (field !== undefined) return { k: 'prop', field, fold: null };
    if (t.v === 'INF' || t.v === 'NaN') unsupported(`the literal ${t.v} is not supported`);
    return bad(`unknown property ${JSON.stringify(t.v)}; properties are: ${[...properties.keys()].join(', ')}`);
  }

  function methodCall(name: string): Operand {
    pos++; // "("
    const match = TEXT_METHODS.get(name);
    if (match !== undefined) {
      const target = commonExpr();
      expectPunct(',', `between the arguments of ${name}()`);
      const value = commonExpr();
      expectPunct(')', `to close ${name}()`);
      return { k: 'bool', node: textMethod(name, match, target, value) };
    }
    if (name === 'tolower' || name === 'toupper') {
      const arg = commonExpr();
      expectPunct(')', `to close ${name}()`);
      if (arg.k !== 'prop' || arg.fold !== null)
        unsupported(`${name}() is supported on a property only, as in ${name}(Name)`);
      if (arg.field.type !== 'TEXT') bad(`${name}() takes a text property; ${show(arg)} is ${arg.field.type}`);
      return { k: 'prop', field: arg.field, fold: name === 'tolower' ? 'lower' : 'upper' };
    }
    if (KNOWN_FUNCTIONS.has(name)) unsupported(`the function ${name}() is not supported`);
    return bad(`unknown function ${name}()`);
  }

  function textMethod(name: string, match: TextMatch, target: Operand, value: Operand): FilterNode {
    if (target.k !== 'prop') unsupported(`${name}() is supported with a property first, as in ${name}(Name,'x')`);
    if (target.field.type !== 'TEXT') bad(`${name}() takes a text property; ${show(target)} is ${target.field.type}`);
    if (value.k !== 'lit' || value.tok.t !== 'string') bad(`${name}() takes a string literal second, as in 'x'`);
    return textNode(target, match, value.tok.v);
  }

  function inList(left: Operand): FilterNode {
    expectPunct('(', 'after "in"');
    const items: Operand[] = [];
    for (;;) {
      items.push(commonExpr());
      if (items.length > MAX_IN_VALUES) bad(`an "in" list holds at most ${MAX_IN_VALUES} values`);
      const t = peek();
      if (t?.t === 'punct' && t.v === ',') {
        pos++;
        continue;
      }
      expectPunct(')', 'to close the "in" list');
      break;
    }
    const prop = operandProp(left, 'in');
    const alternatives = items.map((item) => compare('eq', prop, item));
    const values: Value[] = [];
    const others: FilterNode[] = [];
    for (const n of alternatives) {
      if (n.kind === 'equals') values.push(n.value);
      else others.push(n);
    }
    const nodes: FilterNode[] = [...others];
    if (values.length > 0)
      nodes.unshift(Object.freeze({ kind: 'in', field: prop.field, values: Object.freeze(values) }));
    return nodes.length === 1 ? nodes[0] : Object.freeze({ kind: 'either', nodes: Object.freeze(nodes) });
  }

  const node = orExpr();
  if (pos < tokens.length) bad(`unexpected ${show(tokens[pos])} after a complete expression`);
  return node;
}

function show(x: Token | Operand | undefined): string {
  if (x === undefined) return 'the end of the filter';
  if ('k' in x) return x.k === 'prop' ? JSON.stringify(x.field.name) : 'an expression';
  if (x.t === 'string') return `'${x.v.replace(/'/g, "''")}'`;
  return JSON.stringify(x.v);
}

function operandProp(op: Operand, what: string): Extract<Operand, { k: 'prop' }> {
  if (op.k === 'prop') return op;
  return unsupported(`"${what}" is supported with a property on its left only`);
}

/** A boolean operand on its own: a condition, or a BOOLEAN property meaning "is true". */
function asBoolean(op: Operand): FilterNode {
  if (op.k === 'bool') return op.node;
  if (op.k === 'prop' && op.field.type === 'BOOLEAN' && op.fold === null)
    return Object.freeze({ kind: 'equals', field: op.field, value: true });
  if (op.k === 'lit' && op.tok.t === 'bool')
    return op.tok.v === 'true' ? Object.freeze({ kind: 'negate', node: NEVER }) : NEVER;
  return bad(`${op.k === 'prop' ? JSON.stringify(op.field.name) : 'a literal'} is not a condition`);
}

const NEVER: FilterNode = Object.freeze({ kind: 'never' });

/**
 * `fold(field)` matched against `value`: case-sensitive without a fold; with one, no row
 * when the value can't be a fold's result.
 */
function textNode(prop: Extract<Operand, { k: 'prop' }>, match: TextMatch, value: string): FilterNode {
  if (prop.fold === null) return Object.freeze({ kind: 'text', field: prop.field, match, value, ignoreCase: false });
  const folded = prop.fold === 'lower' ? foldCase(value) : value.toUpperCase();
  if (folded !== value) return NEVER;
  return Object.freeze({ kind: 'text', field: prop.field, match, value, ignoreCase: true });
}

function compare(op: CompareOp, left: Operand, right: Operand): FilterNode {
  if (left.k === 'bool' || right.k === 'bool') {
    if (op !== 'eq' && op !== 'ne') bad(`"${op}" does not compare conditions`);
    const [cond, other] = left.k === 'bool' ? [left, right] : [right, left];
    const c = (cond as { node: FilterNode }).node;
    if (other.k === 'lit' && other.tok.t === 'bool') {
      const positive = (other.tok.v === 'true') === (op === 'eq');
      return positive ? c : Object.freeze({ kind: 'negate', node: c });
    }
    return unsupported('a condition compares only with true or false');
  }
  if (left.k === 'lit' && right.k === 'prop') return compare(FLIPPED[op], right, left);
  if (left.k === 'prop' && right.k === 'prop') unsupported('comparing two properties is not supported');
  if (left.k !== 'prop' || right.k !== 'lit') return unsupported('comparing two literals is not supported');
  const { field } = left;
  const tok = right.tok;
  if (tok.t === 'null') {
    const isNull: FilterNode = Object.freeze({ kind: 'null', field });
    // Any other comparison with null is false (URL Conventions 5.1.1.1).
    return op === 'eq' ? isNull : op === 'ne' ? Object.freeze({ kind: 'negate', node: isNull }) : NEVER;
  }
  if (left.fold !== null) {
    if (op !== 'eq' && op !== 'ne') unsupported(`"${op}" on tolower()/toupper() is not supported; use eq or ne`);
    if (tok.t !== 'string') bad(`${JSON.stringify(field.name)} is compared with a string literal, as in 'x'`);
    const node = textNode(left, 'equals', tok.v);
    return op === 'eq' ? node : Object.freeze({ kind: 'negate', node });
  }
  const value = literalFor(field, tok);
  const equals: FilterNode = Object.freeze({ kind: 'equals', field, value });
  if (op === 'eq') return equals;
  // Two-valued: a null is "not equal" (URL Conventions 5.1.1.1.2), unlike the filter language's [ne].
  if (op === 'ne') return Object.freeze({ kind: 'negate', node: equals });
  if (field.type === 'BOOLEAN') unsupported(`"${op}" on the boolean ${JSON.stringify(field.name)} is not supported`);
  const range: Range =
    op === 'gt'
      ? { lo: value, hi: null, loExclusive: true }
      : op === 'ge'
        ? { lo: value, hi: null }
        : op === 'lt'
          ? { lo: null, hi: value, hiExclusive: true }
          : { lo: null, hi: value };
  return Object.freeze({ kind: 'ranges', field, ranges: Object.freeze([Object.freeze(range)]) });
}

/** A literal as a value of `field`'s type; a literal of another type is 400. */
function literalFor(field: Field, tok: Token | { t: 'null' | 'bool'; v: string }): Value {
  const mismatch = (): never =>
    bad(`${JSON.stringify(field.name)} is ${EDM_NAMES[field.type]}; ${show(tok as Token)} is not a value of that type`);
  switch (field.type) {
    case 'TEXT':
      return tok.t === 'string' ? tok.v : mismatch();
    case 'BOOLEAN':
      return tok.t === 'bool' ? tok.v === 'true' : mismatch();
    case 'NUMBER': {
      if (tok.t !== 'number') return mismatch();
      const n = parseNumber(tok.v, FILTER_RULES);
      return n === null ? bad(`the number ${tok.v} is out of range`) : n;
    }
    case 'DATE': {
      if (tok.t !== 'date') return mismatch();
      return parseDate(tok.v, FILTER_RULES) ?? bad(`${tok.v} is not a valid date`);
    }
    case 'DATETIME': {
      // A date on a DATETIME property means its midnight, UTC.
      if (tok.t !== 'datetime' && tok.t !== 'date') return mismatch();
      return parseDateTime(tok.v, FILTER_RULES) ?? bad(`${tok.v} is not a valid date-time`);
    }
  }
}

const EDM_NAMES = {
  TEXT: 'Edm.String',
  NUMBER: 'a number',
  BOOLEAN: 'Edm.Boolean',
  DATE: 'Edm.Date',
  DATETIME: 'Edm.DateTimeOffset',
} as const;
